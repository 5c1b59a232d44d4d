"""Exercises 07, the capstone: a two-layer network from the learner's own NumPy layers:
`from minidl.exercises import ex07`.

q1 predict what article 004's in-place `Relu.backward` does to a gradient that feeds two
branches, q2 `Relu` and q3 `Sigmoid` layers (the article's), q4 `Affine`, q5 `SoftmaxWithLoss`
with its gradient derived, q6 `numerical_gradient` (central differences, every element in
place), q7 `gradient_check` for a layer, q8 `TwoLayerNet` from those layers, q9 the same network
in minidl (`to_minidl`), q10 training it on the digits to a stated test accuracy.

Layers are plain NumPy objects with `forward(...)` and `backward(dout)` (no autograd): each check
builds the learner's class, runs its methods through `call` (time limit, no traceback, inputs
that must not change) and compares with minidl's autograd. `ready(q, ...)` tells a notebook cell
whether the questions it builds on have passed, so a blank notebook still runs top to bottom.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

from .. import Tensor
from .. import functional as F
from ..data import load_digits, train_test_split
from ..optim import SGD
from ..random import generator
from ._core import (
    NotAttempted,
    Question,
    Wrong,
    _matches,
    _still_stub,
    as_array,
    as_number,
    as_numbers,
    call,
    describe,
    expect_close,
    grad_of,
)

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "ready"]

THRESHOLD = 0.90  # the test accuracy question 7.10 asks for
GRAD_TOL = 1e-7   # what a correct backward's difference from central differences stays below
TOL_TEXT = "1e-7"


# ----------------------------------------------------------------------------- shared helpers
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return F.sigmoid(Tensor(x)).data


def _autograd(fn: Callable[..., Tensor], *arrays: np.ndarray, weight: Any = 1.0):
    """fn(*tensors) and the gradients of sum(fn(...) * weight) with respect to each array, by
    minidl's autograd (float64): the oracle every check compares with."""
    tensors = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * Tensor(np.asarray(weight, dtype=np.float64))).sum().backward()
    return (out.data, *[grad_of(t) for t in tensors])


def _class(answer: Any, name: str, methods: tuple[str, ...]) -> type:
    """The learner's class, or a sentence saying what was passed instead."""
    if answer is None:
        raise NotAttempted
    if not isinstance(answer, type):
        if type(answer).__module__.split(".")[0] == "torch":
            raise Wrong(f"That is a torch object. Write your own NumPy class {name} and pass it: "
                        f"check({name}).")
        if hasattr(answer, "forward") or hasattr(answer, "predict"):
            raise Wrong(f"That is an instance ({type(answer).__name__}()). Pass the class "
                        f"itself: check({name}), not check({name}()).")
        raise Wrong(f"Pass the class itself, defined with `class {name}:`, not "
                    f"{describe(answer) if callable(answer) else type(answer).__name__}: "
                    f"check({name}).")
    module = answer.__module__.split(".")[0]
    if module in ("torch", "minidl"):
        raise Wrong(f"{answer.__name__} is {module}'s, built on autograd. Write your own {name} "
                    f"in NumPy, with forward and backward by hand, and pass that.")
    missing = [m for m in methods if not callable(getattr(answer, m, None))]
    if missing:
        raise Wrong(f"{answer.__name__} has no method {missing[0]}(). Keep the methods of the "
                    f"skeleton: {', '.join(methods)}.")
    if all(_still_stub(getattr(answer, m)) for m in methods):
        raise NotAttempted
    return answer


def _method(obj: Any, method: str, *args, label: str | None = None) -> Any:
    """obj.method(*args) through `call`; a method still left as the stub is named."""
    cls = type(obj).__name__
    fn = getattr(obj, method, None)
    if not callable(fn):
        raise Wrong(f"{cls} has no method {method}().")
    name = label or f"{cls}.{method}"
    try:
        return call(fn, *args, name=name)
    except NotAttempted:
        raise Wrong(f"{cls}.{method} is still the stub (# YOUR CODE HERE): write it too.") \
            from None


def _make(cls: type, *args) -> Any:
    try:
        return call(cls, *args, name=cls.__name__)
    except NotAttempted:
        raise Wrong(f"{cls.__name__}.__init__ is still the stub (# YOUR CODE HERE): write it "
                    f"too.") from None


def _numpy(value: Any, what: str) -> np.ndarray:
    """A NumPy result; minidl and torch tensors get a sentence (these layers are NumPy only)."""
    if isinstance(value, Tensor):
        raise Wrong(f"{what} returned a minidl Tensor. These layers are plain NumPy (their "
                    f"backward is yours, not autograd's): use NumPy operations on the arrays.")
    if type(value).__module__.split(".")[0] == "torch":
        raise Wrong(f"{what} returned a torch.Tensor. These layers are plain NumPy: use NumPy "
                    f"operations on the arrays.")
    return as_array(value, what)


def _expect(got: Any, expected: np.ndarray, text: str, nudge: str,
            mistakes: tuple[tuple[np.ndarray, str], ...] = (), x: Any = None,
            x_name: str = "x", rtol: float = 1e-6, atol: float = 1e-9) -> np.ndarray:
    """expect_close with a nudge for each recognised mistake (a candidate wrong result)."""
    arr = _numpy(got, text)
    why = next((text_ for wrong, text_ in mistakes if _matches(arr, wrong)), nudge)
    expect_close(arr, expected, text, why, rtol, atol, what=text, x=x, x_name=x_name)
    return arr


def _scalar(got: Any, text: str, nudge: str = "") -> float:
    """A loss: one number (a float, a NumPy scalar or a 0-d array)."""
    arr = _numpy(got, text)
    if arr.ndim and arr.size != 1:
        raise Wrong(f"{text} returned an array of shape {arr.shape}; a loss is one number, the "
                    f"mean over the batch: end with .mean() (or sum and divide by N).")
    if arr.dtype.kind not in "fiu":
        raise Wrong(f"{text} returned {describe(arr)}; a loss is one number.")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise Wrong(f"{text} returned {value}, where a finite loss was expected: a NaN or "
                    f"infinity usually means an overflow (exp of a large number) or log(0). "
                    f"{nudge}".strip())
    return value


@contextmanager
def _random_state_kept():
    """Learner code that builds nn.Linear draws from minidl's generator: put its state back, so
    that a check leaves the learner's random numbers as they were."""
    rng = generator()
    state = rng.bit_generator.state
    try:
        yield
    finally:
        rng.bit_generator.state = state


class _Capstone(Question):
    """A question that remembers whether its last check passed (for `ready`)."""

    passed = False

    def check(self, answer: Any = None):
        result = super().check(answer)
        self.passed = bool(result)
        return result


def ready(*questions: Question) -> bool:
    """True when every question given has passed its check in this session; otherwise print
    which have not, so a cell that builds on them can wait (a blank notebook runs clean)."""
    waiting = [q.number for q in questions if not getattr(q, "passed", False)]
    if waiting:
        print(f"This cell uses your answers to questions {', '.join(q.number for q in questions)}"
              f". It runs once they pass; not passed yet: {', '.join(waiting)}.")
    return not waiting


# ----------------------------------------------------------------------------- q1
class InPlacePitfall(_Capstone):
    number, title = "7.1", "predict what the article's Relu.backward does in a branch"
    hints = (
        "Follow the array dout, not its values: which array does relu.backward(dout) write "
        "into, and which array does it return?",
        "dout[self.mask] = 0 changes the caller's array; dx = dout is not a copy, just a "
        "second name. So after the call, `dout` in the last line is no longer all ones.",
        "The mask is True where x <= 0: positions (0, 1) and (1, 0). Both branches add up "
        "there after the ReLU has written zeros into dout.",
    )
    solution_code = """
answer = (2.0, 0.0, 0.0, 2.0)  # relu.backward zeroed dout itself, so the skip branch adds zeros
"""
    expected = np.array([2.0, 0.0, 0.0, 2.0])

    def _check(self, answer: Any) -> str:
        if isinstance(answer, (list, tuple)) and len(answer) == 2 and all(
                isinstance(row, (list, tuple, np.ndarray)) for row in answer):
            answer = [v for row in answer for v in row]  # [[a, b], [c, d]] reads row by row
        if isinstance(answer, np.ndarray) and answer.shape == (2, 2):
            answer = answer.ravel()
        got = as_numbers(answer, 4)
        if np.allclose(got, [2.0, 1.0, 1.0, 2.0]):
            raise Wrong("(2, 1, 1, 2) is the right gradient of sum(relu(x) + x), the one "
                        "autograd gives; but this code computes something else. Which array "
                        "does relu.backward(dout) write into, and what does the skip branch "
                        "add afterwards?")
        if not np.allclose(got, self.expected):
            raise Wrong(f"This code does not give ({', '.join(f'{v:g}' for v in got)}). Go "
                        f"step by step: relu.backward(dout) sets dout[mask] = 0 and returns "
                        f"dout itself; then dx = that + dout.")
        return ("The article's backward writes zeros into dout and returns that same array, "
                "so the skip branch adds the damaged dout: dx[0, 1] and dx[1, 0] are 0 "
                "instead of 1. In the article's own network every dout is a fresh array and "
                "the code works; it breaks as soon as one gradient feeds two branches.")


# ----------------------------------------------------------------------------- q2
class ReluLayer(_Capstone):
    number, title = "7.2", "a Relu layer that leaves dout alone"
    hints = (
        "forward is the article's: remember the mask (x <= 0) and return a copy of x with "
        "those places set to 0.",
        "backward must not write into dout. Make a new array first (a copy, or a product "
        "with a 0/1 array) and change only that.",
        "The mask from forward says where the gradient stops: dx is dout where x > 0 and 0 "
        "where x <= 0.",
    )
    solution_code = """
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()  # the article writes into dout itself: copy first
        dx[self.mask] = 0
        return dx
"""

    def _check(self, answer: Any) -> str:
        cls = _class(answer, "Relu", ("forward", "backward"))
        layer = _make(cls)
        rng = np.random.default_rng(72)
        big = np.round(rng.standard_normal((3, 4)), 2)
        big[1, 2] = 0.0  # the kink: any gradient between 0 and dout is accepted there
        cases = [(np.array([[1.0, -0.5], [-2.0, 3.0]]), np.array([[-0.5, 2.0], [1.0, 4.0]])),
                 (big, np.round(rng.standard_normal((3, 4)), 2))]
        for x, dout in cases:
            fwd = f"Relu.forward({describe(x)})"
            _expect(_method(layer, "forward", x), np.maximum(x, 0), fwd,
                    "forward returns x with every element <= 0 set to 0.",
                    ((x <= 0, "That is the mask; forward returns x with the masked places "
                               "set to 0."),), x=x)
            try:
                got = _method(layer, "backward", dout)
            except Wrong as w:
                if "in place" in str(w):
                    raise Wrong(f"{w} This is the article's pitfall of question 7.1.") from None
                raise
            got = _numpy(got, "Relu.backward")
            expected = np.where(x > 0, dout, 0.0)
            if got.shape == x.shape:  # at the kink x = 0 any t * dout, t in [0, 1], is right
                between = (np.minimum(0, dout) <= got) & (got <= np.maximum(0, dout))
                expected = np.where((x == 0) & between, got, expected)
            _expect(got, expected, f"Relu.backward({describe(dout)}) after forward({describe(x)})",
                    "dx is dout where forward's x was > 0, and 0 where it was <= 0 (the mask).",
                    ((np.where(dout > 0, dout, 0.0),
                      "That zeroes by the sign of dout; use the mask that forward saved (where "
                      "x <= 0)."),
                     (np.where(x <= 0, dout, 0.0),
                      "That is the wrong way round: the mask is True where x <= 0, and there "
                      "the gradient is 0."),
                     (np.maximum(x, 0), "That is forward's output; backward returns dL/dx.")),
                    x=x)
        x, dout = cases[0][0], np.ones((2, 2))
        relu = _make(cls)
        dx = _numpy(_method(relu, "forward", x), "Relu.forward") + x
        dx = _numpy(_method(relu, "backward", dout), "Relu.backward") + dout
        return (f"With your Relu the branch of question 7.1 gives dx = {describe(dx)}, as "
                f"autograd does.")


# ----------------------------------------------------------------------------- q3
class SigmoidLayer(_Capstone):
    number, title = "7.3", "a Sigmoid layer that backpropagates from its output"
    hints = (
        "forward computes σ(x) and keeps it in self.out before returning it (for very "
        "negative x, exp(-x) overflows to inf and 1 / (1 + inf) is 0: harmless).",
        "From y = 1 / (1 + exp(-x)) you get exp(-x) = (1 - y) / y. Put that into "
        "dL/dy · y² · exp(-x).",
        "backward multiplies the gradient from above, dout, by the local derivative, which "
        "needs only self.out: no exp.",
    )
    solution_code = """
class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out
"""

    def _check(self, answer: Any) -> str:
        cls = _class(answer, "Sigmoid", ("forward", "backward"))
        layer = _make(cls)
        cases = [(np.array([[-2.0, 0.0, 1.5], [800.0, -800.0, 10.0]]),
                  np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])),
                 (np.array([-1.0, 0.5, 4.0]), np.array([2.0, 1.0, -3.0]))]
        for x, dout in cases:
            y = _sigmoid(x)
            fwd = f"Sigmoid.forward({describe(x)})"
            _expect(_method(layer, "forward", x), y, fwd,
                    "σ(x) = 1 / (1 + np.exp(-x)): for x = -800, exp(800) is inf and 1 / inf "
                    "is 0, which is right.", x=x)
            _expect(_method(layer, "backward", dout), dout * y * (1 - y),
                    f"Sigmoid.backward({describe(dout)}) after forward({describe(x)})",
                    "dx = dout · y · (1 − y) with y the output saved by forward.",
                    ((y * (1 - y), "Multiply the local derivative y(1 − y) by dout: the chain "
                                   "rule."),
                     (dout * y, "The (1 − y) factor is missing: dx = dout · y · (1 − y)."),
                     (dout * _sigmoid(y) * (1 - _sigmoid(y)),
                      "self.out is σ(x) already: do not apply the sigmoid to it again."),
                     (dout * x * (1 - x), "Use the saved output y, not the input x.")), x=x)
        return ("backward needs only the saved output, not x and no exp: the article's compact "
                "sigmoid node (its figure 5-22).")


# ----------------------------------------------------------------------------- q4
class AffineLayer(_Capstone):
    number, title = "7.4", "an Affine layer"
    hints = (
        "forward: keep x (backward needs it) and return x @ W + b.",
        "Each gradient has the shape of what it is the gradient of: dx like x (N, D), dW like "
        "W (D, M), db like b (M,). Let the shapes tell you the order of each product.",
        "b is added to every row, so every sample sends its own gradient to b: add them up "
        "over the batch axis. The 1/N of the mean loss is already inside dout.",
    )
    solution_code = """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.dW, self.db = None, None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
"""

    def _check(self, answer: Any) -> str:
        cls = _class(answer, "Affine", ("forward", "backward"))
        rng = np.random.default_rng(74)
        W, b = np.round(rng.standard_normal((4, 3)), 2), np.round(rng.standard_normal(3), 2)
        W0, b0 = W.copy(), b.copy()
        layer = _make(cls, W, b)
        if getattr(layer, "W", None) is not W or getattr(layer, "b", None) is not b:
            raise Wrong("Affine(W, b) must keep the very arrays it is given (self.W = W, "
                        "self.b = b), not copies: training updates them in place and the "
                        "layer must see it.")
        for n in (2, 1):
            x = np.round(rng.standard_normal((n, 4)), 2)
            dout = np.round(rng.standard_normal((n, 3)), 2)
            out, dx, dW, db = _autograd(lambda x, W, b: x @ W + b, x, W, b, weight=dout)
            fwd = f"Affine.forward({describe(x)})"
            _expect(_method(layer, "forward", x), out, fwd, "forward returns x @ W + b.",
                    ((x @ W, "Add the bias b."),))
            back = f"Affine.backward({describe(dout)}) after forward({describe(x)})"
            both = f"forward({describe(x)}) and backward({describe(dout)})"
            _expect(_method(layer, "backward", dout), dx, back,
                    "dx = dout @ W.T, shape (N, D) like x.")
            for attr, right, wrong in (
                    ("dW", dW, ((x.T @ dout / n, "No 1/N here: the mean's 1/N is already in "
                                                 "dout. dW = x.T @ dout."),)),
                    ("db", db, ((dout.mean(axis=0), "Sum over the batch, not the mean: the "
                                                    "1/N is already in dout."),))):
                value = getattr(layer, attr, None)
                if value is None:
                    raise Wrong(f"After {both}, self.{attr} is None: backward must store the "
                                f"gradient of {attr[1:]} in self.{attr}.")
                shape = W.shape if attr == "dW" else b.shape
                if np.shape(value) != shape:
                    hint = ("x.T @ dout" if attr == "dW" else "sum dout over the batch axis, "
                            "dout.sum(axis=0)")
                    raise Wrong(f"After {both}, self.{attr} has shape {np.shape(value)}; it "
                                f"must have the shape of {attr[1:]}, {shape}: {hint}.")
                _expect(value, right, f"self.{attr} after {both}",
                        f"{'dW = x.T @ dout' if attr == 'dW' else 'db = dout.sum(axis=0)'}.",
                        wrong)
            if not (np.array_equal(W, W0) and np.array_equal(b, b0)):
                raise Wrong(f"{back} changed self.W or self.b. backward only computes "
                            f"gradients; the training loop does the updates.")
        return ("Three products and a sum are all of backprop through a linear layer. minidl's "
                "Linear does the same with its weight stored transposed, (out, in), as torch's.")


# ----------------------------------------------------------------------------- q5
class SoftmaxLoss(_Capstone):
    number, title = "7.5", "SoftmaxWithLoss, its gradient derived"
    hints = (
        "forward: subtract each row's maximum before exp (it changes nothing in the softmax "
        "and keeps exp from overflowing), keep the probabilities and the labels for backward.",
        "Derive for one sample: L = −log softmax(x)_t = −x_t + log Σ_j exp(x_j). Differentiate "
        "with respect to x_j: the first term gives −1 only for j = t, the second gives "
        "exp(x_j) / Σ exp = softmax(x)_j.",
        "So each row's gradient is its probabilities with 1 taken off at the label. The batch "
        "loss is a mean over N rows: every row's gradient carries a 1/N. Then times dout.",
        "Take care not to change self.y while you build dx: start from a copy.",
    )
    solution_code = """
class SoftmaxWithLoss:
    def __init__(self):
        self.y = None  # softmax probabilities
        self.t = None  # integer labels

    def forward(self, x, t):
        z = x - x.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        self.y, self.t = np.exp(log_p), t
        return -log_p[np.arange(len(t)), t].mean()

    def backward(self, dout=1):
        n = len(self.t)
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dout * dx / n
"""

    def _check(self, answer: Any) -> str:
        cls = _class(answer, "SoftmaxWithLoss", ("forward", "backward"))
        layer = _make(cls)
        rng = np.random.default_rng(75)
        cases = [(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([2, 0])),
                 (np.array([[1e4, 0.0, -1e4, 5.0], [-1e4, -1e4, 0.0, 1e4],
                            [3.0, 1e4, 2.0, 1.0]]), np.array([0, 3, 2])),
                 (np.round(3 * rng.standard_normal((5, 10)), 2), rng.integers(0, 10, 5))]
        for x, t in cases:
            n, c = x.shape
            loss, dx = _autograd(lambda x, t=t: F.cross_entropy(x, t), x)
            p, onehot = F.softmax(Tensor(x)).data, np.eye(c)[t]
            fwd = f"SoftmaxWithLoss.forward({describe(x)}, {describe(t)})"
            try:
                got = _method(layer, "forward", x, t)
            except Wrong as w:
                if " raised " in str(w) and ("broadcast" in str(w) or "shape" in str(w)):
                    raise Wrong(f"{w} t holds integer labels of shape (N,), not one-hot rows: "
                                f"pick each row's label entry with y[np.arange(N), t].") from None
                raise
            stable = "Subtract each row's max before exp, so that 1e4 does not overflow."
            value = _scalar(got, fwd, stable)
            if not np.isclose(value, loss, rtol=1e-6, atol=1e-9):
                raise Wrong(f"{fwd} returned {value:.6g}, expected {float(loss):.6g}. The loss "
                            f"is the mean over the rows of −log softmax(x)[label]. {stable}")

            def mistakes(dout: float, p=p, onehot=onehot, n=n,
                         dx=dx) -> tuple[tuple[np.ndarray, str], ...]:
                return ((dout * (p - onehot), "Almost: the loss is a mean over N rows, so "
                                              "divide by N."),
                        (dout * p / n, "Take 1 off the probability at each row's label."),
                        (dout * (onehot - p) / n, "The sign is the other way round: "
                                                  "probabilities minus one-hot."),
                        (dx, "Multiply by dout (the chain rule): backward(2) must be twice "
                             "backward(). The book leaves dout out because a loss always comes "
                             "last, but a layer should not assume that."))

            derive = ("Derive it from L = −x_t + log Σ_j exp(x_j) for each row, then average "
                      "over the N rows (hint() walks through it).")
            back = f"SoftmaxWithLoss.backward() after forward({describe(x)}, {describe(t)})"
            _expect(_method(layer, "backward"), dx, back, derive, mistakes(1.0))
            if not _matches(_numpy(_method(layer, "backward"), back), dx):
                raise Wrong("Calling backward() a second time gives a different result: your "
                            "backward changes the saved probabilities (dx = self.y, then "
                            "dx[...] -= 1 writes into self.y). Start from a copy: "
                            "dx = self.y.copy().")
            _expect(_method(layer, "backward", 2.0), 2.0 * dx,
                    f"SoftmaxWithLoss.backward(2) after forward({describe(x)}, {describe(t)})",
                    derive, mistakes(2.0))
        return ("∂L/∂x = (softmax(x) − onehot(t)) / N: each probability's error, averaged over "
                "the batch. minidl's cross_entropy backward is this same line.")


# ----------------------------------------------------------------------------- q6
def sum_of_squares(x):
    """Σ x², whose gradient is 2x."""
    return np.sum(x ** 2)


_WEIGHTS = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
_A = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.2]])


def weighted_sin(x):
    """Σ c ⊙ sin(x) for a fixed 2×3 array c; gradient c ⊙ cos(x)."""
    return np.sum(_WEIGHTS * np.sin(x))


def _forward_differences(f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """The typical mistake, (f(x + eps e_i) − f(x)) / eps (x perturbed in place, restored)."""
    out, base = np.zeros_like(x), f(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        out[idx] = (f(x) - base) / eps
        x[idx] = saved
    return out


class NumericalGradient(_Capstone):
    number, title = "7.6", "a numerical gradient, element by element"
    hints = (
        "Start from an array of zeros shaped like x and visit every index of x, whatever its "
        "shape (np.ndindex(x.shape) yields them all).",
        "At each index, save x[idx]; set it to the saved value + eps and call f(x); set it to "
        "the saved value − eps and call f(x) again; put the value back.",
        "Put the saved value back exactly (x[idx] = saved), rather than adding eps back: in "
        "floating point (v + eps) − eps is not always v.",
        "grad[idx] is the central difference of the two values: their difference over 2·eps.",
    )
    solution_code = """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        f_plus = f(x)
        x[idx] = saved - eps
        f_minus = f(x)
        x[idx] = saved  # put it back
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
"""

    def _check(self, fn: Any) -> str:
        W = np.array([[0.3, -0.2], [0.8, 0.1]])

        def loss_of_W(_):
            """Σ tanh(A @ W), reading W itself (a network's loss reads its layers' weights)."""
            return np.sum(np.tanh(_A @ W))

        x1, x2 = np.array([1.0, -2.0, 0.5]), np.array([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]])
        cases = [(sum_of_squares, x1, 2 * x1, "1-D"), (weighted_sin, x2, _WEIGHTS * np.cos(x2),
                                                       "2-D"),
                 (loss_of_W, W, _A.T @ (1 - np.tanh(_A @ W) ** 2), "closure")]
        for f, x, expected, kind in cases:
            before = x.copy()
            text = f"numerical_gradient({f.__name__}, {describe(before)})"
            try:
                got = call(fn, f, x, name="numerical_gradient")
            except Wrong as w:
                message = str(w)
                if "in place" in message and np.allclose(x, before, rtol=1e-12, atol=0):
                    raise Wrong(f"{text} left x very slightly changed. Put each saved value "
                                f"back exactly (x[idx] = saved) rather than adding eps back: "
                                f"(v + eps) − eps is not always v in floating point.") from None
                if "in place" in message:
                    raise Wrong(f"{message.split(' Build a new array')[0]}. Perturb x in place, "
                                f"but put each element back after its two evaluations.") \
                        from None
                if kind == "2-D" and " raised " in message:
                    raise Wrong(f"{message} It worked for a 1-D x: visit every index of a 2-D "
                                f"x too, for idx in np.ndindex(x.shape).") from None
                raise
            arr = _numpy(got, "numerical_gradient")
            mistakes: tuple[tuple[np.ndarray, str], ...] = (
                (2 * expected, "Divide by 2 * eps: the two points are 2·eps apart."),
                (_forward_differences(f, x), "That is the forward difference (f at x[idx] + eps "
                 "− f at x) / eps; use the central one, whose error is far smaller."))
            if kind == "closure":
                mistakes += ((np.zeros_like(expected),
                              "Zero everywhere: f here ignores its argument and reads W "
                              "directly, as a network's loss reads its layers' weights. "
                              "Perturb x itself, in place, not a copy."),)
            _expect(arr, expected, text, "Central differences, one element at a time: "
                    "(f with x[idx] + eps − f with x[idx] − eps) / (2 * eps).", mistakes,
                    rtol=1e-6, atol=1e-7)
        return ("This is the book's numerical_gradient. It costs two evaluations of f per "
                "number: 7,520 loss evaluations for the 3,760 weights of a 64 → 50 → 10 "
                "network, against one backward pass. That is why we backprop, and check with "
                "this.")


# ----------------------------------------------------------------------------- q7
class _Layer:
    """A checker-side layer: backward before forward gets a sentence, not an AttributeError."""

    def __repr__(self) -> str:  # shown in messages: no memory address
        return f"{type(self).__name__}()"

    def _saved(self, name: str):
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before forward(): "
                               f"run layer.forward(x) first")
        return value


class CorrectSigmoid(_Layer):
    def forward(self, x):
        self.out = _sigmoid(x)
        return self.out

    def backward(self, dout):
        y = self._saved("out")
        return dout * y * (1 - y)


class SigmoidMissingFactor(CorrectSigmoid):
    """A planted bug: dx = dout * y, the (1 − y) forgotten."""

    def backward(self, dout):
        return dout * self._saved("out")


class CorrectAffine(_Layer):
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        x = self._saved("x")
        self.dW, self.db = x.T @ dout, dout.sum(axis=0)
        return dout @ self.W.T


class AffineMeanBias(CorrectAffine):
    """A planted bug: db = the mean of dout over the batch instead of its sum."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.mean(axis=0)
        return dx


class CrossEntropyLayer(_Layer):
    """A loss as a layer: forward(x) is one number (labels fixed), backward(dout) its gradient."""

    def __init__(self, t):
        self.t = t

    def forward(self, x):
        self.x = x
        return F.cross_entropy(Tensor(x), self.t).item()

    def backward(self, dout):
        return _autograd(lambda x: F.cross_entropy(x, self.t), self._saved("x"),
                         weight=dout)[1]


def _differences(layer_factory: Callable[[], Any], x: np.ndarray, dout: Any) -> dict[str, float]:
    """The checker's own gradient check: largest |backward − central differences| for dx and,
    for a layer with W and b, dW and db."""
    layer = layer_factory()
    layer.forward(x.copy())
    found = {"dx": np.asarray(layer.backward(copy.deepcopy(dout)), dtype=np.float64)}
    if hasattr(layer, "W"):
        found.update(dW=np.array(layer.dW), db=np.array(layer.db))
    targets = {"dx": x.copy()}
    if hasattr(layer, "W"):
        targets.update(dW=layer.W, db=layer.b)
    out = {}
    for key, target in targets.items():
        probe = targets["dx"]
        numeric = np.zeros_like(target, dtype=np.float64)
        for idx in np.ndindex(target.shape):
            saved = target[idx]
            values = []
            for step in (1e-5, -1e-5):
                target[idx] = saved + step
                values.append(np.sum(np.asarray(layer.forward(probe)) * dout))
            target[idx] = saved
            numeric[idx] = (values[0] - values[1]) / 2e-5
        out[key] = float(np.abs(found[key] - numeric).max())
    return out


class GradientCheck(_Capstone):
    number, title = "7.7", "a gradient check for a layer"
    hints = (
        "First the analytic side: run the layer forward on x and backward with dout, and keep "
        "what backward returns; a layer with W and b has set its dW and db by then.",
        "backward(dout) is the gradient of one number, L = np.sum(layer.forward(x) * dout). "
        "Give your numerical_gradient a function that computes that L.",
        "For dW, call numerical_gradient on layer.W itself: it perturbs W in place and the "
        "layer's forward reads it. The same for db with layer.b.",
        "Do the analytic side before the numerical one (or run forward(x) again): the numerical "
        "gradient leaves the layer remembering its last, perturbed, input.",
    )
    solution_code = """
def gradient_check(layer, x, dout):
    x = x.copy()  # numerical_gradient perturbs x: leave the caller's array alone
    layer.forward(x)
    analytic = {"dx": layer.backward(dout)}
    wrt = {"dx": x}
    if hasattr(layer, "W"):
        analytic.update(dW=layer.dW, db=layer.db)
        wrt.update(dW=layer.W, db=layer.b)

    def L(_):  # the number whose gradient backward(dout) returns
        return np.sum(layer.forward(x) * dout)

    return {key: np.abs(analytic[key] - numerical_gradient(L, wrt[key])).max() for key in wrt}
"""

    def _run(self, fn: Callable, name: str, factory: Callable[[], Any], x: np.ndarray,
             dout: Any) -> dict[str, float]:
        layer = factory()
        params = {k: getattr(layer, k).copy() for k in ("W", "b") if hasattr(layer, k)}
        got = call(fn, layer, x.copy(), copy.deepcopy(dout), name="gradient_check")
        keys = ["dx"] + (["dW", "db"] if params else [])
        if not isinstance(got, dict):
            if got is None:
                raise Wrong("gradient_check returned None. Did you forget the `return` "
                            "statement?")
            wanted = ", ".join(f"{k!r}: ..." for k in keys)
            raise Wrong(f"gradient_check({name} layer, ...) returned {describe(got)}; return "
                        f"a dict of the largest differences, {{{wanted}}}.")
        if set(got) != set(keys):
            raise Wrong(f"gradient_check({name} layer, ...) returned the keys "
                        f"{sorted(got)}; expected {keys}"
                        + (": a layer with W and b also needs dW and db." if params else "."))
        for k, v in params.items():
            if not np.array_equal(getattr(layer, k), v):
                raise Wrong(f"gradient_check({name} layer, ...) left layer.{k} changed: put "
                            f"every perturbed element back.")
        return {k: as_number(got[k], f"The {k} entry") for k in keys}

    def _check(self, fn: Any) -> str:
        rng = np.random.default_rng(77)
        x = np.round(rng.standard_normal((3, 4)), 2)
        W, b = np.round(rng.standard_normal((4, 2)), 2), np.round(rng.standard_normal(2), 2)
        t = np.array([1, 0, 1])
        cases = [("a correct Sigmoid", CorrectSigmoid, np.round(rng.standard_normal((3, 4)), 2),
                  False),
                 ("a Sigmoid with dx = dout * out", SigmoidMissingFactor,
                  np.round(rng.standard_normal((3, 4)), 2), True),
                 ("a correct Affine", lambda: CorrectAffine(W.copy(), b.copy()),
                  np.round(rng.standard_normal((3, 2)), 2), False),
                 ("an Affine with db = the mean of dout", lambda: AffineMeanBias(W.copy(),
                                                                                 b.copy()),
                  np.round(rng.standard_normal((3, 2)), 2), True),
                 ("a loss layer (one number out, dout = 1.0)", lambda: CrossEntropyLayer(t),
                  1.0, False)]
        caught = []
        for name, factory, dout, _buggy in cases:
            got = self._run(fn, name, factory, x, dout)
            want = _differences(factory, x, dout)
            for key, value in got.items():
                text = f"On {name}, your gradient_check gives {key}: {value:.3g}"
                if want[key] < GRAD_TOL:
                    if value >= 1e-3:
                        raise Wrong(f"{text}; a correct backward should give a difference "
                                    f"below {TOL_TEXT}. Compare backward(dout) with the "
                                    f"numerical gradient of L = np.sum(layer.forward(x) * dout), "
                                    f"the number whose gradient backward returns"
                                    + (", perturbing layer.W and layer.b themselves for dW and "
                                       "db." if key != "dx" else "."))
                    if value >= GRAD_TOL:
                        raise Wrong(f"{text}, small but not below {TOL_TEXT}. Do the "
                                    f"analytic side (forward, then backward) before the "
                                    f"numerical gradient, or run forward(x) again: the "
                                    f"numerical gradient leaves the layer holding a perturbed "
                                    f"x. And keep eps = 1e-5.")
                elif not np.isclose(value, want[key], rtol=1e-3, atol=1e-6):
                    raise Wrong(f"{text}, but this layer's backward is wrong by "
                                f"{want[key]:.3g} there (a planted bug). Compare "
                                f"backward(dout) with the numerical gradient of "
                                f"np.sum(layer.forward(x) * dout): the largest absolute "
                                f"difference.")
                else:
                    caught.append(f"{want[key]:.2g} in {key} of {name}")
        return (f"Your check finds nothing wrong with the correct layers (below {TOL_TEXT}) "
                f"and catches both planted bugs: {' and '.join(caught)}.")


# ----------------------------------------------------------------------------- q8
def _reference_logits(x, W1, b1, W2, b2, *, activation=F.relu):
    return (activation(Tensor(x) @ Tensor(W1) + Tensor(b1)) @ Tensor(W2) + Tensor(b2)).data


def _net_arrays(rng: np.random.Generator, d: int = 5, h: int = 4, c: int = 3, n: int = 6):
    params = (np.round(rng.standard_normal((d, h)), 2), np.round(rng.standard_normal(h), 2),
              np.round(rng.standard_normal((h, c)), 2), np.round(rng.standard_normal(c), 2))
    return params, np.round(rng.standard_normal((n, d)), 2), rng.integers(0, c, n)


NAMES = ("W1", "b1", "W2", "b2")


class TwoLayer(_Capstone):
    number, title = "7.8", "a two-layer network from your layers"
    hints = (
        "__init__: an Affine(W1, b1), a Relu() and an Affine(W2, b2) in a list, and a "
        "SoftmaxWithLoss() as the last layer. Pass the arrays themselves, not copies.",
        "predict runs x through the three layers in order; loss feeds predict's logits and the "
        "labels into the last layer's forward.",
        "gradient: first the forward pass (loss), then backward from the last layer "
        "(dout = 1) through the other layers in reverse order, each taking the previous dout.",
        "The two Affine layers have stored dW and db during backward: collect them in a dict "
        "under the names of net.params.",
    )
    solution_code = """
class TwoLayerNet:
    def __init__(self, W1, b1, W2, b2):
        self.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
        self.layers = [Affine(W1, b1), Relu(), Affine(W2, b2)]
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        first, second = self.layers[0], self.layers[2]
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}
"""

    def _check(self, answer: Any) -> str:
        cls = _class(answer, "TwoLayerNet", ("__init__", "predict", "loss", "gradient"))
        params, x, t = _net_arrays(np.random.default_rng(78))
        originals = [p.copy() for p in params]
        net = _make(cls, *params)
        given = getattr(net, "params", None)
        if not isinstance(given, dict) or any(given.get(k) is not p for k, p in
                                              zip(NAMES, params, strict=True)):
            raise Wrong("net.params must be the dict {\"W1\": W1, \"b1\": b1, \"W2\": W2, "
                        "\"b2\": b2} of the arrays given to TwoLayerNet (the skeleton's first "
                        "line): the training loop updates them there.")
        logits = _reference_logits(x, *params)
        pred = f"TwoLayerNet(...).predict({describe(x)})"
        _expect(_method(net, "predict", x), logits, pred,
                "predict runs x through Affine, Relu and Affine, and returns the logits.",
                ((_reference_logits(x, *params, activation=F.sigmoid),
                  "That is a Sigmoid hidden layer; this network uses your Relu."),
                 (_reference_logits(x, *params, activation=lambda z: z),
                  "The Relu between the two Affine layers is missing."),
                 (F.softmax(Tensor(logits)).data,
                  "Those are probabilities; predict returns the logits, before softmax.")))
        loss = F.cross_entropy(Tensor(logits), t).item()
        value = _scalar(_method(net, "loss", x, t), "TwoLayerNet.loss")
        if not np.isclose(value, loss, rtol=1e-6):
            raise Wrong(f"TwoLayerNet.loss(x, t) returned {value:.6g}, expected {loss:.6g}: the "
                        f"last layer's forward of predict(x) and t.")
        tensors = [Tensor(p.astype(np.float64), requires_grad=True) for p in params]
        F.cross_entropy(F.relu(Tensor(x) @ tensors[0] + tensors[1]) @ tensors[2] + tensors[3],
                        t).backward()
        for attempt in ("", " a second time"):
            grads = _method(net, "gradient", x, t)
            for key, p, before in zip(NAMES, params, originals, strict=True):
                if not np.array_equal(p, before):
                    raise Wrong(f"gradient() changed net.params['{key}']: it must only compute "
                                f"the gradients; the training loop does the update.")
            if not isinstance(grads, dict) or set(grads) != set(NAMES):
                shown = (f"a dict with the keys {sorted(grads)}" if isinstance(grads, dict)
                         else describe(grads))
                raise Wrong(f"TwoLayerNet.gradient(x, t) returned {shown}; return a dict with "
                            f"the keys {list(NAMES)}, like net.params.")
            for key, p, tensor in zip(NAMES, params, tensors, strict=True):
                text = f"TwoLayerNet.gradient(x, t)['{key}']{attempt}"
                if np.shape(grads[key]) != p.shape:
                    raise Wrong(f"{text} has shape {np.shape(grads[key])}; it must have the "
                                f"shape of net.params['{key}'], {p.shape}.")
                _expect(grads[key], grad_of(tensor), text,
                        "Backward from the last layer (dout = 1) through the layers in reverse "
                        "order, then read dW and db from the two Affine layers."
                        + (" Called again it must give the same: does something accumulate "
                           "(+=) between calls?" if attempt else ""))
        params[0][...] += 0.5  # an in-place SGD step must reach the layers
        if _matches(_numpy(_method(net, "predict", x), "TwoLayerNet.predict"), logits):
            raise Wrong("After net.params['W1'] was changed in place, predict(x) gave the same "
                        "logits as before: your layers hold copies of the weights. Give the "
                        "Affine layers the arrays themselves, Affine(W1, b1).")
        return ("Its gradients agree with minidl's autograd on every parameter: backprop by "
                "hand, layer by layer, in reverse order.")


# ----------------------------------------------------------------------------- q9
class ToMinidl(_Capstone):
    number, title = "7.9", "the same network in minidl"
    hints = (
        "nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, C)), with D, H, C read from the "
        "shapes of W1 and W2; then replace each Linear's weight and bias.",
        "minidl's Linear computes x @ weight.T + bias, with weight of shape (out, in): the "
        "transpose of your W (in, out).",
        "Build the new parameters with minidl.tensor(array, requires_grad=True): it copies, so "
        "a step of one network does not move the other (minidl.Tensor(array) would share "
        "memory).",
        "Your arrays are float64; nn.Linear is float32 by default, as in torch. Parameters made "
        "with minidl.tensor from float64 arrays stay float64.",
    )
    solution_code = """
def to_minidl(W1, b1, W2, b2):
    model = nn.Sequential(nn.Linear(*W1.shape), nn.ReLU(), nn.Linear(*W2.shape))
    for linear, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
        linear.weight = minidl.tensor(W.T, requires_grad=True)  # (out, in), copied
        linear.bias = minidl.tensor(b, requires_grad=True)
    return model
"""

    def _check(self, fn: Any) -> str:
        from ..nn import Module

        if isinstance(fn, (type, Module)) or not callable(fn):
            raise Wrong("Pass the function to_minidl itself: check(to_minidl), not a model or "
                        "a class.")
        params, x, t = _net_arrays(np.random.default_rng(79))
        with _random_state_kept():
            model = call(fn, *params, name="to_minidl")
        if model is None:
            raise Wrong("to_minidl returned None. Did you forget the `return` statement?")
        if type(model).__module__.split(".")[0] == "torch":
            raise Wrong("to_minidl returned a torch model; build it with minidl.nn (nn.Linear, "
                        "nn.ReLU, nn.Sequential). torch gets its own cells below.")
        if not isinstance(model, Module):
            raise Wrong(f"to_minidl returned a {type(model).__name__}; return a minidl model, "
                        f"nn.Sequential(nn.Linear(...), nn.ReLU(), nn.Linear(...)).")
        found = model.parameters()
        if len(found) != 4:
            raise Wrong(f"The model has {len(found)} parameters with requires_grad=True; the "
                        f"network has 4 (two weights, two biases). Make each with "
                        f"minidl.tensor(array, requires_grad=True).")
        for p in found:
            if p.data.dtype != np.float64:
                raise Wrong(f"A parameter of the model is {p.data.dtype}: nn.Linear is float32 "
                            f"by default, as in torch. Build the parameters from your float64 "
                            f"arrays (minidl.tensor keeps float64), so the two networks agree "
                            f"to round-off.")
            for name, a in zip(NAMES, params, strict=True):
                if np.shares_memory(p.data, a):
                    raise Wrong(f"A parameter of the model shares memory with {name}: an SGD "
                                f"step of one network would move the other too. Copy: "
                                f"minidl.tensor(...) copies, minidl.Tensor(...) does not.")
        shapes = sorted(p.shape for p in found)
        if shapes != sorted(p.T.shape for p in params):
            if shapes == sorted(p.shape for p in params):
                raise Wrong("The weights have the shapes of W1 and W2, (in, out); minidl's "
                            "Linear keeps weight as (out_features, in_features) and computes "
                            "x @ weight.T: use W1.T and W2.T.")
            raise Wrong(f"The parameters have shapes {shapes}; expected those of W1.T, b1, "
                        f"W2.T and b2: {sorted(p.T.shape for p in params)}.")
        logits = _reference_logits(x, *params)
        try:
            got = model(Tensor(x))
        except Exception as e:
            raise Wrong(f"model(x) raised {type(e).__name__}: {e}") from None
        if not isinstance(got, Tensor):
            raise Wrong(f"model(x) returned a {type(got).__name__}; a minidl model returns a "
                        f"Tensor.")
        expect_close(got, logits, f"to_minidl(...)(x) for x = {describe(x)}",
                     "The model must compute Linear, ReLU, Linear with your W1.T, b1, W2.T and "
                     "b2.", rtol=1e-10, atol=1e-12)
        tensors = [Tensor(p.copy(), requires_grad=True) for p in params]
        ref_loss = F.cross_entropy(F.relu(Tensor(x) @ tensors[0] + tensors[1]) @ tensors[2]
                                   + tensors[3], t)
        ref_loss.backward()
        loss = F.cross_entropy(got, t)
        loss.backward()
        wanted = {tt.data.T.shape: grad_of(tt).T for tt in tensors}  # the shapes differ
        if any(p.grad is None or not np.allclose(p.grad.data, wanted[p.shape], rtol=1e-10,
                                                 atol=1e-12) for p in found):
            raise Wrong("After F.cross_entropy(model(x), t).backward(), the parameters' "
                        "gradients differ from your network's: does every parameter take part "
                        "in the forward pass?")
        SGD(found, lr=0.5).step()
        after = F.cross_entropy(model(Tensor(x)), t).item()
        for tt in tensors:
            tt.data = tt.data - 0.5 * grad_of(tt)
        ref_after = F.cross_entropy(F.relu(Tensor(x) @ tensors[0] + tensors[1]) @ tensors[2]
                                    + tensors[3], t).item()
        if not np.isclose(after, ref_after, rtol=1e-10):
            raise Wrong(f"After one SGD step the model's loss is {after:.6g}, the NumPy "
                        f"network's {ref_after:.6g}.")
        return ("Same logits, loss, gradients and step as your NumPy network, to round-off. "
                "The cells below compare the two step by step on the digits.")


# ----------------------------------------------------------------------------- q10
@lru_cache(maxsize=1)
def _test_digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits()
    _, X_test, _, y_test = train_test_split(X.astype(np.float64), y, test_fraction=0.25, seed=0)
    X_test.flags.writeable = y_test.flags.writeable = False
    return X_test, y_test


class Train(_Capstone):
    number, title = "7.10", f"train it to a test accuracy of {THRESHOLD:.2f}"
    hints = (
        "One epoch is one pass over batches(X_train, y_train, batch_size=32, seed=epoch): for "
        "each batch, ask the network for its gradients and take one step with them.",
        "Update every array of net.params in place (with -=): the layers hold the same arrays "
        "and see the new weights. W = W - lr * dW would make a new array the layers never see.",
        "A learning rate between 0.1 and 0.5 and 10 to 20 epochs train in well under a second. "
        "If the accuracy jumps around, lower the rate; if it creeps up, train longer.",
    )
    solution_code = """
net = TwoLayerNet(*init_params(seed=0))
lr, epochs = 0.1, 20
for epoch in range(epochs):
    for xb, tb in batches(X_train, y_train, batch_size=32, seed=epoch):
        grads = net.gradient(xb, tb)
        for key in net.params:
            net.params[key] -= lr * grads[key]
"""

    def _check(self, net: Any) -> str:
        if isinstance(net, type):
            raise Wrong("That is the class; pass your trained network, an instance: "
                        "check(net).")
        kind = type(net).__module__.split(".")[0]
        if kind in ("torch", "minidl"):
            raise Wrong(f"That is a {kind} model. Train your own TwoLayerNet of NumPy layers "
                        f"and pass it.")
        if not callable(getattr(net, "predict", None)):
            raise Wrong(f"Pass your trained TwoLayerNet; {describe(net)} has no predict() "
                        f"method.")
        X_test, y_test = _test_digits()
        logits = _method(net, "predict", X_test.copy(),
                         label="net.predict")
        logits = _numpy(logits, "net.predict")
        if logits.shape != (len(y_test), 10):
            raise Wrong(f"net.predict(X_test) returned shape {logits.shape}; expected "
                        f"({len(y_test)}, 10), one row of 10 logits per test digit.")
        if not np.isfinite(logits).all():
            raise Wrong("net.predict(X_test) gives NaN or inf: training diverged. Lower the "
                        "learning rate (e.g. 0.1) and start again from fresh weights.")
        if np.ptp(logits, axis=0).max() < 1e-9:
            raise Wrong("net.predict(X_test) gives every test digit the same logits: the hidden "
                        "units have died (too large a step pushed every ReLU input below 0, "
                        "where no gradient flows). Lower the learning rate (e.g. 0.1) and start "
                        "again from fresh weights.")
        accuracy = float((logits.argmax(axis=1) == y_test).mean())
        if accuracy < THRESHOLD:
            layers = getattr(net, "layers", None)
            shared = getattr(net, "params", None)
            if accuracy < 0.2 and isinstance(layers, list) and isinstance(shared, dict) and \
                    layers and getattr(layers[0], "W", None) is not shared.get("W1"):
                why = ("The first layer no longer holds net.params['W1']: the update made new "
                       "arrays (W = W - lr * dW). Update in place, net.params[key] -= lr * "
                       "grads[key].")
            elif accuracy < 0.2:
                why = ("That is chance level: was the network trained at all? Update "
                       "net.params in place after every batch.")
            else:
                why = ("Train longer or with a larger learning rate (e.g. 20 epochs at 0.1); "
                       "if the accuracy jumps around from epoch to epoch, lower the rate.")
            raise Wrong(f"The test accuracy is {accuracy:.2f}, below the {THRESHOLD:.2f} "
                        f"asked for. {why}")
        return (f"Test accuracy {accuracy:.2f} on the {len(y_test)} test digits, at least "
                f"{THRESHOLD:.2f}: a network you wrote from forward to backward.")


q1, q2, q3, q4, q5 = InPlacePitfall(), ReluLayer(), SigmoidLayer(), AffineLayer(), SoftmaxLoss()
q6, q7, q8, q9, q10 = NumericalGradient(), GradientCheck(), TwoLayer(), ToMinidl(), Train()
