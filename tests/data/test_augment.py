"""The augmentation pipeline: exact geometry, seeds, dtypes, labels, configs, fit's hook."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from nnstudio.data.augment import (
    TRANSFORMS,
    AugmentPipeline,
    Brightness,
    ColourJitter,
    Contrast,
    FlipHorizontal,
    FlipVertical,
    Noise,
    Rotate,
    Shift,
    Zoom,
    default_pipeline,
    parse_augment,
)
from nnstudio.data.augment_warp import warp
from nnstudio.engine import Network, fit, optimizer_from_config
from nnstudio.errors import ConfigError
from nnstudio.project.run_policies import run_policies

ALL = [Rotate(20), FlipHorizontal(), FlipVertical(), Shift(0.1), Zoom(0.2), Brightness(0.2),
       Contrast(0.3), ColourJitter(0.2), Noise(0.05)]


def pictures(n=12, h=9, w=11, c=1, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, c)).astype(np.uint8)


def test_flips_are_exact_for_grey_and_colour():
    for x in (pictures(), pictures(c=3)):
        for fill in ("zeros", "edge"):
            left_right = AugmentPipeline([FlipHorizontal(probability=1)], fill=fill)
            up_down = AugmentPipeline([FlipVertical(probability=1)], fill=fill)
            np.testing.assert_array_equal(left_right.apply(x, np.random.default_rng(0)), x[:, :, ::-1])
            np.testing.assert_array_equal(up_down.apply(x, np.random.default_rng(0)), x[:, ::-1])


def test_a_quarter_turn_equals_rot90_counter_clockwise_and_180_both_flips():
    x = pictures(n=40, h=10, w=10)
    for dtype in (np.uint8, np.float32):
        xs = x.astype(dtype)
        rng = np.random.default_rng(3)
        out = AugmentPipeline([Rotate(90, 1.0, min_degrees=90)]).apply(xs, rng)
        # The same draws: which pictures turned clockwise (a negative angle).
        again = np.random.default_rng(3)
        again.random(40)
        again.uniform(90, 90, 40)
        clockwise = again.random(40) < 0.5
        assert 5 < clockwise.sum() < 35
        for k in range(40):
            np.testing.assert_array_equal(out[k], np.rot90(xs[k], -1 if clockwise[k] else 1))
    turned = AugmentPipeline([Rotate(180, 1.0, min_degrees=180)]).apply(x, np.random.default_rng(0))
    np.testing.assert_array_equal(turned, x[:, ::-1, ::-1])


def test_warp_by_whole_pixels_shifts_exactly_and_fills_with_zeros_or_edges():
    x = pictures(n=2, h=6, w=7).astype(np.float32)
    A = np.tile(np.eye(2), (2, 1, 1))
    t = np.array([[-2.0, 3.0], [1.0, -1.0]])  # picture 0 moves 2 down and 3 left
    out = warp(x, A, t)
    expect = np.zeros_like(x)
    expect[0, 2:, :4] = x[0, :4, 3:]
    expect[1, :5, 1:] = x[1, 1:, :6]
    np.testing.assert_array_equal(out, expect)
    edge = warp(x, A, t, fill="edge")
    np.testing.assert_array_equal(edge[0, :2, :4], np.repeat(x[0, :1, 3:], 2, axis=0))


def _bilinear_reference(img, A, t):
    """One picture, pixel by pixel (zeros outside)."""
    h, w, c = img.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    out = np.zeros_like(img, dtype=np.float64)

    def at(r, q):
        return img[r, q] if 0 <= r < h and 0 <= q < w else np.zeros(c)

    for i in range(h):
        for j in range(w):
            sr, sc = A @ np.array([i - cy, j - cx]) + t + np.array([cy, cx])
            r0, c0 = int(np.floor(sr)), int(np.floor(sc))
            fr, fc = sr - r0, sc - c0
            out[i, j] = ((1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1))
                         + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1)))
    return out


def test_warp_matches_a_pixel_by_pixel_bilinear_definition():
    rng = np.random.default_rng(1)
    x = rng.random((3, 7, 9, 3)).astype(np.float32)
    angle = rng.uniform(-1, 1, 3)
    scale = rng.uniform(0.7, 1.4, 3)
    A = np.stack([[[np.cos(a) / s, np.sin(a) / s], [-np.sin(a) / s, np.cos(a) / s]]
                  for a, s in zip(angle, scale)])
    t = rng.uniform(-2, 2, (3, 2))
    out = warp(x, A, t)
    for k in range(3):
        np.testing.assert_allclose(out[k], _bilinear_reference(x[k].astype(np.float64), A[k], t[k]),
                                   atol=2e-5)


def test_same_seed_same_pixels_other_seed_other_pixels_and_dtypes_kept():
    pipe = AugmentPipeline(ALL)
    for c in (1, 3):
        x = pictures(c=c)
        a = pipe.apply(x, np.random.default_rng(7))
        b = pipe.apply(x, np.random.default_rng(7))
        other = pipe.apply(x, np.random.default_rng(8))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, other)
        assert a.dtype == np.uint8 and a.shape == x.shape
        for dtype in (np.float32, np.float64):
            f = pipe.apply(x.astype(dtype), np.random.default_rng(7))
            assert f.dtype == dtype and f.shape == x.shape
            assert f.min() >= 0 and f.max() <= 255
            # uint8 out is the rounded float result
            np.testing.assert_array_equal(np.rint(f).astype(np.uint8), a)


def test_input_untouched_and_probability_zero_changes_nothing():
    x = pictures(c=3)
    before = x.copy()
    x.flags.writeable = False
    AugmentPipeline(ALL).apply(x, np.random.default_rng(0))
    np.testing.assert_array_equal(x, before)
    off = AugmentPipeline([type(t).from_config({**t.get_config(), "probability": 0.0}) for t in ALL])
    np.testing.assert_array_equal(off.apply(x, np.random.default_rng(0)), x)


def test_probability_touches_about_that_share():
    x = pictures(n=2000, h=5, w=5)
    out = AugmentPipeline([FlipHorizontal(probability=0.3)]).apply(x, np.random.default_rng(0))
    changed = (out != x).reshape(2000, -1).any(axis=1)
    symmetric = (x == x[:, :, ::-1]).reshape(2000, -1).all(axis=1)
    assert not symmetric.any()
    assert 0.25 < changed.mean() < 0.35


def test_labels_come_back_as_they_went_in():
    x = pictures().astype(np.float32)
    y = np.arange(12) % 3
    y.flags.writeable = False
    out_x, out_y = AugmentPipeline(ALL)(x, y, np.random.default_rng(0))
    assert out_y is y and out_x.shape == x.shape


def test_class_rules_keep_transforms_away_from_their_classes():
    x = pictures(n=30)
    y = np.arange(30) % 3
    pipe = AugmentPipeline([FlipHorizontal(probability=1)], class_rules={"1": {"forbid": ["flip_h"]}})
    out, _ = pipe(x, y, np.random.default_rng(0))
    np.testing.assert_array_equal(out[y == 1], x[y == 1])
    np.testing.assert_array_equal(out[y != 1], x[y != 1][:, :, ::-1])
    only = AugmentPipeline([FlipHorizontal(probability=1), FlipVertical(probability=1)],
                           class_rules={"2": {"allow": ["flip_v"]}})
    out, _ = only(x, np.eye(3)[y], np.random.default_rng(0))  # one-hot targets work too
    np.testing.assert_array_equal(out[y == 2], x[y == 2][:, ::-1])
    np.testing.assert_array_equal(out[y == 0], x[y == 0][:, ::-1, ::-1])
    with pytest.raises(ConfigError, match="class rule needs a class number"):
        AugmentPipeline([], class_rules={"six": {"forbid": ["rotate"]}})
    with pytest.raises(ConfigError, match="unknown transforms"):
        AugmentPipeline([], class_rules={"6": {"forbid": ["spin"]}})


def test_config_is_json_and_round_trips_and_pickles_without_its_work_arrays():
    pipe = AugmentPipeline(ALL + [], class_rules={"6": {"forbid": ["rotate"]}}, fill="edge")
    config = json.loads(json.dumps(pipe.get_config()))
    again = AugmentPipeline.from_config(config)
    assert again == pipe and again.get_config() == pipe.get_config()
    x = pictures(n=64, h=28, w=28).astype(np.float32)
    pipe(x, np.zeros(64, int), np.random.default_rng(0))  # fills the work arrays
    blob = pickle.dumps(pipe)
    assert len(blob) < 5000
    copy = pickle.loads(blob)
    np.testing.assert_array_equal(copy.apply(x, np.random.default_rng(1)),
                                  pipe.apply(x, np.random.default_rng(1)))
    for cls in TRANSFORMS.values():
        t = cls()
        assert type(t).from_config(json.loads(json.dumps(t.get_config()))) == t


def test_bad_settings_are_named():
    with pytest.raises(ConfigError, match="Rotate: degrees must be a number from 0 to 180, got 400"):
        Rotate(400)
    with pytest.raises(ConfigError, match="probability must be a number from 0 to 1, got 2"):
        Shift(0.1, 2)
    with pytest.raises(ConfigError, match="listed twice"):
        AugmentPipeline([Rotate(), Rotate()])
    with pytest.raises(ConfigError, match="shape"):
        AugmentPipeline([Rotate()]).apply(np.zeros((3, 4)), np.random.default_rng(0))


def test_parse_augment_reads_the_command_line_text():
    pipe = parse_augment("rotate=15,shift=0.1,flip-h")
    assert pipe.transforms == [Rotate(15), Shift(0.1), FlipHorizontal()]
    assert parse_augment("zoom=0.2@0.5, flip-v@0.25, noise").transforms == [
        Zoom(0.2, 0.5), FlipVertical(probability=0.25), Noise()]
    for text, words in (("spin=3", "unknown transform 'spin'"), ("flip-h=0.3", "flip-h has no strength"),
                        ("rotate=lots", "must be NAME"), ("", "at least one"),
                        ("rotate=200", "degrees must be a number from 0 to 180")):
        with pytest.raises(ConfigError, match=words):
            parse_augment(text)


def test_default_pipeline_never_flips_digits_or_grey_pictures():
    assert not any(isinstance(t, (FlipHorizontal, FlipVertical))
                   for t in default_pipeline(1, [str(d) for d in range(10)]).transforms)
    assert not any(isinstance(t, FlipHorizontal) for t in default_pipeline(3, list("ABC")).transforms)
    assert any(isinstance(t, FlipHorizontal) for t in default_pipeline(3, ["cat", "dog"]).transforms)


def test_run_policies_builds_the_pipeline_and_names_a_bad_one():
    spec = {"class": "AugmentPipeline", "config": parse_augment("rotate=10").get_config()}
    assert run_policies({"augment": spec})["transform"] == AugmentPipeline([Rotate(10)])
    with pytest.raises(ConfigError, match="training.augment is not a valid batch transform.*degrees"):
        bad = {"transforms": [{"class": "Rotate", "config": {"degrees": -1}}]}
        run_policies({"augment": {"class": "AugmentPipeline", "config": bad}})


def _digits():
    from nnstudio.data.images_bundled import load_image_set
    from nnstudio.project import default_network_config

    ds = load_image_set("digits-images")
    return ds, default_network_config(ds, seed=0)


class _Recorder:
    """A pipeline that notes every batch it is given."""

    def __init__(self, pipe):
        self.pipe, self.rows, self.batches = pipe, 0, []

    def __call__(self, x, y, rng):
        self.rows += len(x)
        self.batches.append(np.array(x))
        return self.pipe(x, y, rng)


def test_fit_augments_training_batches_only_and_is_reproducible_per_seed():
    ds, config = _digits()
    X, y = ds.X[:300], ds.y[:300]
    Xv, yv = ds.X[300:400], ds.y[300:400]
    Xv_before = Xv.copy()
    weights = []
    for _ in range(2):
        rec = _Recorder(parse_augment("rotate=10,shift=0.1"))
        net = Network.from_config(config, seed=0)
        opt = optimizer_from_config({"class": "Adam", "config": {"learning_rate": 0.003}})
        for _r in fit(net, X, y, optimizer=opt, epochs=3, batch_size=50, seed=4, validation=(Xv, yv),
                      transform=rec):
            pass
        weights.append(net.params.copy())
        # 3 epochs of the 300 training pictures, never the 100 validation ones
        assert rec.rows == 900
        assert not any(np.array_equal(b[:1], Xv[:1].astype(np.float32)) for b in rec.batches)
    np.testing.assert_array_equal(weights[0], weights[1])
    np.testing.assert_array_equal(Xv, Xv_before)
    plain = Network.from_config(config, seed=0)
    adam = optimizer_from_config({"class": "Adam", "config": {"learning_rate": 0.003}})
    for _r in fit(plain, X, y, optimizer=adam, epochs=3, batch_size=50, seed=4):
        pass
    assert not np.array_equal(plain.params, weights[0])
