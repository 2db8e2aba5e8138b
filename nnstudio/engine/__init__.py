"""The numpy engine: layers, activations, losses, optimizers, the network and training loop.

Pure numpy, float32; never imports Qt.
"""
from __future__ import annotations

from nnstudio.engine.activations import ACTIVATIONS, Activation, get_activation
from nnstudio.engine.layers import (
    LAYERS,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    MaxPool2D,
    Rescaling,
    layer_from_config,
    layer_to_config,
)
from nnstudio.engine.losses import LOSSES, Loss, auto_loss, get_loss
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    Optimizer,
    optimizer_from_config,
    optimizer_to_config,
)
from nnstudio.engine.target_scaling import TargetScaling
from nnstudio.engine.training import BatchRecord, Diverged, EpochRecord, fit
from nnstudio.engine.weights import LoadReport


def output_layer_for(task: str, n_classes: int = 0, n_targets: int = 1) -> Dense:
    """The output layer a task needs: 1 sigmoid neuron for two classes, softmax for more,
    linear neurons for regression."""
    if task == "classification":
        if n_classes < 2:
            raise ValueError(f"classification needs at least 2 classes, got {n_classes}")
        return Dense(1, "sigmoid") if n_classes == 2 else Dense(n_classes, "softmax")
    return Dense(max(1, n_targets), "linear")


__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "LAYERS", "Dense", "Dropout", "Layer",
    "Conv2D", "MaxPool2D", "Flatten", "Rescaling",
    "layer_from_config", "layer_to_config", "LOSSES", "Loss", "auto_loss", "get_loss", "Network",
    "OPTIMIZERS", "SGD", "Adam", "Optimizer", "optimizer_from_config", "optimizer_to_config",
    "BatchRecord", "Diverged", "EpochRecord", "fit", "output_layer_for", "TargetScaling", "LoadReport",
]
