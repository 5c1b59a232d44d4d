"""Exercises for unit 03, the engine and fitting a curve with ReLUs: `from minidl.exercises
import ex03`.

q1 a LeakyReLU layer's backward, where any subgradient is accepted at the kink (warm-up), q2 a
lopsided tent built from three ReLUs, q3 two kinks placed by hand to fit y = x³ (the lesson fitted
x²), q4 how many linear pieces a given network draws on [0, 2] (predict), q5 which changes bring
a unit that is dead at initialisation to life (several answers, measured by training; stretch).

The answer keys are computed, not stored: q3 by least squares (minidl.fitting), q4 from the
network's slopes by autograd, q5 by training every option with minidl's optimisers.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .. import Tensor, derivative, optim
from .. import functional as F
from ..fitting import fit_kinks
from ._core import (
    Question,
    Wrong,
    _kind,
    as_array,
    as_number,
    as_numbers,
    call,
    describe,
    expect_close,
)

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ----------------------------------------------------------------------------- 3.1
def _leaky_backward(x: np.ndarray, g: np.ndarray, a: float) -> np.ndarray:
    """torch's convention: slope 1 where x > 0, `a` elsewhere (so `a` at exactly 0)."""
    return np.where(x > 0, g, a * g)


class LeakyReLUBackward(Question):
    number, title = "3.1", "a LeakyReLU layer's backward"
    hints = (
        "Chain rule, element by element: grad_input = grad_output × (the local slope of "
        "leaky_relu at x).",
        "The local slope is 1 where the unit is on (x > 0) and negative_slope where it is off "
        "(x < 0). np.where chooses between two arrays element by element.",
        "At exactly x = 0 there is a kink: any slope between negative_slope and 1 is a valid "
        "subgradient, so either choice passes. Build a new array: writing into grad_output "
        "changes the caller's gradient (lesson 03, section 6).",
    )
    solution_code = """
def leaky_relu_backward(x, grad_output, negative_slope=0.01):
    return np.where(x > 0, grad_output, negative_slope * grad_output)
"""
    x = np.array([[-1.5, 0.0, 2.0, 0.3], [4.0, -0.2, 0.0, -3.0], [0.7, 1.0, -1.0, 5.0]])
    g = np.array([[0.5, 1.0, -2.0, 3.0], [1.5, -1.0, 2.0, 0.25], [-0.5, 2.0, 1.0, -4.0]])
    slopes = (0.1, 0.01, 0.0)  # the article's LeakyReLU, torch's default, and ReLU

    @staticmethod
    def mistakes(a: float) -> tuple[tuple[Callable, str], ...]:
        return (
            (lambda x, g: np.where(x > 0, 1.0, a) + 0 * g,
             "That is the local slope alone: multiply it by grad_output (the chain rule)."),
            (lambda x, g: g * (x > 0),
             "Below zero LeakyReLU's slope is negative_slope, not 0: those elements pass "
             "negative_slope × grad_output back."),
            (lambda x, g: np.where(x > 0, g, a * x),
             "Below zero the gradient is negative_slope × grad_output; x itself belongs to "
             "the forward pass."),
            (lambda x, g: np.where(x > 0, x, a * x),
             "That is the forward pass, leaky_relu(x); backward returns grad_output times the "
             "local slope."),
            (lambda x, g: np.where(x > 0, a * g, g),
             "The slopes are swapped: 1 where x > 0, negative_slope where x < 0."),
            (lambda x, g: np.where(g > 0, g, a * g),
             "The slope comes from the layer's input x, not from the gradient: where was the "
             "unit on?"),
        )

    def _check(self, fn: Any) -> str:
        name, used = "leaky_relu_backward", None
        for a in self.slopes:
            x, g = self.x, self.g
            text = f"{name}(x, grad_output, negative_slope={a:g})"
            got = call(fn, x.copy(), g.copy(), a, name=name)
            arr = as_array(got, name)
            expected = _leaky_backward(x, g, a)
            kink = x == 0
            if arr.shape == x.shape and arr.dtype.kind in "fiub":
                # at the kink the learner's own value stands in for the expected one here;
                # it is judged against the whole interval of subgradients just below
                expected = np.where(kink & np.isfinite(arr), arr, expected)
            nudge = next((text_ for wrong, text_ in self.mistakes(a)
                          if arr.shape == x.shape and np.allclose(arr, wrong(x, g))),
                         "Pass grad_output through where x > 0 and negative_slope × "
                         "grad_output where x < 0.")
            expect_close(arr, expected, text, nudge, x=x, x_name="x")
            arr = arr.astype(np.float64)
            lo, hi = np.minimum(a * g, g), np.maximum(a * g, g)
            outside = kink & ((arr < lo - 1e-6) | (arr > hi + 1e-6))
            if outside.any():
                i = tuple(int(j) for j in np.argwhere(outside)[0])
                raise Wrong(f"{text} returned {arr[i]:.6g} at x = 0 (index {i}), where "
                            f"grad_output is {g[i]:g}. At the kink any slope between "
                            f"negative_slope and 1 is a valid subgradient, so the result there "
                            f"must lie between {lo[i]:g} and {hi[i]:g}.")
            if used is None:
                used = float(arr[0, 1] / g[0, 1])  # x = 0 and grad_output = 1 there
        assert used is not None
        convention = ("negative_slope, as torch does (its test is x > 0)" if np.isclose(used, 0.1)
                      else "1 (a test x >= 0)" if np.isclose(used, 1.0) else f"{used:.4g}")
        return (f"At x = 0 your backward uses the slope {convention}: any value in "
                f"[negative_slope, 1] is a valid subgradient there, and torch's choice is a "
                f"convention. With negative_slope = 0 this is ReLU's backward, the article's "
                f"mask; a unit whose x is negative on every example then passes back nothing "
                f"at all (question 3.5).")


# ----------------------------------------------------------------------------- 3.2
_TENT_CORNERS = ([0.0, 0.5, 2.5], [0.0, 1.0, 0.0])


def _tent(x: np.ndarray) -> np.ndarray:
    return np.interp(x, *_TENT_CORNERS)  # 0 outside [0, 2.5]: np.interp holds the end values


def _relus(x: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    out = np.zeros_like(x)
    for w, k in zip(weights, _TENT_CORNERS[0], strict=True):
        out = out + w * np.maximum(x - k, 0)
    return out


class Tent(Question):
    number, title = "3.2", "a lopsided tent from three ReLUs"
    hints = (
        "Read the slope of each straight piece off the corners: flat left of 0, then a climb of "
        "1 over a length of 0.5, a fall of 1 over a length of 2, flat again.",
        "relu(x − k) adds a slope of 1 to the right of k and changes nothing to its left, so "
        "its weight is the change of slope at k, not the slope after k.",
        "The slopes run 0, 2, −0.5, 0: each of the three ReLUs, at x = 0, 0.5 and 2.5, makes "
        "one of the three changes.",
    )
    solution_code = """
def tent(x):
    relu = lambda v: np.maximum(v, 0)
    return 2 * relu(x) - 2.5 * relu(x - 0.5) + 0.5 * relu(x - 2.5)
"""

    def _check(self, fn: Any) -> str:
        x = np.array([-1.0, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 3.5])
        got = call(fn, x.copy(), name="tent")
        mistakes = (
            ((2.0, -2.0, 0.5), "At x = 0.5 the slope goes from +2 to −0.5, a change of −2.5: "
                               "−2 only flattens it."),
            ((2.0, -2.5, 0.0), "After x = 2.5 the tent stays at 0: one more ReLU must cancel "
                               "the slope −0.5."),
            ((2.0, -0.5, 0.0), "A ReLU's weight is the change of slope at its knot, not the "
                               "slope after it."),
            ((1.0, -2.0, 1.0), "Those are the weights of the symmetric hat (slopes +1 and −1); "
                               "this tent climbs with slope 2 and falls with slope −0.5."),
        )
        arr = as_array(got, "tent")
        nudge = next((text for w, text in mistakes
                      if arr.shape == x.shape and np.allclose(arr, _relus(x, w))),
                     "The tent is 0 up to x = 0, rises to 1 at x = 0.5, falls back to 0 at "
                     "x = 2.5 and stays 0 after: each ReLU adds one change of slope.")
        expect_close(arr, _tent(x), f"tent({describe(x)})", nudge, x=x)
        return ("The weights 2, −2.5 and 0.5 are the changes of slope, and they add up to 0 "
                "because the tent ends as flat as it starts. Any polyline is such a sum: a "
                "layer of ReLUs followed by a linear layer can draw it, one kink per unit.")


# ----------------------------------------------------------------------------- 3.3
class CubeKinks(Question):
    """Fit y = x³ on [0, 2] with two ReLU units whose kinks the learner chooses; the output
    weights and the directions come from least squares (minidl.fitting.fit_kinks)."""

    number, title = "3.3", "two kinks for x³"
    target = 0.0155
    lesson_knots = (0.3965, 1.2020)  # lesson 03c's best pair for x²
    hints = (
        "A straight piece fits a stretch of curve well where the curve bends little. How does "
        "the bending (the second derivative) of x³ change from 0 to 2, compared with x²'s?",
        "x² bends equally everywhere (its second derivative is 2), and its best kinks sat at "
        "0.40 and 1.20. x³'s second derivative is 6x: segments should be shorter where it is "
        "large.",
        "ex03.q3.mse((k1, k2)) returns the MSE for a pair without checking: try a few pairs, "
        "or loop over a grid of them and keep the best.",
    )
    solution_code = """
grid = np.arange(0.05, 2.0, 0.05)
pairs = [(a, b) for a in grid for b in grid if a < b]
kinks = min(pairs, key=ex03.q3.mse)  # about (0.70, 1.40): both to the right of x²'s kinks
"""

    @staticmethod
    def data() -> tuple[np.ndarray, np.ndarray]:
        """x, y = x³: 100 evenly spaced points on [0, 2], float64, shape (100, 1)."""
        x = np.linspace(0.0, 2.0, 100).reshape(-1, 1)
        return x, x * x * x

    def mse(self, kinks: Any) -> float:
        """The MSE of the best output layer (weights and directions) for these two kinks."""
        k = as_numbers(kinks, 2, "kinks")
        if (np.abs(k) > 1e3).any():
            raise Wrong(f"kinks {tuple(float(v) for v in k)} lie far outside the data, which "
                        f"is x in [0, 2]; place both inside it.")
        return fit_kinks(*self.data(), k).mse

    def _check(self, answer: Any) -> str:
        error = self.mse(answer)
        k = as_numbers(answer, 2, "kinks")
        shown = f"kinks at ({k[0]:.3g}, {k[1]:.3g})"
        lo, hi = sorted(k)
        at_lesson = self.mse(self.lesson_knots)
        if error < self.target:
            even = self.mse((2 / 3, 4 / 3))
            return (f"With {shown} the best output layer reaches MSE = {error:.4f}, under "
                    f"{self.target}. x²'s best kinks from lesson 03c would give "
                    f"{at_lesson:.4f} here, evenly spaced ones (0.67, 1.33) {even:.4f}: x³ "
                    f"bends most near 2, so its kinks sit further right and its last segment "
                    f"is the shortest. Training the first layer is gradient descent doing "
                    f"this search for you.")
        if not ((0 < k) & (k < 2)).all():
            nudge = "A kink outside (0, 2) does not bend the curve where the data is."
        elif hi - lo < 0.2:
            nudge = "Two kinks this close act almost like one: spread them out."
        elif np.allclose([lo, hi], self.lesson_knots, atol=0.05):
            nudge = ("Those are x²'s best kinks. x³ bends more and more towards 2 (its second "
                     "derivative is 6x): move both kinks to the right.")
        elif lo < 0.6:
            nudge = ("The first kink is early: x³ is nearly flat near 0, so the flat first "
                     "segment can be longer. Move it to the right.")
        elif lo > 0.8:
            nudge = ("The first kink is late: the flat first segment cannot follow x³ once it "
                     "rises. Move it to the left.")
        elif hi < 1.35:
            nudge = ("The second kink is early: x³ bends most near 2, so the last segment "
                     "should be the shortest. Move it to the right.")
        elif hi > 1.5:
            nudge = "The second kink is late: the middle segment is too long. Move it left."
        else:
            nudge = "Close: move each kink by a few hundredths and watch the MSE."
        raise Wrong(f"With {shown} the best output layer gives MSE = {error:.4f}, not yet "
                    f"under {self.target}. {nudge}")


# ----------------------------------------------------------------------------- 3.4
class LinearPieces(Question):
    number, title = "3.4", "the pieces of a given network"
    # Linear(1, 5) → ReLU → Linear(5, 1), as the question's cell prints them
    w1 = (2.0, -1.0, 1.0, 0.5, -2.0)
    b1 = (-1.0, 2.5, 0.5, -0.25, 3.0)
    w2 = (1.0, -2.0, 3.0, -1.0, 0.5)
    low, high = 0.0, 2.0
    hints = (
        "Each unit relu(w·x + b) bends only where w·x + b = 0, at its knot x = −b/w. Compute "
        "the five knots.",
        "Only knots strictly inside (0, 2) bend the curve there. A unit whose knot lies "
        "outside is either off on all of [0, 2] or a straight line on all of it (the sign "
        "of w says which).",
        "Two units with the same knot make one kink, not two (unless their changes of slope, "
        "v·w, cancel). n kinks cut [0, 2] into n + 1 pieces.",
    )
    solution_code = """
answer = 3  # knots -b/w = 0.5, 2.5, -0.5, 0.5, 1.5: inside (0, 2) only 0.5 (units 1 and 4) and 1.5
"""

    def network(self, x: Tensor) -> Tensor:
        """ŷ(x) for x of shape (n, 1), with minidl."""
        w1 = Tensor(np.array(self.w1).reshape(-1, 1))
        w2 = Tensor(np.array(self.w2).reshape(1, -1))
        return F.linear(F.relu(F.linear(x, w1, Tensor(np.array(self.b1)))), w2,
                        Tensor(np.zeros(1)))

    def pieces(self) -> tuple[np.ndarray, np.ndarray]:
        """(breakpoints, slopes) of ŷ on [low, high]: the knots inside, and the slope on each
        piece measured by autograd at its midpoint; neighbours with equal slopes are merged."""
        w, b = np.array(self.w1), np.array(self.b1)
        k = np.unique(-b / w)
        edges = np.concatenate([[self.low], k[(k > self.low) & (k < self.high)], [self.high]])
        mids = (edges[:-1] + edges[1:]) / 2
        slopes = derivative(self.network, mids.reshape(-1, 1)).ravel()
        keep = np.concatenate([[True], ~np.isclose(np.diff(slopes), 0)])  # a real kink?
        return np.concatenate([edges[:-1][keep], [self.high]]), slopes[keep]

    def _check(self, answer: Any) -> str:
        value = as_number(answer)
        edges, slopes = self.pieces()
        n = len(slopes)
        knots = -np.array(self.b1) / np.array(self.w1)
        if value != n:
            nudges = {
                6.0: "That is the most five units can give on the whole real line. On [0, 2], "
                     "compute each knot −b/w: which lie inside, and do any coincide?",
                5.0: "Five units give five knots, but only knots inside (0, 2) count, and two "
                     "that coincide make one kink.",
                4.0: "Two of the knots inside (0, 2) coincide: together they make one kink, "
                     "not two.",
            }
            nudge = nudges.get(value, "Compute the five knots −b/w, keep those strictly inside "
                                      "(0, 2), merge equal ones, and count the pieces between "
                                      "them.")
            raise Wrong(f"You answered {value:.6g}; that is not it. {nudge}")
        shown = ", ".join(f"{k:g}" for k in knots)
        inside = ", ".join(f"{e:g}" for e in edges[1:-1])
        return (f"The knots −b/w are {shown}; inside (0, 2) only {inside} (units 1 and 4 share "
                f"0.5; units 2 and 3 are straight lines on all of [0, 2]). minidl's autograd "
                f"gives the slopes {', '.join(f'{s:g}' for s in slopes)} on the {n} pieces. "
                f"Five units could draw 6 pieces on the whole line; only kinks inside the data "
                f"help the fit.")


# ----------------------------------------------------------------------------- 3.5
class Revive(Question):
    number, title = "3.5", "reviving a unit that is dead from the start"
    epochs, lr = 300, 0.05
    options: dict[str, tuple[str, dict[str, Any]]] = {
        "a": ("a learning rate 10 times smaller (0.005)", dict(lr=0.005)),
        "b": ("10 times as many epochs (3000)", dict(epochs=3000)),
        "c": ("Adam (lr 0.05) instead of SGD", dict(optimizer="adam")),
        "d": ("SGD with momentum 0.9", dict(momentum=0.9)),
        "e": ("SGD with weight decay 0.01", dict(weight_decay=0.01)),
        "f": ("LeakyReLU(0.1) instead of ReLU", dict(negative_slope=0.1)),
        "g": ("re-initialising unit 1 with b = −1 (its knot at 1)", dict(b=-1.0)),
    }
    why = {
        "a": "A smaller learning rate helps against units that are killed during training "
             "(a big step can push a knot out of the data, lesson 03d). This unit is dead "
             "before the first step: its gradient is exactly 0, and 0 times any learning rate "
             "is 0.",
        "b": "Every epoch adds a gradient of exactly 0: 3000 of them add up to 0 as well.",
        "c": "Adam rescales the gradient, but its running average m of a gradient that is "
             "always 0 stays 0, and m̂/(√ŝ + ε) = 0/ε = 0: not even Adam moves it.",
        "d": "Momentum accumulates past gradients; past gradients of exactly 0 add up to 0.",
        "e": "Weight decay does change w and b: it shrinks both by the same factor every step. "
             "But the knot −b/w stays exactly at 3, so the unit stays off on every input. "
             "Decay is not a gradient from the data.",
        "f": "With LeakyReLU the unit outputs 0.1·(w·x + b) on the data instead of 0, so it "
             "receives a tenth of a gradient, and its knot moves.",
        "g": "Re-initialised with its knot at 1, the unit is on for half of the data from the "
             "start, so it receives a gradient and joins the fit: the cure for a unit dead at "
             "initialisation is a new start (another seed, or a bias that puts the knot in the "
             "data), or an activation whose slope below 0 is not 0.",
    }
    correct = frozenset("fg")
    hints = (
        "Compute unit 1's pre-activation w·x + b = x − 3 on [0, 2]. What is relu' there, and so "
        "what gradient reaches w and b, on every example and at every step?",
        "Go through the options one by one: does the change alter that gradient itself, or only "
        "what the optimiser does with it? What does an optimiser make of a gradient that is "
        "exactly 0 (Adam divides m̂ by √ŝ + ε)?",
        "Two kinds of change work: one changes what the activation does below zero, the other "
        "changes where the unit starts. Weight decay moves w and b, but does it move the knot "
        "−b/w?",
    )
    solution_code = """
answer = "fg"  # a-e multiply or accumulate an exactly-0 gradient; decay shrinks w and b alike
"""

    @classmethod
    def train(cls, epochs: int | None = None, lr: float | None = None, optimizer: str = "sgd",
              momentum: float = 0.0, weight_decay: float = 0.0, negative_slope: float = 0.0,
              b: float = -3.0) -> tuple[float, float, float]:
        """Full-batch training of the question's network on 100 points of y = x² on [0, 2]
        (float64); returns unit 1's final (w, b) and the final MSE."""
        x = np.linspace(0.0, 2.0, 100).reshape(-1, 1)
        w1 = Tensor(np.array([[1.0], [1.0]]), requires_grad=True)
        b1 = Tensor(np.array([b, -0.5]), requires_grad=True)
        w2 = Tensor(np.array([[0.5, 0.5]]), requires_grad=True)
        b2 = Tensor(np.array([0.0]), requires_grad=True)
        params = [w1, b1, w2, b2]
        lr = cls.lr if lr is None else lr
        opt = (optim.Adam(params, lr=lr) if optimizer == "adam" else
               optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay))
        X, Y = Tensor(x), Tensor(x * x)
        for _ in range(cls.epochs if epochs is None else epochs):
            z = F.linear(X, w1, b1)
            h = F.leaky_relu(z, negative_slope) if negative_slope else F.relu(z)
            loss = F.mse_loss(F.linear(h, w2, b2), Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(w1.data[0, 0]), float(b1.data[0]), loss.item()

    def knot_moves(self) -> dict[str, tuple[float, float]]:
        """For each option, unit 1's knot −b/w at the start and after training (trained once
        per session: the runs are deterministic)."""
        return _knot_moves()

    def letters(self, answer: Any) -> frozenset[str]:
        listed = ", ".join(f'"{o}"' for o in self.options)
        if isinstance(answer, (list, tuple, set, frozenset)):
            if not all(isinstance(a, str) for a in answer):
                raise Wrong(f"Your answer holds something other than letters; give the letters "
                            f"in one string, e.g. \"ab\" (from {listed}).")
            answer = "".join(answer)
        if not isinstance(answer, str):
            raise Wrong(f"Your answer is {_kind(answer)}; give every letter you choose in one "
                        f"string, e.g. \"ab\" (from {listed}).")
        letters = re.sub(r"[\s,;()\[\]{}'\"]", "", answer).lower()
        unknown = sorted(set(letters) - set(self.options))
        if unknown or not letters:
            raise Wrong(f"Your answer is {answer!r}; give every letter you choose in one "
                        f"string, e.g. \"ab\" (from {listed}).")
        return frozenset(letters)

    def _check(self, answer: Any) -> str:
        chosen = self.letters(answer)
        moves = self.knot_moves()
        moved = [k for k, (start, end) in moves.items() if abs(end - start) > 1e-6]
        stayed = [k for k in moves if k not in moved]
        g_start, g_end = moves["g"]
        measured = (f"(Measured by training each option, {self.epochs} epochs of full-batch "
                    f"SGD unless it says otherwise: unit 1's knot stays at "
                    f"{moves['a'][1]:.4f} with {', '.join(stayed)}; it moves to "
                    f"{moves['f'][1]:.3f} with f; with g it starts at {g_start:g} and ends at "
                    f"{g_end:.3f}.)")
        wrong_in = sorted(chosen - self.correct)
        if wrong_in:
            k = wrong_in[0]
            raise Wrong(f'You included "{k}", {self.options[k][0]}. {self.why[k]} {measured}')
        missing = sorted(self.correct - chosen)
        if missing:
            k = missing[0]
            raise Wrong(f'Every letter you chose works, but "{k}" does too: '
                        f"{self.options[k][0]}. {self.why[k]} {measured}")
        return (f"x − 3 < 0 on all of [0, 2], so relu' = 0 on every example and w and b get a "
                f"gradient of exactly 0. No learning rate, budget or optimiser moves a unit "
                f"that is dead from the start (and weight decay only shrinks w and b alike); "
                f"LeakyReLU or a new start does. {measured}")


@lru_cache(maxsize=1)
def _knot_moves() -> dict[str, tuple[float, float]]:
    found = {}
    for letter, (_, settings) in Revive.options.items():
        w, b, _ = Revive.train(**settings)
        found[letter] = (-settings.get("b", -3.0), -b / w)
    return found


q1, q2, q3, q4, q5 = LeakyReLUBackward(), Tent(), CubeKinks(), LinearPieces(), Revive()
