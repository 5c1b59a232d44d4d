"""Exercises for lessons 06 and 06b, activation experiments on real digits:
`from minidl.exercises import ex06`.

q1 accuracy from logits (warm-up), q2 what one test image is worth: the standard error of an
accuracy, counted in images (predict), q3 the gradient nll_loss(softmax(z)) sends back to the
logits of a batch (derive), q4 how much two more sigmoid layers shrink the first layer's
gradient (predict, measured), q5 a rescaled sigmoid a·σ(b·x) + c that trains as well as ReLU at
ReLU's learning rate (experiment; stretch).

The answer keys are measured, not stored: q3 by minidl's autograd, q4 from the gradients at
initialisation, q5 by training. `q5.run((a, b, c))` trains without checking, for exploring.
Every run draws from generators of its own: the learner's seed is left alone. Accuracies are
reported as counts of test images, and every check takes well under a second.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .. import Tensor, no_grad
from .. import functional as F
from ..data import batches, load_digits, train_test_split
from ..optim import SGD
from ._core import (
    Question,
    Wrong,
    as_choice,
    as_number,
    as_numbers,
    describe,
    expect_calls,
    grad_of,
)

__all__ = ["q1", "q2", "q3", "q4", "q5"]


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, ...]:
    """X_train, X_test, y_train, y_test of the digits (read-only, loaded once)."""
    X, y = load_digits()
    parts = train_test_split(X, y, test_fraction=0.25, seed=0)
    for part in parts:
        part.flags.writeable = False
    return parts


def _layer(rng: np.random.Generator, fan_in: int, fan_out: int) -> list[Tensor]:
    """Weight and bias of a linear layer, drawn from U(-k, k), k = 1/sqrt(fan_in), as torch."""
    k = 1 / np.sqrt(fan_in)
    return [Tensor(rng.uniform(-k, k, (fan_out, fan_in)).astype(np.float32), True),
            Tensor(rng.uniform(-k, k, fan_out).astype(np.float32), True)]


def _init_mlp(sizes: tuple[int, ...], seed: int = 0) -> list[Tensor]:
    """W1, b1, W2, b2, ... of a network with layer sizes `sizes`, e.g. (64, 32, 10); the first
    layer is drawn first, so networks of any depth from one seed share W1 and b1."""
    rng = np.random.default_rng(seed)
    params: list[Tensor] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += _layer(rng, fan_in, fan_out)
    return params


def _mlp(params: list[Tensor], x: np.ndarray, activation: Callable) -> Tensor:
    """Linear layers with `activation` between them (none after the last): the logits."""
    h = Tensor(x)
    for i in range(0, len(params), 2):
        h = F.linear(h, params[i], params[i + 1])
        if i + 2 < len(params):
            h = activation(h)
    return h


def _fit(params: list[Tensor], model: Callable[[np.ndarray], Tensor], lr: float, epochs: int,
         batch_size: int = 32) -> list[float]:
    """Plain SGD on the cross-entropy over the training digits (batch order seeded by the
    epoch); returns the mean training loss of each epoch."""
    X_train, _, y_train, _ = _digits()
    optimizer, losses = SGD(params, lr=lr), []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in batches(X_train, y_train, batch_size, seed=epoch):
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y_train))
    return losses


def _test_correct(model: Callable[[np.ndarray], Tensor]) -> int:
    """How many test images the model gets right: the argmax of its logits (not of squashed
    outputs, which can tie in float32) against the labels."""
    _, X_test, _, y_test = _digits()
    with no_grad():
        return int((model(X_test).data.argmax(axis=1) == y_test).sum())


# ----------------------------------------------------------------------------- 6.1
class Accuracy(Question):
    number, title = "6.1", "accuracy from logits"
    hints = (
        "The predicted class of a row is the index of its largest logit.",
        "NumPy's argmax takes an axis: which axis of an (N, C) array runs over the classes?",
        "Comparing the predictions with the labels gives one True/False per row; the accuracy "
        "is the fraction of Trues, a number between 0 and 1.",
    )
    solution_code = """
def accuracy(logits, labels):
    return (logits.argmax(axis=1) == labels).mean()
"""

    @staticmethod
    def reference(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return (Tensor(logits).argmax(dim=-1).data == labels).mean()

    def _check(self, fn: Any) -> str:
        rng = np.random.default_rng(6)
        inputs = [(np.array([[0.2, 0.9], [2.0, 1.0]]), np.array([1, 0])),
                  (np.array([[2.0, -1.0], [0.5, 1.5], [-0.3, -0.2]]), np.array([0, 0, 1])),
                  (rng.standard_normal((40, 10)), rng.integers(0, 10, 40))]

        def hits(x, t):
            return x.argmax(axis=1) == t

        expect_calls(
            fn, "accuracy", [((x, t), self.reference(x, t)) for x, t in inputs],
            "accuracy = the fraction of rows whose largest logit is at the row's label.",
            mistakes=(
                (hits, "You returned one True/False per row; the accuracy is their mean."),
                (lambda x, t: hits(x, t).mean() * 100,
                 "That is a percentage; return a fraction between 0 and 1."),
                (lambda x, t: hits(x, t).sum(),
                 "That is the number of correct rows; divide by the number of rows."),
                (lambda x, t: 1 - hits(x, t).mean(),
                 "That is the error rate; the accuracy is the fraction of correct rows."),
                (lambda x, t: (x.argmax(axis=0) == t).mean() if len(x) == x.shape[1] else np.nan,
                 "Take the argmax along the classes, axis=1 (each row is one sample)."),
            ))
        return ("argmax has no gradient, which is why we train on the cross-entropy and report "
                "this. Take it on the logits: after a sigmoid, two outputs can both round to "
                "1.0 in float32 and tie.")


# ----------------------------------------------------------------------------- 6.2
class TestImageWorth(Question):
    number, title = "6.2", "the standard error of an accuracy, in test images"
    p = 0.956
    hints = (
        "The standard error of an accuracy p measured on n images is √(p(1 − p)/n), as a "
        "fraction (lesson 06, section 6).",
        "Here n is the number of test images, 449, not the 64 images of the article's batch.",
        "The question wants it counted in test images: multiply the fraction by n.",
    )
    solution_code = """
answer = np.sqrt(449 * 0.956 * (1 - 0.956))  # = 449 * sqrt(0.956 * 0.044 / 449), about 4.3 images
"""

    def _check(self, answer: Any) -> str:
        value = as_number(answer)
        n, p = len(_digits()[3]), self.p
        right = float(np.sqrt(n * p * (1 - p)))
        if not np.isclose(value, right, rtol=0.02):
            mistakes = (
                (np.sqrt(p * (1 - p) / n), "That is the standard error as a fraction of the "
                                           f"test set; counted in images it is {n} times as "
                                           "much."),
                (n * p * (1 - p), "That is the variance of the number of correct images; the "
                                  "standard error is its square root."),
                (np.sqrt(p * (1 - p) / 64), "That uses n = 64, the article's batch; here the "
                                            f"accuracy is measured on {n} test images."),
                (64 * np.sqrt(p * (1 - p) / 64), "That uses n = 64, the article's batch; here "
                                                 f"the accuracy is measured on {n} test images."),
                (np.sqrt(p * (1 - p)), "Divide by n inside the square root, then count in "
                                       "images."),
                (100 * np.sqrt(p * (1 - p) / n), "That is a percentage of the test set; count "
                                                 "it in test images."),
            )
            nudge = next((text for v, text in mistakes if np.isclose(value, v, rtol=0.02)),
                         "Compute √(p(1 − p)/n) with p = 0.956 and n = 449, then multiply by n.")
            raise Wrong(f"You answered {value:.6g}; that is not it. {nudge}")
        return (f"√({n} · {p} · {1 - p:.3f}) = {right:.2f} test images. Lesson 06b's ReLU, "
                f"LeakyReLU, tanh and GELU runs differ by at most 4 images on any seed, less "
                f"than one standard error: too little to rank them, as 06b concludes. "
                f"Sigmoid's gap of about 60 images is more than {int(60 // right)} of them.")


# ----------------------------------------------------------------------------- 6.3
class SoftmaxIntoNll(Question):
    number, title = "6.3", "the gradient nll_loss(softmax(z)) sends back"
    logits = ((2.0, 0.0, -1.0), (0.5, 1.5, 0.0))
    labels = (2, 1)
    hints = (
        "Lesson 06's table (section 4) gives ∂ℓ/∂z for one image. Here the batch has N = 2 "
        "images, and nll_loss takes their mean.",
        "The first image's true class is 2. Compute p = softmax(2, 0, −1) first: its "
        "probability for class 2 is small, so the model is badly wrong on this image.",
        "The three entries must add up to 0 (adding the same number to every logit changes "
        "no probability), and the true class's entry is the only negative one.",
    )
    solution_code = """
p = np.exp([2.0, 0.0, -1.0]) / np.exp([2.0, 0.0, -1.0]).sum()  # (0.844, 0.114, 0.042)
# about (0.0177, 0.0024, -0.0201):
answer = (p[2] * p[0] / 2, p[2] * p[1] / 2, -p[2] * (1 - p[2]) / 2)
"""

    def gradient(self) -> np.ndarray:
        """∂ nll_loss(softmax(z), labels) / ∂z by minidl's autograd, shape (2, 3)."""
        z = Tensor(np.array(self.logits), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nll_loss warns: these are not log-probabilities
            F.nll_loss(F.softmax(z), np.array(self.labels)).backward()
        return grad_of(z)

    def _check(self, answer: Any) -> str:
        got = as_numbers(answer, 3)
        right = self.gradient()[0]
        z = np.array(self.logits[0])
        p = np.exp(z) / np.exp(z).sum()
        onehot = np.eye(3)[self.labels[0]]
        py = p[self.labels[0]]
        if not np.allclose(got, right, rtol=0.01, atol=2e-4):
            mistakes = (
                (2 * right, "That is the gradient for this image alone; the batch mean divides "
                            "it by N = 2."),
                ((p - onehot) / 2, "That is the cross-entropy's gradient, (p − onehot)/N. Here "
                                   "nll_loss gets probabilities, not log-probabilities: lesson "
                                   "06's softmax row."),
                (p - onehot, "That is the cross-entropy's gradient for one image. Here nll_loss "
                             "gets probabilities (lesson 06's softmax row), and N = 2."),
                (-right, "The signs are flipped: the loss −p_y falls as z_y rises, so the true "
                         "logit's entry is negative."),
                (np.where(onehot == 1, right, 0.0),
                 "Softmax couples the logits: raising another logit lowers p_y, so the other "
                 "classes get p_y·p_j/N, not 0 (0 is sigmoid's row of the table)."),
                (-onehot / 2, "That is ∂ℓ/∂p, with respect to the probabilities; the chain rule "
                              "through softmax gives the gradient at the logits."),
            )
            nudge = next((text for v, text in mistakes if np.allclose(got, v, rtol=0.01,
                                                                      atol=2e-4)),
                         f"The true class's probability is p_2 = {py:.4f}; use lesson 06's "
                         f"softmax row and divide by N = 2.")
            i = int(np.argmax(~np.isclose(got, right, rtol=0.01, atol=2e-4)))
            raise Wrong(f"The gradient with respect to z[0, {i}] is not {got[i]:.6g}. "
                        f"{nudge}")
        ce = (p - onehot) / 2
        return (f"minidl's autograd gives {describe(right)}. The cross-entropy would push the "
                f"true logit with {ce[2]:.4f}, {ce[2] / right[2]:.0f} times harder: softmax "
                f"into nll_loss barely moves the image it gets most wrong, because its push "
                f"−p_y(1 − p_y) vanishes as p_y → 0.")


# ----------------------------------------------------------------------------- 6.4
class DeepSigmoid(Question):
    number, title = "6.4", "two more sigmoid layers"
    texts = {"a": "about the same (less than 2 times smaller)",
             "b": "between 2 and 8 times smaller",
             "c": "between 8 and 30 times smaller",
             "d": "more than 30 times smaller"}
    why = {
        "a": "Each extra sigmoid layer multiplies the gradient on its way back by σ'(h) ≤ 0.25 "
             "and by a small weight matrix: it shrinks.",
        "b": "σ' ≈ 0.25 alone shrinks it about 4 times per extra layer, 16 times for two, and "
             "the small initial weights shrink it further.",
        "c": "That is the estimate from σ' ≈ 0.25 alone (0.25² = 1/16). The way back also "
             "passes through each extra layer's weight matrix, whose entries start small, "
             "U(−1/√32, 1/√32).",
        "d": "Per extra layer the gradient's size is multiplied by about σ' · √32 · std(W) = "
             "0.25 · (1/√3) ≈ 0.14, so two extra layers give about 1/0.14² ≈ 50. ReLU's layers "
             "shrink it too, with the same small weights, but its active units pass a 1 back "
             "instead of 0.25. This is article 001's vanishing gradient, measured.",
    }
    hints = (
        "On the way back through one more hidden layer h' = σ(W h + b), the gradient is "
        "multiplied by σ'(W h + b) and then by Wᵀ.",
        "At initialisation σ' ≈ 0.25 (lesson 06b measured 0.244). The weights of a 32 → 32 "
        "layer are drawn from U(−1/√32, 1/√32): they shrink the gradient too.",
        "Multiplying a vector by a random 32 × 32 matrix whose entries have standard deviation "
        "s scales its length by about √32 · s, and U(−k, k) has standard deviation k/√3. "
        "Multiply the factors of the two extra layers.",
    )
    solution_code = """
# per extra layer about 0.25 * sqrt(32) * (1/sqrt(32))/sqrt(3) = 0.14; two layers: about 50
answer = "d"
"""

    @staticmethod
    def first_layer_grad_norm(activation: Callable, hidden_layers: int, seed: int = 0) -> float:
        """‖∂ cross_entropy / ∂W1‖ at initialisation on all the training digits, for a network
        64 → 32 (→ 32 ...) → 10 with `hidden_layers` hidden layers of 32."""
        X_train, _, y_train, _ = _digits()
        params = _init_mlp((64,) + (32,) * hidden_layers + (10,), seed)
        F.cross_entropy(_mlp(params, X_train, activation), y_train).backward()
        return float(np.linalg.norm(grad_of(params[0])))

    @staticmethod
    def letter_for(ratio: float) -> str:
        """The option a measured ratio (one hidden layer / three) falls in."""
        return "a" if ratio < 2 else "b" if ratio <= 8 else "c" if ratio <= 30 else "d"

    def _check(self, answer: Any) -> str:
        letter = as_choice(answer, "".join(self.texts))
        norms = {name: [self.first_layer_grad_norm(act, depth) for depth in (1, 3)]
                 for name, act in (("sigmoid", F.sigmoid), ("ReLU", F.relu))}
        (s1, s3), (r1, r3) = norms["sigmoid"], norms["ReLU"]
        measured = (f"(Measured just now at initialisation on the 1,348 training digits, the "
                    f"same first layer: ‖∂L/∂W1‖ = {s1:.3g} with one sigmoid hidden layer, "
                    f"{s3:.3g} with three, {s1 / s3:.2g} times smaller; with ReLU {r1:.3g} and "
                    f"{r3:.3g}, {r1 / r3:.2g} times.)")
        if letter != self.letter_for(s1 / s3):
            raise Wrong(f'You chose "{letter}": {self.texts[letter]}. {self.why[letter]} '
                        f"{measured}")
        return f"{self.why[letter]} {measured}"


# ----------------------------------------------------------------------------- 6.5
class ScaledSigmoid(Question):
    number, title = "6.5", "a sigmoid that trains like ReLU"
    lr, epochs, hidden, batch_size = 0.5, 5, 32, 32
    hints = (
        "Run ex06.q5.run((1, 1, 0)), the plain sigmoid, and compare its losses with the ReLU "
        "count it prints. Lesson 06b named two differences from ReLU at the start of training.",
        "At x = 0, f(x) = a·σ(b·x) + c has the slope a·b/4 (since σ'(0) = 1/4) and the value "
        "a/2 + c. What are ReLU's slope where it is on, and tanh's value at 0?",
        "Choose a and b for a slope of about 1 at 0, and c so that f(0) = 0; then check with "
        "run() before you answer.",
    )
    solution_code = """
# slope a*b/4 = 1 and f(0) = a/2 + c = 0: this is exactly tanh(x) = 2*sigmoid(2x) - 1
answer = (2, 2, -1)
"""

    def _abc(self, answer: Any) -> tuple[float, float, float]:
        a, b, c = (float(v) for v in as_numbers(answer, 3))
        if a == 0 or b == 0:
            raise Wrong(f"With a = {a:g} and b = {b:g} the activation is the constant "
                        f"{a * 0.5 + c if b == 0 else c:g}: it passes no gradient back and every "
                        f"image looks the same. Choose a and b different from 0.")
        return a, b, c

    def _train(self, activation: Callable) -> tuple[int, list[float]]:
        params = _init_mlp((64, self.hidden, 10))

        def model(x: np.ndarray) -> Tensor:
            return _mlp(params, x, activation)

        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a diverging run must not flood the notebook
            losses = _fit(params, model, self.lr, self.epochs, self.batch_size)
            return _test_correct(model), losses

    def relu_correct(self) -> int:
        """Test images right after the same recipe with ReLU (measured once per session)."""
        return _relu_correct()

    def train(self, answer: Any) -> tuple[int, list[float]]:
        """Train 64 → 32 → 10 with the activation a·σ(b·x) + c: (test images right, losses)."""
        a, b, c = self._abc(answer)
        return self._train(lambda z: a * F.sigmoid(b * z) + c)

    @staticmethod
    def _shape(a: float, b: float, c: float) -> str:
        return f"a={a:g}, b={b:g}, c={c:g} (slope at 0: {a * b / 4:g}, value at 0: {a / 2 + c:g})"

    def run(self, answer: Any) -> int | None:
        """Train with a·σ(b·x) + c for answer = (a, b, c) and print how it went, without
        checking; returns the number of test images right."""
        try:
            correct, losses = self.train(answer)
        except Wrong as w:
            print(f"Could not train: {w}")
            return None
        shown = ", ".join(f"{v:.2f}" for v in losses)
        n, relu = len(_digits()[3]), self.relu_correct()
        print(f"a·σ(b·x) + c with {self._shape(*self._abc(answer))}: training loss per epoch "
              f"{shown}; {correct} of {n} test images right ({correct / n:.3f}); ReLU, same "
              f"recipe: {relu} ({relu / n:.3f})")
        return correct

    def _diagnose(self, a: float, b: float, c: float, losses: list[float]) -> str:
        slope, centre = a * b / 4, a / 2 + c
        if not np.isfinite(losses).all() or np.any(np.diff(losses) > 0) or \
                losses[0] > np.log(10) + 0.5:
            return (f"The loss started high, grew or became nan: with a slope of {slope:g} at "
                    f"0 the steps are too large for this learning rate. Aim for a slope near "
                    f"ReLU's 1.")
        if abs(slope) < 0.6:
            return (f"The slope at 0 is a·b/4 = {slope:g}, where ReLU's is 1 on its active "
                    f"units: a small slope shrinks the gradient that reaches the first layer "
                    f"(lesson 06b, section 2.1), and with it every step. Scale it up.")
        if abs(centre) > 0.25:
            return (f"The value at 0 is a/2 + c = {centre:g}: at the start every hidden unit "
                    f"outputs about that on every image, a large constant the next layer must "
                    f"learn around (lesson 06b). Centre it: c = −a/2.")
        return "Close: a slope of about 1 at 0 and f(0) = 0 should do it."

    def _check(self, answer: Any) -> str:
        a, b, c = self._abc(answer)
        correct, losses = self.train(answer)
        n, relu = len(_digits()[3]), self.relu_correct()
        story = (f"{correct} of {n} test images right after {self.epochs} epochs at lr "
                 f"{self.lr:g} (ReLU: {relu}); training loss {losses[0]:.2f} → {losses[-1]:.2f}")
        if correct < relu:
            raise Wrong(f"With {self._shape(a, b, c)}: {story}, fewer than ReLU. "
                        f"{self._diagnose(a, b, c, losses)}")
        return (f"With {self._shape(a, b, c)}: {story}. Plain sigmoid's trouble with SGD here "
                f"was its slope 1/4 and its offset 1/2, not its S shape; (2, 2, −1) is exactly "
                f"tanh(x) = 2σ(2x) − 1, which lesson 06b found as good as ReLU.")


@lru_cache(maxsize=1)
def _relu_correct() -> int:
    return ScaledSigmoid()._train(F.relu)[0]


q1, q2, q3, q4, q5 = Accuracy(), TestImageWorth(), SoftmaxIntoNll(), DeepSigmoid(), ScaledSigmoid()
