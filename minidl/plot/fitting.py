"""Figures for lesson 03, fitting y = x² with Linear(1, H) → ReLU → Linear(H, 1).

A network is passed as the model itself or as `minidl.fitting.snapshot(model)`; a training
history is a list of `(epoch, snapshot, loss)` tuples.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import fitting
from .animation import Animation, animate

__all__ = ["plot_relu_decomposition", "plot_training_snapshots", "animate_training",
           "plot_seed_lottery", "plot_mse_vs_width", "plot_kink_fit"]

_UNIT_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def _flat(a) -> np.ndarray:
    return np.asarray(getattr(a, "data", a), dtype=np.float64).reshape(-1)


def _draw_fit(ax, params, x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> None:
    """Data, the network's curve and its knots (those inside the x range) on one axis."""
    p = fitting.snapshot(params) if hasattr(params, "named_parameters") else params
    ax.plot(x, y, ".", color="0.6", ms=3, label="data $y=x^2$")
    ax.plot(grid, fitting.network_output(p, grid), color="tab:red", lw=2, label="network")
    for k in fitting.knots(p["0.weight"], p["0.bias"]):
        if grid[0] < k < grid[-1]:
            ax.axvline(k, color="0.3", ls=":", lw=1)


def plot_relu_decomposition(grid, z, relu_z, weighted, output, *, x, y, knots=(),
                            bias: float | None = None) -> plt.Figure:
    r"""Three panels of what the lesson computed on the points `grid` (n,): the hidden
    pre-activations `z` $= w_i x + b_i$ (n, H), straight lines; `relu_z` $=\mathrm{relu}(z_i)$,
    each broken at its knot; and `weighted` $= v_i\,\mathrm{relu}(z_i)$ with their sum
    `output` $= c + \sum_i v_i\,\mathrm{relu}(z_i)$ (n,), against the data (x, y). `knots`
    inside the grid are drawn as dotted lines, `bias` $c$ as a dashed one. It only draws."""
    grid = _flat(grid)
    z, relu_z, weighted = (np.asarray(a, dtype=np.float64).reshape(grid.size, -1)
                           for a in (z, relu_z, weighted))
    x, y, output = _flat(x), _flat(y), _flat(output)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for i in range(z.shape[1]):
        color = _UNIT_COLORS[i % len(_UNIT_COLORS)]
        axes[0].plot(grid, z[:, i], color=color, label=f"$z_{i + 1}$")
        axes[1].plot(grid, relu_z[:, i], color=color, label=f"relu$(z_{i + 1})$")
        axes[2].plot(grid, weighted[:, i], color=color, ls="--", lw=1,
                     label=f"$v_{i + 1}\\,$relu$(z_{i + 1})$")
    for ax in axes[:2]:
        ax.axhline(0, color="0.5", lw=0.8)
    for k in _flat(knots):
        if grid[0] < k < grid[-1]:
            for ax in axes:
                ax.axvline(k, color="0.3", ls=":", lw=1)
    if bias is not None:
        axes[2].axhline(float(bias), color="0.5", ls="--", lw=1, label="bias $c$")
    axes[2].plot(x, y, ".", color="0.6", ms=3, label="data $y=x^2$")
    axes[2].plot(grid, output, color="tab:red", lw=2, label="network")
    titles = ("1. hidden pre-activations", "2. after ReLU", "3. weighted sum + bias")
    for ax, title in zip(axes, titles, strict=False):
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.legend()
    fig.tight_layout()
    return fig


def plot_training_snapshots(history: Sequence[tuple], x, y,
                            epochs: Sequence[int]) -> plt.Figure:
    """One panel per chosen epoch (each must be in `history`): the fit and its knots."""
    by_epoch = {e: (p, loss) for e, p, loss in history}
    missing = [e for e in epochs if e not in by_epoch]
    if missing:
        raise ValueError(f"plot_training_snapshots(): epochs {missing} were not recorded; "
                         f"choose from {sorted(by_epoch)}.")
    x, y = _flat(x), _flat(y)
    grid = np.linspace(x.min(), x.max(), 401)
    fig, axes = plt.subplots(1, len(epochs), figsize=(2.5 * len(epochs), 2.6),
                             sharey=True)
    for ax, e in zip(np.atleast_1d(axes), epochs, strict=False):
        params, loss = by_epoch[e]
        _draw_fit(ax, params, x, y, grid)
        ax.set_title(f"epoch {e}: MSE {loss:.4f}", fontsize="medium")
        ax.set_xlabel("x")
    fig.tight_layout()
    return fig


def animate_training(history: Sequence[tuple], x, y, figsize=(6, 3.6), interval: int = 400,
                     last: int = 2500) -> Animation:
    """The fit at every recorded epoch, as an animated image that plays by itself and loops
    (an `Animation`: shown as it is stored, offline, before any kernel runs). Each frame shows
    for `interval` ms, the final fit for `last` ms. Keep `history` to about 20 frames: each
    adds about 10 kB to the notebook."""
    if not history:
        raise ValueError("animate_training(): history is empty; record (epoch, "
                         "fitting.snapshot(model), loss) tuples while training.")
    x, y = _flat(x), _flat(y)
    grid = np.linspace(x.min(), x.max(), 201)
    fig = Figure(figsize=figsize)  # not pyplot's: a notebook does not also show it as a still
    ax = fig.subplots()
    ax.plot(x, y, ".", color="0.6", ms=4, label="data $y=x^2$")
    (line,) = ax.plot([], [], color="tab:red", lw=2, label="network")
    knot_lines = [ax.axvline(np.nan, color="0.3", ls=":", lw=1, label=None if i else "knots")
                  for i in range(history[0][1]["0.bias"].size)]
    low, high = float(y.min()), float(y.max())
    ax.set_ylim(low - 0.15 * (high - low), high + 0.15 * (high - low))
    ax.set_xlabel("x")
    ax.legend(loc="upper left")

    def draw(frame: int) -> None:
        epoch, params, loss = history[frame]
        line.set_data(grid, fitting.network_output(params, grid))
        knots = fitting.knots(params["0.weight"], params["0.bias"])
        for art, k in zip(knot_lines, knots, strict=False):
            art.set_xdata([k, k] if grid[0] < k < grid[-1] else [np.nan, np.nan])
        ax.set_title(f"epoch {epoch}: MSE {loss:.4f}")

    draw(0)  # so that tight_layout leaves room for the title
    fig.tight_layout()
    return animate(fig, draw, len(history), interval=interval, last=last)


def plot_seed_lottery(losses: dict[str, Sequence[float]], optimum: float | dict[str, float],
                      threshold: float) -> plt.Figure:
    """Final MSE of every seed, one column of points per activation (log scale), with the
    best MSE the architecture can reach (one line, or one short line per column when
    `optimum` is a dict by activation) and the 'stuck' threshold as horizontal lines."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    jitter = np.random.default_rng(0)
    for i, (name, values) in enumerate(losses.items()):
        arr = np.asarray(values, dtype=np.float64)
        ax.plot(i + jitter.uniform(-0.12, 0.12, arr.size), arr, "o", alpha=0.7,
                label=f"{name}: median {np.median(arr):.4f}")
    if isinstance(optimum, dict):
        for i, name in enumerate(losses):
            ax.hlines(optimum[name], i - 0.3, i + 0.3, color="tab:green", ls="--", lw=1,
                      label="best possible" if i == 0 else "_nolegend_")
    else:
        ax.axhline(optimum, color="tab:green", ls="--", lw=1, label=f"best possible {optimum:.4f}")
    ax.axhline(threshold, color="tab:red", ls=":", lw=1, label=f"stuck above {threshold:g}")
    ax.set_xticks(range(len(losses)), list(losses))
    ax.set_xlim(-0.6, len(losses) - 0.4)
    ax.set_yscale("log")
    ax.set_ylabel("final MSE (one point per seed)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    return fig


def plot_mse_vs_width(widths: Sequence[int], best: Sequence[float],
                      median: Sequence[float] | None = None,
                      exact: dict[int, float] | None = None) -> plt.Figure:
    """Trained MSE (best and median over seeds) against the number of hidden units, log-log,
    with the best MSE the architecture can reach where it is known (`exact`, by width: from
    `fitting.best_kink_fit`, least squares for fixed knots and a search over the knots)."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(widths, best, "o-", label="gradient descent, best seed")
    if median is not None:
        ax.plot(widths, median, "s--", color="tab:gray", label="gradient descent, median seed")
    if exact:
        ax.plot(list(exact), list(exact.values()), "x", color="tab:green", ms=9, mew=2,
                label="best possible (knot search)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(list(widths), [str(w) for w in widths])
    ax.set_xlabel("hidden units H")
    ax.set_ylabel("MSE")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_kink_fit(x, y, fit: fitting.KinkFit, polyline_mse: float | None = None,
                  ax=None) -> plt.Axes:
    """The least-squares fit for hand-placed knots (a `KinkFit`), its knots and its MSE."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    x, y = _flat(x), _flat(y)
    grid = np.linspace(x.min(), x.max(), 401)
    ax.plot(x, y, ".", color="0.6", ms=3, label="data $y=x^2$")
    ax.plot(grid, fit(grid), color="tab:red", lw=2, label=f"best fit: MSE {fit.mse:.4f}")
    for k, s in zip(fit.knots, fit.signs, strict=True):
        ax.axvline(k, color="0.3", ls=":", lw=1)
        ax.annotate("→" if s > 0 else "←", (k, 0.95), xycoords=("data", "axes fraction"),
                    ha="center")
    title = f"knots {', '.join(f'{k:.2f}' for k in fit.knots)}"
    if polyline_mse is not None:
        title += f" (any polyline: MSE {polyline_mse:.4f})"
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel("x")
    ax.legend(loc="lower right")
    return ax
