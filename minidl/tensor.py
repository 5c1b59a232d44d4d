"""`Tensor`: a NumPy array with an optional gradient, shaped like `torch.Tensor`.

Its methods are thin: each calls a `Function` from ops.py (or functional.py); the engine is
autograd.py. Imports run one way: those three modules import this one and this one imports none
of them, as minidl/__init__.py hands them to it (as `ops`, `F`, `autograd`) once all are loaded.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .errors import RuntimeTypeError, RuntimeValueError
from .random import generator

if TYPE_CHECKING:  # at run time minidl/__init__.py binds the three modules (see above)
    from . import autograd, ops
    from . import functional as F
    from .autograd import Function


def _comparison(ufunc):
    """An elementwise comparison (or & | ^ on bool masks): a tensor that carries no gradient,
    as in torch. Against something that is not a number or an array (None, a string) Python's
    default applies."""
    def compare(self, other):
        if not isinstance(other, (Tensor, np.ndarray, int, float, np.generic, list, tuple)):
            return NotImplemented
        return Tensor(ufunc(self.data, other.data if isinstance(other, Tensor) else other))
    compare.__name__ = f"__{ufunc.__name__}__"
    return compare


class Tensor:
    """An n-dimensional array with an optional gradient, shaped like `torch.Tensor`."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # so `ndarray + Tensor` dispatches to Tensor.__radd__
    data: np.ndarray
    grad: Tensor | None  # d(output)/d(this), set by backward() on a leaf
    requires_grad: bool
    grad_fn: Function | None  # the op that made this tensor; None for a leaf

    def __init__(self, data: ArrayLike, requires_grad: bool = False):
        self.data = data if type(data) is np.ndarray else np.asarray(data)
        self.grad = None
        self.requires_grad = requires_grad
        self.grad_fn = None

    # --- attributes --------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self.grad_fn is None)
    T = property(lambda self: self.transpose(0, 1) if self.ndim == 2 else ops.Permute.apply(
        self, dims=tuple(reversed(range(self.ndim)))))

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        return len(self.data)

    def item(self):
        try:
            return self.data.item()
        except ValueError:
            raise RuntimeValueError(f"item(): a tensor with {self.data.size} elements cannot be "
                                    f"converted to a Python number; reduce it first "
                                    f"(e.g. .sum()) or index one element.") from None

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """np.asarray(t), plt.plot(x, y): the data, refused like numpy() if t requires grad."""
        a = self.numpy()
        return a.astype(dtype) if dtype is not None and a.dtype != dtype else (
            a.copy() if copy else a)

    def tolist(self):
        return self.data.tolist()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeValueError(f"the truth value of a tensor with {self.data.size} elements "
                                    f"is ambiguous (as in torch). Use .any() or .all(), e.g. "
                                    f"`if (x > 0).all():`.")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index (as in torch).")
        return int(self.data.item())

    def detach(self) -> Tensor:
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag:
            _floating_only("requires_grad_", self.data.dtype,
                           "Convert it first: t.float().requires_grad_().")
        self.requires_grad = flag
        return self

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        autograd.backward(self, grad, retain_graph)

    def __repr__(self) -> str:
        return tensor_repr(self)

    # --- dtype ----------------------------------------------------------------------------
    def to(self, dtype) -> Tensor:
        """This tensor in `dtype` (itself if it already is); 'cpu' is accepted and changes
        nothing. Only a floating-point result keeps the gradient, as in torch."""
        if isinstance(dtype, str) and dtype.startswith(("cpu", "cuda", "mps")):
            if dtype.startswith("cpu"):
                return self
            raise RuntimeValueError(f"to(): minidl runs on the CPU only, so it cannot move a "
                                    f"tensor to {dtype!r}. Use .to('cpu') or leave it out.")
        dtype = np.dtype(dtype.dtype if isinstance(dtype, Tensor) else dtype)
        if dtype == self.data.dtype:
            return self
        if dtype.kind == "f":
            return ops.Cast.apply(self, dtype=dtype)
        return Tensor(self.data.astype(dtype))

    # --- arithmetic (the Functions live in ops.py) --------------------------------------
    def __add__(self, other): return ops.Add.apply(self, other)
    def __radd__(self, other): return ops.Add.apply(other, self)
    def __sub__(self, other): return ops.Sub.apply(self, other)
    def __rsub__(self, other): return ops.Sub.apply(other, self)
    def __mul__(self, other): return ops.Mul.apply(self, other)
    def __rmul__(self, other): return ops.Mul.apply(other, self)
    def __truediv__(self, other): return ops.Div.apply(self, other)
    def __rtruediv__(self, other): return ops.Div.apply(other, self)
    def __pow__(self, other): return ops.Pow.apply(self, other)
    def __rpow__(self, other): return ops.Pow.apply(other, self)
    def __matmul__(self, other): return ops.MatMul.apply(self, other)
    def __rmatmul__(self, other): return ops.MatMul.apply(other, self)
    def __neg__(self): return ops.Neg.apply(self)
    def __abs__(self): return ops.Abs.apply(self)
    def __getitem__(self, index):
        index, then = ops.torch_index(index)
        return ops.Index.apply(self, index=index, then=then)
    pow, matmul, neg, abs = __pow__, __matmul__, __neg__, __abs__

    # comparisons give boolean tensors that carry no gradient, as in torch
    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = map(_comparison, (
        np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal))
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    __and__, __or__, __xor__ = map(_comparison, (np.bitwise_and, np.bitwise_or, np.bitwise_xor))
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    __hash__ = object.__hash__

    def __invert__(self): return Tensor(~self.data)

    def any(self) -> Tensor: return Tensor(np.any(self.data))
    def all(self) -> Tensor: return Tensor(np.all(self.data))

    # --- reductions ------------------------------------------------------------------------
    def sum(self, dim=None, keepdim: bool = False):
        return ops.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim: bool = False):
        return ops.Mean.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim: bool = False): return ops.extreme(self, dim, keepdim, "max")
    def min(self, dim=None, keepdim: bool = False): return ops.extreme(self, dim, keepdim, "min")
    def amax(self, dim=(), keepdim: bool = False): return ops.amax(self, dim, keepdim, "amax")
    def amin(self, dim=(), keepdim: bool = False): return ops.amax(self, dim, keepdim, "amin")
    def argmax(self, dim=None, keepdim: bool = False):
        return ops.arg_extreme(self, dim, keepdim, "max")

    def argmin(self, dim=None, keepdim: bool = False):
        return ops.arg_extreme(self, dim, keepdim, "min")

    def logsumexp(self, dim, keepdim: bool = False):
        return ops.LogSumExp.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction=None):
        r"""$\frac{1}{N - c}\sum(x - \bar x)^2$; correction c = 1 by default (unbiased=False: 0)."""
        return ops.Var.apply(self, dim=dim, correction=_correction(unbiased, correction),
                             keepdim=keepdim, std=False)

    def std(self, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction=None):
        r"""$\sqrt{\mathrm{var}}$, with var's `correction`."""
        return ops.Var.apply(self, dim=dim, correction=_correction(unbiased, correction),
                             keepdim=keepdim, std=True)

    # --- elementwise maths, as the functions of minidl.functional --------------------------
    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def sqrt(self): return ops.Pow.apply(self, 0.5)
    def relu(self): return F.relu(self)
    def sigmoid(self): return F.sigmoid(self)
    def tanh(self): return F.tanh(self)
    def softmax(self, dim: int): return F.softmax(self, dim)
    def log_softmax(self, dim: int): return F.log_softmax(self, dim)
    def maximum(self, other): return ops.Maximum.apply(self, other)
    def minimum(self, other): return ops.Minimum.apply(self, other)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeValueError("clamp(): give at least one of min and max.")
        return ops.Clamp.apply(self, min, max)
    clip = clamp

    # --- shape -------------------------------------------------------------------------------
    def reshape(self, *shape): return ops.Reshape.apply(self, shape=shape_arg(shape))
    view = reshape
    def transpose(self, dim0: int, dim1: int): return ops.Transpose.apply(self, dims=(dim0, dim1))
    def permute(self, *dims): return ops.Permute.apply(self, dims=shape_arg(dims))
    def expand(self, *sizes): return ops.Expand.apply(self, shape=shape_arg(sizes))
    def unsqueeze(self, dim: int): return ops.unsqueeze(self, dim)
    def squeeze(self, dim=None): return ops.squeeze(self, dim)
    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return ops.flatten(self, start_dim, end_dim)

    # --- dtype shortcuts, last: in the class body they shadow the builtins bool, int, float
    def float(self): return self.to(np.float32)
    def double(self): return self.to(np.float64)
    def long(self): return self.to(np.int64)
    def int(self): return self.to(np.int32)
    def bool(self): return self.to(np.bool_)



def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Build a Tensor, as torch.tensor: Python floats become float32, float64 arrays stay
    float64, integers stay integers (labels)."""
    if isinstance(data, Tensor):
        data = data.data
    if type(data).__module__.split(".")[0] == "torch":
        raise TypeError("tensor(): got a torch.Tensor. Convert it with "
                        "minidl.tensor(t.detach().numpy()).")
    arr = np.array(data, dtype=dtype)  # a copy, as torch.tensor makes
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor(): expected numbers (a number, list or array), but got "
                        f"{type(data).__name__} with dtype {arr.dtype}.")
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(np.float32)
    if requires_grad:
        _floating_only("tensor", arr.dtype, "Pass floats (e.g. [1.0, 2.0]) or "
                       "dtype=minidl.float32.", whose="the data has")
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    return _filled("zeros", np.zeros(shape_arg(shape), dtype=dtype), requires_grad)


def ones(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    return _filled("ones", np.ones(shape_arg(shape), dtype=dtype), requires_grad)


def randn(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    data = generator().standard_normal(shape_arg(shape)).astype(dtype)
    return _filled("randn", data, requires_grad)


def _filled(fn: str, data: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad:
        _floating_only(fn, data.dtype, "Leave dtype out (float32) or pass a floating-point one.",
                       whose="it would have")
    return Tensor(data, requires_grad)


def _floating_only(fn: str, dtype: np.dtype, fix: str, whose: str = "this tensor has") -> None:
    """torch's rule (a RuntimeError there): only floating-point tensors can require gradients."""
    if dtype.kind != "f":
        raise RuntimeTypeError(f"{fn}(): only floating-point tensors can require gradients, "
                               f"but {whose} dtype {dtype}. {fix}")


def linspace(start: float, end: float, steps: int, dtype=np.float32) -> Tensor:
    return Tensor(np.linspace(start, end, steps, dtype=dtype))


def unwrap(x):
    return x.data if isinstance(x, Tensor) else x


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


def _correction(unbiased, correction):
    if unbiased is not None and correction is not None:
        raise ValueError("var()/std(): give correction= or unbiased=, not both.")
    return correction if correction is not None else 1 if unbiased is None else int(unbiased)

