"""Primitive differentiable ops behind Tensor's operators: arithmetic, reductions, shape.

Each backward returns the gradient in the broadcast shape of the output; the engine's
`unbroadcast` turns it back into each input's shape.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .autograd import Function
from .tensor import Tensor


def unwrap(x):
    return x.data if isinstance(x, Tensor) else x


def unwrap_index(index):
    if isinstance(index, tuple):
        return tuple(unwrap(i) for i in index)
    return unwrap(index)


def shape_arg(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def tensor_repr(t: Tensor) -> str:
    d = t.data
    integral = d.dtype.kind != "f" or bool(np.all(np.isfinite(d) & (d == np.round(d))))
    body = np.array2string(d, precision=4, separator=", ", prefix="tensor(",
                           floatmode="maxprec" if integral else "fixed")
    extras = []
    if t.data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype={t.data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return f"tensor({', '.join([body] + extras)})"


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = g / b
        return gb, -gb * a / b


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """a ** b; d/da = b a^(b-1), d/db = a^b ln a."""

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = g * b * a ** (b - 1)
        inputs = ctx.inputs
        if isinstance(inputs[1], Tensor) and inputs[1].requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
            return ga, gb
        return ga, None


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0]


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        return g / ctx.saved_tensors[0]


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        return g * np.sign(ctx.saved_tensors[0])


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype, copy=False)


class MatMul(Function):
    """a @ b with NumPy's rules (1-D operands are promoted and the promoted axis dropped)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(
                f"matmul: the inner dimensions must match, but got shapes {a.shape} and "
                f"{b.shape} ({a.shape[-1] if a.ndim else 'scalar'} vs "
                f"{(b.shape[-2] if b.ndim > 1 else b.shape[0]) if b.ndim else 'scalar'}). "
                f"Transpose one operand (x @ w.T) or check the layer widths.")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # a dot product
            return g * b, g * a
        a2 = a[None] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = g2 @ np.swapaxes(b2, -1, -2)
        gb = np.swapaxes(a2, -1, -2) @ g2
        if a.ndim == 1:
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if ga.ndim > 2 else ga[0]
        if b.ndim == 1:
            gb = gb[..., 0]
        return ga, gb


def _axes(dim, ndim, fn="sum"):
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    n = max(ndim, 1)
    for d in dims:
        if not isinstance(d, (int, np.integer)) or not -n <= d < n:
            raise ValueError(f"{fn}(): dim={d!r} is out of range for a tensor with {ndim} "
                             f"dimension(s); use a dim between {-n} and {n - 1}.")
    return tuple(d % n for d in dims)


def _expand(g, shape, axes, keepdim):
    """Put back reduced axes so `g` broadcasts against the input of shape `shape`."""
    if axes is None:
        return np.broadcast_to(g, shape)
    if not keepdim:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, _axes(dim, a.ndim, "sum"), keepdim
        return np.sum(a, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, _axes(dim, a.ndim, "mean"), keepdim
        out = np.mean(a, axis=ctx.axes, keepdims=keepdim)
        ctx.count = a.size // max(out.size, 1) if a.size else 1
        return out

    @staticmethod
    def backward(ctx, g):
        return _expand(g / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


class Max(Function):
    """Max over `dim`; the gradient is shared equally between tied maxima (as torch's amax)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, _axes(dim, a.ndim, "max"), keepdim
        out = np.max(a, axis=ctx.axes, keepdims=True)
        mask = a == out
        ctx.save_for_backward(mask / mask.sum(axis=ctx.axes, keepdims=True))
        return out if keepdim else (out.reshape(()) if ctx.axes is None else
                                    np.squeeze(out, ctx.axes))

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx.shape, ctx.axes, ctx.keepdim) * ctx.saved_tensors[0]


MaxResult = namedtuple("max", ["values", "indices"])


def max_values_indices(t: Tensor, dim=None, keepdim=False):
    """`t.max()` is a tensor; `t.max(dim)` is `(values, indices)`, as in torch."""
    values = Max.apply(t, dim=dim, keepdim=keepdim)
    return values if dim is None else MaxResult(values, argmax(t, dim, keepdim))


def argmax(t: Tensor, dim=None, keepdim=False) -> Tensor:
    if dim is None:
        return Tensor(np.asarray(np.argmax(t.data)))
    axis = _axes(dim, t.ndim, "argmax")[0]
    return Tensor(np.argmax(t.data, axis=axis, keepdims=keepdim))


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} "
                             f"({a.size} elements) into shape {tuple(shape)}.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = _axes(dims, a.ndim, "transpose")
        return np.swapaxes(a, *ctx.dims)

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.dims))


class Index(Function):
    """a[index]; the backward scatters (and sums repeated indices) with np.add.at."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(out, ctx.index, g)
        return out
