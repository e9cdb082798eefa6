"""Data sets as the chapter builds them, all seeded; plus CSV files of the user's own.

``X`` is (n, 2) float64; ``Y`` is (n, k) float64: a column of targets or 0/1 labels, or one-hot
rows for the 3-class set.  Objectives (``engine.registry.OBJECTIVES``) have no data.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from .config import ConfigError


@dataclass(frozen=True)
class Dataset:
    name: str
    X: np.ndarray
    Y: np.ndarray
    kind: str  # "regression" | "binary" | "multiclass"

    @property
    def n(self) -> int:
        return self.X.shape[0]


def sales() -> Dataset:
    """opt4_1: RandomState(23455); X = rand(32, 2); y = x1 + x2 + (rand()/10 − 0.05), row by row."""
    rdm = np.random.RandomState(23455)
    X = rdm.rand(32, 2)
    Y = np.array([[x1 + x2 + (rdm.rand() / 10.0 - 0.05)] for (x1, x2) in X])
    return Dataset("sales", X, Y, "regression")


def circle() -> Dataset:
    """opt4_7: RandomState(2); X = randn(300, 2); label int(x0² + x1² < 2) (red inside, blue out)."""
    rdm = np.random.RandomState(2)
    X = rdm.randn(300, 2)
    Y = np.array([[int(x0 * x0 + x1 * x1 < 2)] for (x0, x1) in X], dtype=np.float64)
    return Dataset("circle", X, Y, "binary")


def blobs3() -> Dataset:
    """Three Gaussian clusters in the plane (RandomState(3)), 60 points each, one-hot labels."""
    rdm = np.random.RandomState(3)
    centres = np.array([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.6]])
    labels = np.repeat(np.arange(3), 60)
    X = centres[labels] + 0.8 * rdm.randn(labels.size, 2)
    order = rdm.permutation(labels.size)
    X, labels = X[order], labels[order]
    return Dataset("blobs3", X, np.eye(3)[labels], "multiclass")


def load_csv(path: str) -> Dataset:
    """Two feature columns and one label/target column; an optional header row.

    Integer labels 0/1 make a binary set, integers 0..k−1 with k > 2 a one-hot multiclass set
    (every class from 0 to k−1 must occur: 0, 1, 2, 7 is refused, not an 8-class set with empty
    classes), anything else a regression target.  A UTF-8 byte-order mark is skipped.  Raises
    ConfigError with a one-line reason.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read data file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if rows and not _is_numeric(rows[0]):
        rows = rows[1:]
    if len(rows) < 2:
        raise ConfigError(f"{path}: needs at least 2 data rows of 3 numbers (x1, x2, label)")
    data = []
    for i, r in enumerate(rows, 1):
        if len(r) != 3 or not _is_numeric(r):
            raise ConfigError(f"{path}: data row {i} is {','.join(r)!r}; expected 3 numbers (x1, x2, label)")
        data.append([float(c) for c in r])
    arr = np.array(data)
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{path}: contains a non-finite number")
    X, t = arr[:, :2].copy(), arr[:, 2]
    if np.all(t == np.round(t)) and t.min() >= 0:
        k = int(t.max()) + 1
        missing = sorted(set(range(k)) - set(t.astype(int).tolist())) if k <= 10 else []
        if missing:
            found = ", ".join(str(v) for v in sorted(set(t.astype(int).tolist())))
            raise ConfigError(f"{path}: class labels must be 0, 1, …, k−1 with every class present (found {found}; "
                              f"missing {', '.join(map(str, missing))}); number the classes without gaps")
        if k <= 2:
            return Dataset("csv", X, t[:, None].copy(), "binary")
        if k <= 10:
            return Dataset("csv", X, np.eye(k)[t.astype(int)], "multiclass")
    return Dataset("csv", X, t[:, None].copy(), "regression")


def _is_numeric(row) -> bool:
    try:
        [float(c) for c in row]
        return True
    except ValueError:
        return False


DATASETS = {"sales": sales, "circle": circle, "blobs3": blobs3}

DESCRIPTIONS = {
    "sales": "opt4_1 sales: 32 points, y = x1 + x2 + noise",
    "circle": "opt4_7 circle: 300 points, red inside x0² + x1² < 2",
    "blobs3": "three clusters for softmax (180 points)",
    "csv": "your own CSV file (x1, x2, label)",
}

_cache: dict[str, Dataset] = {}


def get(name: str, path: str = "") -> Dataset:
    if name == "csv":
        return load_csv(path)
    if name not in DATASETS:
        raise ConfigError(f"unknown data set {name!r} (allowed: {', '.join(list(DATASETS) + ['csv'])})")
    if name not in _cache:
        _cache[name] = DATASETS[name]()
    return _cache[name]
