r"""Exact answers and batch experiments for lesson 03 (fitting a curve with ReLUs).

A network Linear(1, H) → ReLU → Linear(H, 1) computes
$f(x) = c + \sum_i v_i\,\mathrm{relu}(w_i x + b_i)$. Each hidden unit is a hinge with its kink
(knot) at $k_i = -b_i / w_i$: for $w_i > 0$ it is $w_i\,\mathrm{relu}(x - k_i)$ (it opens to
the right), for $w_i < 0$ it is $|w_i|\,\mathrm{relu}(k_i - x)$ (it opens to the left). With
the knots and the directions fixed, f is linear in $(c, v_1 |w_1|, \dots)$, so the best output
weights come from linear least squares, exactly. Over the knots themselves the MSE is not
linear: `best_kink_fit` searches them on a grid and refines around the best cell, so its
answer is exact for the knots it returns and the knots are found to the refinement's
resolution. The same holds for LeakyReLU (`negative_slope`), since
$\mathrm{leaky}(|w| u) = |w|\,\mathrm{leaky}(u)$. `train_seeds` trains one network per seed,
all at once, and records every seed's loss at every epoch.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import functional as F
from .. import nn, optim
from ..random import manual_seed
from ..tensor import Tensor

__all__ = ["KinkFit", "hinge_basis", "fit_kinks", "fit_polyline", "best_kink_fit",
           "snapshot", "network_output", "knots", "segment_slopes", "active_counts",
           "SeedRuns", "train_seeds"]
_NAMES = ("0.weight", "0.bias", "2.weight", "2.bias")


def _column(a, name: str, fn: str) -> np.ndarray:
    arr = np.asarray(getattr(a, "data", a), dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{fn}(): expected {name} of shape (n,) or (n, 1), got shape "
                         f"{arr.shape}. Pass the arrays from minidl.data.quadratic().")
    return arr


def _xy(x, y, fn: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = _column(x, "x", fn), _column(y, "y", fn)
    if x.shape != y.shape:
        raise ValueError(f"{fn}(): x has {x.size} samples but y has {y.size}; they must match.")
    return x, y


def _leaky(u: np.ndarray, negative_slope: float) -> np.ndarray:
    return np.maximum(u, 0) if negative_slope == 0 else np.where(u > 0, u, negative_slope * u)


def hinge_basis(x: ArrayLike, knots: ArrayLike, signs: ArrayLike,
                negative_slope: float = 0.0) -> np.ndarray:
    r"""Design matrix with columns $1, \mathrm{relu}(s_1 (x - k_1)), \dots$, shape (n, 1 + H).

    $s_i = +1$ is a hinge opening to the right ($\mathrm{relu}(x - k_i)$), $s_i = -1$ one
    opening to the left ($\mathrm{relu}(k_i - x)$). With `negative_slope` $\alpha$ the columns
    are LeakyReLU hinges, $\alpha\,s_i(x - k_i)$ on the closed side instead of 0.
    """
    x = _column(x, "x", "hinge_basis")
    k, s = np.asarray(knots, dtype=np.float64), np.asarray(signs, dtype=np.float64)
    if k.shape != s.shape or k.ndim != 1:
        raise ValueError(f"hinge_basis(): knots and signs must be two lists of the same length, "
                         f"got {k.size} knots and {s.size} signs.")
    if not np.all(np.abs(s) == 1):
        raise ValueError(f"hinge_basis(): signs must be +1 or -1, got {s.tolist()}.")
    return np.column_stack([np.ones_like(x), _leaky(s * (x[:, None] - k), negative_slope)])


@dataclass(frozen=True)
class KinkFit:
    r"""The best $f(x) = c + \sum_i v_i\,\mathrm{relu}(s_i (x - k_i))$ for fixed knots
    (LeakyReLU hinges if `negative_slope` is not 0)."""

    knots: tuple[float, ...]
    signs: tuple[int, ...]
    bias: float
    weights: tuple[float, ...]
    mse: float
    negative_slope: float = 0.0

    def __call__(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(getattr(x, "data", x), dtype=np.float64)
        u = np.multiply.outer(x, self.signs) - np.multiply(self.signs, self.knots)
        return self.bias + _leaky(u, self.negative_slope) @ np.asarray(self.weights)

    def network_parameters(self) -> dict[str, np.ndarray]:
        r"""Weights of Linear(1, H) → ReLU → Linear(H, 1) computing this fit, named as in
        `Sequential` (`0.weight`, `0.bias`, `2.weight`, `2.bias`): $w_i = s_i$,
        $b_i = -s_i k_i$, output weights $v_i$, output bias $c$ (with the same activation,
        ReLU or LeakyReLU(`negative_slope`), between the layers)."""
        s, k = np.asarray(self.signs, float), np.asarray(self.knots, float)
        return {"0.weight": s[:, None], "0.bias": -s * k,
                "2.weight": np.asarray(self.weights, float)[None, :],
                "2.bias": np.array([self.bias])}


def _solve(A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef, float(np.mean((A @ coef - y) ** 2))


def fit_kinks(x: ArrayLike, y: ArrayLike, knots: ArrayLike,
              signs: ArrayLike | None = None, negative_slope: float = 0.0) -> KinkFit:
    r"""Least-squares output weights for hidden units with the given knots.

    With `signs` None every direction pattern ($2^H$ of them) is tried and the best is
    returned: that is the best MSE a ReLU network (LeakyReLU with `negative_slope`) with
    kinks exactly at `knots` can reach.
    """
    x, y = _xy(x, y, "fit_kinks")
    knots = tuple(float(k) for k in np.atleast_1d(knots))
    patterns = (itertools.product((1, -1), repeat=len(knots)) if signs is None
                else [tuple(int(s) for s in np.atleast_1d(signs))])
    best = None
    for s in patterns:
        coef, mse = _solve(hinge_basis(x, knots, s, negative_slope), y)
        if best is None or mse < best.mse:
            best = KinkFit(knots, s, float(coef[0]), tuple(float(v) for v in coef[1:]), mse,
                           float(negative_slope))
    assert best is not None  # there is at least one pattern
    return best


def fit_polyline(x: ArrayLike, y: ArrayLike, knots: ArrayLike) -> tuple[np.ndarray, float]:
    r"""Best continuous piecewise-linear fit with kinks at `knots`: least squares on the basis
    $1, x, \mathrm{relu}(x - k_1), \dots$ (one more column than a ReLU network has, as the
    network has no direct $x$ term). Returns (coefficients, mse)."""
    x, y = _xy(x, y, "fit_polyline")
    k = np.atleast_1d(np.asarray(knots, dtype=np.float64))
    return _solve(np.column_stack([np.ones_like(x), x, np.maximum(x[:, None] - k, 0)]), y)


def _grid_search(x: np.ndarray, y: np.ndarray, grids: list[np.ndarray],
                 signs: tuple[int, ...],
                 negative_slope: float = 0.0) -> tuple[tuple[float, ...], float]:
    """Minimum MSE over every knot combination on `grids` (one grid per unit), from the normal
    equations: RSS = y·y - b·G⁺b, with G = AᵀA and b = Aᵀy assembled from precomputed
    dot products."""
    cols = [_leaky(s * (x[:, None] - g), negative_slope)  # (n, G)
            for s, g in zip(signs, grids, strict=True)]
    mesh = np.meshgrid(*[np.arange(len(g)) for g in grids], indexing="ij")
    idx = [m.ravel() for m in mesh]
    h = len(grids)
    gram = np.empty((idx[0].size, h + 1, h + 1))
    rhs = np.empty((idx[0].size, h + 1))
    gram[:, 0, 0], rhs[:, 0] = x.size, y.sum()
    for i in range(h):
        gram[:, 0, i + 1] = gram[:, i + 1, 0] = cols[i].sum(0)[idx[i]]
        rhs[:, i + 1] = (y @ cols[i])[idx[i]]
        for j in range(i, h):
            gram[:, i + 1, j + 1] = gram[:, j + 1, i + 1] = (cols[i].T @ cols[j])[idx[i], idx[j]]
    coef = np.einsum("pij,pj->pi", np.linalg.pinv(gram, hermitian=True), rhs)
    rss = y @ y - np.einsum("pi,pi->p", coef, rhs)
    best = int(np.argmin(rss))
    knots = tuple(float(g[i[best]]) for g, i in zip(grids, idx, strict=True))
    return knots, float(rss[best] / x.size)


def best_kink_fit(x: ArrayLike, y: ArrayLike, n_hidden: int = 2,
                  signs: Sequence[int] | None = None, low: float | None = None,
                  high: float | None = None, grid: int = 201, refine: int = 6,
                  negative_slope: float = 0.0) -> KinkFit:
    r"""The lowest MSE Linear(1, H) → ReLU → Linear(H, 1) can reach on (x, y), found by search.

    Every knot runs over `grid` points of [low, high] (default: the range of x, which covers
    units that are linear or zero on all the data, as a kink at an end does) for every
    direction pattern, and each knot combination gets its exact least-squares output weights;
    the best cell is then refined `refine` times on a grid 10x finer around it. So the MSE is
    exact for the knots returned, and the knots are the best to about
    (high - low) / (grid - 1) / 10**refine, unless a narrower valley fell between two points of
    the first grid. With `negative_slope` the hidden units are LeakyReLU. Cost:
    grid^H · (H + 1) small solves, so keep H ≤ 2 (H = 3 with grid ≈ 41).
    """
    x, y = _xy(x, y, "best_kink_fit")
    if signs is not None and len(signs) != n_hidden:
        raise ValueError(f"best_kink_fit(): got {len(signs)} signs for n_hidden={n_hidden}; "
                         f"pass one sign (+1 or -1) per hidden unit.")
    if n_hidden not in (1, 2, 3):
        raise ValueError(f"best_kink_fit(): n_hidden must be 1, 2 or 3 (the search grows as "
                         f"grid**n_hidden), got {n_hidden}. Train a network for more units.")
    low = float(x.min()) if low is None else low
    high = float(x.max()) if high is None else high
    best_knots, best_mse, best_signs = None, np.inf, None
    # the knot grids are not ordered, so (1, -1) also covers (-1, 1): H + 1 patterns suffice
    patterns = (itertools.combinations_with_replacement((1, -1), n_hidden) if signs is None
                else [tuple(int(s) for s in signs)])
    for pattern in patterns:
        ks, mse = _grid_search(x, y, [np.linspace(low, high, grid)] * n_hidden, pattern,
                               negative_slope)
        step = (high - low) / (grid - 1)
        for _ in range(refine):
            grids = [np.clip(np.linspace(k - step, k + step, 21), low, high) for k in ks]
            ks, mse = _grid_search(x, y, grids, pattern, negative_slope)
            step /= 10
        if mse < best_mse:
            best_knots, best_mse, best_signs = ks, mse, pattern
    assert best_knots is not None and best_signs is not None  # mse < inf on some pattern
    order = np.argsort(best_knots, kind="stable")
    return fit_kinks(x, y, np.take(best_knots, order), np.take(best_signs, order),
                     negative_slope)


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """A float64 copy of a model's parameters by name (`0.weight`, `0.bias`, ...), to record
    training without keeping the model."""
    return {name: np.array(p.data, dtype=np.float64) for name, p in model.named_parameters()}


def _parameters(params, fn: str) -> list[np.ndarray]:
    if hasattr(params, "named_parameters"):
        params = snapshot(params)
    missing = [n for n in _NAMES if n not in params]
    if missing:
        raise ValueError(f"{fn}(): expected the parameters of Sequential(Linear(1, H), ReLU(), "
                         f"Linear(H, 1)) named {list(_NAMES)}, but {missing} are missing. Pass "
                         f"the model itself or minidl.fitting.snapshot(model).")
    return [np.asarray(params[n], dtype=np.float64).reshape(-1) for n in _NAMES]


def network_output(params, x: ArrayLike, negative_slope: float = 0.0) -> np.ndarray:
    r"""$f(x) = c + \sum_i v_i\,\sigma(w_i x + b_i)$ in NumPy, with $\sigma$ = ReLU (or
    LeakyReLU with `negative_slope`); `params` is a model or a `snapshot` of one. Shape (n,)."""
    w, b, v, c = _parameters(params, "network_output")
    z = np.multiply.outer(_column(x, "x", "network_output"), w) + b
    return np.where(z > 0, z, negative_slope * z) @ v + c[0]


def knots(weight: ArrayLike, bias: ArrayLike) -> np.ndarray:
    r"""Where each hidden unit's pre-activation $w_i x + b_i$ crosses 0: $k_i = -b_i / w_i$
    (inf for $w_i = 0$). `weight` has shape (H, 1) as in Linear(1, H)."""
    w = np.asarray(getattr(weight, "data", weight), dtype=np.float64).reshape(-1)
    b = np.asarray(getattr(bias, "data", bias), dtype=np.float64).reshape(-1)
    if w.shape != b.shape:
        raise ValueError(f"knots(): weight has {w.size} units but bias has {b.size}; pass the "
                         f"first Linear layer's weight (H, 1) and bias (H,).")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, -b / np.where(w != 0, w, 1), np.inf)


def segment_slopes(weight: ArrayLike, bias: ArrayLike, out_weight: ArrayLike, low: float,
                   high: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Split [low, high] at the knots inside it; return (breakpoints, slope of each piece).

    On a piece, $f'(x) = \sum_i v_i w_i [w_i x + b_i > 0]$, evaluated at its midpoint.
    Breakpoints include low and high, so there is one slope fewer than breakpoints.
    """
    w = np.asarray(getattr(weight, "data", weight), dtype=np.float64).reshape(-1)
    b = np.asarray(getattr(bias, "data", bias), dtype=np.float64).reshape(-1)
    v = np.asarray(getattr(out_weight, "data", out_weight), dtype=np.float64).reshape(-1)
    if not w.size == b.size == v.size:
        raise ValueError(f"segment_slopes(): got {w.size} input weights, {b.size} biases and "
                         f"{v.size} output weights; they must all count the hidden units.")
    k = knots(w, b)
    inside = np.sort(np.unique(k[(k > low) & (k < high)]))
    edges = np.concatenate([[low], inside, [high]])
    mid = (edges[:-1] + edges[1:]) / 2
    active = (np.multiply.outer(mid, w) + b) > 0
    return edges, active @ (v * w)


def active_counts(weight: ArrayLike, bias: ArrayLike, x: ArrayLike) -> np.ndarray:
    r"""For each hidden unit, on how many inputs it is active ($w_i x + b_i > 0$). A unit
    active on none of them gets no gradient: it is dead."""
    x = _column(x, "x", "active_counts")
    w = np.asarray(getattr(weight, "data", weight), dtype=np.float64).reshape(-1)
    b = np.asarray(getattr(bias, "data", bias), dtype=np.float64).reshape(-1)
    return ((np.multiply.outer(x, w) + b) > 0).sum(0)


@dataclass(frozen=True)
class SeedRuns:
    """What `train_seeds` returns: per seed, the final MSE and the weights (as `snapshot`
    dicts) before and after training; `curves[e, s]` is seed s's MSE after e epochs
    (`curves[-1]` equals `losses`)."""

    seeds: tuple[int, ...]
    losses: np.ndarray
    initial: list[dict[str, np.ndarray]]
    final: list[dict[str, np.ndarray]]
    curves: np.ndarray


def train_seeds(x: ArrayLike, y: ArrayLike, seeds: Iterable[int], hidden: int = 2,
                negative_slope: float | None = None, epochs: int = 1000,
                lr: float = 0.05) -> SeedRuns:
    r"""Train Sequential(Linear(1, H), ReLU(), Linear(H, 1)) once per seed, all at once.

    Network s starts from the weights `minidl.manual_seed(s)` gives that Sequential and runs
    `epochs` full-batch Adam steps on its own MSE, exactly as a loop over seeds would. With
    `negative_slope` the activation is LeakyReLU. Every seed's MSE is recorded before each
    step (`curves`, shape (epochs + 1, S)). The S networks' weights are stacked along a
    first axis, $z_{jsi} = x_j w_{si} + b_{si}$, and the loss is $\sum_s \mathrm{MSE}_s$, whose
    gradient with respect to network s's weights is that of its own MSE alone. Like
    `manual_seed`, it leaves minidl's generator reseeded (with the last seed).
    """
    x32 = np.asarray(getattr(x, "data", x), dtype=np.float32).reshape(-1, 1, 1)
    y32 = np.asarray(getattr(y, "data", y), dtype=np.float32).reshape(-1, 1)
    if x32.shape[0] != y32.shape[0]:
        raise ValueError(f"train_seeds(): x has {x32.shape[0]} samples but y has "
                         f"{y32.shape[0]}; they must match.")
    seeds = tuple(int(s) for s in seeds)
    if not seeds or hidden < 1 or epochs < 0:
        raise ValueError(f"train_seeds(): need at least one seed, hidden >= 1 and epochs >= 0; "
                         f"got {len(seeds)} seeds, hidden={hidden}, epochs={epochs}.")
    initial = []
    for s in seeds:
        manual_seed(s)
        initial.append(snapshot(nn.Sequential(nn.Linear(1, hidden), nn.ReLU(),
                                              nn.Linear(hidden, 1))))
    stacked = [Tensor(np.stack([p[n].reshape(-1) for p in initial]).astype(np.float32),
                      requires_grad=True) for n in _NAMES]  # (S, H), (S, H), (S, H), (S, 1)
    w, b, v, c = stacked
    X, Y = Tensor(x32), Tensor(y32)
    opt = optim.Adam(stacked, lr=lr)

    def per_seed_mse() -> Tensor:
        z = X * w + b                                            # (n, S, H)
        h = F.relu(z) if negative_slope is None else F.leaky_relu(z, negative_slope)
        out = (h * v).sum(dim=2) + c.reshape(-1)                 # (n, S)
        return ((out - Y) ** 2).mean(dim=0)                      # (S,)

    curves = np.empty((epochs + 1, len(seeds)))
    for epoch in range(epochs):
        opt.zero_grad()
        mse = per_seed_mse()
        curves[epoch] = mse.data
        mse.sum().backward()
        opt.step()
    curves[epochs] = per_seed_mse().data
    losses = curves[epochs].copy()
    final = [{n: t.data[i].astype(np.float64).reshape(initial[i][n].shape)
              for n, t in zip(_NAMES, stacked, strict=True)} for i in range(len(seeds))]
    return SeedRuns(seeds, losses, initial, final, curves)
