"""Conv2D, Flatten and Rescaling: gradients against finite differences (float64 networks),
outputs against a direct loop-based convolution, equality with torch's conv when torch is
importable, shapes and their plain-word errors, traces, project files and uint8 inputs."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import SGD, Conv2D, Dense, Flatten, MaxPool2D, Network, Rescaling, fit
from nnstudio.engine.shapes import infer_shapes, summary_lines
from nnstudio.errors import ConfigError


def reference_conv(x, W, b, stride, padding):
    """A plain loop over output pixels: the definition, slow and obvious."""
    n, h, w, c = x.shape
    k, f = W.shape[0], W.shape[3]
    if padding == "same":
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + k - h, 0), max((ow - 1) * stride + k - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            out[:, i, j, :] = np.tensordot(patch, W, axes=([1, 2, 3], [0, 1, 2])) + b
    return out


def numeric_grad(net, X, Y, eps=1e-6):
    g = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        lp = net.loss.value(net.predict(X), Y)
        net.params[i] = old - eps
        lm = net.loss.value(net.predict(X), Y)
        net.params[i] = old
        g[i] = (lp - lm) / (2 * eps)
    return g


def analytic_grad(net, X, Y):
    buf = net.buffers(len(X))
    p = net.forward_train(X, buf, None)
    net.grads[...] = 0
    net.backward(X, Y, p, buf)
    return net.grads.copy()


CASES = [  # (input shape, kernel, stride, padding, activation)
    ((6, 6, 1), 3, 1, "valid", "relu"),
    ((5, 7, 2), 3, 1, "same", "tanh"),
    ((7, 7, 1), 5, 1, "same", "linear"),
    ((8, 7, 2), 3, 2, "valid", "sigmoid"),
    ((7, 8, 3), 3, 2, "same", "leaky_relu"),
    ((9, 9, 1), 5, 2, "valid", "relu"),
    ((6, 5, 6), 3, 1, "same", "relu"),  # wider inputs take the "rows" im2col
    ((7, 6, 5), 3, 1, "valid", "tanh"),
]


@pytest.mark.parametrize("shape,k,stride,padding,act", CASES)
def test_conv_forward_matches_the_loop_definition(shape, k, stride, padding, act):
    rng = np.random.default_rng(0)
    net = Network(shape, [Conv2D(4, k, stride, padding, activation="linear"), Flatten(),
                          Dense(2, "softmax")], dtype=np.float64, seed=1)
    conv = net.layers[0]
    conv.b[...] = rng.standard_normal(4)
    X = rng.standard_normal((3, *shape))
    buf = net.buffers(3)
    net.forward_train(X, buf, None)
    want = reference_conv(X, conv.W, conv.b, stride, padding)
    assert buf.a[0].shape == want.shape == (3, *conv.output_shape)
    np.testing.assert_allclose(buf.a[0], want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.weighted_sum(X), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape,k,stride,padding,act", CASES)
def test_conv_backprop_matches_finite_differences(shape, k, stride, padding, act):
    # A second conv on top, so the first one's input gradient (col2im) is checked too.
    rng = np.random.default_rng(1)
    net = Network(shape, [Rescaling(0.5, 0.1), Conv2D(3, k, stride, padding, activation=act),
                          Conv2D(2, 3, stride, "same", activation=act), Flatten(),
                          Dense(3, "softmax")], dtype=np.float64, seed=2)
    net.params += rng.standard_normal(net.params.size) * 0.05  # biases away from ReLU kinks
    X = rng.standard_normal((4, *shape))
    Y = net.loss.prepare_targets(rng.integers(0, 3, 4), 3, net.dtype)
    np.testing.assert_allclose(analytic_grad(net, X, Y), numeric_grad(net, X, Y),
                               rtol=1e-5, atol=1e-8)


def test_weights_are_named_by_layer_with_keras_shapes():
    net = Network((8, 8, 1), [Conv2D(16), MaxPool2D(), Conv2D(8, (5, 5), padding="same"),
                              Flatten(), Dense(10, "softmax")])
    shapes = {k: v.shape for k, v in net.get_weights().items()}
    assert shapes == {"conv2d_1/W": (3, 3, 1, 16), "conv2d_1/b": (16,),
                      "conv2d_2/W": (5, 5, 16, 8), "conv2d_2/b": (8,),
                      "dense_1/W": (72, 10), "dense_1/b": (10,)}
    assert [layer.name for layer in net.layers] == ["conv2d_1", "max_pooling2d_1", "conv2d_2",
                                                    "flatten_1", "dense_1"]


def test_conv_backward_writes_the_flat_buffers_in_one_gemm_with_the_bias():
    net = Network((6, 6, 2), [Conv2D(3), Flatten(), Dense(2, "softmax")])
    conv = net.layers[0]
    assert len(conv.grad_views()) == 3  # dW, db and both as one (k*k*c + 1, filters) view
    assert np.shares_memory(conv.grad_views()[2], net.grads)


def test_first_layer_skips_its_input_gradient():
    net = Network((6, 6, 1), [Conv2D(2), Flatten(), Dense(2, "softmax")])
    buf = net.buffers(4)
    assert buf.caches[0].grad_in is None
    fwd, bwd = net.layers[0].flops(input_grad=False)
    assert fwd == bwd == 2 * 4 * 4 * 9 * 2


def test_param_text_and_shapes_in_plain_words():
    shapes = infer_shapes((28, 28, 1), [{"class": "Conv2D", "config": {"filters": 16}},
                                        {"class": "MaxPool2D", "config": {}},
                                        {"class": "Flatten", "config": {}},
                                        {"class": "Dense", "config": {"units": 10, "activation": "softmax"}}])
    assert [s.output_shape for s in shapes] == [(26, 26, 16), (13, 13, 16), (2704,), (10,)]
    assert shapes[0].param_text == ("3x3 kernel \u00d7 1 channel \u00d7 16 filters + 16 biases "
                                    "= 160 parameters")
    assert shapes[0].n_params == 160 and shapes[0].shape_text == "16 maps of 26x26"
    assert shapes[1].param_text.startswith("No parameters")
    lines = summary_lines((28, 28, 1), [Conv2D(16), MaxPool2D(), Flatten(), Dense(10, "softmax")])
    assert lines[0] == ("conv2d_1 (Conv2D): 16 maps of 26x26; 3x3 kernel \u00d7 1 channel \u00d7 16 "
                        "filters + 16 biases = 160 parameters")
    assert lines[2].startswith("flatten_1 (Flatten): 2,704 values; No parameters")


def test_shape_errors_are_explained_before_training():
    conv = {"class": "Conv2D", "config": {"filters": 4}}
    with pytest.raises(ConfigError, match=r"Layer 3 \(conv2d_2\): a 3x3 convolution needs at "
                                          r"least 3x3 pixels; this layer receives 2x2"):
        infer_shapes((8, 8, 1), [conv, {"class": "MaxPool2D", "config": {"pool_size": 3}}, conv])
    with pytest.raises(ConfigError, match=r"Layer 3 \(conv2d_1\): Conv2D needs an image .* "
                                          r"receives 8 values.*put Conv2D before Flatten"):
        infer_shapes(8, [{"class": "Dense", "config": {"units": 8}}, {"class": "Flatten"}, conv])
    with pytest.raises(ConfigError, match=r"receives a 28x28 grid: give the images the shape 28x28x1"):
        infer_shapes((28, 28), [conv])
    with pytest.raises(ConfigError, match=r"Dense needs a flat input .* receives 4 maps of 6x6.*Flatten"):
        infer_shapes((8, 8, 1), [conv, {"class": "Dense", "config": {"units": 2}}])
    with pytest.raises(ConfigError, match="padding must be 'valid'"):
        Conv2D(4, padding="full")
    with pytest.raises(ConfigError, match=r"kernel_size must be one number or a square pair"):
        Conv2D(4, kernel_size=(3, 5))
    with pytest.raises(ConfigError, match="cannot use softmax"):
        Conv2D(4, activation="softmax")
    assert Conv2D(4, activation=None).get_config()["activation"] == "linear" == \
        Conv2D(4, activation="none").get_config()["activation"]
    # "same" keeps even a 1x1 input: the border of zeros makes room for the kernel.
    assert infer_shapes((1, 1, 1), [{"class": "Conv2D", "config": {"filters": 2, "padding": "same"}}]
                        )[0].output_shape == (1, 1, 2)


def test_trace_through_a_conv_net_keeps_the_maps():
    rng = np.random.default_rng(3)
    net = Network((8, 8, 1), [Rescaling(1 / 16), Conv2D(4), MaxPool2D(), Flatten(),
                              Dense(3, "softmax")], seed=0)
    x = rng.integers(0, 17, (8, 8, 1)).astype(np.float32)
    t = net.trace(x, 2)
    conv = t.layers[1]
    assert conv.kind == "Conv2D" and conv.output.shape == (6, 6, 4)
    assert conv.weighted_sum.shape == (6, 6, 4)
    np.testing.assert_allclose(conv.output, np.maximum(conv.weighted_sum, 0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(t.layers[2].output, conv.output.reshape(3, 2, 3, 2, 4).max(axis=(1, 3)))
    # The trace's gradients are the network's own for a batch of this one sample.
    Y = net.loss.prepare_targets(np.array([2]), 3, net.dtype)
    want = analytic_grad(net, x[None], Y)
    got = np.concatenate([t.gradients[k].ravel() for k in net.param_slices()])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert t.layers[1].grad_input.shape == (8, 8, 1)  # a trace computes every input gradient


def test_torch_conv_gives_the_same_outputs_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    net = Network((9, 9, 2), [Conv2D(5, 3, padding="same"), MaxPool2D(), Conv2D(4, 3, 2),
                              Flatten(), Dense(3, "softmax")], seed=5)
    X = rng.random((6, 9, 9, 2), dtype=np.float32)
    y = rng.integers(0, 3, 6)
    Y = net.loss.prepare_targets(y, 3, net.dtype)
    ours = analytic_grad(net, X, Y)
    p = net.predict(X)
    c1, c2, d = net.layers[0], net.layers[2], net.layers[4]
    t = {k: torch.tensor(v, requires_grad=True) for k, v in net.get_weights().items()}
    h = torch.from_numpy(X).permute(0, 3, 1, 2)
    h = torch.relu(torch.nn.functional.conv2d(h, t["conv2d_1/W"].permute(3, 2, 0, 1),
                                              t["conv2d_1/b"], padding=1))
    h = torch.nn.functional.max_pool2d(h, 2)
    h = torch.relu(torch.nn.functional.conv2d(h, t["conv2d_2/W"].permute(3, 2, 0, 1),
                                              t["conv2d_2/b"], stride=2))
    z = h.permute(0, 2, 3, 1).reshape(6, -1) @ t["dense_1/W"] + t["dense_1/b"]
    torch.nn.functional.cross_entropy(z, torch.from_numpy(y)).backward()
    np.testing.assert_allclose(p, torch.softmax(z, 1).detach().numpy(), atol=1e-6)
    theirs = np.concatenate([t[k].grad.numpy().ravel() for k in net.param_slices()])
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert c1.output_shape == (9, 9, 5) and c2.output_shape == (1, 1, 4) and d.units == 3


def test_a_conv_project_file_round_trips(tmp_path):
    from nnstudio.project import Project, load_project, save_project

    net = Network((8, 8, 1), [Rescaling(1 / 16), Conv2D(6, 5, padding="same", name="edges"),
                              MaxPool2D(), Conv2D(4, 3, 2), Flatten(), Dense(10, "softmax")], seed=7)
    project = Project(name="conv", network=net.get_config(), weights=net.get_weights())
    save_project(project, tmp_path / "conv.nnproj")
    loaded = load_project(tmp_path / "conv.nnproj")
    again = Network.from_config(loaded.network)
    again.set_weights(loaded.weights)
    X = np.random.default_rng(0).random((5, 8, 8, 1), dtype=np.float32) * 16
    np.testing.assert_array_equal(again.predict(X), net.predict(X))
    assert again.get_config() == net.get_config() and "edges/W" in loaded.weights


def digits_images():
    from nnstudio.data import load_builtin

    ds = load_builtin("digits")
    X = np.asarray(ds.X).reshape(-1, 8, 8, 1)
    return np.rint(X * (255 / X.max())).astype(np.uint8), np.asarray(ds.y)


def test_uint8_images_train_end_to_end():
    X, y = digits_images()
    net = Network((8, 8, 1), [Rescaling(1 / 255), Conv2D(8), MaxPool2D(), Flatten(),
                              Dense(10, "softmax")], seed=0)
    records = list(fit(net, X[:1200], y[:1200], optimizer=SGD(0.1, momentum=0.9), epochs=5,
                       batch_size=32, seed=0, validation=(X[1200:], y[1200:])))
    assert records[-1].val_acc > 0.9
    # uint8 in, float32 batches: the same as training on the float pixels.
    other = Network((8, 8, 1), [Rescaling(1 / 255), Conv2D(8), MaxPool2D(), Flatten(),
                                Dense(10, "softmax")], seed=0)
    again = list(fit(other, X[:1200].astype(np.float32), y[:1200], optimizer=SGD(0.1, momentum=0.9),
                     epochs=5, batch_size=32, seed=0))
    np.testing.assert_array_equal(other.params, net.params)
    assert again[-1].train_loss == records[-1].train_loss
    np.testing.assert_array_equal(net.predict(X[:50]), net.predict(X[:50].astype(np.float32)))
    in_order = [Network((8, 8, 1), [Rescaling(1 / 255), Conv2D(2), Flatten(), Dense(10, "softmax")],
                        seed=1) for _ in range(2)]
    for model, data in zip(in_order, (X[:200], X[:200].astype(np.float32))):
        list(fit(model, data, y[:200], optimizer=SGD(0.1), epochs=1, batch_size=50, shuffle=False))
    np.testing.assert_array_equal(in_order[0].params, in_order[1].params)
    assert net.evaluate(X[1200:], y[1200:])[1] == records[-1].val_acc


def test_uint8_training_never_makes_a_float_copy_of_the_set():
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (12000, 28, 28, 1), dtype=np.uint8)  # 9.4 MB; 37.6 MB as float32
    y = rng.integers(0, 10, len(X))
    float_copy = X.size * 4
    net = Network((28, 28, 1), [Rescaling(1 / 255), Conv2D(2, 3, 2), Flatten(),
                                Dense(10, "softmax")], seed=0)
    net.predict(X)  # its per-chunk work arrays are made once and kept: not counted below
    tracemalloc.start()
    try:
        for _ in fit(net, X, y, optimizer=SGD(0.01), epochs=1, batch_size=100, seed=0):
            pass
        _, fit_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        net.predict(X)
        _, predict_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fit_peak < 0.25 * float_copy  # batches of 100 rows, the epoch's order, the outputs
    assert predict_peak < 0.5 * float_copy  # one chunk of 4,096 rows in floats


def test_large_batches_of_a_conv_net_train_in_parts_with_the_same_update(monkeypatch):
    import nnstudio.engine.microbatch as microbatch

    rng = np.random.default_rng(5)
    X = rng.random((100, 10, 10, 2), dtype=np.float32)
    y = rng.integers(0, 3, 100)

    def trained(part_bytes):
        monkeypatch.setattr(microbatch, "PART_BYTES", part_bytes)
        net = Network((10, 10, 2), [Conv2D(4), MaxPool2D(), Flatten(), Dense(3, "softmax")], seed=3)
        assert (microbatch.part_rows(net, 50) is not None) == (part_bytes == 1)
        list(fit(net, X, y, optimizer=SGD(0.1), epochs=3, batch_size=50, seed=0))
        return net.params

    whole, in_parts = trained(2**40), trained(1)  # 1 byte: parts of MIN_PART_ROWS (8) rows
    np.testing.assert_allclose(in_parts, whole, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(in_parts, whole)  # the sums' order differs in the last bits


def test_conv_work_arrays_are_checked_before_they_are_allocated():
    from nnstudio.engine.memory import MemoryLimitError, activation_bytes_per_row

    layers = [Conv2D(64, 5, padding="same"), MaxPool2D(8), Flatten(), Dense(2, "softmax")]
    net = Network((512, 512, 3), layers)
    per_row = activation_bytes_per_row((512, 512, 3), net.layers)
    # The im2col matrix (5*5*3 + 1 values per pixel, and its gradient) is counted, not only
    # the 64 maps of 512x512 and their gradient.
    assert per_row > 4 * (2 * 512 * 512 * 64 + 2 * 512 * 512 * 75)
    with pytest.raises(MemoryLimitError, match=r"batches of 4,096 rows needs .* Use a smaller batch"):
        net.buffers(4096)


def test_a_strided_input_is_read_as_its_values():
    net = Network((6, 7, 3), [Conv2D(2), Flatten(), Dense(2, "softmax")], dtype=np.float64)
    conv = net.layers[0]
    x = np.random.default_rng(6).standard_normal((2, 7, 6, 3)).transpose(0, 2, 1, 3)  # not contiguous
    out = np.empty((2, *conv.output_shape))
    conv.forward(x, out, conv.new_cache(2, np.float64), False, None)
    np.testing.assert_allclose(out, np.maximum(reference_conv(x, conv.W, conv.b, 1, "valid"), 0))
