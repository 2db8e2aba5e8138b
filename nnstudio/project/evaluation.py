"""Scoring a trained network on one part of the data: loss, accuracy, confusion matrix, errors."""
from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes, n_classes), int64
        ``m[i, j]`` = number of samples of true class ``i`` predicted as class ``j``.
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat[: n_classes * n_classes].reshape(n_classes, n_classes)


def evaluate_dataset(network, dataset) -> dict:
    """Scores of ``network`` on ``dataset`` (already scaled the way the network expects).

    Parameters
    ----------
    network : Network
    dataset : Dataset
        ``X`` of shape (n_samples, n_features); ``y`` class indices or numeric targets.

    Returns
    -------
    dict
        Always ``n_samples`` and ``loss``. Classification adds ``accuracy`` and
        ``confusion_matrix`` (list of lists); regression adds ``mse`` and ``mae``.
        Scores are None when the part holds no samples.
    """
    n = int(len(dataset.X))
    result: dict = {"n_samples": n}
    classification = dataset.task == "classification"
    if n == 0:
        result["loss"] = None
        result.update({"accuracy": None} if classification else {"mse": None, "mae": None})
        return result
    loss, accuracy = network.evaluate(dataset.X, dataset.y)
    result["loss"] = float(loss)
    if classification:
        predicted = network.predict_classes(dataset.X)
        result["accuracy"] = float(np.mean(predicted == dataset.y)) if accuracy is None else float(accuracy)
        n_classes = max(int(dataset.n_classes), int(predicted.max(initial=0)) + 1)
        result["confusion_matrix"] = confusion_matrix(dataset.y, predicted, n_classes).tolist()
    else:
        predicted = network.predict(dataset.X).astype(np.float64)
        target = np.asarray(dataset.y, dtype=np.float64).reshape(predicted.shape)
        error = predicted - target
        result["mse"] = float(np.mean(error**2))
        result["mae"] = float(np.mean(np.abs(error)))
    return result
