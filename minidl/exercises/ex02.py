"""Exercises for lessons 02 and 02b, derivatives, the computational graph and autograd in
practice: `from minidl.exercises import ex02`.

q1 gradients through a small graph by hand (warm-up), then article 003's three autograd
pitfalls: q2 integer data made into a parameter (fix), q3 a second autograd.grad through a
freed node shared by two losses (predict), q4 a training loop without zero_grad (predict);
q5 a new minidl Function, Softplus, whose backward uses only its output (derive, then build).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Function, Tensor, autograd, optim, tensor
from ..calculus import GradcheckError, gradcheck
from ._core import (
    Question,
    Wrong,
    as_choice,
    as_number,
    as_numbers,
    call,
    describe,
    expect_close,
    grad_of,
)

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class GraphByHand(Question):
    number, title = "2.1", "gradients through a small graph"
    hints = (
        "Name the intermediate node u = a·b + c, so L = u². Compute u first (the forward pass).",
        "Backward: dL/du = 2u. Then the local derivatives of u: ∂u/∂a = b, ∂u/∂b = a, "
        "∂u/∂c = 1.",
        "Each answer is dL/du times one local derivative. Mind the sign of b.",
    )
    solution_code = """
answer = (-2.0, 4.0, 2.0)  # u = a*b + c = 1; dL/du = 2u = 2; times b, a and 1
"""

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 3)
        a, b, c = (tensor(v, requires_grad=True) for v in (2.0, -1.0, 3.0))
        ((a * b + c) ** 2).backward()
        da, db, dc = (grad_of(t).item() for t in (a, b, c))
        expected = {"dL/da": (da, "∂u/∂a = b"), "dL/db": (db, "∂u/∂b = a"),
                    "dL/dc": (dc, "∂u/∂c = 1")}
        for value, (name, (right, local)) in zip(got, expected.items(), strict=True):
            if not np.isclose(value, right):
                raise Wrong(f"{name} is not {value:.6g}. Go backwards: first u = a·b + c and "
                            f"dL/du = 2u, then multiply by the local derivative {local}.")
        return (f"minidl agrees: ((a * b + c) ** 2).backward() leaves a.grad = "
                f"{da:g}, b.grad = {db:g}, c.grad = {dc:g}.")


_PARAMETER_INPUTS = (5, [1, 2, 3], np.array([0, 128, 255], dtype=np.uint8),
                     np.array([[1, -2], [3, 4]]), np.array([0.5, -1.5]))


class AsParameter(Question):
    number, title = "2.2", "integer data as a parameter"
    hints = (
        "Try minidl.tensor(values, requires_grad=True) with values = 5 in a new cell, and read "
        "the error: it names the fix.",
        "The values must become floating point before the tensor requires a gradient; "
        "minidl.tensor takes a dtype argument, as torch.tensor does.",
        "Return the leaf itself: a tensor computed from another one (say t * 1.0) has a "
        "grad_fn, and backward() fills the .grad of the tensor it came from instead.",
    )
    solution_code = """
def as_parameter(values):
    return minidl.tensor(values, dtype=minidl.float32, requires_grad=True)
"""

    def _check(self, fn: Any) -> str:
        shown = None
        for values in _PARAMETER_INPUTS:
            text = f"as_parameter({_show(values)})"
            t = call(fn, values, name="as_parameter")
            if type(t).__module__.split(".")[0] == "torch":
                raise Wrong(f"{text} returned a torch.Tensor; build a minidl tensor with "
                            f"minidl.tensor(...).")
            if t is None:
                raise Wrong(f"{text} returned None. Did you forget the `return` statement?")
            if not isinstance(t, Tensor):
                kind = ("a NumPy array" if isinstance(t, np.ndarray) else
                        _a(type(t).__name__))
                raise Wrong(f"{text} returned {kind}, which has no .grad; return a minidl "
                            f"tensor, made with minidl.tensor(...).")
            if t.dtype.kind != "f":
                raise Wrong(f"{text} returned a tensor of dtype {t.dtype}. Only floating-point "
                            f"tensors can hold a gradient (003's error in torch: \"only Tensors "
                            f"of floating point dtype can require gradients\"): convert the "
                            f"values to floats.")
            if not t.requires_grad:
                raise Wrong(f"{text} returned a tensor that does not require a gradient; "
                            f"backward() would not fill its .grad.")
            if not t.is_leaf:
                raise Wrong(f"{text} returned a tensor computed from another tensor (it has "
                            f"grad_fn {t.grad_fn!r}), so backward() fills the .grad of the "
                            f"tensor it came from, not of this one. Return the leaf: the tensor "
                            f"you created, already floating point and requiring grad.")
            want = np.asarray(values, dtype=np.float64)
            if t.shape != want.shape:
                raise Wrong(f"{text} returned shape {t.shape}, expected {want.shape}: keep the "
                            f"shape of the values.")
            if not np.array_equal(t.data.astype(np.float64), want):
                raise Wrong(f"{text} returned a tensor holding {describe(t.data)}: keep the "
                            f"values as they are, only their dtype changes.")
            (t * 0.5).sum().backward()
            if t.grad is None or not np.allclose(t.grad.data, 0.5):
                raise Wrong(f"{text}: after (p * 0.5).sum().backward() its .grad is "
                            f"{None if t.grad is None else describe(t.grad.data)}, expected 0.5 "
                            f"everywhere.")
            if isinstance(values, np.ndarray) and values.dtype == np.uint8:
                shown = f"{text} gives {t!r}"
        return (f"{shown}. On integers minidl.tensor(values, requires_grad=True) raises "
                f"TypeError and torch a RuntimeError: a gradient is a real-valued rate of "
                f"change, which an integer tensor cannot hold.")


def _show(values: Any) -> str:
    if isinstance(values, np.ndarray):
        dtype = "" if values.dtype.kind == "f" else f", dtype=np.{values.dtype}"
        return f"np.array({values.tolist()}{dtype})"
    return repr(values)


def _a(name: str) -> str:
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _shared_node(retain_graph: bool) -> tuple[float, float]:
    """Question 2.3's cell in minidl: two losses share h = w * w."""
    w = tensor(2.0, requires_grad=True)
    h = w * w
    loss1, loss2 = 3 * h, h + w
    (g1,) = autograd.grad(loss1, [w], retain_graph=retain_graph)
    (g2,) = autograd.grad(loss2, [w])
    return g1.item(), g2.item()


class SharedNode(Question):
    number, title = "2.3", "two gradients through one graph"
    options = {
        "a": "Each call asks about a different output, but both pass through the node h = w * w, "
             "and the first call freed what that node had saved for its backward (its inputs).",
        "b": "The first call walked L1's graph and freed the saved values of every node on the "
             "way, h = w * w included; L2's graph goes through that same node.",
        "c": "A freed graph is not quietly cut into constants: going through it again is an "
             "error, in minidl as in torch, so you never get a silently wrong gradient.",
        "d": "autograd.grad returns each gradient afresh and adds nothing up: only backward() "
             "accumulates, into .grad.",
    }
    correct = "b"
    hints = (
        "Draw the graph: which nodes does L1 go through on its way back to w? Which does L2?",
        "Lesson 02b, section 2: what does a backward pass (autograd.grad is one) do to the "
        "nodes it has been through, unless told otherwise?",
    )
    solution_code = """
answer = "b"  # the first grad() freed h = w * w, which L2 goes through as well
"""

    def _check(self, answer: Any) -> str:
        letter = as_choice(answer, "".join(self.options))
        if letter != self.correct:
            raise Wrong(f'You chose "{letter}". {self.options[letter]}')
        try:
            _shared_node(retain_graph=False)
            run = "the cell ran without an error"  # would contradict the answer key
        except RuntimeError as e:
            run = f"minidl raises RuntimeError: {str(e).split('. ')[0]}"
        g1, g2 = _shared_node(retain_graph=True)
        return (f"{self.options[letter]} Run: {run}. With retain_graph=True in the first call "
                f"it prints {g1} {g2} (6w and 2w + 1); building h again also works.")


def _loop(zero_grad: bool) -> tuple[list[float], list[float]]:
    """Question 2.4's loop in minidl: the values of w and of w.grad after each step."""
    w = tensor(1.0, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    ws, grads = [], []
    for _ in range(3):
        if zero_grad:
            opt.zero_grad()
        ((w - 3) ** 2).backward()
        opt.step()
        ws.append(round(w.item(), 4))
        grads.append(round(grad_of(w).item(), 4))
    return ws, grads


class ForgotZeroGrad(Question):
    number, title = "2.4", "a training loop, three steps"
    rtol = 1e-3
    hints = (
        "The gradient of (w − 3)² is 2(w − 3); opt.step() does w ← w − 0.1 · w.grad.",
        "Nothing resets w.grad between the steps. What does backward() do to a .grad that "
        "already holds a value?",
        "Keep a table with three columns per step: w, the new gradient 2(w − 3), and w.grad "
        "after backward(). opt.step() uses the last column.",
    )
    solution_code = """
answer = 3.016  # w.grad: -4, then -4 - 3.2 = -7.2, then -7.2 - 1.76 = -8.96; w: 1.4, 2.12, 3.016
"""

    def _check(self, answer: Any) -> str:
        value = as_number(answer)
        ws, grads = _loop(zero_grad=False)
        zeroed, _ = _loop(zero_grad=True)
        if np.isclose(value, ws[-1], rtol=self.rtol):
            return (f"w goes 1 → {ws[0]:g} → {ws[1]:g} → {ws[2]:g} and w.grad {grads[0]:g} → "
                    f"{grads[1]:g} → {grads[2]:g}: each backward() adds the new gradient to "
                    f"the old ones, so the steps grow and w overshoots the minimum 3. With "
                    f"opt.zero_grad() before backward() w goes 1 → {zeroed[0]:g} → {zeroed[1]:g} → "
                    f"{zeroed[2]:g}. (A sum of all past gradients is SGD with momentum 1.)")
        if np.isclose(value, zeroed[-1], rtol=self.rtol):
            nudge = ("That is the loop with opt.zero_grad() before each backward(). Here nothing "
                     "clears w.grad: what does it hold when opt.step() runs the second time?")
        elif np.isclose(value, grads[-1], rtol=self.rtol):
            nudge = "That looks like w.grad after the third step; the cell prints w."
        elif np.isclose(value, ws[1], rtol=self.rtol):
            nudge = "That is w after two steps; the loop runs three."
        elif value > 3.5 or value < 1:
            nudge = ("Check the sign of the update: w.grad is negative while w < 3, so every "
                     "step moves w up, towards 3.")
        else:
            nudge = ("Follow the loop step by step, and remember that backward() adds into "
                     "w.grad.")
        raise Wrong(f"You answered {value:.6g}; that is not it. {nudge}")


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


class SoftplusFromOutput(Question):
    number, title = "2.5", "Softplus with a backward from its output"
    hints = (
        "Undo the log: y = log(1 + eˣ) means eʸ = 1 + eˣ, so eˣ = eʸ − 1.",
        "σ(x) = eˣ / (1 + eˣ): replace both pieces by expressions in y and simplify; what is "
        "left uses e^(−y) only.",
        "backward returns grad times that local derivative, computed from the array in "
        "ctx.saved_tensors. When y is tiny, np.expm1 keeps the digits that 1 − np.exp(...) "
        "loses.",
    )
    solution_code = """
class Softplus(minidl.Function):
    @staticmethod
    def forward(ctx, x):
        y = np.logaddexp(0, x)          # log(1 + e^x), without overflow
        ctx.save_for_backward(y)        # the output only
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * -np.expm1(-y)     # sigma(x) = 1 - e^(-y)
"""

    def _check(self, cls: Any) -> str:
        if not (isinstance(cls, type) and issubclass(cls, Function)):
            raise Wrong("Pass the class itself, defined as class Softplus(minidl.Function): "
                        "check(Softplus), not check(Softplus()) or a function.")
        x = np.array([-30.0, -2.0, -0.5, 0.0, 0.7, 3.0, 30.0])
        g = np.array([1.0, -2.0, 0.5, 3.0, 1.0, -1.0, 2.0])
        y = _softplus(x)
        ctx = cls()
        out = _array(call(cls.forward, ctx, x.copy(), name="Softplus.forward"), "forward")
        expect_close(out, y, f"Softplus.forward(ctx, {x.tolist()})",
                     "softplus(x) = log(1 + eˣ).", what="Softplus.forward", x=x)
        saved = [np.asarray(s.data if isinstance(s, Tensor) else s) for s in ctx.saved_tensors]
        if not saved:
            raise Wrong("Softplus.forward saved nothing: keep its output for backward with "
                        "ctx.save_for_backward(y).")
        if len(saved) > 1:
            raise Wrong(f"Softplus.forward saved {len(saved)} arrays; this backward needs only "
                        f"the output y: ctx.save_for_backward(y).")
        if saved[0].shape == x.shape and np.allclose(saved[0], x):
            raise Wrong("Softplus.forward saved its input x. This question asks for a backward "
                        "that needs only the output y, as F.sigmoid's does: save y, and write "
                        "σ(x) in terms of y.")
        if saved[0].shape != y.shape or not np.allclose(saved[0], y):
            raise Wrong("Softplus.forward saved something other than its output y = "
                        "log(1 + eˣ): ctx.save_for_backward(y).")
        fresh = cls()  # a ctx holding the output alone: backward may use nothing else
        fresh.save_for_backward(y.copy())
        try:
            gx = _array(call(cls.backward, fresh, g.copy(), name="Softplus.backward"),
                        "backward")
        except Wrong as w:
            if not any(e in str(w) for e in ("AttributeError", "IndexError", "unpack")):
                raise
            raise Wrong(f"{w} backward should need nothing but ctx.saved_tensors, which holds "
                        f"the output y alone.") from None
        right = g * _sigmoid(x)
        mistakes = ((lambda: g * _sigmoid(y),
                     "σ(y) applies the sigmoid to the output; softplus′ is σ(x), of the input. "
                     "Write σ(x) in terms of y."),
                    (lambda: _sigmoid(x),
                     "Multiply the local derivative by grad: that is the chain rule."),
                    (lambda: g * np.exp(-y),
                     "e^(−y) is 1 − σ(x): one step more."),
                    (lambda: g * y * (1 - y),
                     "y(1 − y) is the sigmoid's rule, for y = σ(x); here y = softplus(x)."),
                    (lambda: g * np.expm1(y),
                     "eʸ − 1 is eˣ, the numerator of σ(x); divide by 1 + eˣ = eʸ."))
        arr = gx if isinstance(gx, np.ndarray) else None
        nudge = next((text for wrong, text in mistakes
                      if arr is not None and arr.shape == x.shape and np.allclose(arr, wrong())),
                     "backward returns grad times σ(x), written with y alone.")
        expect_close(gx, right, f"Softplus.backward(ctx, grad={g.tolist()}) after forward on "
                     f"{x.tolist()}", nudge, what="Softplus.backward", x=x)

        def through_autograd(x: np.ndarray) -> bool:
            try:
                return gradcheck(lambda t: cls.apply(t), x)
            except GradcheckError as e:
                raise Wrong(f"gradcheck disagrees with your backward: {e}") from None

        call(through_autograd, x.copy(), name="Softplus.apply")
        return ("σ(x) = eˣ / (1 + eˣ) = (eʸ − 1) / eʸ = 1 − e^(−y), and gradcheck agrees: "
                "Softplus.apply(x) now works with backward() like any minidl op, keeping one "
                "array per call, as F.sigmoid keeps σ(x).")


def _array(value: Any, method: str) -> Any:
    if isinstance(value, tuple) and len(value) == 1:  # backward may return a 1-tuple
        value = value[0]
    if isinstance(value, Tensor):
        raise Wrong(f"Softplus.{method} returned a minidl Tensor. forward and backward work on "
                    f"NumPy arrays: use np.exp, np.log1p and NumPy arithmetic inside them.")
    return value


q1, q2, q3, q4, q5 = (GraphByHand(), AsParameter(), SharedNode(), ForgotZeroGrad(),
                      SoftplusFromOutput())
