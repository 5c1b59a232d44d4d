"""Exercises 07 (the capstone): right answers pass (independent ones written with torch as the
oracle), typical mistakes get their nudge, every hostile answer gets one sentence, and the
numbers the notebook states (the test accuracy, the agreement with minidl and torch) hold."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
import minidl.functional as F
from minidl import nn
from minidl.data import batches, load_digits, train_test_split
from minidl.exercises import ex07, notebook_status
from tests.test_exercises_core import (assert_printed, hostile_functions, hostile_tuples,
                                       short_time_limit)  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [ex07.q1, ex07.q2, ex07.q3, ex07.q4, ex07.q5, ex07.q6, ex07.q7, ex07.q8, ex07.q9,
             ex07.q10]


def digits():
    X, y = load_digits()
    return train_test_split(X.astype(np.float64), y, test_fraction=0.25, seed=0)


def init_params(hidden=50, seed=0):
    """As the notebook's init_params: U(-k, k), k = 1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    k1, k2 = 1 / np.sqrt(64), 1 / np.sqrt(hidden)
    return (rng.uniform(-k1, k1, (64, hidden)), rng.uniform(-k1, k1, hidden),
            rng.uniform(-k2, k2, (hidden, 10)), rng.uniform(-k2, k2, 10))


def solutions() -> dict:
    """Every model answer run in order in one namespace, with what the notebook defines."""
    X_train, X_test, y_train, y_test = digits()
    namespace = {"np": np, "minidl": minidl, "F": F, "nn": nn, "batches": batches,
                 "init_params": init_params, "X_train": X_train, "y_train": y_train}
    for q in QUESTIONS:
        exec(q.solution_code, namespace)
    return namespace


MODEL = solutions()


# ----------------------------------------------------------------------- independent answers
def grad_by_torch(fn, *arrays, dout=1.0):
    """fn(*tensors) and the gradients of sum(fn * dout) by torch's autograd, as NumPy."""
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    (out * torch.as_tensor(dout, dtype=torch.float64)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


class TorchRelu:
    def forward(self, x):
        self.x = x.copy()
        return torch.relu(torch.from_numpy(x)).numpy()

    def backward(self, dout):
        return grad_by_torch(torch.relu, self.x, dout=dout)[1][0]


class TorchSigmoid:
    def forward(self, x):
        self.x = x.copy()
        return torch.sigmoid(torch.from_numpy(x)).numpy()

    def backward(self, dout):
        return grad_by_torch(torch.sigmoid, self.x, dout=dout)[1][0]


class TorchAffine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x.copy()
        return (torch.from_numpy(x) @ torch.from_numpy(self.W) + torch.from_numpy(self.b)).numpy()

    def backward(self, dout):
        _, (dx, self.dW, self.db) = grad_by_torch(lambda x, W, b: x @ W + b, self.x, self.W,
                                                  self.b, dout=dout)
        return dx


class TorchSoftmaxWithLoss:
    def forward(self, x, t):
        self.x, self.t = x.copy(), torch.from_numpy(t)
        return TF.cross_entropy(torch.from_numpy(x), self.t).item()

    def backward(self, dout=1):
        return grad_by_torch(lambda x: TF.cross_entropy(x, self.t), self.x, dout=dout)[1][0]


def flat_numerical_gradient(f, x, eps=1e-5):
    """Another correct answer: through x.reshape(-1), a view, one flat index at a time."""
    flat, grad = x.reshape(-1), np.empty(x.size)
    for i in range(x.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = f(x)
        flat[i] = saved - eps
        down = f(x)
        flat[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad.reshape(x.shape)


def torch_gradient_check(layer, x, dout):
    """Another correct answer: the numerical side by the model numerical_gradient, the
    comparison in torch."""
    numerical_gradient = MODEL["numerical_gradient"]
    x = x.copy()
    layer.forward(x)
    dx = torch.from_numpy(np.asarray(layer.backward(dout), dtype=np.float64))
    found = {"dx": (dx, x)}
    if hasattr(layer, "W"):
        found["dW"] = (torch.from_numpy(np.array(layer.dW)), layer.W)
        found["db"] = (torch.from_numpy(np.array(layer.db)), layer.b)
    return {k: (g - torch.from_numpy(numerical_gradient(
        lambda _: float(np.sum(layer.forward(x) * dout)), target))).abs().max().item()
        for k, (g, target) in found.items()}


class TorchTwoLayerNet:
    """gradient() by torch's autograd, predict and loss by torch too (NumPy in and out)."""

    def __init__(self, W1, b1, W2, b2):
        self.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    def _logits(self, x, ts):
        return torch.relu(torch.from_numpy(x) @ ts[0] + ts[1]) @ ts[2] + ts[3]

    def predict(self, x):
        return self._logits(x, [torch.from_numpy(self.params[k]) for k in ex07.NAMES]).numpy()

    def loss(self, x, t):
        return TF.cross_entropy(torch.from_numpy(self.predict(x)), torch.from_numpy(t)).item()

    def gradient(self, x, t):
        ts = [torch.tensor(self.params[k], requires_grad=True) for k in ex07.NAMES]
        TF.cross_entropy(self._logits(x, ts), torch.from_numpy(t)).backward()
        return {k: tt.grad.numpy() for k, tt in zip(ex07.NAMES, ts)}


def to_minidl_in_place(W1, b1, W2, b2):
    """Another correct answer: float64 Linear layers, weights copied into their arrays."""
    first, second = nn.Linear(*W1.shape, dtype=np.float64), nn.Linear(*W2.shape, dtype=np.float64)
    for linear, W, b in ((first, W1, b1), (second, W2, b2)):
        linear.weight.data[...] = W.T
        linear.bias.data[...] = b
    return nn.Sequential(first, nn.ReLU(), second)


@pytest.mark.parametrize("q, answer", [
    (ex07.q2, TorchRelu), (ex07.q3, TorchSigmoid), (ex07.q4, TorchAffine),
    (ex07.q5, TorchSoftmaxWithLoss), (ex07.q6, flat_numerical_gradient),
    (ex07.q7, torch_gradient_check), (ex07.q8, TorchTwoLayerNet), (ex07.q9, to_minidl_in_place)],
    ids=lambda v: getattr(v, "number", "answer"))
def test_independent_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct")


def test_model_answers_pass(capsys):
    for q, name in zip(QUESTIONS, ["answer", "Relu", "Sigmoid", "Affine", "SoftmaxWithLoss",
                                   "numerical_gradient", "gradient_check", "TwoLayerNet",
                                   "to_minidl", "net"]):
        assert_printed(capsys, q.check(MODEL[name]), "correct", f"Question {q.number}")


# ----------------------------------------------------------------------- blank answers
def stub(*args):
    # YOUR CODE HERE
    pass


class StubLayer:
    def __init__(self, *args):
        self.params = {}
        # YOUR CODE HERE
        pass

    def forward(self, *args):
        # YOUR CODE HERE
        pass

    def backward(self, dout=1):
        # YOUR CODE HERE
        pass

    def predict(self, x):
        # YOUR CODE HERE
        pass

    loss = gradient = predict


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.number)
def test_blank_answers_are_not_attempted(q, capsys):
    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q in (ex07.q2, ex07.q3, ex07.q4, ex07.q5, ex07.q8):
        assert_printed(capsys, q.check(StubLayer), "blank")
    if q in (ex07.q6, ex07.q7, ex07.q9):
        assert_printed(capsys, q.check(stub), "blank")


def test_a_half_written_layer_names_the_stub(capsys):
    class HalfRelu(StubLayer):
        forward = MODEL["Relu"].forward

    assert_printed(capsys, ex07.q2.check(HalfRelu), "wrong",
                   "HalfRelu.backward is still the stub (# YOUR CODE HERE): write it too.")


# ----------------------------------------------------------------------- q1
def test_q1_answer_key_matches_the_articles_code_and_torch(capsys):
    relu = ex07_article_relu()
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    dout = np.ones_like(x)
    relu.forward(x)
    dx = relu.backward(dout) + dout
    assert_printed(capsys, ex07.q1.check(dx), "correct", "breaks as soon as")
    assert_printed(capsys, ex07.q1.check(dx.tolist()), "correct")
    assert_printed(capsys, ex07.q1.check(tuple(dx.ravel())), "correct")
    xt = torch.tensor(x, requires_grad=True)
    (torch.relu(xt) + xt).sum().backward()
    assert_printed(capsys, ex07.q1.check(tuple(xt.grad.numpy().ravel())), "wrong",
                   "is the right gradient of sum(relu(x) + x)")
    assert_printed(capsys, ex07.q1.check((2.0, 0.0, 1.0, 2.0)), "wrong", "(2, 0, 1, 2)",
                   "returns dout itself")


def ex07_article_relu():
    """The article's layer, as the notebook quotes it (the notebook's ArticleRelu)."""
    class ArticleRelu:
        def forward(self, x):
            self.mask = (x <= 0)
            out = x.copy()
            out[self.mask] = 0
            return out

        def backward(self, dout):
            dout[self.mask] = 0
            dx = dout
            return dx
    return ArticleRelu()


@pytest.mark.parametrize("kind", list(hostile_tuples(4)))
def test_q1_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(4)[kind]
    assert_printed(capsys, ex07.q1.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- the layers, hostile
def with_method(cls, method, fn, name=None):
    """A subclass of `cls` whose `method` is `fn(self, *args)`, named like the learner's."""
    return type(name or cls.__name__, (cls,), {method: fn})


def hostile_layer(cls, method, kind):
    """cls with `method` broken in the way `kind` of hostile_functions names."""
    def broken(self, *args):
        fn, _ = hostile_functions(lambda *a: getattr(cls, method)(self, *a))[kind]
        return fn(*args)
    return with_method(cls, method, broken)


LAYER_CASES = [(ex07.q2, "Relu", "forward"), (ex07.q2, "Relu", "backward"),
               (ex07.q3, "Sigmoid", "forward"), (ex07.q3, "Sigmoid", "backward"),
               (ex07.q4, "Affine", "forward"), (ex07.q4, "Affine", "backward"),
               (ex07.q5, "SoftmaxWithLoss", "forward"), (ex07.q5, "SoftmaxWithLoss", "backward"),
               (ex07.q8, "TwoLayerNet", "predict"), (ex07.q8, "TwoLayerNet", "loss")]
LOSS_PHRASES = {"shape": "a loss is one number", "list": "returned a list"}


@pytest.mark.parametrize("q, name, method", LAYER_CASES, ids=lambda v: getattr(v, "number", v))
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_layers_get_a_sentence(q, name, method, kind, capsys):
    if kind == "mutates" and (name, method) == ("SoftmaxWithLoss", "backward"):
        pytest.skip("backward() takes no array to mutate; its own pitfall is tested below")
    phrase = hostile_functions(np.abs)[kind][1]
    if method in ("loss",) or (name, method) == ("SoftmaxWithLoss", "forward"):
        phrase = LOSS_PHRASES.get(kind, phrase)
    assert_printed(capsys, q.check(hostile_layer(MODEL[name], method, kind)), "wrong",
                   f"Question {q.number}", phrase)


@pytest.mark.parametrize("q, name", [(ex07.q2, "Relu"), (ex07.q5, "SoftmaxWithLoss"),
                                     (ex07.q8, "TwoLayerNet")])
def test_instances_functions_and_library_classes_are_named(q, name, capsys):
    cls = MODEL[name]
    instance = cls(*init_params(4)) if name == "TwoLayerNet" else cls()
    assert_printed(capsys, q.check(instance), "wrong", f"check({name}), not check({name}())")
    assert_printed(capsys, q.check(stub), "wrong", "Pass the class itself")
    assert_printed(capsys, q.check(nn.ReLU), "wrong", "is minidl's, built on autograd")
    assert_printed(capsys, q.check(torch.nn.ReLU), "wrong", "is torch's, built on autograd")
    assert_printed(capsys, q.check(torch.nn.ReLU()), "wrong", "That is a torch object")
    assert_printed(capsys, q.check(type("Odd", (), {})), "wrong", "Odd has no method")


def test_layers_returning_tensors_are_told_numpy(capsys):
    relu = with_method(MODEL["Relu"], "forward", lambda self, x: F.relu(x))
    assert_printed(capsys, ex07.q2.check(relu), "wrong", "returned a minidl Tensor",
                   "plain NumPy")


# ----------------------------------------------------------------------- q2 Relu
def test_q2_the_articles_relu_is_caught_writing_into_dout(capsys):
    article = type("Relu", (), {k: v for k, v in vars(type(ex07_article_relu())).items()
                                if callable(v)})
    assert_printed(capsys, ex07.q2.check(article), "wrong",
                   "Relu.backward([[-0.5, 2], [1, 4]]) changed its input dout in place: at "
                   "index (0, 1) 2 became 0", "question 7.1")


def test_q2_mistakes_get_their_nudge(capsys):
    Relu = MODEL["Relu"]

    def forward_in_place(self, x):
        self.mask = x <= 0
        x[self.mask] = 0
        return x
    assert_printed(capsys, ex07.q2.check(with_method(Relu, "forward", forward_in_place)),
                   "wrong", "changed its input x in place")
    assert_printed(capsys, ex07.q2.check(with_method(
        Relu, "backward", lambda self, d: np.where(d > 0, d, 0.0))), "wrong",
        "by the sign of dout")
    assert_printed(capsys, ex07.q2.check(with_method(
        Relu, "backward", lambda self, d: np.where(self.mask, d, 0.0))), "wrong",
        "wrong way round")
    assert_printed(capsys, ex07.q2.check(with_method(
        Relu, "forward", lambda self, x: setattr(self, "mask", x <= 0) or x <= 0)), "wrong",
        "That is the mask")


@pytest.mark.parametrize("at_zero", [1.0, 0.5])
def test_q2_any_subgradient_at_the_kink_is_accepted(at_zero, capsys):
    def backward(self, dout):
        return np.where(self.x > 0, dout, np.where(self.x == 0, at_zero * dout, 0.0))

    def forward(self, x):
        self.x = x.copy()
        return np.maximum(x, 0)
    cls = type("Relu", (), {"forward": forward, "backward": backward})
    assert_printed(capsys, ex07.q2.check(cls), "correct")
    broken = type("Relu", (), {"forward": forward,
                               "backward": lambda self, d: np.where(self.x >= 0, 2 * d, 0.0)})
    assert_printed(capsys, ex07.q2.check(broken), "wrong", "Relu.backward")


# ----------------------------------------------------------------------- q3 Sigmoid
def test_q3_mistakes_get_their_nudge(capsys):
    Sigmoid = MODEL["Sigmoid"]
    for backward, phrase in [(lambda self, d: self.out * (1 - self.out), "by dout"),
                             (lambda self, d: d * self.out, "(1 − y) factor is missing"),
                             (lambda self, d: d * ex07._sigmoid(self.out)
                              * (1 - ex07._sigmoid(self.out)), "do not apply the sigmoid"),
                             (lambda self, d: d * self.x * (1 - self.x), "not the input x")]:
        def forward(self, x):
            self.x, self.out = x, ex07._sigmoid(x)
            return self.out
        cls = type("Sigmoid", (), {"forward": forward, "backward": backward})
        assert_printed(capsys, ex07.q3.check(cls), "wrong", phrase)

    def overflowing(self, x):
        self.out = np.exp(x) / (1 + np.exp(x))
        return self.out
    assert_printed(capsys, ex07.q3.check(with_method(Sigmoid, "forward", overflowing)), "wrong",
                   "returned nan for x = 800", "overflow")

    def first_only(self, x):  # keeps the first output: the second forward must replace it
        if self.out is None:
            self.out = ex07._sigmoid(x)
        return ex07._sigmoid(x)
    assert_printed(capsys, ex07.q3.check(with_method(Sigmoid, "forward", first_only)), "wrong",
                   "Sigmoid.backward")


# ----------------------------------------------------------------------- q4 Affine
def affine_with(dW=None, db=None, dx=None, forward=None, init=None):
    base = MODEL["Affine"]

    def backward(self, dout):
        base.backward(self, dout)
        if dW:
            self.dW = dW(self.x, dout)
        if db:
            self.db = db(dout)
        return dx(dout, self.W) if dx else dout @ self.W.T
    members = {"backward": backward}
    if forward:
        members["forward"] = forward
    if init:
        members["__init__"] = init
    return type("Affine", (base,), members)


@pytest.mark.parametrize("broken, phrase", [
    (dict(db=lambda d: d.mean(axis=0)), "Sum over the batch, not the mean"),
    (dict(db=lambda d: d), "self.db has shape (2, 3); it must have the shape of b, (3,)"),
    (dict(dW=lambda x, d: d.T @ x), "self.dW has shape (3, 4); it must have the shape of W"),
    (dict(dW=lambda x, d: x.T @ d / len(x)), "No 1/N here"),
    (dict(dW=lambda x, d: None), "self.dW is None"),
    (dict(dx=lambda d, W: d @ W.T * 2), "dx = dout @ W.T"),
    (dict(forward=lambda self, x: setattr(self, "x", x) or x @ self.W), "Add the bias b"),
    (dict(init=lambda self, W, b: setattr(self, "W", W.copy()) or setattr(self, "b", b)),
     "must keep the very arrays"),
])
def test_q4_mistakes_get_their_nudge(broken, phrase, capsys):
    assert_printed(capsys, ex07.q4.check(affine_with(**broken)), "wrong", phrase)


def test_q4_backward_must_not_update_the_weights(capsys):
    def backward(self, dout):
        dx = MODEL["Affine"].backward(self, dout)
        self.W -= 0.1 * self.dW
        return dx
    assert_printed(capsys, ex07.q4.check(with_method(MODEL["Affine"], "backward", backward)),
                   "wrong", "changed self.W or self.b")


# ----------------------------------------------------------------------- q5 SoftmaxWithLoss
def softmax_with(backward=None, forward=None):
    base = MODEL["SoftmaxWithLoss"]
    members = {}
    if backward:
        members["backward"] = lambda self, dout=1: backward(self, dout)
    if forward:
        members["forward"] = forward
    return type("SoftmaxWithLoss", (base,), members)


def onehot(layer):
    return np.eye(layer.y.shape[1])[layer.t]


@pytest.mark.parametrize("backward, phrase", [
    (lambda s, d: d * (s.y - onehot(s)), "divide by N"),
    (lambda s, d: d * s.y / len(s.t), "Take 1 off the probability"),
    (lambda s, d: d * (onehot(s) - s.y) / len(s.t), "The sign is the other way round"),
    (lambda s, d: (s.y - onehot(s)) / len(s.t), "backward(2) must be twice backward()"),
])
def test_q5_mistakes_get_their_nudge(backward, phrase, capsys):
    assert_printed(capsys, ex07.q5.check(softmax_with(backward=backward)), "wrong", phrase)


def test_q5_pitfalls_of_state_stability_and_labels(capsys):
    def writes_into_y(self, dout):
        dx = self.y
        dx[np.arange(len(self.t)), self.t] -= 1
        return dout * dx / len(self.t)
    assert_printed(capsys, ex07.q5.check(softmax_with(backward=writes_into_y)), "wrong",
                   "a second time gives a different result", "dx = self.y.copy()")

    def unstable(self, x, t):
        self.y, self.t = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), t
        return -np.log(self.y[np.arange(len(t)), t]).mean()
    assert_printed(capsys, ex07.q5.check(softmax_with(forward=unstable)), "wrong",
                   "Subtract each row's max")

    def in_place(self, x, t):
        x -= x.max(axis=1, keepdims=True)
        return MODEL["SoftmaxWithLoss"].forward(self, x, t)
    assert_printed(capsys, ex07.q5.check(softmax_with(forward=in_place)), "wrong",
                   "changed its input x in place")

    def per_sample(self, x, t):
        MODEL["SoftmaxWithLoss"].forward(self, x, t)
        return -np.log(self.y[np.arange(len(t)), t])
    assert_printed(capsys, ex07.q5.check(softmax_with(forward=per_sample)), "wrong",
                   "returned an array of shape (2,); a loss is one number")

    def one_hot_labels(self, x, t):
        MODEL["SoftmaxWithLoss"].forward(self, x, t)
        return -np.sum(t * np.log(self.y)) / len(x)
    assert_printed(capsys, ex07.q5.check(softmax_with(forward=one_hot_labels)), "wrong",
                   "raised ValueError", "t holds integer labels of shape (N,)")


# ----------------------------------------------------------------------- q6 numerical_gradient
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_q6_hostile_functions_get_a_sentence(kind, capsys):
    fn, phrase = hostile_functions(MODEL["numerical_gradient"])[kind]
    assert_printed(capsys, ex07.q6.check(fn), "wrong", "Question 7.6", phrase)


def numerical(body):
    """numerical_gradient with the per-element step replaced by body(f, x, idx, eps)."""
    def fn(f, x, eps=1e-5):
        grad = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            grad[idx] = body(f, x, idx, eps)
        return grad
    return fn


def forward_difference(f, x, idx, eps):
    base, saved = f(x), x[idx]
    x[idx] = saved + eps
    up = f(x)
    x[idx] = saved
    return (up - base) / eps


def on_a_copy(f, x, idx, eps):
    up, down = x.copy(), x.copy()
    up[idx] += eps
    down[idx] -= eps
    return (f(up) - f(down)) / (2 * eps)


def adds_back(f, x, idx, eps):
    x[idx] += eps
    up = f(x)
    x[idx] -= 2 * eps
    down = f(x)
    x[idx] += eps
    return (up - down) / (2 * eps)


def never_restores(f, x, idx, eps):
    saved = x[idx]
    x[idx] = saved + eps
    up = f(x)
    x[idx] = saved - eps
    return (up - f(x)) / (2 * eps)


def over_eps(f, x, idx, eps):
    saved = x[idx]
    x[idx] = saved + eps
    up = f(x)
    x[idx] = saved - eps
    down = f(x)
    x[idx] = saved
    return (up - down) / eps


def one_d_only(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in range(x.size):
        saved = x[i]
        x[i] = saved + eps
        up = f(x)
        x[i] = saved - eps
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("answer, phrase", [
    (numerical(forward_difference), "That is the forward difference"),
    (numerical(on_a_copy), "Perturb x itself, in place, not a copy"),
    (numerical(adds_back), "left x very slightly changed"),
    (numerical(never_restores), "put each element back after its two evaluations"),
    (numerical(over_eps), "Divide by 2 * eps"),
    (one_d_only, "It worked for a 1-D x"),
])
def test_q6_mistakes_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex07.q6.check(answer), "wrong", phrase)


def test_q6_adding_eps_back_really_leaves_x_changed():
    x = np.array([0.1, 0.7, 1.3, -2.2, 0.3])  # the premise of the "exactly" nudge
    y = x.copy()
    y += 1e-5
    y -= 2e-5
    y += 1e-5
    assert not np.array_equal(x, y) and np.allclose(x, y, rtol=1e-12, atol=0)


# ----------------------------------------------------------------------- q7 gradient_check
def check_with(stale=False, times_dout=True, keys=None, restore=True):
    numerical_gradient = MODEL["numerical_gradient"]

    def gradient_check(layer, x, dout):
        x = x.copy()

        def L(_):
            return np.sum(layer.forward(x) * dout) if times_dout else np.sum(layer.forward(x))
        wrt = {"dx": x}
        if hasattr(layer, "W") and keys != ("dx",):
            wrt.update(dW=layer.W, db=layer.b)
        layer.forward(x)
        if stale:  # backward after the numerical gradient, with no fresh forward
            numeric = {k: numerical_gradient(L, t) for k, t in wrt.items()}
        analytic = {"dx": layer.backward(dout)}
        if "dW" in wrt:
            analytic.update(dW=layer.dW, db=layer.db)
        if not stale:
            numeric = {k: numerical_gradient(L, t) for k, t in wrt.items()}
        if not restore and hasattr(layer, "W"):
            layer.W[0, 0] += 1.0
        return {k: np.abs(analytic[k] - numeric[k]).max() for k in wrt}
    return gradient_check


@pytest.mark.parametrize("answer, phrase", [
    (check_with(times_dout=False), "numerical gradient of L = np.sum(layer.forward(x) * dout)"),
    (check_with(stale=True), "small but not below 1e-7"),
    (check_with(keys=("dx",)), "also needs dW and db"),
    (check_with(restore=False), "left layer.W changed"),
    (lambda layer, x, dout: {"dx": 0.0}, "but this layer's backward is wrong by"),
    (lambda layer, x, dout: 0.0, "return a dict of the largest differences, {'dx': ...}"),
    (lambda layer, x, dout: {"dx": float("nan")}, "The dx entry is nan"),
    (lambda layer, x, dout: {"dx": torch.tensor(0.0)}, "The dx entry is a torch.Tensor"),
    (lambda layer, x, dout: None, "returned None"),
])
def test_q7_mistakes_and_hostile_answers_get_a_sentence(answer, phrase, capsys):
    assert_printed(capsys, ex07.q7.check(answer), "wrong", "Question 7.7", phrase)


def test_q7_success_names_the_planted_bugs_it_caught(capsys):
    out = assert_printed(capsys, ex07.q7.check(MODEL["gradient_check"]), "correct")
    assert "in dx of a Sigmoid with dx = dout * out and" in out
    assert "in db of an Affine with db = the mean of dout" in out


def test_q7_endless_backward_is_stopped_and_backward_first_is_explained(capsys):
    def loops(layer, x, dout):
        while True:
            pass

    def backward_first(layer, x, dout):
        layer.backward(dout)
    assert_printed(capsys, ex07.q7.check(loops), "wrong", "did not return within 0.2 seconds")
    assert_printed(capsys, ex07.q7.check(backward_first), "wrong",
                   "backward() was called before forward()")


def test_q7_planted_layers_are_what_they_say():
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for layer, expected in [(ex07.CorrectSigmoid(), lambda: grad_by_torch(torch.sigmoid, x,
                                                                          dout=dout)[1][0])]:
        layer.forward(x)
        assert np.allclose(layer.backward(dout), expected())
    assert ex07._differences(ex07.SigmoidMissingFactor, x, dout)["dx"] > 0.1
    W, b, d2 = rng.standard_normal((4, 2)), rng.standard_normal(2), rng.standard_normal((3, 2))
    good = ex07._differences(lambda: ex07.CorrectAffine(W.copy(), b.copy()), x, d2)
    bad = ex07._differences(lambda: ex07.AffineMeanBias(W.copy(), b.copy()), x, d2)
    assert max(good.values()) < 1e-8 and bad["dx"] < 1e-8 and bad["db"] > 0.1


# ----------------------------------------------------------------------- q8 TwoLayerNet
def net_with(**methods):
    return type("TwoLayerNet", (MODEL["TwoLayerNet"],), methods)


def sigmoid_init(self, W1, b1, W2, b2):
    MODEL["TwoLayerNet"].__init__(self, W1, b1, W2, b2)
    self.layers[1] = MODEL["Sigmoid"]()


def no_activation_init(self, W1, b1, W2, b2):
    MODEL["TwoLayerNet"].__init__(self, W1, b1, W2, b2)
    del self.layers[1]


def copies_init(self, W1, b1, W2, b2):
    MODEL["TwoLayerNet"].__init__(self, W1, b1, W2, b2)
    self.layers = [MODEL["Affine"](W1.copy(), b1.copy()), MODEL["Relu"](),
                   MODEL["Affine"](W2.copy(), b2.copy())]


def own_params_init(self, W1, b1, W2, b2):
    MODEL["TwoLayerNet"].__init__(self, W1, b1, W2, b2)
    self.params = {k: v.copy() for k, v in self.params.items()}


def accumulating_gradient(self, x, t):
    grads = MODEL["TwoLayerNet"].gradient(self, x, t)
    self.total = {k: getattr(self, "total", {}).get(k, 0) + g for k, g in grads.items()}
    return self.total


def updating_gradient(self, x, t):
    grads = MODEL["TwoLayerNet"].gradient(self, x, t)
    self.params["W1"] -= 0.1 * grads["W1"]
    return grads


@pytest.mark.parametrize("methods, phrase", [
    (dict(__init__=sigmoid_init), "That is a Sigmoid hidden layer"),
    (dict(__init__=no_activation_init), "The Relu between the two Affine layers is missing"),
    (dict(__init__=copies_init), "your layers hold copies of the weights"),
    (dict(__init__=own_params_init), "net.params must be the dict"),
    (dict(predict=lambda self, x: F.softmax(minidl.tensor(
        MODEL["TwoLayerNet"].predict(self, x))).numpy()), "Those are probabilities"),
    (dict(gradient=accumulating_gradient), "a second time"),
    (dict(gradient=updating_gradient), "gradient() changed net.params['W1']"),
    (dict(gradient=lambda self, x, t: [1, 2]), "returned [1, 2]; return a dict with the keys"),
    (dict(gradient=lambda self, x, t: {"W1": 0}), "a dict with the keys ['W1']"),
    (dict(gradient=lambda self, x, t: {k: np.zeros(3) for k in ex07.NAMES}),
     "['W1'] has shape (3,); it must have the shape of net.params['W1'], (5, 4)"),
    (dict(gradient=lambda self, x, t: {k: np.full_like(v, np.nan)
                                       for k, v in self.params.items()}), "returned nan"),
])
def test_q8_mistakes_get_their_nudge(methods, phrase, capsys):
    assert_printed(capsys, ex07.q8.check(net_with(**methods)), "wrong", "Question 7.8", phrase)


# ----------------------------------------------------------------------- q9 to_minidl
def variant(weight=lambda W: minidl.tensor(W.T, requires_grad=True),
            bias=lambda b: minidl.tensor(b, requires_grad=True), activation=nn.ReLU):
    def to_minidl(W1, b1, W2, b2):
        model = nn.Sequential(nn.Linear(*W1.shape), activation(), nn.Linear(*W2.shape))
        for linear, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            linear.weight, linear.bias = weight(W), bias(b)
        return model
    return to_minidl


def float32_copy(W1, b1, W2, b2):
    model = nn.Sequential(nn.Linear(*W1.shape), nn.ReLU(), nn.Linear(*W2.shape))
    model[0].weight.data[...] = W1.T
    return model


@pytest.mark.parametrize("answer, phrase", [
    (float32_copy, "nn.Linear is float32 by default"),
    (variant(weight=lambda W: minidl.Tensor(W.T, requires_grad=True)),
     "shares memory with W1"),
    (variant(weight=lambda W: minidl.tensor(W, requires_grad=True)),
     "keeps weight as (out_features, in_features)"),
    (variant(bias=lambda b: minidl.tensor(b)), "The model has 2 parameters"),
    (variant(activation=nn.Sigmoid), "The model must compute Linear, ReLU, Linear"),
    (lambda *p: torch.nn.Linear(2, 2), "returned a torch model"),
    (lambda *p: MODEL["TwoLayerNet"](*p), "returned a TwoLayerNet; return a minidl model"),
    (variant()(*init_params(4)), "Pass the function to_minidl itself"),
    (lambda *p: None, "returned None"),
])
def test_q9_mistakes_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex07.q9.check(answer), "wrong", "Question 7.9", phrase)


def test_q9_raising_and_looping_answers(capsys):
    fn, phrase = hostile_functions(np.abs)["raises"]
    assert_printed(capsys, ex07.q9.check(fn), "wrong", phrase)
    fn, phrase = hostile_functions(np.abs)["never returns"]
    assert_printed(capsys, ex07.q9.check(fn), "wrong", phrase)


# ----------------------------------------------------------------------- q10 training
def train(lr, epochs, net=None, update=None):
    net = net or MODEL["TwoLayerNet"](*init_params())
    X_train, _, y_train, _ = digits()
    with np.errstate(all="ignore"):  # a diverging run overflows
        _train(net, lr, epochs, update, X_train, y_train)
    return net


def _train(net, lr, epochs, update, X_train, y_train):
    for epoch in range(epochs):
        for xb, tb in batches(X_train, y_train, batch_size=32, seed=epoch):
            grads = net.gradient(xb, tb)
            for key in net.params:
                if update:
                    update(net, key, lr * grads[key])
                else:
                    net.params[key] -= lr * grads[key]


def test_q10_model_answer_matches_the_same_training_in_torch(capsys):
    """The model answer's accuracy (printed in the notebook) is what torch measures after the
    same SGD from the same weights over the same batches."""
    out = assert_printed(capsys, ex07.q10.check(MODEL["net"]), "correct",
                         "at least 0.90", "on the 449 test digits")
    accuracy = float(re.search(r"Test accuracy (\d\.\d\d)", out).group(1))
    X_train, X_test, y_train, y_test = digits()
    ts = [torch.tensor(p, requires_grad=True) for p in init_params()]
    for epoch in range(20):
        for xb, tb in batches(X_train, y_train, batch_size=32, seed=epoch):
            logits = torch.relu(torch.from_numpy(xb) @ ts[0] + ts[1]) @ ts[2] + ts[3]
            grads = torch.autograd.grad(TF.cross_entropy(logits, torch.from_numpy(tb)), ts)
            with torch.no_grad():
                for p, g in zip(ts, grads):
                    p -= 0.1 * g
    with torch.no_grad():
        logits = torch.relu(torch.from_numpy(X_test) @ ts[0] + ts[1]) @ ts[2] + ts[3]
    torch_accuracy = (logits.argmax(dim=1).numpy() == y_test).mean()
    assert torch_accuracy >= ex07.THRESHOLD + 0.03  # the stated threshold has a margin
    assert accuracy == pytest.approx(torch_accuracy, abs=0.005)


@pytest.mark.parametrize("lr, epochs", [(0.5, 10), (0.3, 10), (0.1, 20)])
def test_q10_sensible_setups_pass(lr, epochs, capsys):
    assert_printed(capsys, ex07.q10.check(train(lr, epochs)), "correct")


def test_q10_failed_runs_get_a_diagnosis(capsys):
    assert_printed(capsys, ex07.q10.check(train(0.1, 2)), "wrong", "below the 0.90 asked for",
                   "Train longer")
    assert_printed(capsys, ex07.q10.check(train(50.0, 1)), "wrong", "the hidden units have died")
    diverged = MODEL["TwoLayerNet"](*init_params())
    diverged.params["W2"][0, 0] = np.inf
    assert_printed(capsys, ex07.q10.check(diverged), "wrong", "training diverged")
    untrained = MODEL["TwoLayerNet"](*init_params())
    assert_printed(capsys, ex07.q10.check(untrained), "wrong", "chance level")

    def new_arrays(net, key, step):
        net.params[key] = net.params[key] - step
    assert_printed(capsys, ex07.q10.check(train(0.1, 1, update=new_arrays)), "wrong",
                   "no longer holds net.params['W1']", "Update in place")


@pytest.mark.parametrize("answer, phrase", [
    (MODEL["TwoLayerNet"], "That is the class; pass your trained network"),
    (variant()(*init_params()), "That is a minidl model"),
    (torch.nn.Linear(64, 10), "That is a torch model"),
    (3.0, "has no predict() method"),
    (net_with(predict=lambda self, x: np.zeros((len(x), 3)))(*init_params()),
     "returned shape (449, 3); expected (449, 10)"),
    (net_with(predict=lambda self, x: 1 / 0)(*init_params()), "raised ZeroDivisionError"),
])
def test_q10_hostile_answers(answer, phrase, capsys):
    assert_printed(capsys, ex07.q10.check(answer), "wrong", "Question 7.10", phrase)


# ----------------------------------------------------------------------- machinery
def test_ready_waits_for_unpassed_questions_and_then_opens(capsys):
    q = type(ex07.q6)()
    assert not ex07.ready(q, ex07.q1)
    capsys.readouterr()
    q.check(MODEL["numerical_gradient"])
    ex07.q1.check(MODEL["answer"])
    capsys.readouterr()
    assert ex07.ready(q, ex07.q1) and capsys.readouterr().out == ""
    q.check(None)
    capsys.readouterr()
    assert not ex07.ready(q)
    assert capsys.readouterr().out == ("This cell uses your answers to questions 7.6. It runs "
                                       "once they pass; not passed yet: 7.6.\n")


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.number)
def test_hints_are_a_ladder_that_stops_before_the_code(q, capsys):
    fresh = type(q)()
    n = len(fresh.hints)
    for _ in range(n + 1):
        fresh.hint()
    lines = capsys.readouterr().out.splitlines()
    assert n >= 3 and [line.split(":")[0] for line in lines] == \
        [f"Hint {i}/{n}" for i in range(1, n + 1)] + [f"Hint {n}/{n}"]
    code = [line.strip() for line in fresh.solution_code.splitlines()
            if len(line.strip()) > 20 and not line.strip().startswith(("#", "def ", "class "))]
    for hint in fresh.hints:
        assert not any(line in hint for line in code), (hint, code)


def test_the_blank_notebook_counts_ten_questions_not_attempted():
    import nbformat
    nb = nbformat.read(ROOT / "exercises" / "07_capstone.ipynb", as_version=4)
    assert notebook_status(nb) == {f"q{i}": "not attempted" for i in range(1, 11)}


def test_checks_leave_the_learners_random_state_alone(capsys):
    minidl.manual_seed(3)
    before = np.random.get_state()[1].copy(), minidl.randn(2).numpy()
    minidl.manual_seed(3)
    for q, name in [(ex07.q7, "gradient_check"), (ex07.q9, "to_minidl")]:
        q.check(MODEL[name])
    assert np.array_equal(np.random.get_state()[1], before[0])
    assert np.array_equal(minidl.randn(2).numpy(), before[1])
    capsys.readouterr()

