"""The autodiff core: `Function`, reverse-mode `backward`, `no_grad` (Tensor is in tensor.py).

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


from .tensor import Tensor  # noqa: E402  (Tensor needs backward, defined above)
