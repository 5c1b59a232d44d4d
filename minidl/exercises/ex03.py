"""Exercises for lesson 03, fitting a curve with ReLUs: `from minidl.exercises import ex03`.

q1 a ReLU layer's backward mask, q2 a hat function built from three ReLUs, q3 two kinks
placed by hand to fit y = x², q4 how many linear pieces a ReLU network has, q5 a dead ReLU.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..data import quadratic
from ._core import ChoiceQuestion, NumberQuestion, Question, Wrong, as_numbers, expect_calls

__all__ = ["q1", "q2", "q3", "q4", "q5"]


class ReLUBackward(Question):
    number, title = "3.1", "a ReLU layer's backward"
    hints = (
        "relu(x) = max(x, 0) has slope 1 where x > 0 and slope 0 elsewhere.",
        "The chain rule: grad_input = grad_output × (local slope). The slope is the mask "
        "(x > 0), 1 or 0 per element; at exactly x = 0 torch uses 0.",
        "return grad_output * (x > 0)",
    )
    solution_code = """
def relu_backward(x, grad_output):
    return grad_output * (x > 0)
"""

    def _check(self, fn: Any) -> str:
        x = np.array([[-1.5, 0.0, 2.0, 0.3], [4.0, -0.2, 0.0, -3.0], [0.7, 1.0, -1.0, 5.0]])
        g = np.array([[0.5, 1.0, -2.0, 3.0], [1.5, -1.0, 2.0, 0.25], [-0.5, 2.0, 1.0, -4.0]])
        expect_calls(fn, "relu_backward", [((x.copy(), g.copy()), g * (x > 0))],
                     "Pass grad_output through where x > 0 and put 0 everywhere else.",
                     mistakes=((lambda x, g: (x > 0).astype(float),
                                "That is the mask alone: multiply it by grad_output."),
                               (lambda x, g: g * (x >= 0),
                                "At exactly x = 0 the gradient is 0 (as in torch): use x > 0, "
                                "not x >= 0."),
                               (lambda x, g: np.maximum(g, 0),
                                "The mask comes from the layer's input x, not from the "
                                "gradient: where was the ReLU switched on?")))
        return ("This mask is what minidl's Relu.backward computes. A unit whose mask is 0 for "
                "every example gets no gradient at all: question 3.5 is about that.")


def _hat(x: np.ndarray) -> np.ndarray:
    return np.maximum(0, 1 - np.abs(x))


class Hat(Question):
    number, title = "3.2", "a hat from three ReLUs"
    hints = (
        "Build it left to right: relu(x + 1) starts rising with slope 1 at x = −1.",
        "At x = 0 the slope must turn from +1 to −1, a change of −2: add −2·relu(x). At x = 1 "
        "it must turn from −1 to 0: add +1·relu(x − 1).",
        "return relu(x + 1) - 2 * relu(x) + relu(x - 1), with relu = lambda v: np.maximum(v, 0)",
    )
    solution_code = """
def hat(x):
    relu = lambda v: np.maximum(v, 0)
    return relu(x + 1) - 2 * relu(x) + relu(x - 1)
"""

    def _check(self, fn: Any) -> str:
        x = np.linspace(-2.0, 2.0, 9)
        expect_calls(fn, "hat", [((x.copy(),), _hat(x))],
                     "The hat is 0 left of −1, rises to 1 at x = 0, falls back to 0 at x = 1 "
                     "and stays 0 after: each ReLU adds one change of slope.",
                     mistakes=((lambda x: np.maximum(x + 1, 0) - np.maximum(x, 0)
                                + np.maximum(x - 1, 0),
                                "At x = 0 the slope must change from +1 to −1, a change of −2, "
                                "so the middle ReLU needs weight −2."),
                               (lambda x: np.maximum(x + 1, 0) - 2 * np.maximum(x, 0),
                                "After x = 1 the hat stays at 0: one more ReLU must cancel the "
                                "slope −1.")))
        return ("Any piecewise-linear curve is a sum of such kinks: a layer of ReLUs followed "
                "by a linear layer can draw it.")


class TwoKinks(Question):
    """Fit ŷ = b + w₁ relu(x − k₁) + w₂ relu(x − k₂) to y = x² on [0, 2] for the learner's
    kinks, with the output weights (b, w₁, w₂) found by least squares."""

    number, title = "3.3", "two kinks by hand"
    target = 0.004
    hints = (
        "Left of the first kink the model is flat (just b), and x² is far from flat near 2.",
        "Try a few pairs: the check prints the MSE each time. Or loop over pairs with "
        "ex03.q3.mse((k1, k2)).",
        "Spread the kinks inside [0, 2], with the first one early: (0.5, 1.3) already works; "
        "about (0.4, 1.2) is best.",
    )
    solution_code = "kinks = (0.4, 1.2)  # MSE ≈ 0.0023 (the best pair)"

    def mse(self, kinks: Any) -> float:
        """The MSE of the best output layer for these two kink positions."""
        k = as_numbers(kinks, 2, "kinks")
        if (np.abs(k) > 1e3).any():
            raise Wrong(f"kinks {tuple(float(v) for v in k)} lie far outside the data, which "
                        f"is x in [0, 2]; place both inside it.")
        x, y = (v.astype(np.float64).ravel() for v in quadratic(n=100))
        features = np.stack([np.ones_like(x), np.maximum(x - k[0], 0), np.maximum(x - k[1], 0)],
                            axis=1)
        weights = np.linalg.lstsq(features, y, rcond=None)[0]
        return float(np.mean((features @ weights - y) ** 2))

    def _check(self, answer: Any) -> str:
        error = self.mse(answer)
        k = as_numbers(answer, 2, "kinks")
        shown = f"kinks at ({k[0]:.3g}, {k[1]:.3g})"
        if error < self.target:
            return (f"With {shown} the best output weights reach MSE = {error:.4f}, under "
                    f"{self.target}. The best possible pair is about (0.4, 1.2), MSE 0.0023. "
                    f"Training the first layer's weights and biases is gradient descent "
                    f"doing this search for you.")
        if not ((0 < k) & (k < 2)).all():
            nudge = "A kink outside (0, 2) does not bend the curve where the data is."
        elif abs(k[0] - k[1]) < 0.2:
            nudge = "Two kinks this close act almost like one: spread them out."
        else:
            nudge = ("Left of the first kink the model is flat, so don't leave the first "
                     "segment too long; space the kinks over [0, 2].")
        raise Wrong(f"With {shown} the best output weights give MSE = {error:.4f}, not yet "
                    f"under {self.target}. {nudge}")


class LinearPieces(NumberQuestion):
    number, title = "3.4", "how many linear pieces"
    expected, rtol, atol = 6.0, 0.0, 1e-9
    nudge = ("Each hidden unit relu(w·x + b) bends its output at exactly one point, "
             "x = −b/w. How many pieces do 5 bends cut the real line into?")
    explanation = ("5 units give at most 5 kinks, and 5 kinks cut the line into 6 linear "
                   "pieces (fewer when kinks coincide or fall outside the data). Width buys "
                   "pieces one at a time; depth can multiply them.")
    hints = ("Draw it: one kink gives 2 pieces, two kinks give 3.",
             "n distinct kinks give n + 1 pieces.")
    solution_code = "answer = 6  # 5 kinks -> 6 pieces"


class DeadReLU(ChoiceQuestion):
    number, title = "3.5", "a dead ReLU"
    options = {
        "a": "Not quite: to move, w and b need a gradient, and a gradient reaches them only "
             "through the ReLU's backward mask (w·x + b > 0). Is that true for any x in "
             "[0, 2]?",
        "b": "w·x + b = x − 3 < 0 for every x in [0, 2], so the ReLU's mask is 0 for every "
             "example and w and b get exactly zero gradient: the unit is dead and stays dead. "
             "Leaky ReLU, careful initialisation or a smaller learning rate avoid it.",
        "c": "Not quite: a gradient step can only be as big as the gradient, and here every "
             "example sends back a gradient of exactly 0.",
        "d": "Not quite: nothing here divides by zero or overflows; the ReLU's backward mask "
             "is simply 0 for every example.",
    }
    correct = "b"
    hints = ("Compute w·x + b at x = 0 and at x = 2.",
             "Question 3.1: where the ReLU's input is negative, the gradient is multiplied by 0.")
    solution_code = 'answer = "b"  # x - 3 < 0 on [0, 2]: the mask is 0, so no gradient ever'


q1, q2, q3, q4, q5 = ReLUBackward(), Hat(), TwoKinks(), LinearPieces(), DeadReLU()
