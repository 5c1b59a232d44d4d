r"""Activation figures: a function with its derivative, and a gallery of several.

The derivative is computed by autodiff (`minidl.derivative`) and drawn dashed in the same
colour, so any elementwise minidl function of one Tensor can be shown, e.g.
`plot_activation(F.tanh)` or `activation_gallery({"relu": F.relu, "elu": F.elu})`.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..calculus import derivative
from ..tensor import Tensor

__all__ = ["plot_activation", "activation_gallery"]


def _grid(x) -> np.ndarray:
    """The x values to plot: [-4, 4] by default, always float64 and 1-D."""
    if x is None:
        return np.linspace(-4.0, 4.0, 401)
    arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"plot_activation(): x must be a 1-D grid of at least 2 points, but got "
                         f"shape {arr.shape}. Pass e.g. np.linspace(-4, 4, 401).")
    return arr


def plot_activation(fn: Callable, x=None, *, ax: Axes | None = None, label: str | None = None,
                    show_derivative: bool = True, color=None) -> Axes:
    r"""Draw $f(x)$ (solid) and $f'(x)$ (dashed, by `minidl.derivative`) on `ax`.

    `fn` takes and returns a minidl Tensor elementwise (e.g. `F.sigmoid`, or
    `lambda t: F.leaky_relu(t, 0.1)`); `x` is a 1-D grid, [-4, 4] by default. The lines are
    labelled `label` and `label′` ("f(x)" and "f′(x)" when no label is given). Returns `ax`.
    """
    xs = _grid(x)
    y = fn(Tensor(xs))
    if not isinstance(y, Tensor):
        raise TypeError(f"plot_activation(): fn must return a minidl Tensor, but it returned "
                        f"{type(y).__name__}. Build it from minidl.functional, e.g. F.tanh.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    name, dname = (label, f"{label}′") if label else ("f(x)", "f′(x)")
    (line,) = ax.plot(xs, y.data, color=color, lw=2, label=name)
    if show_derivative:
        ax.plot(xs, derivative(fn, xs), color=line.get_color(), ls="--", lw=1.5, label=dname)
    ax.axhline(0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0, color="0.6", lw=0.8, zorder=0)
    ax.grid(alpha=0.3)
    return ax


def activation_gallery(fns: Mapping[str, Callable], x=None, *, ncols: int = 4,
                       panel_size: tuple[float, float] = (2.5, 2.0),
                       title: str | None = None) -> Figure:
    """One panel per activation, titled with its name: f(x) solid, f′(x) dashed.

    `fns` maps a name to an elementwise minidl function, e.g. {"relu": F.relu}. The panels
    fill a grid of `ncols` columns (fewer if there are fewer functions); unused panels are hidden.
    """
    if not fns:
        raise ValueError("activation_gallery(): fns is empty; pass a dict such as "
                         "{'relu': F.relu, 'tanh': F.tanh}.")
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"activation_gallery(): ncols must be a positive integer, but got "
                         f"{ncols!r}.")
    ncols = min(ncols, len(fns))
    nrows = math.ceil(len(fns) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             sharex=True, squeeze=False)
    flat = axes.ravel()
    for ax, (name, fn) in zip(flat, fns.items()):
        plot_activation(fn, x, ax=ax)
        ax.set_title(name)
    for ax in flat[len(fns):]:
        ax.set_visible(False)
    flat[0].legend(loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
