"""Exercises for lessons 01 and 01b, activation functions: `from minidl.exercises import ex01`.

In rising difficulty: q1 leaky_relu, q2 its derivative (any subgradient in [a, 1] at the kink
is accepted), q3 a saturated sigmoid's gradient (multiple choice), q4 the gradient through ten
tanh layers (a number the lessons do not print: they run the chain with sigmoids), q5 a
softplus with `beta` that never overflows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import derivative
from .. import functional as F
from ._core import (
    ChoiceQuestion,
    Question,
    Wrong,
    _matches,
    as_array,
    as_number,
    call,
    describe,
    expect_calls,
    expect_close,
)

__all__ = ["q1", "q2", "q3", "q4", "q5"]

_X = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
_GRID = np.array([[-2.0, -0.25, 0.75], [1.5, -4.0, 3.0]], dtype=np.float32)


def _leaky(x: np.ndarray, a: float) -> np.ndarray:
    return np.where(x > 0, x, a * x)


class LeakyReLU(Question):
    number, title = "1.1", "leaky_relu"
    hints = (
        "Two pieces: for x > 0 the output is x itself; for x <= 0 it is negative_slope * x.",
        "NumPy has an elementwise 'if': np.where(condition, value_if_true, value_if_false). "
        "It builds a new array, so x stays as it was.",
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
        "So the slope is 1 where x > 0 and negative_slope where x < 0. At x = 0 the two lines "
        "meet in a kink: there is no single slope, and any value between the two is a valid "
        "choice (a subgradient).",
        "Return one slope per element of x, in an array of x's shape: a single number 1.0 "
        "would not do.",
    )
    solution_code = """
def leaky_relu_derivative(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)   # at x = 0: negative_slope, as torch does
"""
    # (input, negative_slope or None for the default 0.01); every input contains the kink x = 0
    cases = ((np.array([-2.0, -0.1, 0.0, 0.3, 4.0]), None),
             (np.array([[-5.0, 0.5], [2.0, 0.0]]), 0.2))

    def _check(self, fn: Any) -> str:
        name = "leaky_relu_derivative"
        mistakes = ((lambda x, a: _leaky(x, a),
                     "That is leaky_relu itself; the derivative is its slope."),
                    (lambda x, a: (x > 0).astype(float),
                     "That is relu's derivative: the negative side has slope negative_slope, "
                     "not 0."))
        chosen = []
        for x, slope in self.cases:
            a = 0.01 if slope is None else slope
            args = (x.copy(),) if slope is None else (x.copy(), slope)
            shown = f"{name}({', '.join(describe(v) for v in args)})"
            got = as_array(call(fn, *args, name=name), name)
            expected = np.where(x > 0, 1.0, a)
            if got.shape == x.shape and got.dtype.kind in "fiub":
                kink = x == 0
                off = ~kink
                why = next((text for wrong, text in mistakes
                            if _matches(got[off], wrong(x, a)[off])),
                           "The slope is 1 where x > 0 and negative_slope where x < 0; return "
                           "one value per element of x.")
                # away from the kink the slope is fixed; at the kink any subgradient will do
                expect_close(np.where(kink, expected, got), expected, shown, why, x=x)
                lo, hi = min(a, 1.0), max(a, 1.0)
                at_kink = got[kink].astype(float)
                bad = ~((at_kink >= lo - 1e-12) & (at_kink <= hi + 1e-12))   # NaN is bad too
                if bad.any():
                    v = at_kink[bad][0]
                    raise Wrong(f"{shown} returned {v:.6g} at x = 0, the kink. Any slope "
                                f"between {lo:g} (the left piece) and {hi:g} (the right piece) "
                                f"is a valid choice there, a subgradient; torch and minidl "
                                f"use negative_slope, {a:g}.")
                chosen.append(float(at_kink[0]))
            else:  # a wrong shape or dtype: expect_close says which
                expect_close(got, expected, shown, what=name)
        v = chosen[0]
        if np.isclose(v, 0.01):
            where = "negative_slope, the convention torch and minidl use too"
        elif np.isclose(v, 1.0):
            where = "1, the right piece's slope (torch and minidl use negative_slope)"
        else:
            where = (f"{v:g}, a valid subgradient between the two slopes (torch and minidl "
                     f"use negative_slope)")
        return (f"At the kink x = 0 you chose {where}. Away from it the slope never becomes 0, "
                f"so a leaky unit keeps learning even when its input is negative.")


class SaturatedSigmoid(ChoiceQuestion):
    number, title = "1.3", "a saturated sigmoid"
    options = {
        "a": "Not quite: σ'(z) = σ(z)(1 − σ(z)) is never above 0.25, so a sigmoid always "
             "shrinks the gradient it passes back. At z = 10, σ(z) ≈ 0.99995, so 1 − σ(z) is "
             "tiny.",
        "b": "Not quite: 0.25 is σ'(0), the peak of the derivative, reached at z = 0. At "
             "z = 10, σ(z) ≈ 0.99995, so σ(z)(1 − σ(z)) is far smaller.",
        "c": "σ(10) ≈ 0.9999546, so σ'(10) = σ(1 − σ) ≈ 4.54e-5 (minidl.derivative(F.sigmoid, "
             "np.array([10.0])) gives 4.54e-05): the unit is saturated and whatever flows back "
             "through it is multiplied by about 0.00005. That is the vanishing gradient; "
             "ReLU's derivative is 1 for every positive input.",
        "d": "Close, but not exactly: σ(10) is still below 1, so σ'(10) = σ(1 − σ) ≈ 4.5e-5 "
             "is small but positive. (In float32 it does become exactly 0 from about z = 17, "
             "where σ(z) rounds to 1.)",
    }
    correct = "c"
    hints = ("σ'(z) = σ(z)(1 − σ(z)). Work out σ(10) first.",
             "For large z, σ(z) is almost 1 and 1 − σ(z) = e^−z / (1 + e^−z) is almost e^−z. "
             "How big is e^−10?")
    solution_code = 'answer = "c"  # σ\'(10) = σ(10)(1 - σ(10)) ≈ 4.54e-5'


def _tanh_chain(h, w: float, depth: int = 10):
    for _ in range(depth):
        h = F.tanh(w * h)
    return h


class TanhChain(Question):
    number, title = "1.4", "ten tanh layers"
    w, depth = 1.5, 10
    hints = (
        "Follow the forward pass first: h0 = 0, so what is z1 = w·h0, and h1 = tanh(z1)? "
        "And then z2, h2, ...?",
        "The chain rule multiplies one factor per layer: d h_k / d h_(k−1) = w · tanh'(z_k), "
        "with tanh'(z) = 1 − tanh(z)². What is tanh'(0)?",
        "All ten factors are the same number; multiply them (a power).",
    )
    solution_code = """
answer = (1.5 * 1.0) ** 10   # every z_k = 0, where tanh'(0) = 1: ten factors of w = 1.5
"""

    def measured(self, h0: float = 0.0) -> float:
        """d h10 / d h0 of the chain, by minidl's autodiff (what the explanation shows)."""
        return float(derivative(lambda h: _tanh_chain(h, self.w, self.depth), [h0])[0])

    def _check(self, answer: Any) -> str:
        value, w, n = as_number(answer), self.w, self.depth
        expected = self.measured()
        if np.isclose(value, expected, rtol=1e-2):
            return (f"Every z_k stays at 0, where tanh is steepest (tanh'(0) = 1), so each layer "
                    f"multiplies the gradient by w = {w:g}: {w:g}**{n} = {w ** n:.2f}, and "
                    f"minidl.derivative on the chain gives {expected:.2f}. Zero-centred tanh "
                    f"keeps h = 0 in place with no bias at all; a sigmoid chain has to be "
                    f"held at z = 0 by b = −w/2. Start it at h0 = 0.5 instead and the chain "
                    f"runs to tanh's flat part: {self.measured(0.5):.1e}.")
        known = [((w * 0.25) ** n, "That uses sigmoid's peak slope 0.25; tanh is steeper: "
                                   "tanh'(0) = 1 − tanh(0)² = 1."),
                 (0.25 ** n, "That is ten sigmoid slopes of 0.25 without the weights; here "
                             "each layer is tanh, and each multiplies by w · tanh'(z_k)."),
                 (w * n, "The chain rule multiplies the ten factors, one per layer; it does "
                         "not add them."),
                 (w, "That is one layer's factor; there are ten layers."),
                 (1.0, f"Each factor is w · tanh'(z_k), and w = {w:g}, not 1."),
                 (0.0, "tanh'(z) is 0 nowhere: follow h0 = 0 through the first layer and "
                       "look at z1.")]
        nudge = next((text for v, text in known if np.isclose(value, v, rtol=1e-2, atol=1e-12)),
                     "Follow h0 = 0 forward: what is z_k in every layer? Then multiply the "
                     "ten factors w · tanh'(z_k).")
        raise Wrong(f"You answered {value:.6g}; that is not it. {nudge}")


def _softplus(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    u = beta * x
    return (np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))) / beta


class StableSoftplus(Question):
    number, title = "1.5", "a softplus that never overflows"
    hints = (
        "np.exp(1000) overflows to inf in float64 (anything above about 709 does). Which "
        "inputs x make e^(βx) huge, and which are harmless?",
        "Write u = βx. For u > 0, factor e^u out of the sum: log(1 + e^u) = u + log(1 + e^−u), "
        "and now exp only sees a negative number.",
        "Both signs in one formula: log(1 + e^u) = max(u, 0) + log(1 + e^−|u|). Do not forget "
        "the 1/β in front. (np.log1p(v) computes log(1 + v) accurately for tiny v.)",
    )
    solution_code = """
def softplus(x, beta=1.0):
    u = beta * x
    return (np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))) / beta
"""
    cases = ((np.array([-2.0, 0.0, 3.0]), None),
             (np.array([-1000.0, -50.0, 50.0, 1000.0]), None),
             (np.array([-300.0, -1.0, 0.0, 0.5, 300.0]), 5.0))

    def _check(self, fn: Any) -> str:
        expect_calls(
            fn, "softplus",
            [(((x.copy(),) if b is None else (x.copy(), b)), _softplus(x, b or 1.0))
             for x, b in self.cases],
            "softplus(x) = (1/β) log(1 + e^(βx)); for large βx compute log(1 + e^u) as "
            "u + log(1 + e^−u), so that exp never sees a large number.",
            mistakes=(
                (lambda x, b=1.0: np.maximum(b * x, 0) + np.log1p(np.exp(-np.abs(b * x))),
                 "That is log(1 + e^(βx)) without the factor 1/β in front."),
                (lambda x, b=1.0: _softplus(x) / b,
                 "β multiplies x inside the exponential too: log(1 + e^(βx)) / β."),
                (lambda x, b=1.0: np.maximum(x, 0),
                 "That is relu; softplus adds the smooth part (1/β) log(1 + e^−|βx|), "
                 "log(2)/β at x = 0."),
            ))
        return ("minidl.functional.softplus(x, beta) uses the same stable formula; torch "
                "switches to the line x itself once βx > 20, which differs by less than 1e-8.")


q1, q2, q3, q4, q5 = (LeakyReLU(), LeakyReLUDerivative(), SaturatedSigmoid(), TanhChain(),
                      StableSoftplus())
