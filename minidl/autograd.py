"""The autodiff core: `Function`, reverse-mode `backward`, `no_grad` (Tensor is in tensor.py).
Every differentiable op is a `Function` subclass with two static methods:
    forward(ctx, *arrays, **constants) -> array       # NumPy in, NumPy out
    backward(ctx, grad) -> grad or tuple of grads      # one per positional input

`Function.apply` unwraps Tensors, runs `forward` and, when an input requires a gradient, records
the call (the `ctx`) as the output's `grad_fn`. `backward` walks those records latest first; the
ONE place that undoes broadcasting is `unbroadcast`, called there, so no op thinks about it."""
from __future__ import annotations

from heapq import heappop, heappush
from itertools import count

import numpy as np

_grad_enabled = True
_stamps = count(1)  # stamps each recorded op: an output is always created after its inputs


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
    """f(*args) with underflow ignored: values too small for the dtype become 0. Called after f
    raised FloatingPointError (only under np.errstate(all='raise')); forward/backward are pure,
    so running one again is safe, and the usual case pays nothing."""
    with np.errstate(under="ignore"):
        return f(*args, **kwargs)


class Function:
    """Base class of every differentiable op. The instance is the `ctx` of one call."""

    saved_tensors: tuple = ()
    out_grad = None  # during backward: the summed gradient of this op's output

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
        try:
            out = Tensor(cls.forward(ctx, *arrays, **constants))
        except FloatingPointError:  # underflow under errstate(all='raise'): see quietly()
            out = Tensor(quietly(cls.forward, ctx, *arrays, **constants))
        if needs_grad and _grad_enabled:  # record the call for backward
            ctx.inputs, ctx.stamp = inputs, next(_stamps)
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


def _seed(root: Tensor, grad, caller: str) -> np.ndarray:
    """The gradient to start from: ones for a scalar, else the caller's, checked."""
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


def _chain_rule(root: Tensor, grad: np.ndarray, retain_graph: bool, wanted=None) -> None:
    """Propagate d(root)/d(root) = grad back through the graph. Each op's record sums the
    gradient of its own output (`out_grad`) and waits in a heap until it is the latest op
    left: every op is stamped when it runs, after the ops of its inputs, so by then all its
    consumers have added their share. A gradient reaching a leaf is added to its `.grad`; or,
    for `grad()`, `wanted` is a dict whose keys are the ids of wanted leaves and of the
    `grad_fn` of wanted results, and their gradients are stored in it instead. Gradient arrays
    are never modified in place, so ops may share one (but each leaf gets its own: _reach_leaf)."""
    if root.grad_fn is None:
        return _reach_leaf(root, grad, wanted)
    fn = root.grad_fn
    fn.out_grad, todo = grad, [(-fn.stamp, fn)]
    try:
        while todo:
            fn = heappop(todo)[1]
            if fn.inputs is None:
                raise RuntimeError(
                    "backward(): this graph was already used by a backward pass and its saved "
                    "values were freed. Call backward(retain_graph=True) the first time if you "
                    "need to go through the same graph twice.")
            g, fn.out_grad = fn.out_grad, None
            if wanted and id(fn) in wanted:  # the output of fn is a wanted tensor
                wanted[id(fn)] = g
            try:
                in_grads = fn.backward(fn, g)
            except FloatingPointError:  # underflow under errstate(all='raise'): see quietly()
                in_grads = quietly(fn.backward, fn, g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            for x, gx in zip(fn.inputs, in_grads):
                if gx is None or not isinstance(x, Tensor) or not x.requires_grad:
                    continue
                if gx.shape != x.data.shape:
                    gx = unbroadcast(gx, x.data.shape)
                producer = x.grad_fn
                if producer is None:
                    _reach_leaf(x, gx, wanted, gx is g)
                elif producer.out_grad is None:  # its first share: it joins the heap
                    producer.out_grad = gx
                    heappush(todo, (-producer.stamp, producer))
                else:
                    producer.out_grad = producer.out_grad + gx
            if not retain_graph:  # free what backward no longer needs
                fn.inputs, fn.saved_tensors = None, ()
    except BaseException:
        for _, fn in todo:
            fn.out_grad = None
        raise


def _reach_leaf(leaf: Tensor, g: np.ndarray, wanted, passed_on: bool = True) -> None:
    """Add g to leaf.grad (in the leaf's dtype), or to wanted[id(leaf)] if it is wanted. A leaf
    owns its .grad: g is copied if others may hold it (passed on unchanged by an op, or a view)."""
    if wanted is not None:
        if id(leaf) in wanted:
            wanted[id(leaf)] = g if wanted[id(leaf)] is None else wanted[id(leaf)] + g
        return
    if g.dtype != leaf.data.dtype:
        g = quietly(g.astype, leaf.data.dtype)
    elif passed_on or g.base is not None:  # the caller's grad, another leaf's, a broadcast...
        g = g.copy()
    leaf.grad = Tensor(g) if leaf.grad is None else Tensor(leaf.grad.data + g)


def backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `leaf.grad` for every leaf that requires a gradient."""
    _chain_rule(root, _seed(root, grad, "backward"), retain_graph)


def grad(output: Tensor, inputs, grad_output=None, retain_graph: bool = False) -> tuple:
    """d(output)/d(t) for each tensor t in `inputs` (leaves or intermediate results), as
    `torch.autograd.grad`: returned as a tuple of Tensors, nothing accumulated into `.grad`.
    A tensor that `output` does not depend on gets zeros."""
    inputs = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    keys = [id(t) if t.grad_fn is None else id(t.grad_fn) for t in inputs]
    wanted = dict.fromkeys(keys)
    _chain_rule(output, _seed(output, grad_output, "grad"), retain_graph, wanted)
    return tuple(Tensor(np.zeros_like(t.data) if wanted[k] is None else
                        np.array(wanted[k], dtype=t.data.dtype)) for t, k in zip(inputs, keys))


from .tensor import Tensor  # noqa: E402  (Tensor needs backward, defined above)
