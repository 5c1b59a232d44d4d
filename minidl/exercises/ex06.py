"""Exercises for lesson 06, activation experiments: `from minidl.exercises import ex06`.

q1 which output function, fed to nll_loss, lets a linear classifier train (multiple choice),
q2 accuracy from logits and labels, q3 how much a sigmoid shrinks the gradient reaching the
first layer (multiple choice), q4 the fraction of dead ReLU units, q5 an experiment: pick an
activation and a learning rate that train a small network on the digits.

The multiple-choice answers are measured, not stored: q1 trains the four classifiers, q3
compares gradients by minidl's autograd. `q5.run(activation, lr)` trains without checking,
for exploring. Every run draws from generators of its own: the learner's seed is left alone.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any, Callable, NamedTuple

import numpy as np

from .. import Tensor, no_grad
from .. import functional as F
from ..data import batches, load_digits, train_test_split
from ..optim import SGD
from . import _core
from ._core import NotAttempted, Question, Wrong, as_choice, as_number, describe, expect_calls

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


def _init_mlp(hidden: int, seed: int = 0) -> list[Tensor]:
    """W1, b1, W2, b2 of a 64 → hidden → 10 network."""
    rng = np.random.default_rng(seed)
    return _layer(rng, 64, hidden) + _layer(rng, hidden, 10)


def _mlp(params: list[Tensor], x: np.ndarray, activation: Callable) -> Tensor:
    w1, b1, w2, b2 = params
    return F.linear(activation(F.linear(Tensor(x), w1, b1)), w2, b2)


def _fit(params: list[Tensor], model: Callable[[np.ndarray], Tensor], loss_fn: Callable,
         lr: float, epochs: int, batch_size: int = 32) -> list[float]:
    """Plain SGD on the training digits (batch order seeded by the epoch); returns the mean
    training loss of each epoch."""
    X_train, _, y_train, _ = _digits()
    optimizer, losses = SGD(params, lr=lr), []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in batches(X_train, y_train, batch_size, seed=epoch):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y_train))
    return losses


def _test_accuracy(model: Callable[[np.ndarray], Tensor]) -> float:
    _, X_test, _, y_test = _digits()
    with no_grad():
        return float((model(X_test).data.argmax(axis=1) == y_test).mean())


def _first_layer_grad_norm(activation: Callable, n: int = 256) -> float:
    """‖∂ cross_entropy / ∂W1‖ at initialisation, on the first n training digits."""
    X_train, _, y_train, _ = _digits()
    params = _init_mlp(32)
    F.cross_entropy(_mlp(params, X_train[:n], activation), y_train[:n]).backward()
    return float(np.linalg.norm(params[0].grad.data))


class OutputFunction(Question):
    number, title = "6.1", "what goes into nll_loss"
    functions = {"a": F.softmax, "b": F.log_softmax, "c": F.sigmoid, "d": F.tanh}
    epochs, lr = 2, 0.5
    why = {
        "a": "nll_loss(softmax(z)) is −p_y, and its push on the true logit is −p_y(1 − p_y): "
             "almost nothing for an image that is badly wrong (p_y ≈ 0), and about ten times "
             "less than the cross-entropy's at the start. It learns, but slowly.",
        "b": "nll_loss(log_softmax(z)) is −log p_y, the cross-entropy: the push on the true "
             "logit is −(1 − p_y), strongest when the model is most wrong, and every other "
             "class is pushed down by its p_j.",
        "c": "With sigmoid the other classes get a gradient of exactly zero: nothing ever tells "
             "the model \"this image is not a 3\". And σ saturates, so a confident mistake gets "
             "almost no push.",
        "d": "With tanh the other classes get a gradient of exactly zero, as with sigmoid, and "
             "the \"loss\" −tanh(z_y) even goes negative, which a real negative log-likelihood "
             "never does.",
    }
    hints = (
        "nll_loss(x) = −mean of x[n, y_n]: it assumes x holds log-probabilities.",
        "Which output function turns logits into log-probabilities? The others give "
        "probabilities or numbers in (−1, 1).",
    )
    solution_code = """
answer = "b"  # log_softmax: nll_loss(log_softmax(z)) is the cross-entropy
"""

    def accuracies(self) -> dict[str, float]:
        """Test accuracy of a linear classifier trained on nll_loss(out_fn(logits)) for each
        option: same start, same batches, plain SGD."""
        found = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nll_loss warns about non-log-probabilities
            for letter, out_fn in self.functions.items():
                w, b = _layer(np.random.default_rng(0), 64, 10)

                def model(x: np.ndarray) -> Tensor:
                    return F.linear(Tensor(x), w, b)

                _fit([w, b], model, lambda out, y: F.nll_loss(out_fn(out), y), self.lr,
                     self.epochs)
                found[letter] = _test_accuracy(model)
        return found

    def _check(self, answer: Any) -> str:
        letter = as_choice(answer, "".join(self.functions))
        found = self.accuracies()
        scores = ", ".join(f"{self.functions[k].__name__} {v:.4f}" for k, v in found.items())
        measured = (f"(Measured just now, test accuracy after {self.epochs} epochs of SGD from "
                    f"the same start: {scores}.)")
        if letter != max(found, key=found.get):
            raise Wrong(f'You chose "{letter}", {self.functions[letter].__name__}. '
                        f"{self.why[letter]} {measured}")
        return f"{self.why[letter]} {measured}"


class Accuracy(Question):
    number, title = "6.2", "accuracy from logits"
    hints = (
        "The predicted class of a row is the index of its largest logit.",
        "logits.argmax(axis=1) gives one predicted class per row.",
        "Compare with labels and average: (logits.argmax(axis=1) == labels).mean().",
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
            "accuracy = the fraction of rows whose largest logit is at the label: "
            "(logits.argmax(axis=1) == labels).mean().",
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
        return "argmax has no gradient, which is why we train on cross-entropy and report this."


class SigmoidShrink(Question):
    number, title = "6.3", "how much a sigmoid shrinks the gradient"
    texts = {"a": "larger with sigmoid", "b": "about the same (within a factor 1.5)",
             "c": "between 1.5 and 20 times smaller with sigmoid",
             "d": "more than 20 times smaller with sigmoid"}
    why = {
        "a": "σ'(z) is at most 0.25 while ReLU's derivative is 1 wherever it is active, so "
             "the sigmoid shrinks what it passes back.",
        "b": "σ'(z) is at most 0.25 while ReLU's derivative is 1 wherever it is active, so "
             "the sigmoid shrinks what it passes back.",
        "c": "σ'(z) ≤ 0.25 (about 0.25 here, since the first pre-activations are small), while "
             "ReLU passes a 1 back through the roughly half of its units that are active.",
        "d": "Not for one layer: σ'(z) ≤ 0.25 against ReLU's 1 on about half the units is a "
             "factor of a few. Factors like 100 come from stacking several sigmoid layers "
             "(0.25⁴ ≈ 0.004).",
    }
    hints = (
        "The gradient reaching W1 passes back through the activation once, and is multiplied "
        "by its derivative there.",
        "Near z = 0, σ'(z) ≈ 0.25. ReLU's derivative is 1 for active units (z > 0) and 0 "
        "otherwise; at initialisation about half are active.",
    )
    solution_code = """
answer = "c"  # sigma' <= 0.25 against ReLU's 1 on about half the units: a factor of a few
"""

    @staticmethod
    def letter_for(ratio: float) -> str:
        """The option that a measured ratio ‖∇W1‖ReLU / ‖∇W1‖sigmoid falls in."""
        return "a" if ratio < 1 / 1.5 else "b" if ratio <= 1.5 else "c" if ratio <= 20 else "d"

    def _check(self, answer: Any) -> str:
        letter = as_choice(answer, "".join(self.texts))
        relu, sigmoid = _first_layer_grad_norm(F.relu), _first_layer_grad_norm(F.sigmoid)
        measured = (f"(Measured at initialisation on 256 digits: ‖∂L/∂W1‖ = {relu:.4f} with "
                    f"ReLU, {sigmoid:.4f} with sigmoid: {relu / sigmoid:.2f} times smaller.)")
        if letter != self.letter_for(relu / sigmoid):
            raise Wrong(f'You chose "{letter}": {self.texts[letter]}. {self.why[letter]} '
                        f"{measured}")
        return (f"{self.why[letter]} {measured} At the same learning rate a sigmoid network "
                f"therefore learns more slowly.")


class DeadFraction(Question):
    number, title = "6.4", "the fraction of dead ReLU units"
    hints = (
        "Column j holds unit j's pre-activation for every sample (row).",
        "A unit is dead on this batch when relu gives 0 for every sample: "
        "(pre_activations <= 0).all(axis=0).",
        "That gives one True/False per unit; its mean is the fraction.",
    )
    solution_code = """
def dead_fraction(pre_activations):
    return (pre_activations <= 0).all(axis=0).mean()
"""

    @staticmethod
    def reference(pre: np.ndarray) -> np.ndarray:
        return (F.relu(pre).data == 0).all(axis=0).mean()

    def _check(self, fn: Any) -> str:
        rng = np.random.default_rng(6)
        batch = rng.standard_normal((20, 8))
        batch[:, [1, 4, 5]] = -np.abs(batch[:, [1, 4, 5]]) - 0.1  # three units that never fire
        inputs = [np.array([[-1.0, 0.5], [-2.0, -0.1], [-0.3, 0.2]]),
                  np.array([[-1.0, 2.0, -0.5], [-0.2, -1.0, -0.3]]), batch]
        expect_calls(
            fn, "dead_fraction", [((pre,), self.reference(pre)) for pre in inputs],
            "A unit (column) is dead when its pre-activation is ≤ 0 for every sample (row); "
            "return the fraction of such columns.",
            mistakes=(
                (lambda pre: (pre <= 0).mean(),
                 "That is the fraction of zero outputs; a unit is dead only when it is 0 for "
                 "every sample: .all(axis=0)."),
                (lambda pre: (pre <= 0).all(axis=0).sum(),
                 "That is the number of dead units; divide by the number of units."),
                (lambda pre: (pre <= 0).all(axis=1).mean(),
                 "That counts samples (rows) where every unit is off; a unit is a column: "
                 ".all(axis=0)."),
                (lambda pre: 1 - (pre <= 0).all(axis=0).mean(),
                 "That is the fraction of live units; return the dead ones."),
            ))
        return ("A dead unit gets no gradient (relu' = 0 for all its inputs), so it can stay dead "
                "for good; leaky_relu keeps a small slope to avoid that.")


class Run(NamedTuple):
    """One training run of q5: test accuracy, mean training loss per epoch, and whether the
    first layer's weights changed at all."""
    accuracy: float
    losses: list[float]
    first_layer_moved: bool


class Experiment(Question):
    number, title = "6.5", "an activation and learning rate that train"
    epochs, hidden, batch_size, threshold = 5, 32, 32, 0.92
    hints = (
        "Run ex06.q5.run(F.sigmoid, 0.1), then F.tanh and F.relu with the same learning "
        "rate, and compare the losses.",
        "If the loss falls slowly, raise the learning rate about tenfold; if it grows or "
        "becomes nan, lower it.",
        "F.tanh or F.relu with lr around 0.5 reaches about 0.95; sigmoid needs a far larger "
        "learning rate for the same progress.",
    )
    solution_code = """
activation = F.relu
lr = 0.5
"""

    def _validate(self, activation: Any, lr: Any) -> float:
        if activation is None or lr is None:
            raise NotAttempted
        if isinstance(activation, str):
            raise Wrong(f"activation is the text {activation!r}; pass the function itself, "
                        f"e.g. F.relu (from minidl.functional), without quotes.")
        if isinstance(activation, type):
            raise Wrong(f"activation is the class {activation.__name__}; pass an instance, "
                        f"{activation.__name__}(), or a function such as F.relu.")
        if type(activation).__module__.split(".")[0] == "torch" or \
                getattr(activation, "__module__", "").split(".")[0] == "torch":
            raise Wrong("activation comes from torch; pass minidl's, e.g. F.relu from "
                        "minidl.functional, so minidl can backpropagate through it.")
        if not callable(activation):
            raise Wrong(f"activation is {describe(activation)}; pass a function such as "
                        f"F.relu.")
        rate = as_number(lr, "The learning rate")
        if rate <= 0:
            raise Wrong(f"The learning rate is {rate:g}; it must be positive, e.g. 0.1.")
        return rate

    @staticmethod
    def _activate(activation: Callable, z: Tensor, first: bool) -> Tensor:
        """activation(z), with every way it can go wrong turned into a sentence."""
        name, before = describe(activation), z.data.copy()
        try:
            out = activation(z)
        except NotImplementedError:
            raise NotAttempted from None
        except TimeoutError:
            raise
        except Exception as e:  # the learner's error, as a sentence
            raise Wrong(f"{name}(x) raised {type(e).__name__}: {e} (x was a minidl Tensor of "
                        f"shape {z.shape}).") from None
        if not isinstance(out, Tensor):
            if type(out).__module__.split(".")[0] == "torch":
                raise Wrong(f"{name}(x) returned a torch.Tensor. Use minidl's functions "
                            f"(F.relu, F.tanh, ...) so minidl can backpropagate through them.")
            if isinstance(out, np.ndarray):
                raise Wrong(f"{name}(x) returned a NumPy array, and minidl cannot "
                            f"backpropagate through NumPy code. Build it from minidl "
                            f"operations on x, e.g. F.relu(x) or x * F.sigmoid(x).")
            if out is None:
                raise Wrong(f"{name}(x) returned None. Did you forget the `return` statement?")
            raise Wrong(f"{name}(x) returned a {type(out).__name__}; expected a minidl Tensor.")
        if out.shape != z.shape:
            raise Wrong(f"{name}(x) returned shape {out.shape} for an input of shape {z.shape}; "
                        f"an activation acts on each element, so it keeps the shape.")
        if not np.array_equal(z.data, before, equal_nan=True):
            raise Wrong(f"{name}(x) changed its input in place; return a new Tensor instead.")
        if z.requires_grad and not out.requires_grad:
            raise Wrong(f"{name}(x) returned a Tensor that autograd cannot trace back to x "
                        f"(built from x.data?), so no gradient reaches the first layer. Use "
                        f"minidl operations on x itself.")
        if first and np.isfinite(before).all() and not np.isfinite(out.data).all():
            raise Wrong(f"{name}(x) returned NaN or inf for finite inputs. Check its formula "
                        f"for an overflow, e.g. exp of a large number.")
        return out

    def _train(self, activation: Any, lr: Any) -> Run:
        """Train 64 → hidden → 10 with SGD on cross-entropy; measure the test accuracy."""
        rate = self._validate(activation, lr)
        params = _init_mlp(self.hidden)
        start, first = params[0].data.copy(), True

        def model(x: np.ndarray) -> Tensor:
            nonlocal first
            w1, b1, w2, b2 = params
            hidden = self._activate(activation, F.linear(Tensor(x), w1, b1), first)
            first = False
            return F.linear(hidden, w2, b2)

        try:
            with _core.time_limit(_core.TIME_LIMIT), np.errstate(all="ignore"), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a diverging run must not flood the notebook
                losses = _fit(params, model, F.cross_entropy, rate, self.epochs,
                              self.batch_size)
                accuracy = _test_accuracy(model)
        except TimeoutError:
            raise Wrong(f"Training with {describe(activation)} did not finish within "
                        f"{_core.TIME_LIMIT:g} seconds (it takes well under a second with "
                        f"F.relu). Look for a slow or endless loop in the activation.") from None
        return Run(accuracy, losses, not np.array_equal(params[0].data, start))

    def _diagnose(self, activation: Any, result: Run) -> str:
        losses = result.losses
        if not result.first_layer_moved:
            return (f"The first layer never changed: the derivative of {describe(activation)} "
                    f"is 0 wherever it is defined, so no gradient flows back through it and "
                    f"only the last layer learns. Choose an activation with a slope, e.g. "
                    f"F.relu or F.tanh.")
        if not np.isfinite(losses).all() or np.any(np.diff(losses) > 0) or \
                losses[0] > np.log(10) + 0.1:
            return ("The loss started high, grew or became nan: the steps are too large. Try a "
                    "learning rate about 10 times smaller.")
        return (f"The loss is still falling slowly: the steps are too small for "
                f"{self.epochs} epochs (a sigmoid, whose slope is at most 0.25, needs even "
                f"larger ones). Try a learning rate about 10 times larger.")

    def run(self, activation: Any, lr: Any) -> float | None:
        """Train with `activation` and `lr` and print how it went, without checking; returns
        the test accuracy."""
        try:
            result = self._train(activation, lr)
        except NotAttempted:
            print("Choose an activation (e.g. F.relu) and a learning rate (e.g. 0.1) first.")
            return None
        except Wrong as w:
            print(f"Could not train: {w}")
            return None
        losses = ", ".join(f"{v:.4f}" for v in result.losses)
        print(f"{describe(activation)}, lr={as_number(lr):g}: training loss per epoch "
              f"{losses}; test accuracy {result.accuracy:.4f}")
        return result.accuracy

    def _check(self, answer: Any) -> str:
        if not isinstance(answer, dict) or set(answer) != {"activation", "lr"}:
            raise Wrong('Pass a dict with the two choices, e.g. {"activation": F.tanh, '
                        '"lr": 0.1}.')
        result = self._train(answer["activation"], answer["lr"])
        losses = f"training loss {result.losses[0]:.4f} → {result.losses[-1]:.4f}"
        if result.accuracy < self.threshold:
            raise Wrong(f"After {self.epochs} epochs the test accuracy is {result.accuracy:.4f}, "
                        f"below the {self.threshold:.2f} needed ({losses}). "
                        f"{self._diagnose(answer['activation'], result)}")
        return (f"After {self.epochs} epochs the test accuracy is {result.accuracy:.4f}, at "
                f"least {self.threshold:.2f} ({losses}).")


q1, q2, q3, q4, q5 = OutputFunction(), Accuracy(), SigmoidShrink(), DeadFraction(), Experiment()
