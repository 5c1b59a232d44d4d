"""Exercises 06 (activation experiments): right answers pass, the measured answer keys agree
with the same computations and training runs in torch, typical mistakes get their nudge, and
every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
import minidl.functional as F
from minidl.data import batches, load_digits, train_test_split
from minidl.exercises import ex06
from tests.test_exercises_core import (assert_printed, hostile_choices, hostile_functions,
                                       hostile_numbers, hostile_tuples, model_answers,
                                       short_time_limit)  # noqa: F401

QUESTIONS = [ex06.q1, ex06.q2, ex06.q3, ex06.q4, ex06.q5]


# ----------------------------------------------------------------------- the same runs in torch
def digits():
    X, y = load_digits()
    return train_test_split(X, y, test_fraction=0.25, seed=0)


def torch_mlp(sizes, activation, seed=0) -> tuple[list[torch.Tensor], callable]:
    """torch.nn.Linear's U(-k, k) initialisation drawn from one generator, layer by layer."""
    rng, params = np.random.default_rng(seed), []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        k = 1 / np.sqrt(fan_in)
        params += [torch.tensor(rng.uniform(-k, k, (fan_out, fan_in)).astype(np.float32),
                                requires_grad=True),
                   torch.tensor(rng.uniform(-k, k, fan_out).astype(np.float32),
                                requires_grad=True)]

    def model(x):
        for i in range(0, len(params), 2):
            x = TF.linear(x, params[i], params[i + 1])
            if i + 2 < len(params):
                x = activation(x)
        return x
    return params, model


def torch_fit(params, model, lr: float, epochs: int) -> tuple[list[float], int]:
    """Plain SGD (p -= lr * grad, as torch.optim.SGD without momentum) over the same batches as
    the checks; returns (epoch losses, test images right)."""
    X_train, X_test, y_train, y_test = digits()
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in batches(X_train, y_train, 32, seed=epoch):
            loss = TF.cross_entropy(model(torch.from_numpy(xb)), torch.from_numpy(yb))
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= lr * g
            total += loss.item() * len(yb)
        losses.append(total / len(y_train))
    with torch.no_grad():
        predicted = model(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return losses, int((predicted == y_test).sum())


def number_after(text: str, label: str) -> float:
    return float(re.search(re.escape(label) + r" ?(-?\d+(?:\.\d+)?)", text).group(1))


# ----------------------------------------------------------------------- every question
@pytest.mark.parametrize("q", QUESTIONS)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q is ex06.q1:
        assert_printed(capsys, q.check(stub), "blank")


@pytest.mark.parametrize("q", QUESTIONS[1:])
def test_model_predictions_pass(q, capsys):
    namespace = {"np": np, "F": F}
    exec(q.solution_code, namespace)
    assert_printed(capsys, q.check(namespace["answer"]), "correct")


@pytest.mark.parametrize("q", QUESTIONS)
def test_hints_stop_before_the_code(q):
    code = [line.split("#")[0].strip() for line in q.solution_code.strip().splitlines()]
    for hint in q.hints:
        assert not any(line and not line.startswith("def ") and line in hint for line in code)


def test_every_check_is_fast(capsys):
    for q, answer in ((ex06.q2, 4.35), (ex06.q3, (0.0177, 0.0024, -0.0201)), (ex06.q4, "d"),
                      (ex06.q5, (2, 2, -1))):
        start = time.perf_counter()
        q.check(answer)
        assert time.perf_counter() - start < 3.0, q.number
    capsys.readouterr()


# ----------------------------------------------------------------------- 6.1 accuracy
def torch_accuracy(logits, labels):
    return (torch.from_numpy(logits).argmax(dim=1) == torch.from_numpy(labels)).double().mean()


def test_q1_torch_answer_passes(capsys):
    assert_printed(capsys, ex06.q1.check(lambda *a: torch_accuracy(*a).item()), "correct",
                   "Take it on the logits")


def test_q1_model_answer_passes(capsys):
    assert_printed(capsys, ex06.q1.check(model_answers(ex06.q1)["accuracy"]), "correct")


@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_q1_hostile_functions_get_a_sentence(kind, capsys):
    fn, phrase = hostile_functions(model_answers(ex06.q1)["accuracy"])[kind]
    assert_printed(capsys, ex06.q1.check(fn), "wrong", "Question 6.1", phrase)


def test_q1_mistakes_get_their_nudge(capsys):
    logits, labels = np.array([[0.2, 0.9], [2.0, 1.0]]), np.array([1, 0])
    expected = torch_accuracy(logits, labels).item()
    assert_printed(capsys, ex06.q1.check(lambda x, y: (x.argmax(axis=0) == y).mean()), "wrong",
                   f"accuracy([[0.2, 0.9], [2, 1]], [1, 0]) returned 0.5, expected {expected:g}",
                   "axis=1")
    assert_printed(capsys, ex06.q1.check(lambda x, y: 100 * torch_accuracy(x, y).item()),
                   "wrong", "That is a percentage")
    assert_printed(capsys, ex06.q1.check(lambda x, y: len(y) * torch_accuracy(x, y).item()),
                   "wrong", "number of correct rows")
    assert_printed(capsys, ex06.q1.check(lambda x, y: 1 - torch_accuracy(x, y).item()),
                   "wrong", "the error rate")
    assert_printed(capsys, ex06.q1.check(lambda x, y: x.argmax(axis=1) == y), "wrong",
                   "returned shape (2,), expected shape ()", "one True/False per row")


# ----------------------------------------------------------------------- 6.2 standard error
def test_q2_answer_key(capsys):
    n = len(digits()[3])
    right = np.sqrt(n * 0.956 * 0.044)
    assert n == 449 and right == pytest.approx(4.346, abs=1e-3)
    out = assert_printed(capsys, ex06.q2.check(4.35), "correct", "= 4.35 test images")
    # "sigmoid's gap of about 60 images is more than 13 of them"
    assert int(60 // right) == 13 and "more than 13 of them" in out


@pytest.mark.parametrize("answer, phrase", [
    (np.sqrt(0.956 * 0.044 / 449), "449 times as much"), (449 * 0.956 * 0.044, "square root"),
    (np.sqrt(0.956 * 0.044 / 64), "n = 64"), (np.sqrt(0.956 * 0.044), "Divide by n"),
    (100 * np.sqrt(0.956 * 0.044 / 449), "a percentage"), (3.0, "Compute √(p(1 − p)/n)")])
def test_q2_mistakes_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex06.q2.check(answer), "wrong", "that is not it", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q2_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex06.q2.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- 6.3 derived gradient
def torch_softmax_nll_grad() -> np.ndarray:
    z = torch.tensor(ex06.q3.logits, dtype=torch.float64, requires_grad=True)
    TF.nll_loss(torch.softmax(z, dim=1), torch.tensor(ex06.q3.labels)).backward()
    return z.grad.numpy()


def test_q3_answer_key_matches_torch(capsys):
    right = torch_softmax_nll_grad()[0]
    np.testing.assert_allclose(ex06.q3.gradient()[0], right, rtol=1e-12)
    p = np.exp([2.0, 0.0, -1.0]) / np.exp([2.0, 0.0, -1.0]).sum()  # lesson 06's softmax row
    np.testing.assert_allclose(right, [p[2] * p[0] / 2, p[2] * p[1] / 2, -p[2] * (1 - p[2]) / 2])
    assert_printed(capsys, ex06.q3.check(tuple(np.round(right, 4))), "correct",
                   "[0.01772, 0.002399, -0.02012]", "24 times harder")


def test_q3_mistakes_get_their_nudge(capsys):
    right = torch_softmax_nll_grad()[0]
    p = np.exp([2.0, 0.0, -1.0]) / np.exp([2.0, 0.0, -1.0]).sum()
    onehot = np.array([0.0, 0.0, 1.0])
    for answer, phrase in ((2 * right, "divides it by N = 2"),
                           ((p - onehot) / 2, "cross-entropy's gradient, (p − onehot)/N"),
                           (p - onehot, "cross-entropy's gradient for one image"),
                           (-right, "The signs are flipped"),
                           ((0, 0, right[2]), "Softmax couples the logits"),
                           ((0, 0, -0.5), "with respect to the probabilities"),
                           ((0.1, 0.1, 0.1), "p_2 = 0.0420")):
        assert_printed(capsys, ex06.q3.check(tuple(answer)), "wrong",
                       "The gradient with respect to z[0, ", phrase)


@pytest.mark.parametrize("kind", list(hostile_tuples(3)))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(3)[kind]
    assert_printed(capsys, ex06.q3.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- 6.4 measured
def torch_first_layer_grad_norm(activation, hidden_layers, seed=0) -> float:
    X_train, _, y_train, _ = digits()
    params, model = torch_mlp((64,) + (32,) * hidden_layers + (10,), activation, seed)
    TF.cross_entropy(model(torch.from_numpy(X_train)), torch.from_numpy(y_train)).backward()
    return params[0].grad.norm().item()


def test_q4_answer_key_matches_torch(capsys):
    ratios = []
    for seed in (0, 1, 2):  # the answer does not hang on the seed
        s1, s3 = (torch_first_layer_grad_norm(torch.sigmoid, d, seed) for d in (1, 3))
        ratios.append(s1 / s3)
        assert ex06.q4.letter_for(s1 / s3) == "d"
    r1, r3 = (torch_first_layer_grad_norm(torch.relu, d) for d in (1, 3))
    out = assert_printed(capsys, ex06.q4.check("D"), "correct", "vanishing gradient")
    assert number_after(out, "‖∂L/∂W1‖ =") == pytest.approx(
        torch_first_layer_grad_norm(torch.sigmoid, 1), rel=1e-3)
    assert number_after(out, "with three,") == pytest.approx(ratios[0], rel=0.01)
    assert number_after(out, f"{r3:.3g},") == pytest.approx(r1 / r3, rel=0.01)
    # the explanation's estimate, 1/0.14² ≈ 50, is the right size for every seed
    assert all(30 < r < 100 for r in ratios)
    for letter in "abc":
        assert_printed(capsys, ex06.q4.check(letter), "wrong", f'You chose "{letter}"',
                       "times smaller")


@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_choices()[kind]
    assert_printed(capsys, ex06.q4.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- 6.5 the experiment
def test_q5_model_answer_matches_the_same_training_in_torch(capsys):
    out = assert_printed(capsys, ex06.q5.check((2, 2, -1)), "correct", "exactly tanh")
    params, model = torch_mlp((64, 32, 10), lambda z: 2 * torch.sigmoid(2 * z) - 1)
    losses, correct = torch_fit(params, model, ex06.q5.lr, ex06.q5.epochs)
    _, relu = torch_fit(*torch_mlp((64, 32, 10), torch.relu), ex06.q5.lr, ex06.q5.epochs)
    assert number_after(out, "c=-1 (slope at 0: 1, value at 0: 0):") == pytest.approx(correct,
                                                                                      abs=2)
    assert number_after(out, "(ReLU:") == pytest.approx(relu, abs=2)
    assert correct >= relu + 2  # the model answer is not a borderline pass
    assert number_after(out, "training loss") == pytest.approx(losses[0], abs=0.01)
    assert number_after(out, "→") == pytest.approx(losses[-1], abs=0.01)


@pytest.mark.parametrize("answer", [(4, 1, -2), (1, 4, -0.5), [2.0, 2.0, -1.0],
                                    np.array([4.0, 2.0, -2.0])])
def test_q5_other_slope_one_centred_sigmoids_pass(answer, capsys):
    assert_printed(capsys, ex06.q5.check(answer), "correct")


@pytest.mark.parametrize("answer, phrase", [
    ((1, 1, 0), "slope at 0 is a·b/4 = 0.25"), ((2, 1, -1), "a·b/4 = 0.5"),
    ((4, 1, 0), "The value at 0 is a/2 + c = 2"), ((8, 8, -4), "steps are too large"),
    ((-8, 8, 4), "steps are too large")])
def test_q5_failed_runs_get_a_diagnosis(answer, phrase, capsys):
    assert_printed(capsys, ex06.q5.check(answer), "wrong", "fewer than ReLU", phrase)


@pytest.mark.parametrize("answer, phrase", [((0, 1, 1), "the constant 1"),
                                            ((3, 0, 1), "the constant 2.5")])
def test_q5_constant_activations_are_explained(answer, phrase, capsys):
    assert_printed(capsys, ex06.q5.check(answer), "wrong", phrase, "different from 0")


@pytest.mark.parametrize("kind", list(hostile_tuples(3)))
def test_q5_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(3)[kind]
    assert_printed(capsys, ex06.q5.check(answer), "wrong", phrase)


def test_q5_huge_values_do_not_break_the_check(capsys):
    assert_printed(capsys, ex06.q5.check((1e30, 1e30, 0)), "wrong", "fewer than ReLU")


def test_q5_run_explores_without_checking(capsys):
    correct = ex06.q5.run((1, 1, 0))
    out = capsys.readouterr().out
    assert out.startswith("a·σ(b·x) + c with a=1, b=1, c=0 (slope at 0: 0.25, value at 0: "
                          "0.5): training loss per epoch ") and out.count("\n") == 1
    assert number_after(out, "0.61;") == correct
    assert "ReLU, same recipe:" in out
    assert ex06.q5.run("relu") is None
    assert capsys.readouterr().out.startswith("Could not train: Your answer is a str")


def test_q5_leaves_the_learners_random_state_alone(capsys):
    minidl.manual_seed(3)
    before = np.random.get_state()[1].copy(), minidl.randn(2).numpy()
    minidl.manual_seed(3)
    ex06.q5.check((2, 2, -1))
    ex06.q4.check("d")
    assert np.array_equal(np.random.get_state()[1], before[0])
    assert np.array_equal(minidl.randn(2).numpy(), before[1])
    capsys.readouterr()
