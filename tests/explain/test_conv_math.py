"""A clicked pixel of a feature map: kernel x patch + bias = z -> activation, and its share of
the kernel weights' gradients, against the engine's own numbers (the trace's weighted sum,
Conv2D.weighted_sum and the backward pass's gradients)."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.commands.layer_spec import network_from_specs
from nnstudio.data.bundled import load_bundled
from nnstudio.errors import ConfigError
from nnstudio.explain import walk_session_step, worksheet_csv
from nnstudio.explain.conv_math import conv_pixel_math, pixel_of
from nnstudio.project import Session, demo_project


def conv_session(first: dict, second: dict | None = None) -> Session:
    """The 8x8 digit pictures through Rescaling, ``first`` (a Conv2D config), optionally a
    second Conv2D, Flatten and the output."""
    ds = load_bundled("digits-images")
    project = demo_project()
    project.data_source = dict(ds.source)
    specs = [{"class": "Conv2D", "config": first}]
    if second is not None:
        specs.append({"class": "Conv2D", "config": second})
    specs.append({"class": "Flatten", "config": {}})
    project.network = network_from_specs(ds, specs)
    return Session.open(project, dataset=ds)


@pytest.mark.parametrize("first, second", [
    ({"filters": 4, "activation": "relu"}, None),
    ({"filters": 3, "kernel_size": 5, "padding": "same", "activation": "tanh"}, None),
    ({"filters": 2, "strides": 2, "padding": "same"}, {"filters": 3, "activation": "leaky_relu"}),
])
def test_every_pixel_equals_the_engine_weighted_sum_and_activation(first, second):
    session = conv_session(first, second)
    walk = walk_session_step(session, 5)
    net = session.network
    for li, lt in enumerate(walk.trace.layers):
        if lt.kind != "Conv2D":
            continue
        direct = net.layers[li].weighted_sum(lt.input[None])[0]
        np.testing.assert_allclose(direct, lt.weighted_sum, rtol=0, atol=1e-6)
        h, w, f = lt.output.shape
        shares = np.zeros_like(walk.trace.gradients[f"{lt.name}/W"], dtype=np.float64)
        for r in range(h):
            for c in range(w):
                for m in range(f):
                    math = conv_pixel_math(walk, net, li, r, c, m)
                    assert math.z == pytest.approx(float(lt.weighted_sum[r, c, m]), abs=2e-6)
                    assert math.a == pytest.approx(float(lt.output[r, c, m]), abs=2e-6)
                    shares[..., m] += math.weight_grads
        # The backward pass: every pixel's share of each kernel weight adds up to the
        # gradient the engine computed for that weight.
        np.testing.assert_allclose(shares, walk.trace.gradients[f"{lt.name}/W"], rtol=1e-4, atol=1e-6)


def test_the_caption_writes_the_sum_out_and_the_backward_pass():
    session = conv_session({"filters": 4})
    walk = walk_session_step(session, 5)
    m = conv_pixel_math(walk, session.network, 1, 2, 3, 1)
    assert m.patch_text == "rows 3-5, columns 4-6"
    assert m.caption.startswith("conv2d_1, map 2, row 3, column 4: the 3x3 kernel of filter 2 lies "
                                "on the input's rows 3-5, columns 4-6. Kernel \u00d7 patch: ")
    assert m.caption.count(" \u00d7 ") == 9 + 1  # nine products, and "Kernel × patch"
    assert "over all 36 pixels of the map" in m.backward_caption
    with pytest.raises(ConfigError, match="row must be 1 to 6, got 7"):
        conv_pixel_math(walk, session.network, 1, 6, 0, 0)
    with pytest.raises(ConfigError, match="not a Conv2D"):
        conv_pixel_math(walk, session.network, 0, 0, 0, 0)
    assert pixel_of((6, 6, 4), (2 * 6 + 3) * 4 + 1) == (2, 3, 1)


def test_a_conv_walk_has_picture_captions_and_a_worksheet():
    session = conv_session({"filters": 4})
    walk = walk_session_step(session, 5)
    assert "goes in as a 8x8 grey picture: 64 pixel values" in walk.stage("input").caption
    assert ("conv2d_1 (Conv2D) slides each of its filters over 1 map of 8x8 and makes 4 maps of "
            "6x6 (ReLU).") in walk.stage("layers").caption
    assert walk.featured[0].endswith("/W") and walk.weights_before[walk.featured[0]].ndim == 2
    text = worksheet_csv(walk)
    assert "conv2d_1/W filter 4 kernel row 3 column 3 channel 1" in text
