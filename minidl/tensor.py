"""`Tensor`: a NumPy array with an optional gradient, shaped like `torch.Tensor`.

Its operators are thin: each calls a `Function` from ops.py; the engine is autograd.py.
"""
from __future__ import annotations

import numpy as np


class Tensor:
    """An n-dimensional array with an optional gradient, shaped like `torch.Tensor`."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # so `ndarray + Tensor` dispatches to Tensor.__radd__

    def __init__(self, data: np.ndarray, requires_grad: bool = False):
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

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> "Tensor":
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        self.requires_grad = flag
        return self

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        autograd.backward(self, grad, retain_graph)

    def __repr__(self) -> str:
        return ops.tensor_repr(self)

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
    def __getitem__(self, index): return ops.Index.apply(self, index=ops.unwrap_index(index))

    # comparisons give boolean tensors that carry no gradient, as in torch
    def __lt__(self, other): return Tensor(self.data < ops.unwrap(other))
    def __le__(self, other): return Tensor(self.data <= ops.unwrap(other))
    def __gt__(self, other): return Tensor(self.data > ops.unwrap(other))
    def __ge__(self, other): return Tensor(self.data >= ops.unwrap(other))
    __hash__ = object.__hash__

    # --- reductions, elementwise maths and shape -----------------------------------------
    def sum(self, dim=None, keepdim: bool = False): return ops.Sum.apply(self, dim=dim, keepdim=keepdim)
    def mean(self, dim=None, keepdim: bool = False): return ops.Mean.apply(self, dim=dim, keepdim=keepdim)
    def max(self, dim=None, keepdim: bool = False): return ops.max_values_indices(self, dim, keepdim)
    def argmax(self, dim=None, keepdim: bool = False): return ops.argmax(self, dim, keepdim)
    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def abs(self): return ops.Abs.apply(self)
    def sqrt(self): return ops.Pow.apply(self, 0.5)
    def reshape(self, *shape): return ops.Reshape.apply(self, shape=ops.shape_arg(shape))
    view = reshape
    def transpose(self, dim0: int, dim1: int): return ops.Transpose.apply(self, dims=(dim0, dim1))
    def float(self): return ops.Cast.apply(self, dtype=np.float32)
    def double(self): return ops.Cast.apply(self, dtype=np.float64)
    def long(self): return Tensor(self.data.astype(np.int64))


from . import autograd, ops  # noqa: E402  (both need Tensor, defined above)
