"""The autodiff core: `Tensor`, `Function`, reverse-mode `backward`, `no_grad`.

Every differentiable operation is a `Function` subclass with two static methods:

    forward(ctx, *arrays, **constants) -> array       # NumPy in, NumPy out
    backward(ctx, grad) -> grad or tuple of grads      # one per positional input

`Function.apply(*inputs, **constants)` unwraps Tensors, runs `forward` and, when any input
requires a gradient, records the call (the `ctx`) as the output's `grad_fn`. `Tensor.backward`
walks those records in reverse topological order; the ONE place that undoes broadcasting is
`unbroadcast`, called there, so no op has to think about it.
"""
from __future__ import annotations

from operator import attrgetter

import numpy as np

_grad_enabled = True
_clock = 0  # stamps each recorded op: an output is always created after its inputs


class no_grad:
    """Context manager (and decorator) that stops recording operations, like `torch.no_grad`."""

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, False

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return wrapped


def is_grad_enabled() -> bool:
    return _grad_enabled


def quietly(f, *args, **kwargs):
    """f(*args); if NumPy was set to raise on underflow (np.errstate(all='raise')) and f's result
    underflowed, run f again with underflow ignored: values too small for the dtype become 0.
    forward/backward are pure, so running one twice is safe; costs nothing in the usual case."""
    try:
        return f(*args, **kwargs)
    except FloatingPointError:
        with np.errstate(under="ignore"):
            return f(*args, **kwargs)


class Function:
    """Base class of every differentiable op. The instance is the `ctx` of one call."""

    saved_tensors: tuple = ()

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays

    @property
    def needs_input_grad(self) -> tuple:
        """For each input, whether backward must compute its gradient (as in torch)."""
        return tuple(isinstance(x, Tensor) and x.requires_grad for x in self.inputs)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **constants) -> "Tensor":
        ctx = cls()
        arrays, needs_grad = [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs_grad = needs_grad or x.requires_grad
            else:
                arrays.append(x)
        out = Tensor(quietly(cls.forward, ctx, *arrays, **constants))
        if needs_grad and _grad_enabled:
            global _clock
            _clock += 1
            ctx.inputs, ctx.stamp, ctx.out_id = inputs, _clock, id(out)
            out.requires_grad, out.grad_fn = True, ctx
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, so it has `shape`."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


_stamp = attrgetter("stamp")


def _topological_order(root: "Tensor") -> list:
    """The ops `root` depends on, latest first. Each op is stamped when it runs, after its
    inputs, so sorting by stamp is a topological order (found iteratively: no recursion)."""
    fns, stack, seen = [], [root.grad_fn], {id(root.grad_fn)}
    while stack:
        fn = stack.pop()
        if fn.inputs is None:
            raise RuntimeError(
                "backward(): this graph was already used by a backward pass and its saved "
                "values were freed. Call backward(retain_graph=True) the first time if you "
                "need to go through the same graph twice.")
        fns.append(fn)
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.grad_fn is not None and id(x.grad_fn) not in seen:
                seen.add(id(x.grad_fn))
                stack.append(x.grad_fn)
    fns.sort(key=_stamp, reverse=True)
    return fns


def backward(root: "Tensor", grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `leaf.grad` for every leaf that requires a gradient."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn. "
                           "Create the inputs with requires_grad=True before computing it.")
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward(): grad can be implicitly created only for a scalar output, but this "
                f"tensor has shape {root.shape}. Reduce it first (e.g. y.sum().backward()) or "
                f"pass a gradient of the same shape: y.backward(torch_like_ones).")
        grad = np.ones_like(root.data)
    else:
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward(): grad has shape {grad.shape} but the tensor has "
                               f"shape {root.shape}; pass a gradient of the tensor's shape.")
    if root.grad_fn is None:  # backward on a leaf: d(root)/d(root) = 1
        root.grad = Tensor(grad.copy()) if root.grad is None else Tensor(root.grad.data + grad)
        return
    grads = {id(root): grad}  # gradient of root w.r.t. each op's output, keyed by the output
    leaves = {}
    for fn in _topological_order(root):
        out_id = fn.out_id
        g = grads.pop(out_id, None)
        if g is None:
            continue
        in_grads = quietly(fn.backward, fn, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for x, gx in zip(fn.inputs, in_grads):
            if gx is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                gx = unbroadcast(gx, x.data.shape)
            key = id(x)
            if x.grad_fn is None:  # a leaf: accumulate into .grad
                leaves[key] = x
            grads[key] = grads[key] + gx if key in grads else gx
        if not retain_graph:  # free what backward no longer needs
            fn.inputs, fn.saved_tensors = None, ()
    for key, leaf in leaves.items():
        g = grads[key]
        if g.dtype != leaf.data.dtype or not g.flags.c_contiguous:
            g = quietly(np.array, g, dtype=leaf.data.dtype)  # e.g. a read-only broadcast view
        leaf.grad = Tensor(g) if leaf.grad is None else Tensor(leaf.grad.data + g)


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
        backward(self, grad, retain_graph)

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


from . import ops  # noqa: E402  (ops needs Tensor and Function, defined above)
