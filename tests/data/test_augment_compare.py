"""Comparing runs with and without augmentation (the real engine, fixed seeds)."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data.augment import parse_augment
from nnstudio.doctor.prove import ProofSetup
from nnstudio.errors import Cancelled, ConfigError
from nnstudio.trainer.augment_compare import compare_augmentation


def _setup(n_train=300):
    from nnstudio.data.images_bundled import load_image_set
    from nnstudio.project import default_network_config

    ds = load_image_set("digits-images")
    order = np.random.default_rng(0).permutation(len(ds.y))
    tr, va = order[:n_train], order[n_train:n_train + 400]
    training = {"optimizer": {"class": "Adam", "config": {"learning_rate": 0.003}}, "batch_size": 32,
                "epochs": 25, "seed": 0, "augment": None}
    return ProofSetup(default_network_config(ds, seed=0), training, ds.X[tr], ds.y[tr], ds.X[va], ds.y[va])


def test_shifts_hurt_the_size_normalised_8x8_digits_and_the_sentence_says_so():
    spec = {"class": "AugmentPipeline", "config": parse_augment("shift=0.2").get_config()}
    seen = []
    result = compare_augmentation(_setup(), spec, seeds=[0, 1], progress=seen.append)
    assert result.outcome == "worse", result.sentence
    assert result.mean_after < result.mean_before - 0.02
    assert "With augmentation the validation accuracy ended at" in result.sentence
    assert "(mean of 2 seeds)" in result.sentence and result.sentence.endswith("it made things worse.")
    # Both runs of a seed have full curves to overlay; the same seed repeats exactly.
    for run in result.without + result.with_augment:
        assert len(run.history["val_acc"]) == 25
    assert seen[-1] == 1.0 and seen == sorted(seen)
    again = compare_augmentation(_setup(), spec, seeds=[0], epochs=5)
    first = compare_augmentation(_setup(), spec, seeds=[0], epochs=5)
    assert again.after == first.after and again.before == first.before
    assert result.to_dict()["outcome"] == "worse"


def test_needs_validation_and_can_be_cancelled():
    setup = _setup()
    spec = {"class": "AugmentPipeline", "config": parse_augment("rotate=10").get_config()}
    with pytest.raises(Cancelled):
        compare_augmentation(setup, spec, epochs=3, cancelled=lambda: True)
    setup.X_val = setup.X_val[:0]
    with pytest.raises(ConfigError, match="needs validation pictures"):
        compare_augmentation(setup, spec, epochs=3)
