"""Course data, all generated or shipped (nothing is downloaded): synthetic curves, the UCI
8x8 handwritten digits, a train/test split and a mini-batch iterator."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

_DIGITS = Path(__file__).with_name("digits.npz")


def curve(fn: Callable[[np.ndarray], np.ndarray], n: int = 100, low: float = 0.0,
          high: float = 2.0, noise: float = 0.0, seed: int | None = 0,
          random_x: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Samples (x, y) of y = fn(x) + noise * N(0, 1) on [low, high], both float32 of shape (n, 1).
    x is an even grid unless random_x=True."""
    if n < 1 or not high > low:
        raise ValueError(f"curve(): need n >= 1 and high > low, got n={n}, low={low}, high={high}.")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n)) if random_x else np.linspace(low, high, n)
    y = fn(x) + noise * rng.standard_normal(n)
    return x.reshape(-1, 1).astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def quadratic(n: int = 100, low: float = 0.0, high: float = 2.0, noise: float = 0.0,
              seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = x^2 on [low, high] (the course's ReLU-fitting target), shape (n, 1) each."""
    return curve(np.square, n, low, high, noise, seed)


def sine(n: int = 100, low: float = -np.pi, high: float = np.pi, noise: float = 0.0,
         seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) on [low, high]."""
    return curve(np.sin, n, low, high, noise, seed)


def line_with_outliers(n: int = 50, slope: float = 2.0, intercept: float = 1.0,
                       noise: float = 0.3, n_outliers: int = 5, outlier_shift: float = 15.0,
                       seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = slope x + intercept + noise on [0, 5], with `n_outliers` points shifted up: for
    comparing MSE, MAE and Huber fits."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 5, n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    idx = rng.choice(n, size=n_outliers, replace=False)
    y[idx] += outlier_shift
    return x.reshape(-1, 1).astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def load_digits(scaled: bool = True, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 UCI handwritten digits, shipped with minidl (see data/README.md).

    Returns X, float32 of shape (1797, 64) (or (1797, 8, 8) with images=True), pixel values
    divided by 16 into [0, 1] unless scaled=False, and y, int64 labels 0..9.
    """
    with np.load(_DIGITS) as f:
        x, y = f["images"].astype(np.float32), f["labels"].astype(np.int64)
    if scaled:
        x /= 16.0
    return (x if images else x.reshape(len(x), -1)), y


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle once with `seed` and split: returns X_train, X_test, y_train, y_test."""
    if len(X) != len(y):
        raise ValueError(f"train_test_split(): X has {len(X)} rows but y has {len(y)}.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split(): test_fraction must be in (0, 1), "
                         f"got {test_fraction}.")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(len(X) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def batches(X: np.ndarray, y: np.ndarray, batch_size: int = 32, shuffle: bool = True,
            seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) covering the data once; the last batch may be smaller.
    With shuffle=True the order comes from `seed` (or from minidl.manual_seed if None)."""
    if len(X) != len(y):
        raise ValueError(f"batches(): X has {len(X)} rows but y has {len(y)}; they must match.")
    if batch_size < 1:
        raise ValueError(f"batches(): batch_size must be at least 1, got {batch_size}.")
    if shuffle:
        from ..random import generator
        rng = generator() if seed is None else np.random.default_rng(seed)
        order = rng.permutation(len(X))
    else:
        order = np.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
