"""Exercises 01 (activations): right answers pass (torch as the oracle), typical mistakes get
their nudge, and every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
from minidl.exercises import ex01
from tests.test_exercises_core import (assert_printed, hostile_choices,
                                       hostile_functions, hostile_numbers,
                                       model_answers, short_time_limit)  # noqa: F401

FUNCTION_QUESTIONS = {"q1": "leaky_relu", "q2": "leaky_relu_derivative", "q5": "softplus"}


def torch_leaky_relu(x, negative_slope=0.01):
    return torch.nn.functional.leaky_relu(torch.from_numpy(np.asarray(x)), negative_slope).numpy()


def torch_leaky_relu_derivative(x, negative_slope=0.01):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.leaky_relu(t, negative_slope).sum().backward()
    return t.grad.numpy()


def torch_softplus(x, beta=1.0):
    return torch.nn.functional.softplus(torch.from_numpy(np.asarray(x, dtype=np.float64)),
                                        beta=beta).numpy()


def torch_tanh_chain_grad(h0, w=1.5, depth=10):
    h0 = torch.tensor(h0, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(depth):
        h = torch.tanh(w * h)
    h.backward()
    return h0.grad.item()


@pytest.mark.parametrize("q, answer", [
    (ex01.q1, torch_leaky_relu), (ex01.q2, torch_leaky_relu_derivative),
    (ex01.q5, torch_softplus)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("key, answer", [("q3", "c"), ("q4", 1.5 ** 10)])
def test_model_predictions_pass(key, answer, capsys):
    q = getattr(ex01, key)
    namespace: dict = {}
    exec(q.solution_code, namespace)
    assert namespace["answer"] == answer
    assert_printed(capsys, q.check(answer), "correct")


def _code_lines(solution_code: str) -> list[str]:
    """The lines of a model answer that hold its computation (not `def ...:` or comments)."""
    lines = [ln.split("#")[0].strip() for ln in solution_code.strip().splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("def ")]


@pytest.mark.parametrize("q", [ex01.q1, ex01.q2, ex01.q3, ex01.q4, ex01.q5],
                         ids=lambda q: q.number)
def test_hints_stop_before_the_code(q):
    """No hint gives away a line of the model answer (solution() is where the code lives),
    and no prediction's hint states its answer."""
    for line in _code_lines(q.solution_code):
        body = line.removeprefix("return ").removeprefix("answer = ")
        assert all(body not in hint for hint in q.hints), (q.number, body)
    assert all("57.6" not in hint and "1.5**10" not in hint.replace(" ", "")
               for hint in ex01.q4.hints)
    assert all("4.54" not in hint and "4.5e-5" not in hint for hint in ex01.q3.hints)


@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_choices()[kind]
    assert_printed(capsys, ex01.q3.check(answer), "wrong", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex01.q4.check(answer), "wrong", phrase)


@pytest.mark.parametrize("q", [ex01.q1, ex01.q2, ex01.q3, ex01.q4, ex01.q5])
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    assert_printed(capsys, q.check(stub), "blank" if q in (ex01.q1, ex01.q2, ex01.q5) else
                   "wrong")


def test_q1_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex01.q1.check(lambda x, negative_slope=0.01: np.maximum(x, 0)),
                   "wrong", "returned 0 for x = -3 (index (0,)), expected -0.03", "That is relu")

    def ignores_slope(x, negative_slope=0.01):
        return np.where(x > 0, x, 0.01 * x)
    assert_printed(capsys, ex01.q1.check(ignores_slope), "wrong",
                   "returned -0.02 for x = -2 (index (0, 0)), expected -0.4")

    def no_default(x, negative_slope):
        return np.where(x > 0, x, negative_slope * x)
    assert_printed(capsys, ex01.q1.check(no_default), "wrong", "raised TypeError")

    def in_place(x, negative_slope=0.01):
        x[x < 0] *= negative_slope
        return x
    assert_printed(capsys, ex01.q1.check(in_place), "wrong",
                   "changed its input x in place: at index (0,) -3 became -0.03")


def test_q2_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex01.q2.check(torch_leaky_relu), "wrong",
                   "That is leaky_relu itself")
    assert_printed(capsys, ex01.q2.check(lambda x, negative_slope=0.01: x > 0), "wrong",
                   "returned 0 for x = -2 (index (0,)), expected 0.01", "That is relu's derivative")
    assert_printed(capsys, ex01.q2.check(lambda x, negative_slope=0.01: 1.0), "wrong",
                   "returned shape (), expected shape (5,)")

    def forgot_slope_argument(x, negative_slope=0.01):
        return np.where(x > 0, 1.0, 0.01)
    assert_printed(capsys, ex01.q2.check(forgot_slope_argument), "wrong",
                   "[[-5, 0.5], [2, 0]], 0.2) returned 0.01 for x = -5 (index (0, 0)), "
                   "expected 0.2")


def at_kink(value):
    """A leaky_relu derivative that returns value(negative_slope) at x = 0 (and the right
    slopes elsewhere)."""
    def leaky_relu_derivative(x, negative_slope=0.01):
        return np.where(x > 0, 1.0, np.where(x < 0, negative_slope, value(negative_slope)))
    return leaky_relu_derivative


@pytest.mark.parametrize("value, phrase", [
    (lambda a: a, "you chose negative_slope, the convention torch and minidl use too"),
    (lambda a: 1.0, "you chose 1, the right piece's slope"),
    (lambda a: 0.5, "you chose 0.5, a valid subgradient"),
    (lambda a: (a + 1) / 2, "you chose 0.505, a valid subgradient")])
def test_q2_any_subgradient_at_the_kink_is_right(value, phrase, capsys):
    # checked with the default slope 0.01 and with negative_slope = 0.2
    assert_printed(capsys, ex01.q2.check(at_kink(value)), "correct", phrase)


@pytest.mark.parametrize("value", [0.0, -1.0, 1.5, float("nan")])
def test_q2_a_value_outside_the_two_slopes_at_the_kink_is_wrong(value, capsys):
    assert_printed(capsys, ex01.q2.check(at_kink(lambda a: value)), "wrong",
                   "at x = 0, the kink", "between 0.01 (the left piece) and 1 (the right piece)",
                   "torch and minidl use negative_slope, 0.01")


def test_q2_kink_rule_matches_torch_and_the_subgradient_definition():
    # torch's value at 0 is negative_slope (a convention) ...
    assert torch_leaky_relu_derivative(np.array([0.0]), 0.2)[0] == pytest.approx(0.2)
    # ... and every g in [a, 1] is a subgradient of the convex leaky_relu at 0:
    # leaky_relu(x) >= leaky_relu(0) + g * x for all x
    x = np.linspace(-3, 3, 601)
    for g in (0.2, 0.6, 1.0):
        assert np.all(torch_leaky_relu(x, 0.2) >= g * x - 1e-12)
    for g in (0.1, 1.1):
        assert not np.all(torch_leaky_relu(x, 0.2) >= g * x - 1e-12)


def test_q3_answer_key_matches_torch(capsys):
    z = torch.tensor(10.0, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).backward()
    assert z.grad.item() == pytest.approx(4.54e-5, rel=1e-3)  # option c's claim
    z32 = torch.tensor(17.0, requires_grad=True)
    torch.sigmoid(z32).backward()
    assert z32.grad.item() == 0.0  # option d's claim: exactly 0 in float32 from about 17
    for letter in "abd":
        assert_printed(capsys, ex01.q3.check(letter), "wrong", f'You chose "{letter}"')
    assert_printed(capsys, ex01.q3.check(" (C) "), "correct", "4.54e-5", "gives 4.54e-05")
    assert f"{minidl.derivative(minidl.functional.sigmoid, np.array([10.0]))[0]:.2e}" == "4.54e-05"


def test_q4_answer_key_matches_torch(capsys):
    grad = torch_tanh_chain_grad(0.0)
    assert grad == pytest.approx(57.665, rel=1e-4)
    out = assert_printed(capsys, ex01.q4.check(grad), "correct", "1.5**10 = 57.67",
                         "minidl.derivative on the chain gives 57.67")
    # the contrast the explanation prints: the same chain started at h0 = 0.5
    assert f"{torch_tanh_chain_grad(0.5):.1e}" in out and "6.0e-04" in out
    assert_printed(capsys, ex01.q4.check(57.5), "correct")  # within 1 %
    assert_printed(capsys, ex01.q4.check(56.0), "wrong")


@pytest.mark.parametrize("answer, phrase", [
    (0.375 ** 10, "sigmoid's peak slope 0.25"), (0.25 ** 10, "without the weights"),
    (15.0, "it does not add them"), (1.5, "one layer's factor"), (1, "w = 1.5, not 1"),
    (0, "tanh'(z) is 0 nowhere"), (3.0, "You answered 3; that is not it. Follow h0 = 0")])
def test_q4_wrong_numbers_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex01.q4.check(answer), "wrong", phrase)


def test_q5_naive_softplus_overflows_kindly(capsys):
    assert_printed(capsys, ex01.q5.check(lambda x, beta=1.0: np.log(1 + np.exp(beta * x)) / beta),
                   "wrong", "returned inf for x = 1000 (index (3,)) where 1000 was expected",
                   "so that exp never sees a large number")


def test_q5_beta_mistakes_get_their_nudge(capsys):
    def no_division(x, beta=1.0):
        return TF.softplus(torch.tensor(beta * x), beta=1.0).numpy()

    def beta_outside_only(x, beta=1.0):
        return TF.softplus(torch.tensor(x)).numpy() / beta
    assert_printed(capsys, ex01.q5.check(no_division), "wrong",
                   "softplus([-300, -1, 0, 0.5, 300], 5)", "without the factor 1/β")
    assert_printed(capsys, ex01.q5.check(beta_outside_only), "wrong",
                   "β multiplies x inside the exponential")
    assert_printed(capsys, ex01.q5.check(lambda x, beta=1.0: np.maximum(x, 0)), "wrong",
                   "That is relu")
    assert_printed(capsys, ex01.q5.check(lambda x: ex01._softplus(x)), "wrong",
                   "softplus([-300, -1, 0, 0.5, 300], 5) raised TypeError")


def test_q5_explanation_about_torchs_threshold_is_true(capsys):
    x = np.linspace(-50, 50, 2001)
    for beta in (1.0, 5.0):
        exact = ex01._softplus(x, beta)
        assert np.abs(torch_softplus(x, beta) - exact).max() < 1e-8
        assert np.array_equal(torch_softplus(x[beta * x > 20], beta), x[beta * x > 20])
    assert_printed(capsys, ex01.q5.check(torch_softplus), "correct", "less than 1e-8")
