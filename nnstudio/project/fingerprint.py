"""Which rows a trained network saw: a fingerprint of the data and of its split.

A project refers to its CSV file instead of holding the data, and its validation and test
parts are drawn again from the file each time it is opened. If the file changed after
training (rows sorted, shuffled or appended), the same seeded split picks other rows, and
the "held-out" scores would include rows the network trained on. Saving a trained project
stores :func:`data_fingerprint`; :func:`compare_fingerprint` says in plain words what
changed, so ``evaluate`` and the window can refuse or flag the held-out scores.
"""
from __future__ import annotations

import hashlib
import weakref

import numpy as np

#: Fingerprints of live splits (see :func:`split_data_fingerprint`); gone with their split.
_BY_SPLIT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Rows hashed per block: bounds the temporary uint64 copy (~8 bytes x features x rows).
_BLOCK_ROWS = 4096
_MASK = (1 << 64) - 1


def _row_hashes(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One 64-bit hash per row of ``X`` (n, ...) together with its target ``y`` (n, ...).

    A fixed pseudo-random weighted sum of the row's 32-bit words, so it is cheap in numpy
    (no Python loop over rows) and changes when any value of the row changes.
    """
    n = len(X)
    target = np.ascontiguousarray(y, dtype=np.float64).reshape(n, -1).view(np.uint32)
    per_row = int(np.prod(X.shape[1:], dtype=np.int64))
    width = per_row + target.shape[1]
    weights = np.random.default_rng(20261203).integers(1, 2**63, size=width, dtype=np.uint64) | 1
    out = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around arithmetic modulo 2**64 is the point
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            # Converted block by block: uint8 pictures (n, H, W, C) hash as the same float32
            # values a table of them would, without a float32 copy of the whole set.
            words = np.ascontiguousarray(X[start:stop], dtype=np.float32).reshape(stop - start, -1)
            block = np.concatenate([words.view(np.uint32), target[start:stop]], axis=1).astype(np.uint64)
            h = (block * weights).sum(axis=1, dtype=np.uint64)
            h ^= h >> np.uint64(29)
            out[start:stop] = h * np.uint64(0xBF58476D1CE4E5B9)
    return out


def data_fingerprint(dataset, split=None) -> dict:
    """A JSON-able fingerprint of ``dataset``'s rows, and of ``split`` when given.

    Parameters
    ----------
    dataset : Dataset
        ``X`` of shape (n_samples, ...), ``y`` of shape (n_samples,) or (n_samples, k).
    split : Split, optional
        Its ``train_indices`` / ``val_indices`` / ``test_indices`` into ``dataset``.

    Returns
    -------
    dict
        ``{"rows", "features", "ordered", "rowset", "columns"[, "split"]}``: ``ordered``
        changes when rows are reordered, ``rowset`` only when rows themselves change.

    Notes
    -----
    For an image folder this hashes the decoded pixels (after resizing) and labels, not the
    files' names, sizes and times: a picture saved again with the same pixels is no change,
    one with other pixels (or a new size or colour setting) is.
    """
    rows = _row_hashes(np.asarray(dataset.X), np.asarray(dataset.y))
    result = _summary(rows, dataset)
    if split is not None:
        result["split"] = split_fingerprint(split)
    return result


def split_data_fingerprint(split) -> dict:
    """:func:`data_fingerprint` of the data set ``split`` was drawn from, with the split.

    The parts and their row indices give back every row at its place in the file, so the
    whole data set need not be at hand (``build_from_project`` returns only the split).
    Remembered per split object (splits are never changed in place, only replaced): every run
    stamps it, and hashing 60,000 MNIST-sized rows takes ~0.1 s, a tenth of a short run.
    """
    try:
        return dict(_BY_SPLIT[split])
    except (KeyError, TypeError):
        pass
    result = _split_data_fingerprint(split)
    try:
        _BY_SPLIT[split] = result
    except TypeError:  # an object that cannot be weakly referenced: no cache, same answer
        pass
    return dict(result)


def _split_data_fingerprint(split) -> dict:
    parts = [(getattr(split, key), np.asarray(getattr(split, f"{key}_indices"), dtype=np.int64))
             for key in ("train", "val", "test")]
    n = sum(len(idx) for _, idx in parts)
    rows = np.zeros(n, dtype=np.uint64)
    for part, idx in parts:
        if len(idx):
            rows[idx] = _row_hashes(np.asarray(part.X), np.asarray(part.y))
    result = _summary(rows, split.train)
    result["split"] = split_fingerprint(split)
    return result


def _summary(rows: np.ndarray, dataset) -> dict:
    positions = np.arange(1, len(rows) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        ordered = int(((rows ^ (positions * np.uint64(0x9E3779B97F4A7C15))) * np.uint64(3)).sum(
            dtype=np.uint64)) & _MASK
    names = hashlib.sha256("\x1f".join(map(str, getattr(dataset, "feature_names", []))).encode())
    return {"rows": int(len(rows)), "features": int(np.asarray(dataset.X[:1]).size),
            "ordered": f"{ordered:016x}", "rowset": hashlib.sha256(np.sort(rows).tobytes()).hexdigest()[:16],
            "columns": names.hexdigest()[:16]}


def split_fingerprint(split) -> str:
    """A short hex hash of which rows are in the training, validation and test parts."""
    h = hashlib.sha256()
    for key in ("train_indices", "val_indices", "test_indices"):
        h.update(np.ascontiguousarray(getattr(split, key), dtype=np.int64).tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


def compare_fingerprint(saved: dict | None, dataset=None, split=None) -> str | None:
    """None when the data (and split) match the ``saved`` fingerprint, else plain words.

    Give ``dataset`` (and optionally ``split``), or only ``split`` (its parts are the whole
    data set). Old projects carry no fingerprint (``saved`` None or empty): None.
    """
    if not saved:
        return None
    if dataset is None:
        now = split_data_fingerprint(split)
    else:
        now = data_fingerprint(dataset, split if "split" in saved else None)
    if "split" not in saved:
        now.pop("split", None)
    if now == saved:
        return None
    if now.get("columns") != saved.get("columns") or now["features"] != saved.get("features"):
        what = "its columns are not the ones the network was trained on"
    elif now["rows"] != saved.get("rows"):
        diff = now["rows"] - int(saved.get("rows", 0))
        what = (f"it has {abs(diff)} row{'s' if abs(diff) != 1 else ''} "
                f"{'more' if diff > 0 else 'fewer'} ({saved.get('rows')} then, {now['rows']} now)")
    elif now["rowset"] != saved.get("rowset"):
        what = "some of its values changed"
    elif now["ordered"] != saved.get("ordered"):
        what = "its rows are in another order (sorted or shuffled)"
    else:
        what = "its rows are split into training, validation and test data differently"
    return (f"The data changed since this network was trained: {what}. The validation and test "
            "rows drawn from it now may include rows the network trained on, so their scores "
            "would look better than the network is.")
