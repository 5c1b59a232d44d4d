"""Figures for training experiments: curves per epoch and final scores per run."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

__all__ = ["plot_training_curves", "plot_run_scores"]


def _runs(fn: str, name: str, values) -> np.ndarray:
    """`values` as a float array of shape (runs, points): one run per row."""
    expected = (f"{fn}(): {name!r} must be a non-empty list of numbers (one run) or a list of "
                f"equally long lists of numbers (one per run, e.g. one per seed)")
    try:
        arr = np.asarray(values, dtype=float)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{expected}, but NumPy could not read it: {err}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{expected}, but got an array of shape {arr.shape}.")
    return arr


def plot_training_curves(histories: Mapping[str, Sequence[float] | Sequence[Sequence[float]]],
                         ylabel: str = "training loss", xlabel: str = "epoch",
                         title: str | None = None, logy: bool = False, ax=None,
                         figsize: tuple[float, float] = (6, 3.5)):
    r"""One line per entry of `histories` (name -> values per epoch, epoch 1 first).

    An entry may also hold several runs (a list of equally long lists, e.g. one per seed): it is
    drawn as the mean over runs with a band of $\pm$ one sample standard deviation (ddof=1).
    Returns the Axes; call plt.show() to display it.
    """
    fn = "plot_training_curves"
    if not histories:
        raise ValueError(f"{fn}(): histories is empty; pass a dict such as "
                         f"{{'relu': [0.9, 0.5, 0.3]}}.")
    runs = {name: _runs(fn, name, values) for name, values in histories.items()}
    if logy:
        for name, arr in runs.items():
            if (arr <= 0).any():
                raise ValueError(f"{fn}(): logy=True needs positive values, but {name!r} "
                                 f"contains {arr[arr <= 0].flat[0]:.4g}. Use logy=False.")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    for name, arr in runs.items():
        epochs = np.arange(1, arr.shape[1] + 1)
        mean = arr.mean(axis=0)
        (line,) = ax.plot(epochs, mean, label=name if len(arr) == 1 else f"{name} (n={len(arr)})")
        if len(arr) > 1:
            std = arr.std(axis=0, ddof=1)
            ax.fill_between(epochs, mean - std, mean + std, color=line.get_color(), alpha=0.2,
                            linewidth=0)
    if logy:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))  # ticks 0.1 0.2 0.5 1 2 ...
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))  # 0.2, not 2 x 10^-1
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_run_scores(scores: Mapping[str, Sequence[float]], ylabel: str = "test accuracy",
                    title: str | None = None, ax=None, figsize: tuple[float, float] = (6, 3.5)):
    """Each run's final score as a dot (one column per name), with the mean and a bar of
    ± one sample standard deviation (ddof=1, none for a single run) beside it, so the spread
    between seeds is visible.
    Returns the Axes; call plt.show() to display it."""
    fn = "plot_run_scores"
    if not scores:
        raise ValueError(f"{fn}(): scores is empty; pass a dict such as "
                         f"{{'relu': [0.95, 0.96, 0.94]}}.")
    values = {}
    for name, v in scores.items():
        arr = np.asarray(v, dtype=float)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{fn}(): {name!r} must be a non-empty list of numbers (one final "
                             f"score per run), but got shape {arr.shape}.")
        values[name] = arr
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    for i, arr in enumerate(values.values()):
        ax.plot(np.full(arr.size, i - 0.08), arr, "o", color=f"C{i}", alpha=0.6)
        std = arr.std(ddof=1) if arr.size > 1 else 0.0
        ax.errorbar(i + 0.08, arr.mean(), yerr=std, fmt="_", color=f"C{i}", capsize=4,
                    markersize=12)
    ax.set_xticks(range(len(values)), list(values))
    ax.set_xlim(-0.5, len(values) - 0.5)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return ax
