"""Exercises 01 (activations): right answers pass (torch as the oracle), typical mistakes get
their nudge, and every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest
import torch

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


def torch_softplus(x):
    return torch.nn.functional.softplus(torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy()


@pytest.mark.parametrize("q, answer", [
    (ex01.q1, torch_leaky_relu), (ex01.q2, torch_leaky_relu_derivative),
    (ex01.q5, torch_softplus)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex01, key)
    assert_printed(capsys, q.check(model_answers(q)[name]), "correct")


@pytest.mark.parametrize("key, answer", [("q3", "c"), ("q4", 0.25)])
def test_model_predictions_pass(key, answer, capsys):
    q = getattr(ex01, key)
    namespace: dict = {}
    exec(q.solution_code, namespace)
    assert namespace["answer"] == answer
    assert_printed(capsys, q.check(answer), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex01, key)
    fn, phrase = hostile_functions(model_answers(q)[name])[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


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
                   "That is relu's derivative")
    assert_printed(capsys, ex01.q2.check(lambda x, negative_slope=0.01: 1.0), "wrong",
                   "returned shape (), expected shape (4,)")


def test_q3_answer_key_matches_torch(capsys):
    z = torch.tensor(10.0, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).backward()
    assert z.grad.item() == pytest.approx(4.54e-5, rel=1e-3)  # option c's claim
    z32 = torch.tensor(17.0, requires_grad=True)
    torch.sigmoid(z32).backward()
    assert z32.grad.item() == 0.0  # option d's claim: exactly 0 in float32 from about 17
    for letter in "abd":
        assert_printed(capsys, ex01.q3.check(letter), "wrong", f'You chose "{letter}"')
    assert_printed(capsys, ex01.q3.check(" (C) "), "correct", "4.54e-5")


def test_q4_answer_key_matches_torch(capsys):
    z = torch.linspace(-10, 10, 20001, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).sum().backward()
    peak = z.grad.max().item()
    assert_printed(capsys, ex01.q4.check(peak), "correct", "0.25**10 ≈ 9.5e-7")
    assert 0.25 ** 10 == pytest.approx(9.5e-7, rel=0.01)
    assert_printed(capsys, ex01.q4.check(0.5), "wrong", "You answered 0.5", "p(1 − p)")


def test_q5_naive_softplus_overflows_kindly(capsys):
    assert_printed(capsys, ex01.q5.check(lambda x: np.log(1 + np.exp(x))), "wrong",
                   "returned inf for x = 1000 (index (3,)) where 1000 was expected",
                   "so that exp never sees a large number")
