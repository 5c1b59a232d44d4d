r"""Activation figures: a function with its derivative, and a gallery of several.

`activation_gallery(x, curves)` only draws: the lesson computes each curve, e.g.
`{"tanh": (F.tanh(x).data, minidl.derivative(F.tanh, x))}`, and the gallery draws the value solid
and the derivative dashed in the same colour. `plot_activation(fn)` is the one-call version for a
single function whose derivative the lesson has already computed by hand: it evaluates `fn` and
its derivative (by autodiff, `minidl.derivative`) itself.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..calculus import derivative
from ..tensor import Tensor

__all__ = ["plot_activation", "activation_gallery"]


def _grid(x, fn: str = "plot_activation") -> np.ndarray:
    """The x values to plot: [-4, 4] by default, always float64 and 1-D."""
    if x is None:
        return np.linspace(-4.0, 4.0, 401)
    arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{fn}(): x must be a 1-D grid of at least 2 points, but got "
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
    dy = derivative(fn, xs) if show_derivative else None
    return _draw(xs, y.data, dy, ax=ax, label=label, color=color)


def _draw(xs: np.ndarray, y, dy, *, ax: Axes | None, label: str | None = None,
          color=None) -> Axes:
    """f (solid) and, unless `dy` is None, f′ (dashed, same colour), with the axes through 0."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    name, dname = (label, f"{label}′") if label else ("f(x)", "f′(x)")
    (line,) = ax.plot(xs, y, color=color, lw=2, label=name)
    if dy is not None:
        ax.plot(xs, dy, color=line.get_color(), ls="--", lw=1.5, label=dname)
    ax.axhline(0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0, color="0.6", lw=0.8, zorder=0)
    ax.grid(alpha=0.3)
    return ax


def _curve(name: str, curve, n: int) -> tuple[np.ndarray, np.ndarray]:
    """curves[name] as two float arrays of length n, or an error that says what to pass."""
    if callable(curve):
        raise TypeError(f"activation_gallery(): curves[{name!r}] is a function, but the gallery "
                        f"draws precomputed curves. Compute them first, e.g. {{{name!r}: "
                        f"(fn(x).data, minidl.derivative(fn, x))}}.")
    try:
        y, dy = curve
    except (TypeError, ValueError):
        raise TypeError(f"activation_gallery(): curves[{name!r}] must be a pair (values, "
                        f"derivative), but got {type(curve).__name__}.") from None
    y, dy = (np.asarray(a.data if isinstance(a, Tensor) else a, dtype=np.float64) for a in (y, dy))
    if y.shape != (n,) or dy.shape != (n,):
        raise ValueError(f"activation_gallery(): curves[{name!r}] must hold two arrays of shape "
                         f"({n},) like x, but got shapes {y.shape} and {dy.shape}. Evaluate the "
                         f"function and its derivative on the same grid x.")
    return y, dy


def activation_gallery(x, curves: Mapping[str, tuple], *, ncols: int = 4,
                       panel_size: tuple[float, float] = (2.5, 2.0),
                       title: str | None = None) -> Figure:
    """One panel per activation, titled with its name: f(x) solid, f′(x) dashed.

    `x` is the 1-D grid and `curves` maps a name to the pair (f(x), f′(x)) computed on it, e.g.
    {"relu": (F.relu(x).data, minidl.derivative(F.relu, x))}: the gallery computes nothing. The
    panels fill a grid of `ncols` columns (fewer if there are fewer curves); unused panels are
    hidden.
    """
    if isinstance(x, Mapping):
        raise TypeError("activation_gallery(): the grid x comes first, then the curves: "
                        "activation_gallery(x, {'relu': (values, derivative)}).")
    if not isinstance(curves, Mapping):
        raise TypeError(f"activation_gallery(): curves must be a dict name -> (values, "
                        f"derivative), but got {type(curves).__name__}.")
    if not curves:
        raise ValueError("activation_gallery(): curves is empty; pass a dict such as "
                         "{'relu': (F.relu(x).data, minidl.derivative(F.relu, x))}.")
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"activation_gallery(): ncols must be a positive integer, but got "
                         f"{ncols!r}.")
    if x is None:
        raise ValueError("activation_gallery(): pass the grid x the curves were computed on, "
                         "e.g. activation_gallery(x, curves) with x = np.linspace(-4, 4, 401).")
    xs = _grid(x, "activation_gallery")
    drawn = {name: _curve(name, curve, len(xs)) for name, curve in curves.items()}
    ncols = min(ncols, len(drawn))
    nrows = math.ceil(len(drawn) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             sharex=True, squeeze=False)
    flat = axes.ravel()
    for ax, (name, (y, dy)) in zip(flat, drawn.items(), strict=False):
        _draw(xs, y, dy, ax=ax)
        ax.set_title(name, fontsize=10)
    for ax in flat[len(drawn):]:
        ax.set_visible(False)
    flat[0].legend(loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
