"""Exercises for lesson 04, losses: `from minidl.exercises import ex04`.

q1 the Huber loss in NumPy, q2 its gradient, q3 the gradient of the mean absolute error,
q4 which loss shrugs off an outlier (multiple choice), q5 a binary cross-entropy from logits that
stays finite at |x| = 1e4. The references are minidl.functional and its autograd.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Tensor
from .. import functional as F
from ._core import Question, Wrong, as_choice, expect_calls

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _grad(loss_fn, pred: np.ndarray, target: np.ndarray, **options) -> np.ndarray:
    """d loss_fn(pred, target) / d pred, by minidl's autograd."""
    p = Tensor(pred.copy(), requires_grad=True)
    loss_fn(p, target, **options).backward()
    return p.grad.data


def _huber_cases() -> list[tuple]:
    """(pred, target, delta): errors inside and outside δ, a second δ, and a 2-D batch."""
    pred, target = np.array([1.5, 0.0, 4.0, -1.0]), np.array([1.0, 0.3, 1.0, 1.0])
    return [(pred, target, 1.0), (pred.copy(), target.copy(), 2.5),
            (np.array([[0.2, -3.0, 1.0], [2.5, 0.0, -0.4]]),
             np.array([[0.0, 0.0, 0.5], [0.0, 0.1, 0.1]]), 1.0)]


def _huber_each(pred: np.ndarray, target: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(pred - target)
    return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def _clip_grad(pred: np.ndarray, target: np.ndarray, delta: float) -> np.ndarray:
    d = pred - target
    return np.clip(d, -delta, delta) / d.size


class HuberLoss(Question):
    number, title = "4.1", "the Huber loss in NumPy"
    hints = (
        "Start from d = pred - target and a = np.abs(d).",
        "np.where(a < delta, quadratic_part, linear_part) picks one formula per element.",
        "The linear part is delta * (a - 0.5 * delta); finish with .mean().",
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


class HuberGrad(Question):
    number, title = "4.2", "the gradient of the Huber loss"
    hints = (
        "Differentiate each piece with respect to pred: ½d² gives d, δ(|d| − ½δ) gives "
        "δ·sign(d).",
        "Both pieces together are np.clip(d, -delta, delta).",
        "The loss is a mean over all elements, so divide by pred.size.",
    )
    solution_code = """
def huber_grad(pred, target, delta=1.0):
    d = pred - target
    return np.clip(d, -delta, delta) / d.size
"""

    def _check(self, fn: Any) -> str:
        cases = [((p, t, delta), _grad(F.huber_loss, p, t, delta=delta))
                 for p, t, delta in _huber_cases()]
        expect_calls(
            fn, "huber_grad", cases,
            "The derivative of ½d² is d and that of δ(|d| − ½δ) is δ·sign(d): together "
            "clip(d, −δ, δ). The mean divides by the number of elements.",
            mistakes=(
                (lambda p, t, delta: _clip_grad(p, t, delta) * p.size,
                 "Divide by the number of elements, pred.size: the loss is a mean."),
                (lambda p, t, delta: _clip_grad(p, t, delta) * p.size / len(p),
                 "Divide by pred.size (every element), not len(pred) (the rows)."),
                (lambda p, t, delta: -_clip_grad(p, t, delta),
                 "The sign is flipped: d = pred − target, and the gradient is with respect to "
                 "pred."),
                (lambda p, t, delta: (p - t) / p.size,
                 "Where |d| ≥ δ the gradient is capped at ±δ/N: clip d to [−δ, δ]."),
                (lambda p, t, delta: np.sign(p - t) * delta / p.size,
                 "Inside |d| < δ the gradient is d/N; only outside is it ±δ/N."),
                (lambda p, t, delta: _clip_grad(p, t, 1.0),
                 "That is the gradient for delta=1: use the delta argument."),
            ))
        return "The gradient never exceeds δ/N in size: an outlier cannot pull harder than that."


class MaeGrad(Question):
    number, title = "4.3", "the gradient of the mean absolute error"
    hints = (
        "The derivative of |d| is +1 where d > 0 and −1 where d < 0.",
        "np.sign(d) gives exactly that.",
        "The loss is a mean over all elements: divide by pred.size.",
    )
    solution_code = """
def mae_grad(pred, target):
    d = pred - target
    return np.sign(d) / d.size
"""

    def _check(self, fn: Any) -> str:
        inputs = [(np.array([2.0, -1.0, 0.5, 3.0]), np.array([1.0, 1.0, 1.0, 1.0])),
                  (np.array([[0.5, 2.0, -1.0], [4.0, -2.0, 0.1]]),
                   np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.2]]))]  # no error is exactly 0
        expect_calls(
            fn, "mae_grad", [((p, t), _grad(F.l1_loss, p, t)) for p, t in inputs],
            "d|d|/dd = sign(d), so the gradient is sign(pred − target) / N, N = pred.size.",
            mistakes=(
                (lambda p, t: np.sign(p - t),
                 "Divide by the number of elements, pred.size: the loss is a mean."),
                (lambda p, t: np.sign(p - t) / len(p),
                 "Divide by pred.size (every element), not len(pred) (the rows)."),
                (lambda p, t: np.sign(t - p) / p.size,
                 "The sign is flipped: d = pred − target, and the gradient is with respect to "
                 "pred."),
                (lambda p, t: (p - t) / p.size,
                 "That is the gradient of ½d², the MSE family; the derivative of |d| is "
                 "sign(d)."),
            ))
        return ("Every element's gradient is ±1/N however large its error: that is why MAE "
                "does not care how far away an outlier is.")


class OutlierLoss(Question):
    number, title = "4.4", "which loss shrugs off an outlier"
    clean = (0.0, 0.1, 0.2, 0.3, 0.4)
    dirty = (0.0, 0.1, 0.2, 0.3, 10.0)
    losses = {"a": ("MSE", F.mse_loss), "b": ("MAE", F.l1_loss),
              "c": ("Huber (δ = 1)", F.huber_loss)}
    why = {
        "a": "Squaring makes a point's pull grow with its distance, so the best constant for "
             "MSE, the mean, is dragged towards the outlier.",
        "b": "The gradient of |d| is ±1 whatever the size of the error, so the outlier pulls no "
             "harder than any other point: the best constant, the median, stays put.",
        "c": "Huber caps each point's pull at δ, so the outlier moves the best constant far "
             "less than with MSE, but its pull is not zero.",
    }
    hints = (
        "The best constant for MSE is the mean of the data; for MAE it is the median.",
        "Compare how a mean and a median react when 0.4 becomes 10.0.",
        "Huber behaves like MSE for small errors and like MAE for large ones: in between.",
    )
    solution_code = """
answer = "b"  # MAE: its best constant is the median, which the outlier does not move
"""

    @staticmethod
    def best_constant(loss_fn, data: tuple) -> float:
        """The constant c minimising mean loss_fn(c, data), by a grid search in steps of 0.001."""
        c = np.linspace(-1.0, 11.0, 12001)
        shape = (len(c), len(data))
        pred, target = np.broadcast_to(c[:, None], shape), np.broadcast_to(np.asarray(data), shape)
        return float(c[loss_fn(pred, target, reduction="none").data.mean(axis=1).argmin()])

    def _check(self, answer: Any) -> str:
        letter = as_choice(answer, "".join(self.losses))
        moves = {k: (self.best_constant(fn, self.clean), self.best_constant(fn, self.dirty))
                 for k, (_, fn) in self.losses.items()}
        least = min(moves, key=lambda k: abs(moves[k][1] - moves[k][0]))
        story = "; ".join(f"{self.losses[k][0]} {a:.2f} → {b:.2f}" for k, (a, b) in moves.items())
        if letter != least:
            raise Wrong(f'You chose "{letter}" ({self.losses[letter][0]}). {self.why[letter]} '
                        f"The best constants move like this: {story}.")
        return f"{self.why[letter]} ({story}.)"


def _bce_each(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return F.binary_cross_entropy_with_logits(x, t, reduction="none").data


class BCEWithLogits(Question):
    number, title = "4.5", "binary cross-entropy from logits, stable"
    hints = (
        "Naively, sigmoid then log: log(σ(1e4)) is fine but log(1 − σ(1e4)) = log(0).",
        "Use log σ(x) = −log(1 + e^(−x)) and log(1 − σ(x)) = −x − log(1 + e^(−x)); the loss "
        "becomes log(1 + e^(−x)) + x(1 − t).",
        "For negative x, e^(−x) overflows; the form max(x, 0) − x·t + log1p(exp(−|x|)) is "
        "safe for every x.",
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
            "Write the loss in terms of x: −[t log σ(x) + (1 − t) log(1 − σ(x))] = "
            "max(x, 0) − x·t + log(1 + e^(−|x|)), and np.log1p(np.exp(-np.abs(x))) never "
            "overflows.",
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
        return "It stays finite for any logit, as F.binary_cross_entropy_with_logits does."


q1, q2, q3, q4, q5 = HuberLoss(), HuberGrad(), MaeGrad(), OutlierLoss(), BCEWithLogits()
