"""Exercises 06 (activation experiments): right answers pass, the measured answer keys agree
with the same experiments run in torch, typical mistakes get their nudge, and every hostile
answer gets one sentence, never a traceback."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
import minidl.functional as F
from minidl import nn
from minidl.data import batches, load_digits, train_test_split
from minidl.exercises import _core, ex06
from tests.test_exercises_core import (assert_printed, hostile_choices,
                                       hostile_functions, model_answers,
                                       short_time_limit)  # noqa: F401

QUESTIONS = [ex06.q1, ex06.q2, ex06.q3, ex06.q4, ex06.q5]
FUNCTION_QUESTIONS = {"q2": "accuracy", "q4": "dead_fraction"}


@pytest.fixture
def time_to_train(monkeypatch):
    """Training takes a few tenths of a second: allow it (the autouse fixture allows 0.2 s)."""
    monkeypatch.setattr(_core, "TIME_LIMIT", 30.0)


# ----------------------------------------------------------------------- the same runs in torch
def digits():
    X, y = load_digits()
    return train_test_split(X, y, test_fraction=0.25, seed=0)


def torch_layer(rng: np.random.Generator, fan_in: int, fan_out: int) -> list[torch.Tensor]:
    """torch.nn.Linear's U(-k, k) initialisation, drawn from `rng` (weights, then bias)."""
    k = 1 / np.sqrt(fan_in)
    return [torch.tensor(rng.uniform(-k, k, (fan_out, fan_in)).astype(np.float32),
                         requires_grad=True),
            torch.tensor(rng.uniform(-k, k, fan_out).astype(np.float32), requires_grad=True)]


def torch_mlp(hidden: int, activation) -> tuple[list[torch.Tensor], callable]:
    rng = np.random.default_rng(0)
    w1, b1 = torch_layer(rng, 64, hidden)
    w2, b2 = torch_layer(rng, hidden, 10)
    return [w1, b1, w2, b2], lambda x: TF.linear(activation(TF.linear(x, w1, b1)), w2, b2)


def torch_fit(params, model, loss_fn, lr: float, epochs: int) -> tuple[list[float], float]:
    """Plain SGD (p -= lr * grad, as torch.optim.SGD without momentum) over the same batches as
    the checks; returns (epoch losses, test accuracy)."""
    X_train, X_test, y_train, y_test = digits()
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in batches(X_train, y_train, 32, seed=epoch):
            loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= lr * g
            total += loss.item() * len(yb)
        losses.append(total / len(y_train))
    with torch.no_grad():
        predicted = model(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return losses, float((predicted == y_test).mean())


def numbers_after(text: str, label: str) -> float:
    return float(re.search(re.escape(label) + r" (-?\d+\.\d+)", text).group(1))


# ----------------------------------------------------------------------- every question
@pytest.mark.parametrize("q", QUESTIONS)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q in (ex06.q2, ex06.q4):
        assert_printed(capsys, q.check(stub), "blank")


# ----------------------------------------------------------------------- q1 and q3: measured
def test_q1_answer_key_matches_the_same_training_in_torch(capsys):
    out = assert_printed(capsys, ex06.q1.check("B"), "correct", "the cross-entropy")
    torch_acc = {}
    for name, out_fn in [("softmax", lambda z: torch.softmax(z, 1)),
                         ("log_softmax", lambda z: torch.log_softmax(z, 1)),
                         ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)]:
        w, b = torch_layer(np.random.default_rng(0), 64, 10)

        def model(x, w=w, b=b):
            return TF.linear(x, w, b)
        _, torch_acc[name] = torch_fit([w, b], model,
                                       lambda z, y, f=out_fn: TF.nll_loss(f(z), y),
                                       ex06.q1.lr, ex06.q1.epochs)
        assert numbers_after(out, f" {name}") == pytest.approx(torch_acc[name], abs=0.01)
    assert max(torch_acc, key=torch_acc.get) == "log_softmax"


@pytest.mark.parametrize("letter, phrase", [("a", "ten times less"), ("c", "exactly zero"),
                                            ("d", "goes negative")])
def test_q1_wrong_choices_are_explained(letter, phrase, capsys):
    assert_printed(capsys, ex06.q1.check(letter), "wrong", f'You chose "{letter}"', phrase,
                   "log_softmax 0.")


def test_q3_answer_key_matches_torch(capsys):
    X_train, _, y_train, _ = digits()
    norms = {}
    for name, activation in [("ReLU", torch.relu), ("sigmoid", torch.sigmoid)]:
        params, model = torch_mlp(32, activation)
        TF.cross_entropy(model(torch.from_numpy(X_train[:256])),
                         torch.from_numpy(y_train[:256])).backward()
        norms[name] = params[0].grad.norm().item()
    ratio = norms["ReLU"] / norms["sigmoid"]
    assert 1.5 < ratio <= 20  # option c
    out = assert_printed(capsys, ex06.q3.check("c"), "correct", "learns more slowly")
    assert numbers_after(out, "‖∂L/∂W1‖ =") == pytest.approx(norms["ReLU"], rel=1e-3)
    assert numbers_after(out, "with ReLU,") == pytest.approx(norms["sigmoid"], rel=1e-3)
    for letter in "abd":
        assert_printed(capsys, ex06.q3.check(letter), "wrong", f'You chose "{letter}"',
                       f"{ratio:.2f} times smaller")


@pytest.mark.parametrize("q", [ex06.q1, ex06.q3])
@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_choice_questions_hostile_answers(q, kind, capsys):
    answer, phrase = hostile_choices()[kind]
    assert_printed(capsys, q.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- q2 and q4: functions
def torch_accuracy(logits, labels):
    return (torch.from_numpy(logits).argmax(dim=1) == torch.from_numpy(labels)).double().mean()


def torch_dead_fraction(pre):
    return (torch.relu(torch.from_numpy(pre)) == 0).all(dim=0).double().mean()


@pytest.mark.parametrize("q, answer", [(ex06.q2, torch_accuracy), (ex06.q4, torch_dead_fraction)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(lambda *a: answer(*a).item()), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex06, key)
    assert_printed(capsys, q.check(model_answers(q)[name]), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex06, key)
    correct = model_answers(q)[name]
    fn, phrase = hostile_functions(correct)[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


def test_q2_mistakes_get_their_nudge(capsys):
    logits, labels = np.array([[0.2, 0.9], [2.0, 1.0]]), np.array([1, 0])
    expected = torch_accuracy(logits, labels).item()
    assert_printed(capsys, ex06.q2.check(lambda x, y: (x.argmax(axis=0) == y).mean()), "wrong",
                   f"accuracy([[0.2, 0.9], [2, 1]], [1, 0]) returned 0.5, expected {expected:g}",
                   "axis=1")
    assert_printed(capsys, ex06.q2.check(lambda x, y: 100 * torch_accuracy(x, y).item()),
                   "wrong", "That is a percentage")
    assert_printed(capsys, ex06.q2.check(lambda x, y: len(y) * torch_accuracy(x, y).item()),
                   "wrong", "number of correct rows")
    assert_printed(capsys, ex06.q2.check(lambda x, y: 1 - torch_accuracy(x, y).item()),
                   "wrong", "the error rate")
    assert_printed(capsys, ex06.q2.check(lambda x, y: x.argmax(axis=1) == y), "wrong",
                   "returned shape (2,), expected shape ()", "one True/False per row")


def test_q4_mistakes_get_their_nudge(capsys):
    pre = np.array([[-1.0, 0.5], [-2.0, -0.1], [-0.3, 0.2]])
    expected = torch_dead_fraction(pre).item()
    assert_printed(capsys, ex06.q4.check(lambda p: (p <= 0).mean()), "wrong",
                   f"returned 0.666667, expected {expected:g}", "for every sample")
    assert_printed(capsys, ex06.q4.check(lambda p: (p <= 0).all(axis=1).mean()), "wrong",
                   ".all(axis=0)")
    assert_printed(capsys, ex06.q4.check(lambda p: (p <= 0).all(axis=0).sum()), "wrong",
                   "number of dead units")
    assert_printed(capsys, ex06.q4.check(lambda p: 1 - torch_dead_fraction(p).item()), "wrong",
                   "live units")


# ----------------------------------------------------------------------- q5: the experiment
def test_q5_model_answer_matches_the_same_training_in_torch(time_to_train, capsys):
    namespace = {"F": F}
    exec(ex06.q5.solution_code, namespace)
    answer = {"activation": namespace["activation"], "lr": namespace["lr"]}
    out = assert_printed(capsys, ex06.q5.check(answer), "correct", "at least 0.92")
    params, model = torch_mlp(ex06.q5.hidden, torch.relu)
    losses, accuracy = torch_fit(params, model, TF.cross_entropy, answer["lr"], ex06.q5.epochs)
    assert accuracy >= ex06.q5.threshold
    assert numbers_after(out, "the test accuracy is") == pytest.approx(accuracy, abs=0.01)
    assert numbers_after(out, "training loss") == pytest.approx(losses[0], abs=1e-3)
    assert numbers_after(out, "→") == pytest.approx(losses[-1], abs=1e-3)


@pytest.mark.parametrize("activation", [F.tanh, nn.ReLU(), lambda x: x * F.sigmoid(x)])
def test_q5_other_activations_pass(activation, time_to_train, capsys):
    assert_printed(capsys, ex06.q5.check({"activation": activation, "lr": 0.5}), "correct")


@pytest.mark.parametrize("activation, lr, phrase", [
    (F.sigmoid, 0.1, "steps are too small"), (F.relu, 5.0, "steps are too large"),
    (F.tanh, 5.0, "steps are too large"), (F.step, 0.5, "The first layer never changed")])
def test_q5_failed_runs_get_a_diagnosis(activation, lr, phrase, time_to_train, capsys):
    assert_printed(capsys, ex06.q5.check({"activation": activation, "lr": lr}), "wrong",
                   "below the 0.92 needed", phrase)


def raises(x):
    raise ValueError("boom")


def mutates(x):
    x.data[...] = 0.0
    return F.relu(x)


def loops(x):
    while True:
        pass


def stub(x):
    raise NotImplementedError()


HOSTILE_ACTIVATIONS = {
    "raises": (raises, "raises(x) raised ValueError: boom"),
    "numpy": (lambda x: np.maximum(x.data, 0), "returned a NumPy array"),
    "torch tensor": (lambda x: torch.relu(torch.from_numpy(x.data)), "returned a torch.Tensor"),
    "torch function": (torch.relu, "comes from torch"),
    "list": (lambda x: x.data.tolist(), "returned a list; expected a minidl Tensor"),
    "none": (lambda x: None, "returned None"),
    "shape": (lambda x: x.sum(dim=1), "returned shape (32,) for an input of shape (32, 32)"),
    "nan": (lambda x: x * float("nan"), "returned NaN or inf for finite inputs"),
    "inf": (lambda x: x * float("inf"), "returned NaN or inf for finite inputs"),
    "mutates": (mutates, "mutates(x) changed its input in place"),
    "detached": (lambda x: minidl.tensor(np.maximum(x.data, 0)), "cannot trace back to x"),
    "class": (nn.ReLU, "the class ReLU; pass an instance, ReLU()"),
    "text": ("relu", "the text 'relu'"),
    "number": (3, "activation is 3; pass a function"),
}


@pytest.mark.parametrize("kind", list(HOSTILE_ACTIVATIONS))
def test_q5_hostile_activations_get_a_sentence(kind, time_to_train, capsys):
    activation, phrase = HOSTILE_ACTIVATIONS[kind]
    assert_printed(capsys, ex06.q5.check({"activation": activation, "lr": 0.1}), "wrong",
                   "Question 6.5", phrase)


def test_q5_endless_activation_is_stopped(capsys):  # the autouse fixture: a 0.2 s limit
    assert_printed(capsys, ex06.q5.check({"activation": loops, "lr": 0.1}), "wrong",
                   "did not finish within 0.2 seconds")


@pytest.mark.parametrize("lr, phrase", [
    ("0.1", "The learning rate is the text '0.1'"), (-1, "it must be positive"),
    (float("nan"), "The learning rate is nan"), ([0.1], "The learning rate is a list"),
    (torch.tensor(0.1), "The learning rate is a torch.Tensor")])
def test_q5_hostile_learning_rates(lr, phrase, capsys):
    assert_printed(capsys, ex06.q5.check({"activation": F.relu, "lr": lr}), "wrong", phrase)


@pytest.mark.parametrize("answer", [(F.relu, 0.5), {"activation": F.relu}, "relu",
                                    {"activation": F.relu, "lr": 0.5, "epochs": 50}])
def test_q5_answer_must_be_the_dict(answer, capsys):
    assert_printed(capsys, ex06.q5.check(answer), "wrong", "Pass a dict")


@pytest.mark.parametrize("answer", [{"activation": None, "lr": None},
                                    {"activation": F.relu, "lr": None},
                                    {"activation": stub, "lr": 0.1}])
def test_q5_blank_choices_are_not_attempted(answer, capsys):
    assert_printed(capsys, ex06.q5.check(answer), "blank")


def test_q5_run_explores_without_checking(time_to_train, capsys):
    accuracy = ex06.q5.run(F.tanh, 0.5)
    out = capsys.readouterr().out
    assert out.startswith("tanh, lr=0.5: training loss per epoch ") and out.count("\n") == 1
    assert numbers_after(out, "test accuracy") == pytest.approx(accuracy, abs=5e-5)
    assert ex06.q5.run(None, 0.5) is None
    assert "Choose an activation" in capsys.readouterr().out
    assert ex06.q5.run(raises, 0.5) is None
    assert capsys.readouterr().out.startswith("Could not train: raises(x) raised ValueError")


def test_q5_leaves_the_learners_random_state_alone(time_to_train, capsys):
    minidl.manual_seed(3)
    before = np.random.get_state()[1].copy(), minidl.randn(2).numpy()
    minidl.manual_seed(3)
    ex06.q5.check({"activation": F.relu, "lr": 0.5})
    assert np.array_equal(np.random.get_state()[1], before[0])
    assert np.array_equal(minidl.randn(2).numpy(), before[1])
    capsys.readouterr()
