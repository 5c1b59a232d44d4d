"""The autodiff core: `Function`, reverse-mode `backward` and `grad`, `no_grad`.
Every differentiable op is a `Function` subclass with two static methods:
    forward(ctx, *arrays, **constants) -> array       # NumPy in, NumPy out
    backward(ctx, grad) -> grad or tuple of grads      # one per positional input

`Function.apply` unwraps Tensors, runs `forward` and, when an input requires a gradient, records
the call (the `ctx`) as the output's `grad_fn`. An op whose result follows torch's dtype rules
says `promote = ops.promote`: when NumPy's result is float64, apply runs forward again on the
inputs that rule casts. The backward pass keeps its running gradients in a dict of its own, so
the graph holds no state between passes. The ONE place that undoes broadcasting is
`unbroadcast`, called there, so no op thinks about it.

Underflow (a value too small for the dtype becoming 0) is NumPy's default and harmless, so the
engine does not guard against it: code that runs minidl under np.errstate(all="raise") should
say under="ignore", as the tests do."""
from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import ClassVar

import numpy as np

from .tensor import Tensor

_grad_enabled = True
_stamps = count(1)  # stamps each recorded op: an output is always created after its inputs
_F64 = np.dtype(np.float64)


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


class Function:
    """Base class of every differentiable op. The instance is the `ctx` of one call."""

    inputs: tuple | None = None  # the call's positional arguments; None once backward freed it
    stamp: int = 0  # when the call was recorded (see _stamps)
    saved_tensors: tuple = ()  # what forward kept for backward
    # the op's dtype rule (ops.promote): its positional inputs cast to torch's result dtype
    promote: ClassVar[Callable[..., list | None] | None] = None

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays

    @staticmethod
    def forward(ctx, *args, **kwargs): raise NotImplementedError  # noqa: E704

    @staticmethod
    def backward(ctx, grad): raise NotImplementedError  # noqa: E704

    @classmethod
    def apply(cls, *inputs, **constants) -> Tensor:
        ctx = cls()
        arrays, needs_grad = [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs_grad = needs_grad or x.requires_grad
            else:
                arrays.append(x)
        out = Tensor(cls.forward(ctx, *arrays, **constants))
        # NumPy departs from torch's dtype only by computing in float64: only then check
        if cls.promote and out.data.dtype is _F64 and (typed := cls.promote(*arrays)):
            out = Tensor(cls.forward(ctx, *typed, **constants))
        if needs_grad and _grad_enabled:  # record the call for backward
            ctx.inputs, ctx.stamp = inputs, next(_stamps)
            out.requires_grad, out.grad_fn = True, ctx
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__.removesuffix('Fn')}Backward>"


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, so it has `shape`."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _seed(root: Tensor, grad, caller: str) -> np.ndarray:
    """The gradient to start from: ones for a scalar, else the caller's, checked (not copied:
    no leaf keeps it, see _chain_rule)."""
    if not root.requires_grad:
        raise RuntimeError(f"{caller}(): this tensor does not require grad and has no grad_fn. "
                           f"Create the inputs with requires_grad=True before computing it.")
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"{caller}(): grad can be implicitly created only for a scalar "
                               f"output, but this tensor has shape {root.shape}. Reduce it first "
                               f"(e.g. y.sum()) or pass a gradient of the same shape.")
        return np.array(1, root.data.dtype).reshape(root.data.shape)  # d(root)/d(root)
    grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
    if grad.shape != root.shape:
        raise RuntimeError(f"{caller}(): grad has shape {grad.shape} but the tensor has "
                           f"shape {root.shape}; pass a gradient of the tensor's shape.")
    return grad


def _chain_rule(root: Tensor, grad: np.ndarray, retain_graph: bool,
                keep_ops: bool = False) -> dict:
    """Propagate d(root)/d(root) = grad back through the graph, with the running gradients in
    a dict local to this pass, keyed by the op that made each result (its `grad_fn`), or by the
    leaf. Each op waits in a heap until it is the latest op left: every op is stamped when it
    runs, after the ops of its inputs, so by then all its consumers have added their share; its
    entry is then used and dropped (kept with keep_ops, for grad() of results). Returns the dict:
    each leaf's gradient is in its dtype, an array the leaf may keep (never the caller's grad or
    a view). Gradient arrays are never modified in place, so sharing one between inputs is safe."""
    fn = root.grad_fn
    if fn is None:  # the root is a leaf
        return {root: grad.copy()}
    grads: dict = {fn: grad}
    todo, take = [(-fn.stamp, fn)], grads.get if keep_ops else grads.pop
    while todo:
        fn = heappop(todo)[1]
        if fn.inputs is None:
            raise RuntimeError(
                "backward(): this graph was already used by a backward pass and its saved "
                "values were freed. Call backward(retain_graph=True) the first time if you "
                "need to go through the same graph twice.")
        g = take(fn)
        in_grads = fn.backward(fn, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        # one gradient per positional input; trailing constants may go without (zip stops at
        # the shorter; no strict= keyword, which would build a keyword dict on every call)
        for x, gx in zip(fn.inputs, in_grads):  # noqa: B905
            if gx is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                gx = unbroadcast(gx, x.data.shape)
            producer = x.grad_fn
            if producer is None:  # a leaf
                if gx.dtype != x.data.dtype or gx is g or gx.base is not None:
                    gx = gx.astype(x.data.dtype)  # a copy: g or its base may be shared
                grads[x] = grads[x] + gx if x in grads else gx
            elif producer in grads:
                grads[producer] = grads[producer] + gx
            else:  # an op reached for the first time joins the heap
                grads[producer] = gx
                heappush(todo, (-producer.stamp, producer))
        if not retain_graph:  # free what backward no longer needs
            fn.inputs, fn.saved_tensors = None, ()
    return grads


def backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `leaf.grad` (in the leaf's dtype) for every leaf that
    requires a gradient, once the whole pass has run: a pass that fails changes no `.grad`."""
    for leaf, g in _chain_rule(root, _seed(root, grad, "backward"), retain_graph).items():
        leaf.grad = Tensor(g) if leaf.grad is None else Tensor(leaf.grad.data + g)


def grad(output: Tensor, inputs, grad_output=None, retain_graph: bool = False) -> tuple:
    """d(output)/d(t) for each tensor t in `inputs` (leaves or intermediate results), as
    `torch.autograd.grad`: returned as a tuple of Tensors, nothing accumulated into `.grad`.
    A tensor that `output` does not depend on gets zeros."""
    inputs = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    seed = _seed(output, grad_output, "grad")
    found = _chain_rule(output, seed, retain_graph, keep_ops=True)  # by leaf and by grad_fn
    nodes = [t if t.grad_fn is None else t.grad_fn for t in inputs]
    return tuple(Tensor(np.array(found[n], dtype=t.data.dtype) if n in found else
                        np.zeros_like(t.data)) for t, n in zip(inputs, nodes, strict=True))
