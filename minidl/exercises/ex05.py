"""Exercises for lessons 05 and 05b, cross-entropy and NLL: `from minidl.exercises import ex05`.

In rising difficulty: q1 the loss of a uniform guess (a number), q2 nll_loss, q3 a stable
log_softmax, q4 the cross-entropy gradient derived by hand for one sample, step by step
(∂L/∂p, then the softmax Jacobian product, then the batch mean), q5 that gradient implemented
for a batch, with torch's class weights (a weighted mean: a step 3 the lessons did not take).
The references are minidl.functional and its autograd. (KL divergence is in exercises 04.)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import Tensor
from .. import functional as F
from ._core import Question, Result, Wrong, as_number, as_numbers, expect_calls, grad_of

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


class UniformLoss(Question):
    number, title = "5.1", "the loss of a uniform guess"
    classes, batch = 10, 64
    hints = (
        "Equal logits give equal probabilities: what does softmax give each of the 10 classes?",
        "Each image's loss is −log(the probability of its correct class), with the natural log; "
        "the batch loss is the mean over the 64 images.",
    )
    solution_code = """
answer = -np.log(1 / 10)   # every class, the right one too, gets 1/10; the mean of 64 equal losses
"""

    def expected(self) -> float:
        """cross_entropy of all-equal logits for a batch of `batch` images over `classes`."""
        labels = np.arange(self.batch) % self.classes
        return F.cross_entropy(np.zeros((self.batch, self.classes)), labels).item()

    def _check(self, answer: Any) -> str:
        value, expected, c, n = as_number(answer), self.expected(), self.classes, self.batch
        if abs(value - expected) <= 5e-3:
            return (f"−log(1/{c}) = log {c} = {expected:.4f}, whatever the labels and the batch "
                    f"size (F.cross_entropy on all-zero logits gives {expected:.4f}). An untrained "
                    f"classifier should start near this loss: a quick sanity check for any new "
                    f"model. Together the {n} labels get probability (1/{c})^{n} = "
                    f"e^(−{n}·{expected:.4f}), the likelihood of lesson 05b.")
        known = [(1 / c, f"That is the probability of each class, 1/{c}; the loss is minus its "
                         f"log."),
                 (-expected, "The sign is flipped: a loss is −log p, which is ≥ 0."),
                 (n * expected, f"That is the sum over the {n} images; cross_entropy takes "
                                f"their mean."),
                 (np.log2(c), "Use the natural logarithm (np.log), as F.cross_entropy does."),
                 (np.log10(c), "Use the natural logarithm (np.log), not log10."),
                 (1 - 1 / c, "That is the error rate of a random guess; the loss is "
                             "−log(probability of the correct class)."),
                 (0.0, f"A loss of 0 needs probability 1 on the correct class; here it gets "
                       f"only 1/{c}.")]
        nudge = next((text for v, text in known if np.isclose(value, v, rtol=1e-2, atol=1e-3)),
                     f"Every class gets probability 1/{c}; the loss is −log of the probability "
                     f"of the correct class, averaged over the images.")
        raise Wrong(f"You answered {value:.6g}. {nudge}")


class NllLoss(Question):
    number, title = "5.2", "nll_loss"
    hints = (
        "For row n you need one entry only: the one in column target[n].",
        "NumPy can pick one entry per row in one step: index with two integer arrays of "
        "length N, the row numbers 0, 1, ..., N−1 and the column of each row (its label).",
        "Then negate and take the mean over the N samples.",
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
                 "row: row n, column target[n]."),
                (lambda lp, t: -lp.mean(),
                 "Only the log-probability of the correct class counts: pick one entry per row, "
                 "in the column of its label."),
            ))
        return "Only the log-probability of the correct class counts; the others enter through it."


class LogSoftmax(Question):
    number, title = "5.3", "a stable log_softmax"
    hints = (
        "Written literally, log(e^(x_i) / Σ_j e^(x_j)) overflows: e^1000 is inf in float64.",
        "Softmax does not change when every logit of a row is shifted by the same number m. "
        "Take m = the row's largest logit: log_softmax(x)_i = (x_i − m) − log Σ_j e^(x_j − m), "
        "and every exponent is now ≤ 0.",
        "Reduce along the last axis (one row = one sample) and keep that axis in the result, so "
        "an (N, 1) column is subtracted from each row of the (N, C) array.",
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
        return ("Subtracting the row maximum keeps every exp() at most 1, so even 1e4 is safe. "
                "With your two functions, nll_loss(log_softmax(logits), target) is "
                "cross_entropy(logits, target): lesson 05's identity.")


# Question 5.4: one sample of a batch of N, its softmax p and its label y
_P, _Y, _N = np.array([0.5, 0.25, 0.25]), 1, 4


def _jacobian(p: np.ndarray) -> np.ndarray:
    return np.diag(p) - np.outer(p, p)


class CrossEntropyDerivation(Question):
    number, title = "5.4", "derive the gradient of cross_entropy"
    hints = (
        "Step 1: L = −log p_y contains only one of the three probabilities. What is "
        "d(−log u)/du? The other two entries of ∂L/∂p are 0.",
        "Step 2, the chain rule through softmax: ∂L/∂x_j = Σ_i (∂L/∂p_i)(∂p_i/∂x_j), with "
        "lesson 05's Jacobian ∂p_i/∂x_j = p_i(δ_ij − p_j). Only the term i = y survives: "
        "simplify −(1/p_y) · p_y(δ_yj − p_j) before you put in numbers.",
        "Step 3: the batch loss is (L_1 + L_2 + L_3 + L_4) / 4, and only this sample's L "
        "depends on its logits x.",
    )
    solution_code = """
p = np.array([0.5, 0.25, 0.25])
y, N = 1, 4
J = np.diag(p) - np.outer(p, p)   # J[i, j] = ∂p_i/∂x_j = p_i (δ_ij − p_j)
# step 1: L = −log p_y contains only p_y
dL_dp = np.zeros(3)
dL_dp[y] = -1 / p[y]              # [0, −4, 0]
# step 2: Σ_i ∂L/∂p_i ∂p_i/∂x_j = −(1/p_y) p_y (δ_yj − p_j) = p_j − δ_yj
dL_dx = dL_dp @ J                 # p − onehot = [0.5, −0.75, 0.25]
# step 3: each sample enters the batch mean with the factor 1/N
dmean_dx = dL_dx / N              # [0.125, −0.1875, 0.0625]
"""

    def check(self, dL_dp: Any = None, dL_dx: Any = None, dmean_dx: Any = None) -> Result:
        """Check the three steps, in order: ∂L/∂p, ∂L/∂x, ∂(batch mean)/∂x."""
        steps = (dL_dp, dL_dx, dmean_dx)
        return super().check(None if all(s is None for s in steps) else steps)

    @staticmethod
    def autograd_row() -> np.ndarray:
        """minidl's gradient of the mean cross-entropy of a batch of N whose row 0 is this
        sample: its logits log p (softmax(log p) = p) and label y; the others are arbitrary."""
        logits = np.vstack([np.log(_P), [[0.3, -1.0, 2.0], [1.0, 1.0, 1.0], [-0.5, 0.2, 0.0]]])
        x = Tensor(logits, requires_grad=True)
        F.cross_entropy(x, np.array([_Y, 0, 2, 1])).backward()
        return grad_of(x)[0]

    def _check(self, steps: Any) -> str:
        dL_dp, dL_dx, dmean_dx = steps
        if isinstance(dL_dp, (tuple, list)) and len(dL_dp) == 3 and dL_dx is None and all(
                isinstance(s, (tuple, list, np.ndarray, Tensor)) for s in dL_dp):
            raise Wrong("Pass the three steps as three arguments: "
                        "ex05.q4.check(dL_dp, dL_dx, dmean_dx).")
        p, y, n = _P, _Y, _N
        onehot = np.eye(3)[y]
        J = _jacobian(p)
        step1 = -onehot / p[y]
        step2 = step1 @ J
        step3 = step2 / n

        def shown(v: np.ndarray) -> str:
            return "[" + ", ".join(f"{x + 0.0:.4g}" for x in v) + "]"

        def same(got: np.ndarray, want: np.ndarray) -> bool:
            return bool(np.allclose(got, want, rtol=1e-3, atol=1e-4))

        def judge(k: int, value: Any, name: str, want: np.ndarray, known: list) -> None:
            if value is None:
                before = {1: "Start with step 1", 2: "Step 1 is right. Now step 2",
                          3: "Steps 1 and 2 are right. Now step 3"}[k]
                raise Wrong(f"{before}: set {name} (still None) and run the cell again.")
            try:
                got = as_numbers(value, 3, name)
            except Wrong as w:  # as_numbers writes "Entry 1 of dl_dp": keep the name's case
                raise Wrong(str(w).replace(name.lower(), name)) from None
            if not same(got, want):
                nudge = next((text for wrong, text in known if same(got, wrong)), None)
                raise Wrong(f"Step {k}: {name} = {shown(got)} is not it. " + (nudge or {
                    1: "L = −log p_y depends on p only through p_y.",
                    2: "Multiply the row vector ∂L/∂p by the Jacobian J = diag(p) − p pᵀ.",
                    3: f"The batch loss is the mean of the {n} samples' losses.",
                }[k]))

        judge(1, dL_dp, "dL_dp", step1, [
            (-step1, "L = −log p_y falls as p_y rises, so ∂L/∂p_y is negative: −1/p_y."),
            (-onehot * p[y], "The derivative of log u is 1/u, so ∂(−log p_y)/∂p_y = −1/p_y."),
            (-onehot * np.log(p[y]), "That is the loss −log p_y itself; step 1 wants its "
                                     "derivative, −1/p_y."),
            (-1 / p, "L = −log p_y contains only p_y: the other two entries of ∂L/∂p are 0."),
            *[(-np.eye(3)[k] / p[k], f"The label is y = {y}: the entry at index {y} (NumPy "
                                     f"counts from 0), the second one.") for k in range(3)
              if k != y],
        ])
        judge(2, dL_dx, "dL_dx", step2, [
            (step1 * np.diag(J), "You kept only the diagonal of the Jacobian. Raising x_0 or "
                                 "x_2 lowers p_y too (∂p_y/∂x_j = −p_y p_j), so those entries "
                                 "are not 0."),
            (-step2, "The sign is flipped: the entry at the label should be negative (raising "
                     "the correct logit lowers the loss)."),
            (J[y], "That is row y of the Jacobian, ∂p_y/∂x. The chain rule multiplies it by "
                   "∂L/∂p_y = −1/p_y."),
            (step1 * p, "∂L/∂x is the vector ∂L/∂p times the Jacobian matrix (a vector-matrix "
                        "product), not times p elementwise."),
            (step3, "That already divides by N: step 2 is the gradient of this sample's own "
                    "loss L; the 1/N comes in step 3."),
        ])
        judge(3, dmean_dx, "dmean_dx", step3, [
            (step2, f"The batch loss is (L_1 + ... + L_{n}) / {n}: this sample's L enters it "
                    f"with the factor 1/{n}."),
            (step2 * n, f"Divide by N = {n}; the mean does not multiply."),
            (step2 / (n * 3), "Divide by N, the number of samples, not by N·C."),
            (step1 / n, "That is step 1 divided by N; divide step 2, ∂L/∂x, by N."),
        ])
        return (f"Step 2 simplifies to −(1/p_y)·p_y(δ_yj − p_j) = p_j − δ_yj: p − onehot = "
                f"{shown(step2)}. Predicted minus true, divided by N: {shown(step3)}, and "
                f"minidl's autograd on the mean cross-entropy of a batch of {n} with this "
                f"sample in it gives {shown(self.autograd_row())} for its row. Question 5.5 "
                f"turns the three steps into code.")


def _weighted_grad(x: np.ndarray, t: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """(p − onehot) · w[t] / Σ w[t]: the gradient of torch's weighted mean cross-entropy."""
    s = np.ones(len(t)) if w is None else w[t]
    return (np.exp(_log_softmax(x)) - np.eye(x.shape[1])[t]) * s[:, None] / s.sum()


def _class_inputs() -> list[tuple]:
    """(logits, target): small logits, logits of ±1e4, and a batch with N != C."""
    return [(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 2])),
            (np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]), np.array([1, 2])),
            (np.array([[0.3, -0.3], [2.0, 1.0], [-1.0, 4.0]]), np.array([1, 1, 0]))]


def _weighted_inputs() -> list[tuple]:
    """(logits, target, weight): class weights, with logits of ±1e4 in the second."""
    return [(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [0.5, 0.5, 0.0], [1.0, -2.0, 0.0]]),
             np.array([0, 2, 2, 1]), np.array([1.0, 3.0, 0.5])),
            (np.array([[1e4, 0.0, -1e4], [0.0, 2.0, 1.0]]), np.array([1, 0]),
             np.array([2.0, 0.25, 1.0]))]


class CrossEntropyGrad(Question):
    number, title = "5.5", "the gradient of cross_entropy, with class weights"
    hints = (
        "Without weights your three steps of 5.4 hold for every row n: (p_n − onehot_n) / N. "
        "Get p stably from your log_softmax; np.eye(C) has the one-hot rows of every label.",
        "With weights the loss is Σ_n w[target[n]] L_n / Σ_n w[target[n]]: step 3 changes. "
        "Sample n's loss now enters with the factor w[target[n]] / Σ_m w[target[m]].",
        "That factor is one number per sample, the same for the whole row: shape (N, 1) to "
        "multiply an (N, C) array row by row. With weight=None every factor is 1/N.",
    )
    solution_code = """
def cross_entropy_grad(logits, target, weight=None):
    n, c = logits.shape
    p = np.exp(log_softmax(logits))                           # a stable softmax (5.3)
    g = p - np.eye(c)[target]                                 # step 2, for every row
    s = np.ones(n) if weight is None else weight[target]      # each sample's weight
    return g * s[:, None] / s.sum()                           # step 3: a (weighted) mean
"""

    @staticmethod
    def reference(logits: np.ndarray, target: np.ndarray,
                  weight: np.ndarray | None = None) -> np.ndarray:
        """minidl's autograd through the per-sample losses and their (weighted) mean."""
        x = Tensor(logits.copy(), requires_grad=True)
        losses = F.cross_entropy(x, target, reduction="none")
        s = np.ones(len(target)) if weight is None else weight[target]
        ((losses * s).sum() / s.sum()).backward()
        return grad_of(x)

    def _check(self, fn: Any) -> str:
        onehot = lambda x, t: np.eye(x.shape[1])[t]  # noqa: E731
        p = lambda x: np.exp(_log_softmax(x))  # noqa: E731
        cases: list[tuple[tuple, np.ndarray]] = [((x, t), self.reference(x, t))
                                               for x, t in _class_inputs()]
        cases += [((x, t, w), self.reference(x, t, w)) for x, t, w in _weighted_inputs()]
        expect_calls(
            fn, "cross_entropy_grad", cases,
            "Without weights: (softmax(logits) − onehot(target)) / N. With weights, row n is "
            "multiplied by w[target[n]] / Σ_m w[target[m]] instead of 1/N. Compute the softmax "
            "stably: np.exp(log_softmax(logits)).",
            mistakes=(
                (lambda x, t, w=None: _weighted_grad(x, t, None) if w is not None else
                 np.full(x.shape, np.nan),
                 "The weights are ignored: with weight given, sample n's loss counts "
                 "w[target[n]] times in the mean."),
                (lambda x, t, w=None: _weighted_grad(x, t, w) * (
                    1.0 if w is None else w[t].sum() / len(t)),
                 "With weights, the mean divides by the total weight Σ_n w[target[n]], not "
                 "by N (that is how torch's weighted mean is defined)."),
                (lambda x, t, w=None: (p(x) - onehot(x, t)) * (
                    1.0 / len(t) if w is None else w[None, :] / w[t].sum()),
                 "The weight belongs to the sample's label, w[target[n]], the same number for "
                 "its whole row, not w[j] for each column j."),
                (lambda x, t, w=None: _weighted_grad(x, t, w) * len(t),
                 "Divide by N (or by the total weight): the loss is a mean over samples."),
                (lambda x, t, w=None: _weighted_grad(x, t, w) * len(t) / x.size,
                 "Divide by N, the number of rows, not by the number of entries N·C."),
                (lambda x, t, w=None: -_weighted_grad(x, t, w),
                 "The sign is flipped: it is softmax − one-hot, not one-hot − softmax."),
                (lambda x, t, w=None: p(x) / len(x),
                 "Subtract the one-hot target: (softmax − onehot) / N."),
                (lambda x, t, w=None: -onehot(x, t) / len(x),
                 "That is the gradient with respect to the log-probabilities; through "
                 "log_softmax, the softmax p joins in: (p − onehot) / N."),
            ))
        return ("Without weights that is what F.cross_entropy's backward computes; with them, "
                "what torch's cross_entropy(logits, target, weight=w) computes (minidl's has no "
                "weight argument: the check weighs its per-sample losses, reduction='none'). "
                "Each row is the predicted probability minus the truth, zero only when the model "
                "is certain and right; the weights only rescale the rows.")


q1, q2, q3, q4, q5 = UniformLoss(), NllLoss(), LogSoftmax(), CrossEntropyDerivation(), \
    CrossEntropyGrad()
