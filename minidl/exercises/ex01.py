"""Exercises for lesson 01, activation functions: `from minidl.exercises import ex01`.

q1 leaky_relu, q2 its derivative, q3 a saturated sigmoid's gradient (multiple choice),
q4 the largest value of sigmoid's derivative (a number), q5 a softplus that never overflows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._core import ChoiceQuestion, NumberQuestion, Question, expect_calls

__all__ = ["q1", "q2", "q3", "q4", "q5"]

_X = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
_GRID = np.array([[-2.0, -0.25, 0.75], [1.5, -4.0, 3.0]], dtype=np.float32)


def _leaky(x: np.ndarray, a: float) -> np.ndarray:
    return np.where(x > 0, x, a * x)


class LeakyReLU(Question):
    number, title = "1.1", "leaky_relu"
    hints = (
        "For x > 0 the output is x itself; for x <= 0 it is negative_slope * x.",
        "np.where(condition, a, b) picks a where the condition holds and b elsewhere, "
        "elementwise, and returns a new array.",
        "return np.where(x > 0, x, negative_slope * x)",
    )
    solution_code = """
def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)
"""

    def _check(self, fn: Any) -> str:
        nudge = "leaky_relu(x) is x for x > 0 and negative_slope * x otherwise."
        expect_calls(fn, "leaky_relu", [((_X.copy(),), _leaky(_X, 0.01)),
                                        ((_GRID.copy(), 0.2), _leaky(_GRID, 0.2))], nudge,
                     mistakes=((lambda x, a=0.01: np.maximum(x, 0),
                                "That is relu: the negative side should be negative_slope * x, "
                                "not 0."),))
        return "Compare with minidl.functional.leaky_relu and torch.nn.functional.leaky_relu."


class LeakyReLUDerivative(Question):
    number, title = "1.2", "the derivative of leaky_relu"
    hints = (
        "Each piece of leaky_relu is a straight line: what is the slope of x, and of "
        "negative_slope * x?",
        "The derivative is 1 where x > 0 and negative_slope elsewhere, with the same shape as x.",
        "return np.where(x > 0, 1.0, negative_slope)",
    )
    solution_code = """
def leaky_relu_derivative(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
"""

    def _check(self, fn: Any) -> str:
        x1 = np.array([-2.0, -0.1, 0.3, 4.0])
        x2 = np.array([[-5.0, 0.5], [2.0, -0.01]])
        expect_calls(fn, "leaky_relu_derivative",
                     [((x1.copy(),), np.where(x1 > 0, 1.0, 0.01)),
                      ((x2.copy(), 0.2), np.where(x2 > 0, 1.0, 0.2))],
                     "The slope is 1 where x > 0 and negative_slope where x < 0; return one "
                     "value per element of x.",
                     mistakes=((lambda x, a=0.01: _leaky(x, a),
                                "That is leaky_relu itself; the derivative is its slope."),
                               (lambda x, a=0.01: (x > 0).astype(float),
                                "That is relu's derivative: the negative side has slope "
                                "negative_slope, not 0.")))
        return ("Its derivative never becomes 0, so a leaky unit keeps learning even when its "
                "input is negative.")


class SaturatedSigmoid(ChoiceQuestion):
    number, title = "1.3", "a saturated sigmoid"
    options = {
        "a": "Not quite: σ'(z) = σ(z)(1 − σ(z)) is never above 0.25, so a sigmoid always "
             "shrinks the gradient it passes back. At z = 10, σ(z) ≈ 0.99995, so 1 − σ(z) is "
             "tiny.",
        "b": "Not quite: 0.25 is σ'(0), the peak of the derivative, reached at z = 0. At "
             "z = 10, σ(z) ≈ 0.99995, so σ(z)(1 − σ(z)) is far smaller.",
        "c": "σ(10) ≈ 0.9999546, so σ'(10) = σ(1 − σ) ≈ 4.54e-5: the unit is saturated and "
             "whatever flows back through it is multiplied by about 0.00005. That is the "
             "vanishing gradient; ReLU's derivative is 1 for every positive input.",
        "d": "Close, but not exactly: σ(10) is still below 1, so σ'(10) = σ(1 − σ) ≈ 4.5e-5 "
             "is small but positive. (In float32 it does become exactly 0 from about z = 17, "
             "where σ(z) rounds to 1.)",
    }
    correct = "c"
    hints = ("σ'(z) = σ(z)(1 − σ(z)). Work out σ(10) first.",
             "σ(10) = 1 / (1 + e^-10) and e^-10 ≈ 4.5e-5.")
    solution_code = 'answer = "c"  # σ\'(10) = σ(10)(1 - σ(10)) ≈ 4.54e-5'


class SigmoidPeak(NumberQuestion):
    number, title = "1.4", "the largest gradient a sigmoid passes back"
    expected, rtol = 0.25, 1e-3
    nudge = ("σ'(z) = σ(z)(1 − σ(z)) is p(1 − p) for a p between 0 and 1: for which p is "
             "that product largest?")
    explanation = ("The peak is σ'(0) = 0.5 × 0.5 = 0.25, so a sigmoid layer multiplies a gradient "
                   "by at most 0.25 times its weight. With weights of size 1, 10 stacked sigmoids "
                   "shrink it by at least 0.25**10 ≈ 9.5e-7; larger weights can offset that "
                   "(lesson 01 measures it).")
    hints = ("By symmetry, the peak is at z = 0. What is σ(0)?",
             "σ(0) = 0.5, so σ'(0) = 0.5 × (1 − 0.5).")
    solution_code = "answer = 0.25  # σ'(0) = σ(0)(1 - σ(0)) = 0.5 * 0.5"


class StableSoftplus(Question):
    number, title = "1.5", "a softplus that never overflows"
    hints = (
        "np.exp(1000) overflows to inf. Rewrite log(1 + e^x) so that exp only ever sees a "
        "number <= 0.",
        "For x > 0: log(1 + e^x) = x + log(1 + e^-x). Both cases together: "
        "max(x, 0) + log(1 + e^-|x|).",
        "np.log1p(u) computes log(1 + u) accurately for tiny u: "
        "return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))",
    )
    solution_code = """
def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
"""

    def _check(self, fn: Any) -> str:
        small = np.array([-2.0, 0.0, 3.0])
        big = np.array([-1000.0, -50.0, 50.0, 1000.0])
        expected = [np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v))) for v in (small, big)]
        expect_calls(fn, "softplus", [((small.copy(),), expected[0]),
                                      ((big.copy(),), expected[1])],
                     "softplus(x) = log(1 + e^x); for large x compute it as "
                     "x + log(1 + e^-x) so that exp never sees a large number.")
        return "minidl.functional.softplus uses the same stable formula (so does torch)."


q1, q2, q3, q4, q5 = (LeakyReLU(), LeakyReLUDerivative(), SaturatedSigmoid(), SigmoidPeak(),
                      StableSoftplus())

