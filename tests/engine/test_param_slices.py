"""Where every parameter lives in the flat buffers (the optimizer's state is keyed by it)."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Dense, Dropout, Network
from nnstudio.errors import ConfigError


def _net():
    return Network(3, [Dense(4, "relu", trainable=False), Dropout(0.5), Dense(2, "softmax")], seed=1)


def test_param_slices_cover_the_buffer_in_order_and_view_every_weight():
    net = _net()
    slices = net.param_slices()
    weights = net.get_weights()
    assert list(slices) == list(weights)
    end = 0
    for name, (start, size, shape) in slices.items():
        assert start == end and size == int(np.prod(shape))
        np.testing.assert_array_equal(net.params[start:start + size].reshape(shape), weights[name])
        end = start + size
    assert end == net.params.size == net.grads.size


def test_param_trainable_follows_the_layer_and_unknown_names_are_refused():
    net = _net()
    trainable = {name: net.param_trainable(name) for name in net.param_slices()}
    assert list(trainable.values()) == [False, False, True, True]
    with pytest.raises(ConfigError, match="no parameter named 'nope'"):
        net.param_trainable("nope")
