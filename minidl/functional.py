r"""Activations and losses, torch-named, each a `Function` with its own analytic backward.

A new activation goes here: a `Function` subclass with forward/backward, a one-line public
wrapper with the formula in its docstring, and a module in `nn.py`. Formulas are written in
their stable form: no overflow, no NaN and no NumPy warning for finite inputs up to |x| = 1e4.
"""
from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np

from . import _special
from ._validate import (as_tensor, check_class_targets, check_dim, check_reduction,
                        check_same_shape)
from .autograd import Function
from .tensor import Tensor

__all__ = ["step", "sign", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu", "selu",
           "gelu", "silu", "softmax", "log_softmax", "linear", "mse_loss", "l1_loss",
           "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "nll_loss", "cross_entropy", "kl_div"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_GELU_K = math.sqrt(2 / math.pi)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: with e = e^-|x| in (0, 1], it is 1 / (1 + e) for
    x >= 0 and e / (1 + e) for x < 0 (which keeps the digits of tiny results)."""
    e = np.exp(-np.abs(x))
    y = np.maximum(e, x >= 0)  # the numerator, 1 or e: np.where would branch per element
    e += 1
    y /= e
    return y


def _logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) as torch computes it, for the sigmoid and silu activations: four passes
    over the array where _sigmoid needs seven. Below x = -88 (float32; -709 in float64) e^-x
    overflows to inf and 1 / (1 + inf) = 0, which is right: the true value is below the
    dtype's smallest normal number. So that overflow is silenced rather than avoided."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return 1 / e


def _log1p_exp(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|)."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _one_where_positive(x: np.ndarray, other: float) -> np.ndarray:
    """np.where(x > 0, 1, other) in x's dtype, written as arithmetic, several times faster than
    np.where (which branches on every element): (x > 0) * (1 - other) + other. It is exactly
    `other` where x <= 0, and exactly 1 where x > 0 for 0 <= other <= 2 (the rounding of
    1 - other cancels), within an ulp of 1 otherwise."""
    other = x.dtype.type(other)
    out = (x > 0).astype(x.dtype)
    out *= 1 - other
    out += other
    return out


# --------------------------------------------------------------------------- activations
class Step(Function):
    @staticmethod
    def forward(ctx, x):
        return np.where(np.isnan(x), x, x > 0).astype(x.dtype)  # NaN stays NaN

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(Function):
    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        return g * (ctx.saved_tensors[0] > 0)


class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        slope = _one_where_positive(x, negative_slope)  # the derivative, 1 or negative_slope
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0]


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        y = _logistic(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.saved_tensors[0]
        d = 1 - y  # g y (1 - y), in one buffer
        d *= y
        d *= g
        return d


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.saved_tensors[0]
        d = 1 - y * y
        d *= g  # in place: one pass and no new buffer
        return d


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        z = x * beta
        linear = z > threshold  # there softplus is x itself, as in torch: log1p(e^-z) is dropped
        y = np.log1p(np.exp(-np.abs(z)))
        y *= ~linear  # a mask as arithmetic: np.where would branch on every element
        y += np.maximum(z, 0)
        y /= beta
        ctx.save_for_backward(y, linear)
        ctx.beta = beta
        return y

    @staticmethod
    def backward(ctx, g):
        y, linear = ctx.saved_tensors
        d = -np.expm1(y * -ctx.beta)  # sigmoid(beta x) = 1 - e^(-beta y), from the output y
        d = np.maximum(d, linear)  # and exactly 1 where softplus is linear
        d *= g
        return d


class Elu(Function):
    """scale * (x if x > 0 else alpha (e^x - 1)); SELU is this with fixed alpha and scale."""

    @staticmethod
    def forward(ctx, x, alpha, scale):
        neg = np.expm1(np.minimum(x, 0))  # e^x only where it cannot overflow
        neg *= alpha  # the negative part: 0 where x > 0
        ctx.save_for_backward(x, neg)
        ctx.alpha, ctx.scale = alpha, scale
        y = np.maximum(x, 0)  # the positive part
        y += neg
        y *= scale
        return y

    @staticmethod
    def backward(ctx, g):
        x, neg = ctx.saved_tensors
        d = _one_where_positive(x, ctx.alpha)  # 1 for x > 0, else alpha e^x = neg + alpha
        d += neg
        d *= g
        d *= ctx.scale
        return d


class Gelu(Function):
    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            u = np.tanh(_GELU_K * (x + 0.044715 * x ** 3))
            ctx.save_for_backward(x, u)
            return 0.5 * x * (1 + u)
        cdf, pdf = _special.normal_cdf_pdf(x)  # Phi(x) and phi(x), which backward needs
        ctx.save_for_backward(x, cdf, pdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        if ctx.approximate == "tanh":
            x, u = ctx.saved_tensors
            return g * (0.5 * (1 + u) + 0.5 * x * (1 - u * u) * _GELU_K * (1 + 3 * 0.044715 * x * x))
        x, cdf, pdf = ctx.saved_tensors
        d = pdf * x  # g (Phi + x phi), in one buffer
        d += cdf
        d *= g
        return d


class Silu(Function):
    @staticmethod
    def forward(ctx, x):
        s = _logistic(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        d = 1 - s  # g s (1 + x (1 - s)), in one buffer
        d *= x
        d += 1
        d *= s
        d *= g
        return d


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.saved_tensors[0]
        return y * (g - (g * y).sum(axis=ctx.dim, keepdims=True))


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """x - logsumexp(x) with the max subtracted first, so exp never overflows."""
    z = x - x.max(axis=dim, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=dim, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        y = _log_softmax(x, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.saved_tensors[0]
        return g - np.exp(y) * g.sum(axis=ctx.dim, keepdims=True)


class Linear(Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        x_in, w_in, b_in = ctx.inputs  # x and w are Tensors; b a Tensor or None
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        return (g @ w if x_in.requires_grad else None,
                g2.T @ (x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x) if w_in.requires_grad else None,
                _ones(len(g2), g2.dtype) @ g2 if b_in is not None and b_in.requires_grad else None)


def step(input) -> Tensor:
    r"""Heaviside step: $H(x) = 1$ if $x > 0$ else $0$ (so $H(0) = 0$). Gradient 0 everywhere."""
    return Step.apply(as_tensor(input, "step"))


def sign(input) -> Tensor:
    r"""$\operatorname{sign}(x) \in \{-1, 0, 1\}$. Gradient 0 everywhere."""
    return Sign.apply(as_tensor(input, "sign"))


def relu(input) -> Tensor:
    r"""$\max(x, 0)$; derivative $1$ for $x > 0$, else $0$ (0 at the kink, as torch)."""
    return Relu.apply(input if type(input) is Tensor else as_tensor(input, "relu"))


def leaky_relu(input, negative_slope: float = 0.01) -> Tensor:
    r"""$x$ if $x > 0$ else $a x$ with $a$ = negative_slope; derivative $1$ or $a$."""
    return LeakyRelu.apply(as_tensor(input, "leaky_relu"), negative_slope=negative_slope)


def sigmoid(input) -> Tensor:
    r"""$\sigma(x) = 1 / (1 + e^{-x})$; $\sigma' = \sigma (1 - \sigma)$."""
    return Sigmoid.apply(as_tensor(input, "sigmoid"))


def tanh(input) -> Tensor:
    r"""$\tanh x$; $\tanh' = 1 - \tanh^2$."""
    return Tanh.apply(as_tensor(input, "tanh"))


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""$\frac{1}{\beta}\log(1 + e^{\beta x})$ (just $x$ once $\beta x$ > threshold); derivative $\sigma(\beta x)$."""
    return Softplus.apply(as_tensor(input, "softplus"), beta=beta, threshold=threshold)


def elu(input, alpha: float = 1.0) -> Tensor:
    r"""$x$ if $x > 0$ else $\alpha(e^x - 1)$; derivative $1$ or $\alpha e^x$."""
    return Elu.apply(as_tensor(input, "elu"), alpha=alpha, scale=1.0)


def selu(input) -> Tensor:
    r"""$\lambda\,\mathrm{elu}(x, \alpha)$ with $\alpha \approx 1.6733$, $\lambda \approx 1.0507$ (self-normalising)."""
    return Elu.apply(as_tensor(input, "selu"), alpha=SELU_ALPHA, scale=SELU_SCALE)


def gelu(input, approximate: str = "none") -> Tensor:
    r"""$x\,\Phi(x)$, $\Phi$ the standard normal CDF; derivative $\Phi(x) + x\varphi(x)$.
    approximate='tanh' uses $\frac{x}{2}(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))$."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', but got {approximate!r}.")
    return Gelu.apply(as_tensor(input, "gelu"), approximate=approximate)


def silu(input) -> Tensor:
    r"""$x\,\sigma(x)$ (swish); derivative $\sigma(x)(1 + x(1 - \sigma(x)))$."""
    return Silu.apply(as_tensor(input, "silu"))


def softmax(input, dim: int = -1) -> Tensor:
    r"""$p_i = e^{x_i} / \sum_j e^{x_j}$ along `dim`; $\partial p_i/\partial x_j = p_i(\delta_{ij} - p_j)$."""
    x = as_tensor(input, "softmax")
    return Softmax.apply(x, dim=check_dim("softmax", x, dim))


def log_softmax(input, dim: int = -1) -> Tensor:
    r"""$x_i - \log\sum_j e^{x_j}$, computed as $(x_i - m) - \log\sum_j e^{x_j - m}$, $m = \max_j x_j$."""
    x = as_tensor(input, "log_softmax")
    return LogSoftmax.apply(x, dim=check_dim("log_softmax", x, dim))


def linear(input, weight, bias=None) -> Tensor:
    r"""$y = x W^\top + b$ with $W$ of shape (out_features, in_features)."""
    x = input if type(input) is Tensor else as_tensor(input, "linear")
    w = weight if type(weight) is Tensor else as_tensor(weight, "linear", "weight")
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear(): input has shape {x.shape} but weight has shape {w.shape}; the input's "
            f"last dimension ({x.shape[-1] if x.ndim else 'none'}) must equal the weight's "
            f"in_features ({w.shape[1] if w.ndim == 2 else '?'}). Check the layer widths, or "
            f"reshape a single sample to (1, features).")
    if bias is not None and type(bias) is not Tensor:
        bias = as_tensor(bias, "linear", "bias")
    return Linear.apply(x, w, bias)


# --------------------------------------------------------------------------- losses
def _reduce(loss: np.ndarray, reduction: str):
    if reduction == "mean":
        return np.add.reduce(loss, axis=None) / loss.size  # ufunc.reduce: no Python wrapper
    return loss.sum() if reduction == "sum" else loss


def _upstream(g, reduction: str, n: int):
    """d(reduced loss)/d(elementwise loss), times the incoming gradient."""
    return g / n if reduction == "mean" else g


class MSELoss(Function):
    @staticmethod
    def forward(ctx, x, t, reduction):
        d = x - t
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        d = ctx.saved_tensors[0]
        gx = 2 * d * _upstream(g, ctx.reduction, d.size)
        return gx, -gx


class L1Loss(Function):
    @staticmethod
    def forward(ctx, x, t, reduction):
        d = x - t
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(np.abs(d), reduction)

    @staticmethod
    def backward(ctx, g):
        d = ctx.saved_tensors[0]
        gx = np.sign(d) * _upstream(g, ctx.reduction, d.size)
        return gx, -gx


class HuberLoss(Function):
    @staticmethod
    def forward(ctx, x, t, reduction, delta):
        d = x - t
        a = np.abs(d)
        ctx.save_for_backward(d)
        ctx.reduction, ctx.delta = reduction, delta
        return _reduce(np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)

    @staticmethod
    def backward(ctx, g):
        d = ctx.saved_tensors[0]
        gx = np.clip(d, -ctx.delta, ctx.delta) * _upstream(g, ctx.reduction, d.size)
        return gx, -gx


class BCELoss(Function):
    @staticmethod
    def forward(ctx, p, t, reduction):
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped to -100, as in torch
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log(1 - p), -100)
        ctx.save_for_backward(p, t, log_p, log_q)
        ctx.reduction = reduction
        return _reduce(-(t * log_p + (1 - t) * log_q), reduction)

    @staticmethod
    def backward(ctx, g):
        p, t, log_p, log_q = ctx.saved_tensors
        up = _upstream(g, ctx.reduction, p.size)
        gp = up * (p - t) / np.maximum(p * (1 - p), 1e-12)
        return gp, up * (log_q - log_p)


class BCEWithLogitsLoss(Function):
    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        return _reduce(_log1p_exp(x) - x * t, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        up = _upstream(g, ctx.reduction, x.size)
        return up * (_sigmoid(x) - t), -up * x


@lru_cache(maxsize=64)  # cached (read-only) for the few batch sizes a run uses
def _rows(n: int) -> np.ndarray:
    """0, 1, ..., n-1 for picking each row's target."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


@lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """n ones: `_ones(len(g), g.dtype) @ g` sums the rows of g in one BLAS call, faster than
    g.sum(axis=0) (2x at 32 x 64, 7x at 1024 x 10) and no less accurate."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _class_upstream(g, reduction: str, n: int):
    if reduction == "none":
        return g[:, None]
    return float(g) / n if reduction == "mean" else float(g)  # a Python float keeps the dtype


class NllLoss(Function):
    @staticmethod
    def forward(ctx, logp, target, reduction):
        rows = _rows(len(target))
        ctx.shape, ctx.rows, ctx.target, ctx.reduction = logp.shape, rows, target, reduction
        return _reduce(-logp[rows, target], reduction)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[ctx.rows, ctx.target] = -1
        return gx * _class_upstream(g, ctx.reduction, len(ctx.rows))


class CrossEntropy(Function):
    """log_softmax and nll_loss fused: the gradient is (softmax(x) - onehot(y)) / N."""

    @staticmethod
    def forward(ctx, x, target, reduction):
        row_max = np.maximum.reduce(x, axis=-1, keepdims=True)
        _warn_if_probabilities(x, row_max)
        z = x - row_max
        e = np.exp(z)
        s = np.add.reduce(e, axis=-1, keepdims=True)
        rows = _rows(len(target))
        ctx.save_for_backward(e / s)
        ctx.rows, ctx.target, ctx.reduction = rows, target, reduction
        return _reduce(np.log(s[:, 0]) - z[rows, target], reduction)

    @staticmethod
    def backward(ctx, g):
        up = _class_upstream(g, ctx.reduction, len(ctx.rows))
        gx = ctx.saved_tensors[0] * up
        gx[ctx.rows, ctx.target] -= up[:, 0] if ctx.reduction == "none" else up
        return gx


def _warn_if_probabilities(x: np.ndarray, row_max: np.ndarray) -> None:
    """Warn if every row of x (N, C) is in [0, 1] and sums to 1. The first row alone is tested
    first, from its maximum and then its sum: that is cheap and rules out almost every batch
    of logits."""
    if (x.size and x.shape[-1] > 1 and 0 <= row_max.item(0) <= 1
            and abs(np.add.reduce(x[0]) - 1) <= 1e-5 and x.min() >= 0
            and np.allclose(x.sum(axis=-1), 1, atol=1e-5)):
        warnings.warn("cross_entropy(): every row of the input is in [0, 1] and sums to 1: these "
                      "look like probabilities, but cross_entropy expects raw logits and applies "
                      "softmax itself. Pass the logits (before softmax).", stacklevel=5)


class KLDiv(Function):
    @staticmethod
    def forward(ctx, x, t, reduction, log_target):
        if log_target:
            p, log_p = np.exp(t), t
        else:
            p = t
            with np.errstate(divide="ignore", invalid="ignore"):
                log_p = np.where(t > 0, np.log(np.where(t > 0, t, 1)), 0)
        ctx.save_for_backward(x, p, log_p)
        ctx.reduction, ctx.log_target = reduction, log_target
        loss = p * (log_p - x)
        if reduction == "batchmean":
            return loss.sum() / (x.shape[0] if x.ndim else 1)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, p, log_p = ctx.saved_tensors
        if ctx.reduction == "batchmean":
            g = g / (x.shape[0] if x.ndim else 1)
        else:
            g = _upstream(g, ctx.reduction, x.size)
        gt = (log_p - x) * p if ctx.log_target else np.where(p > 0, log_p + 1 - x, 0)
        return -p * g, gt * g


def _loss_inputs(fn, input, target, reduction):
    check_reduction(fn, reduction)
    x = as_tensor(input, fn)
    t = as_tensor(target, fn, "target")
    check_same_shape(fn, x, t)
    return x, t


def mse_loss(input, target, *, reduction: str = "mean") -> Tensor:
    r"""Mean squared error $\frac1N\sum (x - y)^2$; gradient $\frac2N (x - y)$."""
    x, t = _loss_inputs("mse_loss", input, target, reduction)
    return MSELoss.apply(x, t, reduction=reduction)


def l1_loss(input, target, *, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error $\frac1N\sum |x - y|$; gradient $\frac1N \operatorname{sign}(x - y)$."""
    x, t = _loss_inputs("l1_loss", input, target, reduction)
    return L1Loss.apply(x, t, reduction=reduction)


def huber_loss(input, target, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""$\frac12 d^2$ if $|d| < \delta$ else $\delta(|d| - \frac12\delta)$, $d = x - y$; gradient $\mathrm{clip}(d, -\delta, \delta)$."""
    x, t = _loss_inputs("huber_loss", input, target, reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss(): delta must be positive, but got {delta!r}.")
    return HuberLoss.apply(x, t, reduction=reduction, delta=delta)


def binary_cross_entropy(input, target, *, reduction: str = "mean") -> Tensor:
    r"""$-[y \log p + (1 - y)\log(1 - p)]$ for probabilities $p$ (logs clamped at -100, as torch)."""
    p, t = _loss_inputs("binary_cross_entropy", input, target, reduction)
    for name, v in (("input", p.data), ("target", t.data)):
        with np.errstate(invalid="ignore"):
            outside = (v < 0) | (v > 1)  # NaN is neither: it propagates as NaN
        if outside.any():
            bad = v[outside].flat[0]
            fix = ("Pass probabilities, e.g. sigmoid(logits), or use "
                   "binary_cross_entropy_with_logits(logits, target), which is also stable."
                   if name == "input" else "Targets are probabilities or 0/1 labels.")
            raise ValueError(f"binary_cross_entropy(): {name} must be in [0, 1], but it contains "
                             f"{bad:.4g}. {fix}")
    return BCELoss.apply(p, t, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, *, reduction: str = "mean") -> Tensor:
    r"""BCE of $\sigma(x)$, computed as $\log(1 + e^x) - x y$ (stable); gradient $\sigma(x) - y$."""
    x, t = _loss_inputs("binary_cross_entropy_with_logits", input, target, reduction)
    return BCEWithLogitsLoss.apply(x, t, reduction=reduction)


def _class_loss_inputs(fn, input, target, reduction):
    check_reduction(fn, reduction)
    x = input if type(input) is Tensor else as_tensor(input, fn)
    t = check_class_targets(fn, x, target)
    single = x.data.ndim == 1
    if single:  # one sample: (C,) logits and a scalar label
        x, t = x.reshape(1, -1), t.reshape(1)
    return x, t, single


def nll_loss(input, target, *, reduction: str = "mean") -> Tensor:
    r"""Negative log-likelihood $-\frac1N\sum_n x_{n, y_n}$ of log-probabilities $x$ (e.g. from log_softmax)."""
    x, t, single = _class_loss_inputs("nll_loss", input, target, reduction)
    if x.data.size and np.nanmax(x.data) > 1e-6:  # one fixed message: Python shows it once
        warnings.warn("nll_loss(): the input contains positive values, but log-probabilities "
                      "are <= 0. Apply log_softmax first, or call cross_entropy(logits, target), "
                      "which does both.", stacklevel=2)
    out = NllLoss.apply(x, target=t, reduction=reduction)
    return out.reshape(()) if single and reduction == "none" else out


def cross_entropy(input, target, *, reduction: str = "mean") -> Tensor:
    r"""$-\frac1N\sum_n \log \mathrm{softmax}(x_n)_{y_n}$ = nll_loss(log_softmax(x), y), fused and stable."""
    x, t, single = _class_loss_inputs("cross_entropy", input, target, reduction)
    out = CrossEntropy.apply(x, target=t, reduction=reduction)
    return out.reshape(()) if single and reduction == "none" else out


def kl_div(input, target, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    r"""$\sum y (\log y - x)$ for log-probabilities $x$ and probabilities $y$ (torch's argument order).
    reduction='batchmean' divides by the batch size and gives the true KL divergence."""
    check_reduction("kl_div", reduction, ("mean", "batchmean", "sum", "none"))
    x = as_tensor(input, "kl_div")
    t = as_tensor(target, "kl_div", "target")
    check_same_shape("kl_div", x, t)
    return KLDiv.apply(x, t, reduction=reduction, log_target=log_target)
