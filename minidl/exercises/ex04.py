"""Exercises for lessons 04 and 04b, losses: `from minidl.exercises import ex04`.

q1 the Huber loss in NumPy (warm-up), q2 predict the gradient of a mean Huber loss, q3 predict
the best constant under MSE, MAE and Huber when one point is an outlier, q4 compute two KL
divergences in torch's argument order (sign and asymmetry), q5 a binary cross-entropy from
logits that stays finite at |x| = 1e4 (stretch). The references are minidl.functional and its
autograd.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Tensor
from .. import functional as F
from ._core import Question, Wrong, as_array, as_numbers, call, describe, expect_calls, grad_of

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _grad(loss_fn, pred: np.ndarray, target: np.ndarray, **options) -> np.ndarray:
    """d loss_fn(pred, target) / d pred, by minidl's autograd."""
    p = Tensor(pred.copy(), requires_grad=True)
    loss_fn(p, target, **options).backward()
    return grad_of(p)


def _huber_cases() -> list[tuple]:
    """(pred, target, delta): errors inside and outside δ, a second δ, and a 2-D batch."""
    pred, target = np.array([1.5, 0.0, 4.0, -1.0]), np.array([1.0, 0.3, 1.0, 1.0])
    return [(pred, target, 1.0), (pred.copy(), target.copy(), 2.5),
            (np.array([[0.2, -3.0, 1.0], [2.5, 0.0, -0.4]]),
             np.array([[0.0, 0.0, 0.5], [0.0, 0.1, 0.1]]), 1.0)]


def _huber_each(pred: np.ndarray, target: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(pred - target)
    return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))


class HuberLoss(Question):
    number, title = "4.1", "the Huber loss in NumPy"
    hints = (
        "Start from the error d = pred − target and its size |d|.",
        "Pick the formula element by element: the quadratic piece where |d| < δ, the linear "
        "piece elsewhere. np.where chooses between two arrays per element.",
        "The linear piece is δ(|d| − ½δ), not δ|d|: the −½δ² makes the two pieces meet at "
        "|d| = δ. The loss is one number, the mean over every element.",
    )
    solution_code = """
def huber(pred, target, delta=1.0):
    d = pred - target
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d**2, delta * (a - 0.5 * delta)).mean()
"""

    def _check(self, fn: Any) -> str:
        cases = [((p, t, delta), F.huber_loss(p, t, delta=delta).data)
                 for p, t, delta in _huber_cases()]
        expect_calls(
            fn, "huber", cases,
            "Huber is ½d² where |d| < δ and δ(|d| − ½δ) elsewhere, with d = pred − target, "
            "averaged over all elements.",
            mistakes=(
                (_huber_each, "You returned one loss per element; the loss is their mean, one "
                              "number (finish with .mean())."),
                (lambda p, t, delta: _huber_each(p, t, delta).sum(),
                 "That is the sum over the elements; the loss is their mean."),
                (lambda p, t, delta: _huber_each(p, t, 1.0).mean(),
                 "That is the value for delta=1: use the delta argument."),
                (lambda p, t, delta: (0.5 * (p - t) ** 2).mean(),
                 "That is half the MSE: for |d| ≥ δ the loss should grow only linearly, "
                 "δ(|d| − ½δ)."),
                (lambda p, t, delta: np.where(np.abs(p - t) < delta, 0.5 * (p - t) ** 2,
                                              delta * np.abs(p - t)).mean(),
                 "Close: the linear part is δ(|d| − ½δ), not δ|d|; the −½δ² makes the two "
                 "pieces meet at |d| = δ."),
                (lambda p, t, delta: np.where(np.abs(p - t) < delta, 0.5 * (p - t) ** 2,
                                              np.abs(p - t) - 0.5 * delta).mean(),
                 "The linear part is δ(|d| − ½δ): multiply it by delta."),
            ))
        return "Small errors are squared, large ones only grow linearly: Huber's compromise."


class HuberGradPrediction(Question):
    number, title = "4.2", "the gradient of a mean Huber loss"
    pred = (0.5, -3.0, 1.0, 6.0)
    target = (0.0, 0.0, 0.0, 2.0)
    delta = 2.0
    hints = (
        "Element by element, the gradient of the Huber loss is d inside |d| < δ and ±δ "
        "outside: clip(d, −δ, δ) (lesson 04's table).",
        "Here δ = 2, not 1: which of the four errors lie inside?",
        "reduction='mean' divides the loss by the number of elements, and so every element's "
        "gradient too.",
    )
    solution_code = """
answer = (0.125, -0.5, 0.25, 0.5)  # d = (0.5, -3, 1, 4), clipped to [-2, 2], divided by N = 4
"""

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 4)
        p, t, delta = np.array(self.pred), np.array(self.target), self.delta
        right = _grad(F.huber_loss, p, t, delta=delta)
        d, n = p - t, p.size
        mistakes = (
            (np.clip(d, -delta, delta),
             "These are the per-element slopes; reduction='mean' divides each by N = 4."),
            (np.clip(d, -1.0, 1.0) / n, "That is the gradient for δ = 1; here δ = 2."),
            (d / n, "Outside |d| < δ the gradient is capped at ±δ/N: clip d to [−δ, δ]."),
            (2 * d / n, "2d/N is the gradient of the MSE; Huber's quadratic piece is ½d², "
                        "whose slope is d."),
            (-right, "The signs are flipped: d = pred − target, and the gradient is with "
                     "respect to pred."),
            (np.sign(d) * delta / n, "Inside |d| < δ the gradient is d/N; only outside is it "
                                     "±δ/N."),
        )
        if not np.allclose(got, right):
            nudge = next((text for wrong, text in mistakes if np.allclose(got, wrong)), None)
            i = int(np.argmax(~np.isclose(got, right)))
            nudge = nudge or (f"Look at element {i}: its error is d = {d[i]:g}; is it inside "
                              f"|d| < δ = {delta:g}? Then divide by N = {n}.")
            raise Wrong(f"The gradient with respect to pred[{i}] (pred {p[i]:g}, target "
                        f"{t[i]:g}) is not {got[i]:.6g}. {nudge}")
        return (f"minidl's autograd gives {describe(right)}. The error 4 of the last element "
                f"pushes no harder than δ/N = 0.5, while MSE would push with 2d/N = 2.")


class BestConstants(Question):
    number, title = "4.3", "the best constant with an outlier"
    data = (0.0, 0.1, 0.2, 0.3, 10.0)
    losses = (("MSE", F.mse_loss), ("MAE", F.l1_loss), ("Huber (δ = 1)", F.huber_loss))
    hints = (
        "The best constant for MSE is the mean of the data; for MAE it is the median (lesson "
        "04b: MAE fits something like a median line).",
        "At Huber's best c the pushes balance: Σᵢ clip(c − yᵢ, −δ, δ) = 0. A point within δ of "
        "c pushes with c − yᵢ; a point farther away pushes with ±δ, however far it is.",
        "Guess which points lie within δ = 1 of the answer, write the balance with those "
        "terms and solve it for c; then check the guess.",
    )
    solution_code = """
# the mean; the median; Huber: (c - 0) + (c - 0.1) + (c - 0.2) + (c - 0.3) - 1 = 0
answer = (2.12, 0.2, 0.4)
"""

    @staticmethod
    def best_constant(loss_fn, data: tuple) -> float:
        """The constant c minimising mean loss_fn(c, data), by a grid search in steps of 0.001."""
        c = np.linspace(-1.0, 11.0, 12001)
        shape = (len(c), len(data))
        pred, target = np.broadcast_to(c[:, None], shape), np.broadcast_to(np.asarray(data), shape)
        return float(c[loss_fn(pred, target, reduction="none").data.mean(axis=1).argmin()])

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 3)
        y = np.array(self.data)
        best = [self.best_constant(fn, self.data) for _, fn in self.losses]
        mean, median, inliers = float(y.mean()), float(np.median(y)), float(y[:-1].mean())
        nudges = (
            ((median, "That is the median, MAE's best constant; MSE's is the mean."),),
            ((mean, "That is the mean, MSE's best constant; MAE's is the median."),),
            ((median, "That is MAE's answer, but Huber is not MAE near the answer: a point "
                      "within δ pushes with c − y, not with ±1. Balance the pushes."),
             (mean, "That is MSE's answer: Huber caps the outlier's push at δ = 1."),
             (inliers, "That is the mean of the four small values, as if the outlier were "
                       "gone; it still pushes, with δ = 1.")),
        )
        generic = ("the mean of the five values.", "the median of the five values.",
                   "where Σ clip(c − yᵢ, −1, 1) = 0.")
        for value, right, (name, _), known, where in zip(got, best, self.losses, nudges,
                                                            generic, strict=True):
            if not np.isclose(value, right, atol=5e-3):
                nudge = next((text for v, text in known if np.isclose(value, v, atol=5e-3)),
                             f"Its best constant is {where}")
                raise Wrong(f"{value:.6g} is not the best constant for {name}. {nudge}")
        story = ", ".join(f"{name} {c:.2f}" for (name, _), c in zip(self.losses, best, strict=True))
        return (f"A grid search over c (steps of 0.001) agrees: {story}. The outlier drags the "
                f"mean far above the other points; under Huber it pushes with δ = 1 only, which "
                f"the four small values balance at 4c − 0.6 = 1; the median ignores how far "
                f"away it is.")


class KLDivergence(Question):
    number, title = "4.4", "two KL divergences"
    p = (0.5, 0.4, 0.1)
    q = (0.2, 0.2, 0.6)
    hints = (
        "F.kl_div(input, target) computes Σ target · (log target − input). With input = log q "
        "and target = p that is Σ pᵢ log(pᵢ / qᵢ) = KL(p ‖ q).",
        "Natural logarithms; reduction='sum' adds the three terms and divides by nothing.",
        "Check your two numbers against what you know: a KL divergence is never negative "
        "(Jensen, lesson 04b), and nothing makes KL(p ‖ q) equal to KL(q ‖ p).",
    )
    solution_code = """
answer = (0.556, 0.753)  # a = KL(p || q), b = KL(q || p): both >= 0, and not equal
"""

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 2)
        p, q = np.array(self.p), np.array(self.q)
        a = F.kl_div(np.log(q), p, reduction="sum").item()
        b = F.kl_div(np.log(p), q, reduction="sum").item()
        right = np.array([a, b])

        def close(x, y) -> bool:
            return bool(np.allclose(x, y, rtol=1e-2, atol=1e-3))

        if close(got, right[::-1]) and not close(got, right):
            raise Wrong("The two are swapped. kl_div(input, target) takes the model's log "
                        "probabilities as input and the distribution the average is taken over "
                        "as target: kl_div(log q, p) is KL(p ‖ q) = Σ p log(p/q).")
        cross_entropy = (-np.sum(p * np.log(q)), -np.sum(q * np.log(p)))
        for i, (value, kl) in enumerate(zip(got, right, strict=True)):
            if close(value, kl):
                continue
            name = ("a = F.kl_div(np.log(q), p, reduction='sum')",
                    "b = F.kl_div(np.log(p), q, reduction='sum')")[i]
            known = ((right[1 - i], "That is the value of the other one: swapping p and q changes "
                                    "the KL divergence, which is not symmetric."),
                     (-kl, "A KL divergence is never negative (lesson 04b: Jensen's inequality "
                           "with the convex −log). A negative value means the ratio is upside "
                           "down: Σ target · log(target / model), not model / target."),
                     (kl / 3, "That divides by the 3 classes, as reduction='mean' does (and "
                              "'batchmean' on one 1-D distribution, whose 'batch' is its 3 "
                              "entries); reduction='sum' adds the terms."),
                     (kl / np.log(2), "That is in bits (log base 2); minidl and torch use the "
                                      "natural log."),
                     (kl / np.log(10), "That uses log base 10; minidl and torch use the natural "
                                       "log."),
                     (cross_entropy[i], "That is the cross-entropy −Σ target · log(model); the "
                                        "KL divergence subtracts the target's entropy from it."))
            nudge = next((text for v, text in known if close(value, v)),
                         "Write out Σ target · (log target − input), one term per class.")
            raise Wrong(f"{name} is not {value:.6g}. {nudge}")
        h_p = -np.sum(p * np.log(p))
        return (f"a = KL(p ‖ q) = {a:.4f} and b = KL(q ‖ p) = {b:.4f}: both positive, as "
                f"Jensen's inequality promises for p ≠ q, and different, so KL is not a "
                f"distance. b is larger because q puts 0.6 where p puts only 0.1. And "
                f"a = H(p, q) − H(p) = {cross_entropy[0]:.4f} − {h_p:.4f}.")


def _bce_each(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return F.binary_cross_entropy_with_logits(x, t, reduction="none").data


class BCEWithLogits(Question):
    number, title = "4.5", "binary cross-entropy from logits, stable"
    hints = (
        "Sigmoid first, then log, fails: σ(1e4) rounds to exactly 1, and log(1 − 1) = log 0.",
        "Write the loss in x directly: log σ(x) = −log(1 + e^(−x)) and log(1 − σ(x)) = "
        "−x − log(1 + e^(−x)), so the loss is x(1 − t) + log(1 + e^(−x)).",
        "That form still overflows where x ≪ 0 (e^(−x) is huge). There, factor e^(−x) out of "
        "the log: log(1 + e^(−x)) = −x + log(1 + eˣ). Combine the two cases so that e is only "
        "ever raised to −|x|; np.log1p keeps the digits of log(1 + small).",
    )
    solution_code = """
def bce_with_logits(logits, target):
    x, t = logits, target
    return (np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))).mean()
"""

    def _check(self, fn: Any) -> str:
        inputs = [(np.array([-2.0, -0.5, 0.0, 1.5, 3.0]), np.array([0.0, 1.0, 1.0, 0.0, 1.0])),
                  (np.array([1e4, -1e4, 800.0, -800.0, 30.0]),
                   np.array([1.0, 0.0, 0.0, 1.0, 1.0])),
                  (np.array([0.3, -1.2, 1e4, -1e4]), np.array([0.25, 0.9, 0.5, 0.5]))]
        cases = [((x, t), F.binary_cross_entropy_with_logits(x, t).data) for x, t in inputs]
        expect_calls(
            fn, "bce_with_logits", cases,
            "Write the loss in terms of x, −[t log σ(x) + (1 − t) log(1 − σ(x))], and arrange "
            "it so that e is only raised to −|x|, which never overflows.",
            mistakes=(
                (_bce_each, "You returned one loss per element; the loss is their mean, one "
                            "number."),
                (lambda x, t: _bce_each(x, t).sum(),
                 "That is the sum over the elements; the loss is their mean."),
                (lambda x, t: -_bce_each(x, t).mean(),
                 "The sign is flipped: the loss is minus the log-likelihood, so it is never "
                 "negative."),
                (lambda x, t: _bce_each(x, 1 - t).mean(),
                 "The target is swapped: t is the probability of class 1, and it goes with "
                 "log σ(x)."),
            ))
        x, t = np.array([1e4, -1e4]), np.array([0.0, 1.0])
        mine = float(as_array(call(fn, x, t, name="bce_with_logits")))
        return (f"bce_with_logits([1e4, -1e4], [0, 1]) = {mine:g}, the true loss 1e4 of two "
                f"confident mistakes; sigmoid then log gives inf there. "
                f"F.binary_cross_entropy_with_logits stays finite the same way.")


q1, q2, q3, q4, q5 = (HuberLoss(), HuberGradPrediction(), BestConstants(), KLDivergence(),
                      BCEWithLogits())
