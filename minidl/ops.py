"""Primitive differentiable ops behind Tensor's methods: arithmetic, comparisons' dtype rules,
reductions, shape, joining. torch's names, signatures and type promotion throughout.

Each backward returns the gradient in the broadcast shape of the output; the engine's
`unbroadcast` turns it back into each input's shape. This module imports tensor.py and
autograd.py; Tensor's methods reach it as `ops`, which minidl/__init__.py hands to tensor.py.
"""
from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np

from .autograd import Function
from .errors import IndexValueError, RuntimeTypeError, RuntimeValueError
from .tensor import Tensor, unwrap

# --------------------------------------------------------------------------- type promotion
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # torch's order: bool < integer < floating


def _number_dtype(x) -> np.dtype:
    """The dtype torch gives a Python number: bool, int64, or float32 (its default dtype)."""
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(x, (float, np.floating)):
        return np.dtype(np.float32)
    raise TypeError(f"expected a Tensor, a NumPy array or a number, but got {type(x).__name__}.")


def result_type(*operands) -> np.dtype:
    r"""The dtype torch computes an elementwise op on `operands` in. The highest category
    (bool < integer < floating) wins; within it, tensors with dimensions decide first, then
    0-d tensors, then Python numbers (a float number counts as float32). So int64 + 0.5 is
    float32, float32 * a 0-d float64 tensor stays float32, float32 * a float64 array is float64."""
    groups: list = [None, None, None]  # arrays with dimensions, 0-d arrays, numbers
    for x in operands:
        if isinstance(x, np.ndarray):
            rank, dt = (0 if x.ndim else 1), x.dtype
        else:
            rank, dt = 2, _number_dtype(x)
        prev = groups[rank]
        if prev is None or _CATEGORY[dt.kind] > _CATEGORY[prev.kind]:
            groups[rank] = dt
        elif _CATEGORY[dt.kind] == _CATEGORY[prev.kind]:
            groups[rank] = np.promote_types(prev, dt)
    out = None
    for dt in reversed(groups):  # numbers first: a higher rank wins unless its category is lower
        if dt is not None and (out is None or _CATEGORY[dt.kind] >= _CATEGORY[out.kind]):
            out = dt
    assert out is not None, "result_type() needs at least one operand"
    return out


def promote(*operands):
    """`operands` (arrays, numbers or None) cast so that NumPy computes in torch's result dtype
    (`result_type`), or None if NumPy already does. An op whose result follows torch's dtype
    rules says `promote = promote`, and `Function.apply` calls this with the op's positional
    inputs only when NumPy's result is float64, the one way NumPy differs (int64 + 0.5,
    int / int, float32 * np.float64(2), float32 * a 0-d float64): float32 work pays one identity
    test per op. (So a 0-d int64 tensor still widens an int32 one, and a 0-d float32 one a
    float16 one, as in NumPy: rare mixes, not worth a check on every op.) A float64 result from
    integers is true division, float32 in torch. Arrays are cast; NumPy scalars become Python
    numbers, which NumPy does not let widen an array."""
    given = [np.asarray(x, np.float32 if np.asarray(x).dtype == np.float64 else None)
             if isinstance(x, (list, tuple)) else x for x in operands]
    dtype = result_type(*(x for x in given if x is not None))
    if dtype.kind != "f":  # integers that NumPy divided into float64
        dtype = np.dtype(np.float32)
    if all(x is None or isinstance(x, np.ndarray) and x.dtype == dtype or type(x) in (int, float)
           and (dtype.kind == "f" or type(x) is int) for x in given):
        return None
    return [x if x is None else x.astype(dtype, copy=False) if isinstance(x, np.ndarray) else
            dtype.type(x).item() for x in given]


def floating(a: np.ndarray) -> np.ndarray:
    """Integer and bool data become float32 (torch's default dtype) for exp, log, ..."""
    return a if a.dtype.kind == "f" else a.astype(np.float32)


# --------------------------------------------------------------------------- arithmetic
class Add(Function):
    promote = promote  # the result takes torch's dtype (see promote)

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    promote = promote

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    promote = promote

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Div(Function):
    """a / b, true division: integers give float32, as in torch."""

    promote = promote

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


def _needs_grad(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


class Pow(Function):
    r"""$a^b$; $\partial/\partial a = b a^{b-1}$ (0 where b = 0) and $\partial/\partial b =
    a^b \ln a$ (0 where a = 0 and b >= 0), as torch defines them at those points."""

    promote = promote

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a ** b
        except ValueError:  # NumPy's "Integers to negative integer powers are not allowed."
            raise RuntimeValueError(
                "pow(): integers to negative integer powers are not allowed (as in torch). "
                "Make the base a float tensor first: x.float() ** -1.") from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        base, exponent = ctx.inputs
        ga = gb = None
        if _needs_grad(base):
            if type(b) in (int, float) and b >= 1:  # x ** 2 and the like: no 0 ** negative
                ga = g * b * a ** (b - 1)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = np.where(b == 0, 0, g * b * a ** (b - 1))
        if _needs_grad(exponent):
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a == 0) & (b >= 0), 0, out * np.log(a))
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(floating(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0]


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        a = floating(a)
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


class Maximum(Function):
    """Elementwise max(a, b) (torch.maximum); where a == b each gets half the gradient."""

    loses = staticmethod(np.less)  # a gets no gradient where loses(a, b)
    pick = staticmethod(np.maximum)
    promote = promote

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.pick(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        shared = np.where(a == b, g / 2, g)
        return np.where(ctx.loses(a, b), 0, shared), np.where(ctx.loses(b, a), 0, shared)


class Minimum(Maximum):
    """Elementwise min(a, b) (torch.minimum); where a == b each gets half the gradient."""

    loses = staticmethod(np.greater)
    pick = staticmethod(np.minimum)


class Clamp(Function):
    """x limited to [lo, hi] (torch.clamp): the gradient passes where lo <= x <= hi; a tensor
    bound gets it where it did the clamping (a bound of None: no limit on that side)."""

    promote = promote

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        inside = (True if lo is None else x >= lo) & (True if hi is None else x <= hi)
        _, lo_in, hi_in = ctx.inputs
        g_lo = g_hi = None
        if _needs_grad(lo_in):
            g_lo = np.where((x < lo) & (True if hi is None else lo < hi), g, 0)
        if _needs_grad(hi_in):
            g_hi = np.where((x > hi) | (False if lo is None else hi < lo), g, 0)
        return np.where(inside, g, 0), g_lo, g_hi


class Where(Function):
    """x where condition is True, else y (torch.where); each gets the gradient where picked.
    The condition is a constant (a keyword), so it takes no part in the result's dtype."""

    promote = promote

    @staticmethod
    def forward(ctx, x, y, condition):
        ctx.condition = condition
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, g):
        c = ctx.condition
        return np.where(c, g, 0), np.where(c, 0, g)


def where(condition, input, other) -> Tensor:
    """`input` where `condition` is True, else `other` (tensors or numbers, broadcast together)."""
    c = np.asarray(unwrap(condition))
    if c.dtype != np.bool_:
        raise RuntimeTypeError(f"where(): condition must be a bool tensor (e.g. x > 0), but got "
                               f"dtype {c.dtype}. Compare first, or convert it with .bool().")
    return Where.apply(input, other, condition=c)


class MatMul(Function):
    """a @ b with NumPy's rules (1-D operands are promoted and the promoted axis dropped)."""

    promote = promote

    @staticmethod
    def forward(ctx, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise RuntimeValueError(
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


# --------------------------------------------------------------------------- reductions
def _axes(dim, ndim, fn="sum", extra: int = 0):
    """`dim` (an int or a tuple of ints) as a tuple of axes in [0, ndim + extra). A 0-d tensor
    accepts dim 0 and -1, as in torch, and reduces over no axis."""
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    n = max(ndim + extra, 1)
    for d in dims:
        if not isinstance(d, (int, np.integer)) or not -n <= d < n:
            raise IndexValueError(f"{fn}(): dim={d!r} is out of range for a tensor with {ndim} "
                                  f"dimension(s); use a dim between {-n} and {n - 1}.")
    return tuple(d % n for d in dims) if ndim + extra else ()


def _expand(g, shape, axes, keepdim):
    """Put back reduced axes so `g` broadcasts against the input of shape `shape`."""
    if axes is None:
        return np.broadcast_to(g, shape)
    if not keepdim:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _need_float(a: np.ndarray, fn: str) -> None:
    if a.dtype.kind != "f":
        raise RuntimeTypeError(
            f"{fn}(): needs a floating-point tensor, but this one has dtype {a.dtype} (torch "
            f"refuses it too). Convert it first, e.g. (pred == y).float().{fn}().")


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
        _need_float(a, "mean")
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, _axes(dim, a.ndim, "mean"), keepdim
        out = np.mean(a, axis=ctx.axes, keepdims=keepdim)
        ctx.count = a.size // max(out.size, 1) if a.size else 1
        return out

    @staticmethod
    def backward(ctx, g):
        return _expand(g / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


class Var(Function):
    r"""$\frac{1}{N - c}\sum (x - \bar x)^2$ over `dim` with torch's `correction` c (1: the
    sample variance); with std=True its square root, whose gradient is 0 where it is 0."""

    @staticmethod
    def forward(ctx, a, dim, correction, keepdim, std):
        name = "std" if std else "var"
        _need_float(a, name)
        axes = _axes(dim, a.ndim, name)
        d = a - np.mean(a, axis=axes, keepdims=True)
        n = a.size if axes is None else int(np.prod([a.shape[i] for i in axes]))
        dof = max(n - correction, 0)
        if dof == 0:
            warnings.warn(f"{name}(): degrees of freedom is <= 0 (the number of values minus "
                          f"correction={correction}), so the result is nan or inf, as in torch.",
                          stacklevel=3)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sum(d * d, axis=axes, keepdims=keepdim) / a.dtype.type(dof)
            out = np.sqrt(out) if std else out
        ctx.save_for_backward(d, out)
        ctx.axes, ctx.keepdim, ctx.dof, ctx.std = axes, keepdim, dof, std
        return out

    @staticmethod
    def backward(ctx, g):
        d, out = ctx.saved_tensors
        if ctx.std:
            with np.errstate(divide="ignore", invalid="ignore"):
                g = np.where(out == 0, 0, g / (2 * out))
        g = _expand(g, d.shape, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * d * (d.dtype.type(2) / d.dtype.type(ctx.dof))


class LogSumExp(Function):
    r"""$\log\sum_i e^{x_i}$ over `dim`, as $m + \log\sum_i e^{x_i - m}$ with $m = \max_i x_i$
    (no overflow); the gradient is softmax(x)."""

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        a = floating(a)
        axes = _axes(dim, a.ndim, "logsumexp")
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isinf(m), 0, m)  # a row of -inf gives -inf, not nan
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # a row of -inf: nan, as in torch
            return _expand(g, a.shape, ctx.axes, ctx.keepdim) * np.exp(a - out)


class Max(Function):
    """Max over `dim` (all dims if None); the gradient is shared equally between tied maxima,
    as torch's amax and max() without a dim."""

    reduce: np.ufunc = np.maximum

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, _axes(dim, a.ndim, "max"), keepdim
        out = ctx.reduce.reduce(a, axis=ctx.axes, keepdims=True)
        mask = a == out
        ctx.save_for_backward((mask / mask.sum(axis=ctx.axes, keepdims=True)).astype(a.dtype))
        return out if keepdim else (out.reshape(()) if ctx.axes is None else
                                    np.squeeze(out, ctx.axes))

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx.shape, ctx.axes, ctx.keepdim) * ctx.saved_tensors[0]


class Min(Max):
    """Min over `dim`; the gradient is shared equally between tied minima (torch's amin)."""

    reduce = np.minimum


class TakeAlong(Function):
    """The entries of `a` at `index` along `dim` (index has a's shape with 1 along dim); the
    gradient goes to those entries only. The values of max(dim) and min(dim), as in torch."""

    @staticmethod
    def forward(ctx, a, index, dim, keepdim):
        ctx.shape, ctx.index, ctx.dim = a.shape, index, dim
        out = np.take_along_axis(a, index, dim)
        return out if keepdim else np.squeeze(out, dim)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(out, ctx.index, g.reshape(ctx.index.shape), ctx.dim)
        return out


# named as torch.return_types.max / .min, so they print as torch's do
MaxResult = namedtuple("max", ["values", "indices"])  # type: ignore[name-match]
MinResult = namedtuple("min", ["values", "indices"])  # type: ignore[name-match]


def extreme(t: Tensor, dim, keepdim: bool, fn: str):
    """`t.max()` is a tensor; `t.max(dim)` is `(values, indices)`; `t.max(other)` is
    `maximum(t, other)`: torch's three forms (and the same for min)."""
    if dim is None:
        return (Max if fn == "max" else Min).apply(t)
    if isinstance(dim, Tensor):
        return (Maximum if fn == "max" else Minimum).apply(t, dim)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{fn}(): dim must be an int (values and indices along one dim), but got "
                        f"{dim!r}. To reduce over several dims use t.a{fn}(dim={dim!r}).")
    axis = _axes(dim, t.ndim, fn)
    result = MaxResult if fn == "max" else MinResult
    if t.ndim == 0:
        return result(Reshape.apply(t, shape=()), Tensor(np.array(0)))
    index = (np.argmax if fn == "max" else np.argmin)(t.data, axis=axis[0], keepdims=True)
    values = TakeAlong.apply(t, index=index, dim=axis[0], keepdim=keepdim)
    return result(values, Tensor(index if keepdim else np.squeeze(index, axis[0])))


def arg_extreme(t: Tensor, dim, keepdim: bool, fn: str) -> Tensor:
    """argmax (fn="max") / argmin: the index of the first maximum (minimum), of the flattened
    tensor if dim is None."""
    find, fn = (np.argmax, "argmax") if fn == "max" else (np.argmin, "argmin")
    if dim is None:
        return Tensor(np.asarray(find(t.data)))
    axes = _axes(dim, t.ndim, fn)
    return Tensor(find(t.data, axis=axes[0], keepdims=keepdim) if axes else np.array(0))


def amax(t: Tensor, dim=(), keepdim: bool = False, fn: str = "amax") -> Tensor:
    """Max (amin: min) over `dim`, an int or a tuple (all dims if () or None)."""
    dim = None if dim in ((), None) else dim
    return (Max if fn == "amax" else Min).apply(t, dim=dim, keepdim=keepdim)


# --------------------------------------------------------------------------- shape
class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        if shape.count(-1) > 1:
            raise RuntimeValueError(f"reshape: only one dimension can be -1 (inferred), but got "
                                    f"shape {tuple(shape)}.")
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeValueError(f"reshape: cannot reshape a tensor of shape {a.shape} "
                                    f"({a.size} elements) into shape {tuple(shape)}.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


def unsqueeze(t: Tensor, dim: int) -> Tensor:
    """A new axis of size 1 at `dim` (in [-ndim - 1, ndim])."""
    axis = _axes(dim, t.ndim, "unsqueeze", extra=1)[0]
    return Reshape.apply(t, shape=t.shape[:axis] + (1,) + t.shape[axis:])


def squeeze(t: Tensor, dim=None) -> Tensor:
    """Drop axes of size 1: all of them, or those in `dim` (an int or a tuple) that have size 1."""
    axes = range(t.ndim) if dim is None else _axes(dim, t.ndim, "squeeze")
    drop = {a for a in axes if t.shape[a] == 1}
    return Reshape.apply(t, shape=tuple(n for a, n in enumerate(t.shape) if a not in drop))


def flatten(t: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes start_dim..end_dim into one (a 0-d tensor becomes shape (1,))."""
    if t.ndim == 0:
        return Reshape.apply(t, shape=(1,))
    start, end = _axes((start_dim, end_dim), t.ndim, "flatten")
    if start > end:
        raise RuntimeValueError(f"flatten(): start_dim={start_dim} comes after end_dim={end_dim}.")
    return Reshape.apply(t, shape=t.shape[:start] + (-1,) + t.shape[end + 1:])


class Transpose(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = _axes(dims, a.ndim, "transpose")
        return np.swapaxes(a, *ctx.dims) if a.ndim else a

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims) if g.ndim else g


class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        axes = _axes(dims, a.ndim, "permute")
        if len(axes) != a.ndim or len(set(axes)) != a.ndim:
            raise RuntimeValueError(f"permute(): dims must list each of the tensor's {a.ndim} "
                                    f"dimensions once, but got {tuple(dims)} for shape {a.shape}.")
        ctx.dims = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.dims))


class Expand(Function):
    """a broadcast to `shape` (-1 keeps a size), as torch's expand: a view, no copy. The
    engine's unbroadcast sums the gradient back, so backward passes it on."""

    @staticmethod
    def forward(ctx, a, shape):
        new = len(shape) - a.ndim
        if new < 0:
            raise RuntimeValueError(f"expand(): the shape {tuple(shape)} has fewer dimensions than "
                                    f"the tensor's {a.shape}.")
        shape = tuple(a.shape[i - new] if n == -1 and i >= new else n for i, n in enumerate(shape))
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise RuntimeValueError(f"expand(): cannot expand shape {a.shape} to {shape}: only "
                                    f"dimensions of size 1 can grow.") from None

    @staticmethod
    def backward(ctx, g):
        return g


class Cat(Function):
    """Tensors joined along `dim` (torch.cat); the gradient is split back at the same places."""

    promote = promote

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim, ctx.ends = dim, np.cumsum([a.shape[dim] for a in arrays[:-1]])
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.ends, axis=ctx.dim))


def cat(tensors, dim: int = 0) -> Tensor:
    """Join a sequence of tensors along an existing `dim`; their other sizes must agree."""
    ts = _tensors(tensors, "cat")
    first = ts[0]
    if first.ndim == 0:
        raise RuntimeValueError("cat(): 0-d tensors cannot be joined along a dim; use stack().")
    axis = _axes(dim, first.ndim, "cat")[0]
    for i, t in enumerate(ts):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != (
                first.shape[:axis] + first.shape[axis + 1:]):
            raise RuntimeValueError(
                f"cat(): tensors must have the same shape except in dimension {dim}, but tensor "
                f"0 has shape {first.shape} and tensor {i} has shape {t.shape}.")
    return Cat.apply(*ts, dim=axis)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of the same shape along a new `dim`."""
    ts = _tensors(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeValueError(f"stack(): tensors must all have the same shape, but tensor 0 "
                                    f"has shape {ts[0].shape} and tensor {i} has shape {t.shape}.")
    axis = _axes(dim, ts[0].ndim, "stack", extra=1)[0]
    return Cat.apply(*(unsqueeze(t, axis) for t in ts), dim=axis)


def _tensors(tensors, fn: str) -> list:
    from ._validate import as_tensor
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, (list, tuple)) \
            or not tensors:
        raise TypeError(f"{fn}(): expected a non-empty list or tuple of tensors, like "
                        f"{fn}([a, b]), but got {type(tensors).__name__}.")
    return [as_tensor(t, fn, f"tensor {i}", floating=False) for i, t in enumerate(tensors)]


# --------------------------------------------------------------------------- indexing
def torch_index(index) -> tuple:
    """`index` with Tensors unwrapped, split as torch applies it: integer indices first, then
    the rest. NumPy differs only when ints meet list/array indices (for x of shape (2, 5, 6),
    x[1, :, [0, 1]] is (5, 2) in torch, (2, 5) in NumPy); then this returns (ints, rest) for
    x[ints][rest], else (index, None)."""
    if type(index) is not tuple:
        return unwrap(index), None
    index = tuple(unwrap(i) for i in index)
    ints = [isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) or
            isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu" for i in index]
    if not any(ints) or not any(isinstance(i, list) or isinstance(i, np.ndarray) and i.ndim
                                for i in index):
        return index, None
    first: list = []
    rest: list = []
    for i, is_int in zip(index, ints, strict=True):
        if is_int:
            first.append(i)
        elif i is None:
            rest.append(i)
        else:  # a slice, an Ellipsis or an array index: it stays for the second step
            n = i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1
            first.extend([i] if i is Ellipsis else [slice(None)] * n)
            rest.append(i)
    return tuple(first), tuple(rest)


class Index(Function):
    """a[index] (then [then], see torch_index); the backward scatters, summing repeated
    indices, with np.add.at."""

    @staticmethod
    def forward(ctx, a, index, then=None):
        ctx.shape, ctx.index, ctx.then = a.shape, index, then
        out = a[index]
        return out if then is None else out[then]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.then is None:
            np.add.at(out, ctx.index, g)
        else:
            np.add.at(out[ctx.index], ctx.then, g)
        return out
