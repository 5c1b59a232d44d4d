r"""Figures for the loss lessons (04_losses, 04b_outliers_landscapes_kl, 05_cross_entropy_nll).

These functions only draw and return the Figure: the numbers they draw (losses and their
gradients, a loss landscape, a Jacobian) are computed in the lessons' own cells.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

__all__ = ["plot_loss_curves", "plot_line_fits", "plot_loss_landscape", "plot_softmax_jacobian"]


def plot_loss_curves(prediction, curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     target: float | None = None, xlabel: str = r"prediction $\hat y$",
                     wrt: str = r"\hat y", grad_ylim: tuple[float, float] | None = None,
                     title: str | None = None) -> Figure:
    """Two panels: each loss against the prediction (left) and its gradient with respect to
    it (right, labelled with the symbol `wrt`), with the target marked. `curves` maps each
    loss's name to (loss values, gradient values), arrays over `prediction`."""
    fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(9, 3.5))
    for name, (loss, grad) in curves.items():
        line, = ax_l.plot(prediction, loss, label=name)
        ax_g.plot(prediction, grad, color=line.get_color(), label=name)
    for ax, ylabel in ((ax_l, "loss"), (ax_g, rf"gradient $\partial L/\partial {wrt}$")):
        if target is not None:
            ax.axvline(target, color="gray", ls=":", lw=1)
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    if grad_ylim is not None:
        ax_g.set_ylim(*grad_ylim)
    ax_l.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_line_fits(x, y, fits: Mapping[str, tuple[float, float]],
                   outliers: Sequence[bool] | np.ndarray | None = None) -> Figure:
    """The data and one line $\\hat y = w x + b$ per `name: (w, b)`; `outliers` (a boolean
    mask) draws those points in red."""
    x, y = np.ravel(x), np.ravel(y)
    mask = np.zeros(len(x), bool) if outliers is None else np.ravel(outliers).astype(bool)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.scatter(x[~mask], y[~mask], s=12, color="black", label="data")
    if mask.any():
        ax.scatter(x[mask], y[mask], s=22, color="red", marker="x", label="outliers")
    grid = np.linspace(x.min(), x.max(), 2)
    for name, (w, b) in fits.items():
        ax.plot(grid, w * grid + b, label=f"{name}: y = {w:.2f} x + {b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_loss_landscape(w, b, loss: np.ndarray, minimum: tuple[float, float] | None = None,
                        path: np.ndarray | None = None, levels: int = 25) -> Figure:
    """Contours of `loss[i, j]` over (w[j], b[i]) on log-spaced levels; `minimum` = (w, b) is
    starred and `path`, an array of (w, b) rows, is drawn as a descent trajectory."""
    fig, ax = plt.subplots(figsize=(6, 4))
    hi = loss.max()
    lo = loss.min() if loss.min() > 0 else 1e-6 * hi  # log levels need a positive floor
    cs = ax.contourf(w, b, np.maximum(loss, lo), levels=np.geomspace(lo, hi, levels),
                     norm=LogNorm(), cmap="viridis", extend="min")
    fig.colorbar(cs, ax=ax, label="MSE (log scale)", format="%.3g")
    if path is not None:
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], ".-", color="orange", ms=4, lw=1, label="gradient descent")
    if minimum is not None:
        ax.plot(*minimum, "*", color="red", ms=14, label=f"minimum ({minimum[0]:.2f}, "
                                                         f"{minimum[1]:.2f})")
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
    if path is not None or minimum is not None:
        ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def plot_softmax_jacobian(logits, probs, jacobian,
                          labels: Sequence[str] | None = None) -> Figure:
    r"""Logits and softmax probabilities side by side (left) and the Jacobian
    $J_{ij} = \partial p_i / \partial x_j = p_i(\delta_{ij} - p_j)$ as an annotated heatmap."""
    logits, probs, jacobian = (np.asarray(a, dtype=np.float64) for a in (logits, probs, jacobian))
    n = len(probs)
    labels = list(labels) if labels is not None else [str(i) for i in range(n)]
    fig, (ax_b, ax_j) = plt.subplots(1, 2, figsize=(9, 3.5))
    idx = np.arange(n)
    ax_b.bar(idx - 0.2, logits, width=0.4, label="logits $x$")
    ax_b.bar(idx + 0.2, probs, width=0.4, label="softmax $p$")
    ax_b.set_xticks(idx, labels)
    ax_b.axhline(0, color="gray", lw=0.5)
    ax_b.legend()
    ax_b.set_title("logits and probabilities")
    vmax = np.abs(jacobian).max()
    ax_j.imshow(jacobian, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for i in range(n):
        for j in range(n):
            dark = abs(jacobian[i, j]) > 0.6 * vmax
            ax_j.text(j, i, f"{jacobian[i, j]:.4f}", ha="center", va="center", fontsize=10,
                      color="white" if dark else "black")
    ax_j.set_xticks(idx, [f"$x_{{{k}}}$" for k in labels])
    ax_j.set_yticks(idx, [f"$p_{{{k}}}$" for k in labels])
    ax_j.set_title(r"Jacobian $\partial p_i / \partial x_j$")
    fig.tight_layout()
    return fig
