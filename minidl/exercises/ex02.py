"""Exercises for lesson 02, derivatives and the computational graph:
`from minidl.exercises import ex02`.

q1 a numerical derivative by central differences, q2 sigmoid's backward from its output alone,
q3 a new minidl Function (Softsign) that passes gradcheck, q4 gradients through a small graph
by hand, q5 what two backward() calls leave in x.grad.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Function, Tensor
from ..calculus import GradcheckError, gradcheck
from ._core import NumberQuestion, Question, Wrong, as_numbers, call, expect_calls, expect_close

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def cube(x):
    """x³, whose derivative 3x² the learner's numerical derivative should approach."""
    return x ** 3


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class NumericalDerivative(Question):
    number, title = "2.1", "a numerical derivative"
    hints = (
        "Evaluate f a little to the right of x and a little to the left, and divide the "
        "difference by the distance between the two points.",
        "Central differences: (f(x + eps) - f(x - eps)) / (2 * eps). The error shrinks like "
        "eps², much faster than the forward difference (f(x + eps) - f(x)) / eps.",
        "return (f(x + eps) - f(x - eps)) / (2 * eps)",
    )
    solution_code = """
def numerical_derivative(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)
"""

    def _check(self, fn: Any) -> str:
        x = np.array([-1.0, 0.5, 2.0])
        grid = np.linspace(-3.0, 3.0, 7)
        expect_calls(fn, "numerical_derivative",
                     [((cube, x.copy(), 0.1), (cube(x + 0.1) - cube(x - 0.1)) / 0.2),
                      ((np.sin, grid.copy()), np.cos(grid))],
                     "Use central differences: (f(x + eps) - f(x - eps)) / (2 * eps).",
                     mistakes=((lambda f, x, eps=1e-5: (f(x + eps) - f(x)) / eps,
                                "That is the forward difference (f(x + eps) - f(x)) / eps; "
                                "use the central one, (f(x + eps) - f(x - eps)) / (2 * eps), "
                                "whose error is much smaller."),
                               (lambda f, x, eps=1e-5: (f(x + eps) - f(x - eps)) / eps,
                                "Almost: the two points are 2 * eps apart, so divide by "
                                "2 * eps."),
                               (lambda f, x, eps=1e-5: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5,
                                "Use the eps you are given (here 0.1) rather than a fixed "
                                "step.")),
                     rtol=1e-6, atol=1e-8)
        return "minidl.numerical_derivative does the same, in float64."


class SigmoidBackward(Question):
    number, title = "2.2", "sigmoid's backward from its output"
    hints = (
        "σ'(x) = σ(x)(1 − σ(x)), and y is σ(x) already: no exp is needed.",
        "The chain rule multiplies the local derivative by the gradient arriving from above.",
        "return grad_output * y * (1 - y)",
    )
    solution_code = """
def sigmoid_backward(y, grad_output):
    return grad_output * y * (1 - y)
"""

    def _check(self, fn: Any) -> str:
        z = np.array([[-2.0, 0.0, 1.5], [4.0, -0.5, 10.0]])
        y, g = _sigmoid(z), np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
        expect_calls(fn, "sigmoid_backward", [((y.copy(), g.copy()), g * y * (1 - y))],
                     "y is σ(x) already: the local derivative is y * (1 - y), times "
                     "grad_output.",
                     mistakes=((lambda y, g: y * (1 - y),
                                "Multiply the local derivative y * (1 - y) by grad_output: "
                                "that is the chain rule."),
                               (lambda y, g: g * _sigmoid(y) * (1 - _sigmoid(y)),
                                "y is already σ(x): don't apply sigmoid to it again.")))
        return ("This is why minidl's Sigmoid saves its output for backward, and torch's "
                "sigmoid does the same: nothing is recomputed.")


class Softsign(Question):
    number, title = "2.3", "a new minidl Function: Softsign"
    hints = (
        "forward gets a NumPy array x: save it with ctx.save_for_backward(x) and return "
        "x / (1 + np.abs(x)).",
        "d/dx [x / (1 + |x|)] = 1 / (1 + |x|)²  (for x > 0 and x < 0 alike).",
        "backward: (x,) = ctx.saved_tensors; return grad / (1 + np.abs(x)) ** 2",
    )
    solution_code = """
class Softsign(minidl.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + np.abs(x)) ** 2
"""

    def _check(self, cls: Any) -> str:
        if not (isinstance(cls, type) and issubclass(cls, Function)):
            raise Wrong("Pass the class itself, defined as class Softsign(minidl.Function): "
                        "check(Softsign), not check(Softsign()) or a function.")
        x = np.array([-3.0, -0.5, 0.25, 2.0])
        g = np.array([1.0, -2.0, 0.5, 3.0])
        ctx = cls()
        y = self._array(call(cls.forward, ctx, x.copy(), name="Softsign.forward"), "forward")
        expect_close(y, x / (1 + np.abs(x)), f"Softsign.forward(ctx, {x.tolist()})",
                     "Softsign(x) = x / (1 + |x|).", what="Softsign.forward", x=x)
        try:
            gx = self._array(call(cls.backward, ctx, g.copy(), name="Softsign.backward"),
                             "backward")
        except Wrong as w:
            if ctx.saved_tensors:
                raise
            raise Wrong(f"{w} Did forward save x with ctx.save_for_backward(x)?") from None
        expect_close(gx, g / (1 + np.abs(x)) ** 2,
                     f"Softsign.backward(ctx, grad={g.tolist()}) after forward on {x.tolist()}",
                     "backward returns grad times the local derivative 1 / (1 + |x|)².",
                     what="Softsign.backward", x=x)

        def through_autograd(x: np.ndarray) -> bool:
            try:
                return gradcheck(lambda t: cls.apply(t), x)
            except GradcheckError as e:
                raise Wrong(f"gradcheck disagrees with your backward: {e}") from None

        call(through_autograd, x.copy(), name="Softsign.apply")
        return ("gradcheck agrees with your backward: Softsign.apply(x) now works with "
                "backward() like any minidl op.")

    @staticmethod
    def _array(value: Any, method: str) -> np.ndarray:
        if isinstance(value, tuple) and len(value) == 1:  # backward may return a 1-tuple
            value = value[0]
        if isinstance(value, Tensor):
            raise Wrong(f"Softsign.{method} returned a minidl Tensor. forward and backward work "
                        f"on NumPy arrays: use np.abs and NumPy arithmetic inside them.")
        return value


class GraphByHand(Question):
    number, title = "2.4", "gradients through a small graph"
    hints = (
        "Name the intermediate node u = a·b + c, so L = u². Compute u first (forward pass).",
        "Backward: dL/du = 2u. Then the chain rule through u: ∂u/∂a = b, ∂u/∂b = a, ∂u/∂c = 1.",
        "u = 2·(−1) + 3 = 1, so dL/du = 2: the answer is (2·b, 2·a, 2·1).",
    )
    solution_code = """
answer = (-2.0, 4.0, 2.0)  # u = a*b + c = 1; dL/du = 2u = 2; times b, a and 1
"""

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 3)
        expected = {"dL/da": (-2.0, "∂u/∂a = b"), "dL/db": (4.0, "∂u/∂b = a"),
                    "dL/dc": (2.0, "∂u/∂c = 1")}
        for value, (name, (right, local)) in zip(got, expected.items()):
            if not np.isclose(value, right):
                raise Wrong(f"{name} is not {value:.6g}. Go backwards: first u = a·b + c and "
                            f"dL/du = 2u, then multiply by the local derivative {local}.")
        return ("Check it with minidl: a = minidl.tensor(2.0, requires_grad=True) and so on, "
                "then ((a * b + c) ** 2).backward() and read a.grad, b.grad, c.grad.")


class Accumulation(NumberQuestion):
    number, title = "2.5", "two backward() calls"
    expected, rtol = 12.0, 1e-6
    nudge = ("One backward() of x * x at x = 3 gives 6. Does the second backward() replace "
             "x.grad or add to it?")
    explanation = ("Gradients accumulate: each backward() adds into x.grad (6 + 6 = 12), in "
                   "minidl as in torch. That is why a training loop calls zero_grad() before "
                   "every backward().")
    hints = ("d(x·x)/dx = 2x = 6 at x = 3.",
             "Run it and look: print(x.grad) after each backward().")
    solution_code = "answer = 12.0  # 6 from the first backward(), plus 6 from the second"


q1, q2, q3, q4, q5 = (NumericalDerivative(), SigmoidBackward(), Softsign(), GraphByHand(),
                      Accumulation())
