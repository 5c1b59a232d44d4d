"""Exercises for lesson 05, cross-entropy and NLL: `from minidl.exercises import ex05`.

q1 a stable log_softmax, q2 nll_loss, q3 cross_entropy built from the two, q4 its gradient
(softmax − one-hot) / N, q5 the loss of a uniform guess over 10 classes (a number). The
references are minidl.functional and its autograd.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Tensor
from .. import functional as F
from ._core import Question, Wrong, as_number, expect_calls

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _picked(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """values[n, target[n]] for every row n."""
    return values[np.arange(len(target)), target]


def _no_keepdims(x: np.ndarray) -> np.ndarray:
    """log_softmax without keepdims: only a square x broadcasts (wrongly); NaN otherwise."""
    if x.shape[0] != x.shape[-1]:
        return np.full(x.shape, np.nan)
    m = x.max(axis=-1)
    return x - m - np.log(np.exp(x - m).sum(axis=-1))


def _class_inputs() -> list[tuple]:
    """(logits, target): small logits, logits of ±1e4, and a batch with N != C."""
    return [(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 2])),
            (np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]), np.array([1, 2])),
            (np.array([[0.3, -0.3], [2.0, 1.0], [-1.0, 4.0]]), np.array([1, 1, 0]))]


class LogSoftmax(Question):
    number, title = "5.1", "a stable log_softmax"
    hints = (
        "np.log(softmax(x)) overflows: e^1000 is inf in float64.",
        "m = x.max(axis=-1, keepdims=True); keepdims=True keeps the shape (N, 1) so it "
        "broadcasts against (N, C).",
        "Then z = x - m and return z - np.log(np.exp(z).sum(axis=-1, keepdims=True)).",
    )
    solution_code = """
def log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
"""

    def _check(self, fn: Any) -> str:
        inputs = [np.array([[2.0, -1.0], [0.5, 3.0]]),
                  np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),
                  np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]]),
                  np.array([[1e4, 0.0, -1e4], [3.0, 1.0, 2.0]])]
        with np.errstate(all="ignore"):  # a mistake's formula may overflow: it then never matches
            expect_calls(
                fn, "log_softmax", [((x,), F.log_softmax(x, dim=-1).data) for x in inputs],
                "log_softmax(x) = x − log Σ_j e^(x_j) along the last axis. Subtract each row's "
                "maximum m first: (x − m) − log Σ_j e^(x_j − m) never overflows.",
                mistakes=(
                    (lambda x: _log_softmax(x, axis=0),
                     "Each row is one sample: reduce along the last axis (axis=-1), not axis 0."),
                    (lambda x: x - x.max(axis=-1, keepdims=True),
                     "Subtracting the maximum is the first step; then also subtract "
                     "log Σ e^(x − m)."),
                    (lambda x: np.exp(_log_softmax(x)),
                     "That is softmax; log_softmax is its logarithm, (x − m) − log Σ e^(x − m)."),
                    (_no_keepdims, "Use keepdims=True in max() and sum(), so an (N, 1) column is "
                                   "subtracted from each row."),
                ))
        return "Subtracting the row maximum keeps every exp() at most 1, so even 1e4 is safe."


class NllLoss(Question):
    number, title = "5.2", "nll_loss"
    hints = (
        "For row n you need the entry in column target[n].",
        "np.arange(N) pairs each row with its label: log_probs[np.arange(N), target].",
        "Negate and take the mean.",
    )
    solution_code = """
def nll_loss(log_probs, target):
    n = len(target)
    return -log_probs[np.arange(n), target].mean()
"""

    def _check(self, fn: Any) -> str:
        inputs = [(np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])), np.array([0, 2])),
                  (np.log(np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]])), np.array([1, 1, 0])),
                  (np.log(np.array([[0.25, 0.25, 0.25, 0.25]])), np.array([3]))]
        expect_calls(
            fn, "nll_loss", [((lp, t), F.nll_loss(lp, t).data) for lp, t in inputs],
            "nll_loss = −(1/N) Σ_n log_probs[n, target[n]]: one entry per row, the one of the "
            "correct class.",
            mistakes=(
                (lambda lp, t: _picked(lp, t).mean(),
                 "Negative log-likelihood: put a minus sign in front, so the loss is ≥ 0."),
                (lambda lp, t: -_picked(lp, t),
                 "You returned one loss per sample; the loss is their mean."),
                (lambda lp, t: -_picked(lp, t).sum(),
                 "That is the sum over the samples; the loss is their mean."),
                (lambda lp, t: -lp[:, t].mean(),
                 "log_probs[:, target] picks whole columns (an N×N table); pick one entry per "
                 "row: log_probs[np.arange(N), target]."),
                (lambda lp, t: -lp.mean(),
                 "Only the log-probability of the correct class counts: pick "
                 "log_probs[np.arange(N), target]."),
            ))
        return "Only the log-probability of the correct class counts; the others enter through it."


class CrossEntropy(Question):
    number, title = "5.3", "cross_entropy = nll_loss(log_softmax(x))"
    hints = (
        "cross_entropy takes raw scores (logits), not probabilities.",
        "Turn logits into log-probabilities with your log_softmax, then score them with your "
        "nll_loss.",
    )
    solution_code = """
def cross_entropy(logits, target):
    return nll_loss(log_softmax(logits), target)
"""

    def _check(self, fn: Any) -> str:
        expect_calls(
            fn, "cross_entropy", [((x, t), F.cross_entropy(x, t).data) for x, t in _class_inputs()],
            "cross_entropy(logits, target) = nll_loss(log_softmax(logits), target): reuse your "
            "two functions. A NaN or inf at large logits points to log_softmax.",
            mistakes=(
                (lambda x, t: -_picked(x, t).mean(),
                 "nll_loss expects log-probabilities: apply log_softmax to the logits first."),
                (lambda x, t: -_picked(np.exp(_log_softmax(x)), t).mean(),
                 "The log is missing: use log_softmax, not softmax."),
                (lambda x, t: _picked(_log_softmax(x), t).mean(),
                 "The sign is flipped: the loss is minus the log-probability."),
                (lambda x, t: -_picked(_log_softmax(x), t).sum(),
                 "That is the sum over the samples; the loss is their mean."),
            ))
        return "This is how F.cross_entropy is defined; minidl and torch fuse the two steps."


def _softmax_minus_onehot(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.exp(_log_softmax(x)) - np.eye(x.shape[1])[t]


class CrossEntropyGrad(Question):
    number, title = "5.4", "the gradient of cross_entropy"
    hints = (
        "Softmax first: p = np.exp(log_softmax(logits)) is stable.",
        "The one-hot targets: np.eye(C)[target], with C = logits.shape[1].",
        "The loss is a mean over the N rows: (p - onehot) / N.",
    )
    solution_code = """
def cross_entropy_grad(logits, target):
    n, c = logits.shape
    p = np.exp(log_softmax(logits))
    return (p - np.eye(c)[target]) / n
"""

    @staticmethod
    def reference(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
        x = Tensor(logits.copy(), requires_grad=True)
        F.cross_entropy(x, target).backward()
        return x.grad.data

    def _check(self, fn: Any) -> str:
        expect_calls(
            fn, "cross_entropy_grad",
            [((x, t), self.reference(x, t)) for x, t in _class_inputs()],
            "∂L/∂logits = (softmax(logits) − onehot(target)) / N, with N the number of rows; "
            "np.eye(C)[target] builds the one-hot rows. Compute the softmax stably: "
            "np.exp(log_softmax(logits)).",
            mistakes=(
                (_softmax_minus_onehot,
                 "Divide by N, the number of rows: the loss is a mean over samples."),
                (lambda x, t: _softmax_minus_onehot(x, t) / x.size,
                 "Divide by N, the number of rows, not by the number of entries N·C."),
                (lambda x, t: -_softmax_minus_onehot(x, t) / len(x),
                 "The sign is flipped: it is softmax − one-hot, not one-hot − softmax."),
                (lambda x, t: np.exp(_log_softmax(x)) / len(x),
                 "Subtract the one-hot target: (softmax − onehot) / N."),
                (lambda x, t: -np.eye(x.shape[1])[t] / len(x),
                 "That is the gradient with respect to the log-probabilities; through "
                 "log_softmax, the softmax p joins in: (p − onehot) / N."),
            ))
        return ("The gradient is the predicted probability minus the truth: it vanishes only "
                "when the model is certain and right.")


class UniformLoss(Question):
    number, title = "5.5", "the loss of a uniform guess"
    classes = 10
    hints = (
        "Equal logits give equal probabilities: softmax gives each of the C classes 1/C.",
        "The loss of one sample is −log(probability of its correct class).",
        "So the loss is −log(1/C) = log C; use the natural log, np.log.",
    )
    solution_code = """
answer = np.log(10)  # -log(1/10): every class, the right one too, gets probability 1/10
"""

    def expected(self) -> float:
        """cross_entropy of all-equal logits over `classes` classes, for a few labels."""
        labels = np.arange(0, self.classes, 3)
        return F.cross_entropy(np.zeros((len(labels), self.classes)), labels).item()

    def _check(self, answer: Any) -> str:
        value, expected, c = as_number(answer), self.expected(), self.classes
        if abs(value - expected) <= 5e-3:
            return (f"−log(1/{c}) = log {c} = {expected:.4f}. An untrained classifier should "
                    f"start near this loss: a quick sanity check for any new model.")
        known = [(1 / c, f"That is the probability of each class, 1/{c}; the loss is minus its "
                         f"log."),
                 (-expected, "The sign is flipped: a loss is −log p, which is ≥ 0."),
                 (np.log2(c), "Use the natural logarithm (np.log), as F.cross_entropy does."),
                 (np.log10(c), "Use the natural logarithm (np.log), not log10."),
                 (1 - 1 / c, "That is the error rate of a random guess; the loss is "
                             "−log(probability of the correct class)."),
                 (0.0, f"A loss of 0 needs probability 1 on the correct class; here it gets "
                       f"only 1/{c}.")]
        nudge = next((text for v, text in known if np.isclose(value, v, rtol=1e-2, atol=1e-3)),
                     f"Every class gets probability 1/{c}; the loss is −log of the probability "
                     f"of the correct class.")
        raise Wrong(f"You answered {value:.6g}. {nudge}")


q1, q2, q3, q4, q5 = LogSoftmax(), NllLoss(), CrossEntropy(), CrossEntropyGrad(), UniformLoss()
