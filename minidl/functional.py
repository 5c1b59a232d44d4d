r"""Activations and losses, torch-named, each a `Function` with its own analytic backward.

A new activation goes here: a `Function` subclass named <Name>Fn with forward/backward (the
suffix keeps it apart from the module nn.<Name>), a one-line public wrapper with the formula in
its docstring, shaped like `relu`'s, and a module in `nn.py`. Formulas are written in
their stable form: no overflow, no NaN and no NumPy warning for finite inputs up to |x| = 1e4.
"""
from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np

from . import _special
from ._validate import as_tensor, check_class_targets, check_dim, check_reduction, check_same_shape
from .autograd import Function
from .errors import RuntimeTypeError, RuntimeValueError
from .tensor import Tensor

__all__ = ["step", "sign", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu", "selu",
           "gelu", "silu", "softmax", "log_softmax", "linear", "mse_loss", "l1_loss",
           "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "nll_loss", "cross_entropy", "kl_div", "one_hot"]

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
    y = _positive_part(x)
    y += np.log1p(np.exp(-np.abs(x)))
    return y


def _positive_part(x: np.ndarray) -> np.ndarray:
    """max(x, 0), in a new array, taken against an array of zeros: NumPy's loop for two arrays
    is vectorised, its loop for an array and a scalar is not."""
    y = np.zeros(x.shape, x.dtype)
    return np.maximum(x, y, out=y)


def _one_where(mask: np.ndarray, other: float, dtype: np.dtype) -> np.ndarray:
    """np.where(mask, 1, other) in `dtype`, written as arithmetic, several times faster than
    np.where (which branches on every element): mask * (1 - other) + other. It is exactly
    `other` where the mask is False, and exactly 1 where it is True for 0 <= other <= 2 (the
    rounding of 1 - other cancels), within an ulp of 1 otherwise."""
    other = dtype.type(other)
    out = mask.astype(dtype)
    out *= 1 - other
    out += other
    return out


# --------------------------------------------------------------------------- activations
class StepFn(Function):
    @staticmethod
    def forward(ctx, x):
        return np.where(np.isnan(x), x, x > 0).astype(x.dtype)  # NaN stays NaN

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class SignFn(Function):
    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class ReluFn(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _positive_part(x)

    @staticmethod
    def backward(ctx, g):
        return g * (ctx.saved_tensors[0] > 0)


class LeakyReluFn(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.slope = a = x.dtype.type(negative_slope)
        ctx.save_for_backward(x > 0)
        y = np.multiply(x, a, out=np.empty_like(x))  # a x, then x where x is the larger
        return (np.maximum if a <= 1 else np.minimum)(x, y, out=y)  # (the smaller if a > 1)

    @staticmethod
    def backward(ctx, g):
        d = _one_where(ctx.saved_tensors[0], ctx.slope, g.dtype)  # 1 where x > 0, else a
        d *= g
        return d


class SigmoidFn(Function):
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


class TanhFn(Function):
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


class SoftplusFn(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        z = x * beta
        linear = z > threshold  # there softplus is x itself, as in torch: log1p(e^-z) is dropped
        y = np.log1p(np.exp(-np.abs(z)))
        y *= ~linear  # a mask as arithmetic: np.where would branch on every element
        y += _positive_part(z)
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


class EluFn(Function):
    """scale * (x if x > 0 else alpha (e^x - 1)); SELU is this with fixed alpha and scale."""

    @staticmethod
    def forward(ctx, x, alpha, scale):
        neg = np.expm1(np.minimum(x, 0))  # e^x only where it cannot overflow
        neg *= alpha  # the negative part: 0 where x > 0
        ctx.save_for_backward(x, neg)
        ctx.alpha, ctx.scale = alpha, scale
        y = _positive_part(x)
        y += neg
        y *= scale
        return y

    @staticmethod
    def backward(ctx, g):
        x, neg = ctx.saved_tensors
        d = _one_where(x > 0, ctx.alpha, x.dtype)  # 1 for x > 0, else alpha e^x = neg + alpha
        d += neg
        d *= g
        d *= ctx.scale
        return d


class GeluFn(Function):
    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            u = np.tanh(_GELU_K * (x + 0.044715 * x ** 3))
            ctx.save_for_backward(x, u)
            return 0.5 * x * (1 + u)
        y, d = _special.gelu_and_derivative(x)  # x Phi(x) and Phi(x) + x phi(x)
        ctx.save_for_backward(d)  # backward needs only the derivative
        return y

    @staticmethod
    def backward(ctx, g):
        if ctx.approximate == "tanh":
            x, u = ctx.saved_tensors
            return g * (0.5 * (1 + u)
                        + 0.5 * x * (1 - u * u) * _GELU_K * (1 + 3 * 0.044715 * x * x))
        return g * ctx.saved_tensors[0]


class SiluFn(Function):
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


class SoftmaxFn(Function):
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


class LogSoftmaxFn(Function):
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


class LinearFn(Function):
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
                g2.T @ (x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x)
                if w_in.requires_grad else None,
                _ones(len(g2), g2.dtype) @ g2 if b_in is not None and b_in.requires_grad else None)


def step(input) -> Tensor:
    r"""Heaviside step: $H(x) = 1$ if $x > 0$ else $0$ (so $H(0) = 0$). Gradient 0 everywhere."""
    return StepFn.apply(as_tensor(input, "step"))


def sign(input) -> Tensor:
    r"""$\operatorname{sign}(x) \in \{-1, 0, 1\}$. Gradient 0 everywhere."""
    return SignFn.apply(as_tensor(input, "sign"))


def relu(input) -> Tensor:
    r"""$\max(x, 0)$; derivative $1$ for $x > 0$, else $0$ (0 at the kink, as torch)."""
    return ReluFn.apply(as_tensor(input, "relu"))


def leaky_relu(input, negative_slope: float = 0.01) -> Tensor:
    r"""$x$ if $x > 0$ else $a x$ with $a$ = negative_slope; derivative $1$ or $a$."""
    return LeakyReluFn.apply(as_tensor(input, "leaky_relu"), negative_slope=negative_slope)


def sigmoid(input) -> Tensor:
    r"""$\sigma(x) = 1 / (1 + e^{-x})$; $\sigma' = \sigma (1 - \sigma)$."""
    return SigmoidFn.apply(as_tensor(input, "sigmoid"))


def tanh(input) -> Tensor:
    r"""$\tanh x$; $\tanh' = 1 - \tanh^2$."""
    return TanhFn.apply(as_tensor(input, "tanh"))


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""$\frac{1}{\beta}\log(1 + e^{\beta x})$ (just $x$ once $\beta x$ > threshold);
    derivative $\sigma(\beta x)$."""
    return SoftplusFn.apply(as_tensor(input, "softplus"), beta=beta, threshold=threshold)


def elu(input, alpha: float = 1.0) -> Tensor:
    r"""$x$ if $x > 0$ else $\alpha(e^x - 1)$; derivative $1$ or $\alpha e^x$."""
    return EluFn.apply(as_tensor(input, "elu"), alpha=alpha, scale=1.0)


def selu(input) -> Tensor:
    r"""$\lambda\,\mathrm{elu}(x, \alpha)$ with $\alpha \approx 1.6733$, $\lambda \approx 1.0507$
    (self-normalising)."""
    return EluFn.apply(as_tensor(input, "selu"), alpha=SELU_ALPHA, scale=SELU_SCALE)


def gelu(input, approximate: str = "none") -> Tensor:
    r"""$x\,\Phi(x)$, $\Phi$ the standard normal CDF; derivative $\Phi(x) + x\varphi(x)$.
    approximate='tanh' uses $\frac{x}{2}(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))$."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', but got {approximate!r}.")
    return GeluFn.apply(as_tensor(input, "gelu"), approximate=approximate)


def silu(input) -> Tensor:
    r"""$x\,\sigma(x)$ (swish); derivative $\sigma(x)(1 + x(1 - \sigma(x)))$."""
    return SiluFn.apply(as_tensor(input, "silu"))


def softmax(input, dim: int = -1) -> Tensor:
    r"""$p_i = e^{x_i} / \sum_j e^{x_j}$ along `dim`;
    $\partial p_i/\partial x_j = p_i(\delta_{ij} - p_j)$."""
    x = as_tensor(input, "softmax")
    return SoftmaxFn.apply(x, dim=check_dim("softmax", x, dim))


def log_softmax(input, dim: int = -1) -> Tensor:
    r"""$x_i - \log\sum_j e^{x_j}$, computed as $(x_i - m) - \log\sum_j e^{x_j - m}$,
    $m = \max_j x_j$."""
    x = as_tensor(input, "log_softmax")
    return LogSoftmaxFn.apply(x, dim=check_dim("log_softmax", x, dim))


def linear(input, weight, bias=None) -> Tensor:
    r"""$y = x W^\top + b$ with $W$ of shape (out_features, in_features)."""
    x, w = as_tensor(input, "linear"), as_tensor(weight, "linear", "weight")
    b = None if bias is None else as_tensor(bias, "linear", "bias")
    xs, ws = x.data.shape, w.data.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise RuntimeValueError(_linear_mismatch(xs, ws))
    return LinearFn.apply(x, w, b)


def _linear_mismatch(xs: tuple, ws: tuple) -> str:
    layer = (f" (the weight of Linear(in_features={ws[1]}, out_features={ws[0]}))"
             if len(ws) == 2 else "")
    return (f"linear(): input has shape {xs} but weight has shape {ws}{layer}; the input's last "
            f"dimension ({xs[-1] if xs else 'none'}) must equal the weight's in_features "
            f"({ws[1] if len(ws) == 2 else '?'}). Check the previous layer's out_features, or "
            f"reshape a single sample to (1, features).")


# --------------------------------------------------------------------------- losses
def _reduce(loss: np.ndarray, reduction: str):
    if reduction == "mean":
        return np.add.reduce(loss, axis=None) / loss.size  # ufunc.reduce: no Python wrapper
    return loss.sum() if reduction == "sum" else loss


def _mean_over(loss: np.ndarray, reduction: str, count: int):
    """_reduce, but the mean is over `count` samples (those not ignored): nan if there are none."""
    if reduction != "mean":
        return _reduce(loss, reduction)
    return np.add.reduce(loss, axis=None) / count if count else loss.sum() * np.nan


def _upstream(g, reduction: str, n: int):
    """d(reduced loss)/d(elementwise loss), times the incoming gradient."""
    return g / n if reduction == "mean" else g


class MSELossFn(Function):
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


class L1LossFn(Function):
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


class HuberLossFn(Function):
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


class BCELossFn(Function):
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


class BCEWithLogitsLossFn(Function):
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
    g.sum(axis=0) and no less accurate (timings: benchmarks/README.md)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _class_upstream(g, reduction: str, n: int):
    if reduction == "none":
        return g[:, None]
    return float(g) / n if reduction == "mean" else float(g)  # a Python float keeps the dtype


class NllLossFn(Function):
    """$-x_{n, y_n}$ per sample; samples with keep False (ignore_index) count for nothing."""

    @staticmethod
    def forward(ctx, logp, target, reduction, keep=None):
        rows = _rows(len(target))
        ctx.shape, ctx.rows, ctx.target, ctx.reduction = logp.shape, rows, target, reduction
        if keep is None:
            ctx.count = len(rows)
            return _reduce(-logp[rows, target], reduction)
        ctx.keep, ctx.count = keep, int(keep.sum())
        return _mean_over(-logp[rows, target] * keep, reduction, ctx.count)

    keep = None  # every sample counts

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[ctx.rows, ctx.target] = -1 if ctx.keep is None else -ctx.keep.astype(g.dtype)
        return gx * _class_upstream(g, ctx.reduction, max(ctx.count, 1))


class CrossEntropyFn(Function):
    r"""log_softmax and the loss fused. For class indices y the gradient is
    (softmax(x) - onehot(y)) / N. The general form takes a target distribution $t$ (N, C)
    instead: the loss is $-\sum_c t_c \log\mathrm{softmax}(x)_c$ per sample, its gradient
    $\mathrm{softmax}(x) \sum_c t_c - t$, and the mean is over `count` samples. Class
    probabilities, label smoothing and ignore_index all come to that (see cross_entropy)."""

    dist = None  # class indices; else the target distribution

    @staticmethod
    def forward(ctx, x, dist=None, *, target=None, reduction, count=None):
        row_max = np.maximum.reduce(x, axis=-1, keepdims=True)
        _warn_if_probabilities(x, row_max)
        z = x - row_max
        e = np.exp(z)
        s = np.add.reduce(e, axis=-1, keepdims=True)
        ctx.save_for_backward(e / s)
        ctx.reduction = reduction
        if dist is None:
            rows = _rows(len(target))
            ctx.rows, ctx.target = rows, target
            return _reduce(np.log(s[:, 0]) - z[rows, target], reduction)
        ctx.dist, ctx.logp, ctx.count = dist, z - np.log(s), count
        return _mean_over(-np.add.reduce(dist * ctx.logp, axis=-1), reduction, count)

    @staticmethod
    def backward(ctx, g):
        if ctx.dist is None:
            up = _class_upstream(g, ctx.reduction, len(ctx.rows))
            gx = ctx.saved_tensors[0] * up
            gx[ctx.rows, ctx.target] -= up[:, 0] if ctx.reduction == "none" else up
            return gx
        t, up = ctx.dist, _class_upstream(g, ctx.reduction, max(ctx.count, 1))
        gx = (ctx.saved_tensors[0] * np.add.reduce(t, axis=-1, keepdims=True) - t) * up
        wants_gt = isinstance(ctx.inputs[1], Tensor) and ctx.inputs[1].requires_grad
        return gx, -ctx.logp * up if wants_gt else None


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


class KLDivFn(Function):
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
    return MSELossFn.apply(x, t, reduction=reduction)


def l1_loss(input, target, *, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error $\frac1N\sum |x - y|$; gradient $\frac1N \operatorname{sign}(x - y)$."""
    x, t = _loss_inputs("l1_loss", input, target, reduction)
    return L1LossFn.apply(x, t, reduction=reduction)


def huber_loss(input, target, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""$\frac12 d^2$ if $|d| < \delta$ else $\delta(|d| - \frac12\delta)$, $d = x - y$;
    gradient $\mathrm{clip}(d, -\delta, \delta)$."""
    x, t = _loss_inputs("huber_loss", input, target, reduction)
    if not delta > 0:
        raise RuntimeValueError(f"huber_loss(): delta must be positive, but got {delta!r}.")
    return HuberLossFn.apply(x, t, reduction=reduction, delta=delta)


def binary_cross_entropy(input, target, *, reduction: str = "mean") -> Tensor:
    r"""$-[y \log p + (1 - y)\log(1 - p)]$ for probabilities $p$ (logs clamped at -100, as
    torch)."""
    p, t = _loss_inputs("binary_cross_entropy", input, target, reduction)
    for name, v in (("input", p.data), ("target", t.data)):
        with np.errstate(invalid="ignore"):
            outside = (v < 0) | (v > 1)  # NaN is neither: it propagates as NaN
        if outside.any():
            bad = v[outside].flat[0]
            fix = ("Pass probabilities, e.g. sigmoid(logits), or use "
                   "binary_cross_entropy_with_logits(logits, target), which is also stable."
                   if name == "input" else "Targets are probabilities or 0/1 labels.")
            raise RuntimeValueError(f"binary_cross_entropy(): {name} must be in [0, 1], but it "
                                    f"contains {bad:.4g}. {fix}")
    return BCELossFn.apply(p, t, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, *, reduction: str = "mean") -> Tensor:
    r"""BCE of $\sigma(x)$, computed as $\log(1 + e^x) - x y$ (stable); gradient $\sigma(x) - y$."""
    x, t = _loss_inputs("binary_cross_entropy_with_logits", input, target, reduction)
    return BCEWithLogitsLossFn.apply(x, t, reduction=reduction)


def _class_loss_inputs(fn, input, target, reduction, ignore_index, probabilities=False):
    check_reduction(fn, reduction)
    x = input if type(input) is Tensor else as_tensor(input, fn)
    t, keep = check_class_targets(fn, x, target, ignore_index, probabilities)
    single = x.data.ndim == 1
    if single:  # one sample: (C,) logits and a scalar label
        x = x.reshape(1, -1)
        t, keep = t if t is None else t.reshape(1), keep if keep is None else keep.reshape(1)
    return x, t, keep, single


def nll_loss(input, target, *, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    r"""Negative log-likelihood $-\frac1N\sum_n x_{n, y_n}$ of log-probabilities $x$ (e.g. from
    log_softmax). Samples whose label is `ignore_index` are left out, also of N."""
    x, t, keep, single = _class_loss_inputs("nll_loss", input, target, reduction, ignore_index)
    if x.data.size and np.nanmax(x.data) > 1e-6:  # one fixed message: Python shows it once
        warnings.warn("nll_loss(): the input contains positive values, but log-probabilities "
                      "are <= 0. Apply log_softmax first, or call cross_entropy(logits, target), "
                      "which does both.", stacklevel=2)
    out = NllLossFn.apply(x, target=t, reduction=reduction, keep=keep)
    return out.reshape(()) if single and reduction == "none" else out


def cross_entropy(input, target, *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    r"""$-\frac1N\sum_n \log \mathrm{softmax}(x_n)_{y_n}$ = nll_loss(log_softmax(x), y), fused and
    stable. As in torch: a float target of the input's shape holds class probabilities $t$
    (loss $-\sum_c t_c \log\mathrm{softmax}(x)_c$); label_smoothing ε mixes the target with
    the uniform distribution, $(1 - \varepsilon)\,t + \varepsilon / C$; samples whose label
    is ignore_index are left out, also of N."""
    x, t, keep, single = _class_loss_inputs("cross_entropy", input, target, reduction,
                                            ignore_index, probabilities=True)
    if t is not None and keep is None and not label_smoothing:  # class indices: the usual case
        out = CrossEntropyFn.apply(x, target=t, reduction=reduction)
    else:
        dist, count = _distribution(x, target, t, keep, label_smoothing, ignore_index)
        out = CrossEntropyFn.apply(x, dist, reduction=reduction, count=count)
    return out.reshape(()) if single and reduction == "none" else out


def _distribution(x: Tensor, target, t, keep, smoothing: float, ignore_index: int):
    """cross_entropy's target distribution, (N, C), and the number of samples that count: the
    given probabilities (t is None) or onehot(t), mixed with the uniform distribution by
    label smoothing; the rows of ignored samples are 0."""
    n, n_classes = x.shape
    if not 0.0 <= smoothing <= 1.0:
        raise RuntimeValueError(f"cross_entropy(): label_smoothing must be between 0.0 and 1.0, "
                                f"but got {smoothing!r}.")
    if t is None:
        if ignore_index >= 0:
            raise RuntimeValueError(
                f"cross_entropy(): ignore_index={ignore_index} works with class indices, but this "
                f"target holds class probabilities (a float tensor of the input's shape), as in "
                f"torch. Give those samples probability 0 instead, or pass class indices.")
        dist = as_tensor(target, "cross_entropy", "target").reshape(n, n_classes)
        return (dist * (1 - smoothing) + smoothing / n_classes if smoothing else dist), n
    dist = np.full((n, n_classes), smoothing / n_classes, x.dtype)
    dist[_rows(n), t] += 1 - smoothing
    if keep is not None:
        dist *= keep[:, None]
    return dist, n if keep is None else int(keep.sum())


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    r"""Row $n$ is $e_{y_n}$: 1 in column $y_n$, 0 elsewhere (int64, shape (*y.shape, C)); C is
    num_classes, or the largest label + 1 when it is -1, as in torch."""
    y = as_tensor(tensor, "one_hot", "tensor", floating=False).data
    if y.dtype.kind not in "iu":
        raise RuntimeTypeError(f"one_hot(): expects integer class indices (int64), but got dtype "
                               f"{y.dtype}. Convert them with .long() first.")
    if num_classes == -1:
        if not y.size:
            raise RuntimeValueError("one_hot(): cannot infer the number of classes from an empty "
                                    "tensor; pass num_classes.")
        num_classes = int(y.max()) + 1
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        label = y.min() if y.min() < 0 else y.max()
        raise RuntimeValueError(f"one_hot(): class values must be in [0, {num_classes - 1}] "
                                f"(num_classes={num_classes}), but got {label}.")
    return Tensor((y[..., None] == np.arange(num_classes)).astype(np.int64))


def kl_div(input, target, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    r"""$\sum y (\log y - x)$ for log-probabilities $x$ and probabilities $y$ (torch's argument
    order).
    reduction='batchmean' divides by the batch size and gives the true KL divergence."""
    check_reduction("kl_div", reduction, ("mean", "batchmean", "sum", "none"))
    x = as_tensor(input, "kl_div")
    t = as_tensor(target, "kl_div", "target")
    check_same_shape("kl_div", x, t)
    return KLDivFn.apply(x, t, reduction=reduction, log_target=log_target)
