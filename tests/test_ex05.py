"""Exercises 05 (cross-entropy and NLL): right answers pass (torch as the oracle), typical
mistakes get their nudge, and every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
from minidl.exercises import ex05
from tests.test_exercises_core import (assert_printed, hostile_functions,
                                       hostile_numbers, model_answers,
                                       short_time_limit)  # noqa: F401

QUESTIONS = [ex05.q1, ex05.q2, ex05.q3, ex05.q4, ex05.q5]
SOLVED = QUESTIONS[:4]  # the model cross_entropy calls the model log_softmax and nll_loss
FUNCTION_QUESTIONS = {"q1": "log_softmax", "q2": "nll_loss", "q3": "cross_entropy",
                      "q4": "cross_entropy_grad"}


def t(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x), dtype=torch.float64)


def torch_log_softmax(x):
    return torch.log_softmax(t(x), dim=-1).numpy()


def torch_nll_loss(log_probs, target):
    return TF.nll_loss(t(log_probs), torch.from_numpy(target)).numpy()


def torch_cross_entropy(logits, target):
    return TF.cross_entropy(t(logits), torch.from_numpy(target)).numpy()


def torch_cross_entropy_grad(logits, target):
    x = t(logits).requires_grad_()
    TF.cross_entropy(x, torch.from_numpy(target)).backward()
    return x.grad.numpy()


@pytest.mark.parametrize("q, answer", [
    (ex05.q1, torch_log_softmax), (ex05.q2, torch_nll_loss), (ex05.q3, torch_cross_entropy),
    (ex05.q4, torch_cross_entropy_grad)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex05, key)
    assert_printed(capsys, q.check(model_answers(*SOLVED)[name]), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex05, key)
    correct = model_answers(*SOLVED)[name]
    fn, phrase = hostile_functions(correct)[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


@pytest.mark.parametrize("q", QUESTIONS)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q is not ex05.q5:
        assert_printed(capsys, q.check(stub), "blank")


def test_q1_naive_log_softmax_overflows_kindly(capsys):
    def naive(x):
        return np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    expected = torch_log_softmax(x)[0, 0]
    assert_printed(capsys, ex05.q1.check(naive), "wrong",
                   f"returned nan for x = 1000 (index (0, 0)) where {expected:.6g} was expected",
                   "Subtract each row's maximum")


def test_q1_mistakes_get_their_nudge(capsys):
    def columns(x):
        return torch.log_softmax(t(x), dim=0).numpy()
    assert_printed(capsys, ex05.q1.check(columns), "wrong", "log_softmax([[2, -1], [0.5, 3]])",
                   f"expected {torch_log_softmax(np.array([[2.0, -1.0], [0.5, 3.0]]))[0, 0]:.6g}",
                   "not axis 0")

    def no_keepdims(x):
        m = x.max(axis=-1)
        return x - m - np.log(np.exp(x - m).sum(axis=-1))
    assert_printed(capsys, ex05.q1.check(no_keepdims), "wrong", "Use keepdims=True")
    assert_printed(capsys, ex05.q1.check(lambda x: torch.softmax(t(x), -1).numpy()), "wrong",
                   "That is softmax")
    assert_printed(capsys, ex05.q1.check(lambda x: x - x.max(axis=-1, keepdims=True)),
                   "wrong", "also subtract")


def test_q2_mistakes_get_their_nudge(capsys):
    def columns(log_probs, target):
        return -log_probs[:, target].mean()
    log_probs, target = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])), np.array([0, 2])
    assert_printed(capsys, ex05.q2.check(columns), "wrong",
                   f"[0, 2]) returned {-log_probs[:, target].mean():.6g}, expected "
                   f"{float(torch_nll_loss(log_probs, target)):.6g}", "one entry per row")
    assert_printed(capsys, ex05.q2.check(lambda lp, tg: -torch_nll_loss(lp, tg)), "wrong",
                   "put a minus sign")
    assert_printed(capsys, ex05.q2.check(
        lambda lp, tg: TF.nll_loss(t(lp), torch.from_numpy(tg), reduction="sum").numpy()),
        "wrong", "That is the sum")
    assert_printed(capsys, ex05.q2.check(
        lambda lp, tg: TF.nll_loss(t(lp), torch.from_numpy(tg), reduction="none").numpy()),
        "wrong", "returned shape (2,), expected shape ()", "one loss per sample")


def test_q3_mistakes_get_their_nudge(capsys):
    answers = model_answers(*SOLVED)
    assert_printed(capsys, ex05.q3.check(lambda x, tg: answers["nll_loss"](x, tg)), "wrong",
                   "apply log_softmax to the logits first")
    assert_printed(capsys, ex05.q3.check(
        lambda x, tg: answers["nll_loss"](torch.softmax(t(x), -1).numpy(), tg)),
        "wrong", "The log is missing")

    def naive_log_softmax(x):
        return np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))
    x, target = np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]), np.array([1, 2])
    expected = float(torch_cross_entropy(x, target))
    assert_printed(capsys, ex05.q3.check(
        lambda x, tg: answers["nll_loss"](naive_log_softmax(x), tg)),
        "wrong", f"where {expected:.6g} was expected", "points to log_softmax")


def test_q4_mistakes_get_their_nudge(capsys):
    def no_onehot(logits, target):
        return torch.softmax(t(logits), -1).numpy() / len(logits)
    logits, target = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 2])
    assert_printed(capsys, ex05.q4.check(no_onehot), "wrong",
                   "cross_entropy_grad([[2, 0.5, -1], [0, 1, 3]], [0, 2]) returned "
                   f"{no_onehot(logits, target)[0, 0]:.6g} for logits = 2 (index (0, 0)), "
                   f"expected {torch_cross_entropy_grad(logits, target)[0, 0]:.6g}",
                   "Subtract the one-hot target")
    assert_printed(capsys, ex05.q4.check(
        lambda x, tg: torch_cross_entropy_grad(x, tg) * len(x)), "wrong", "Divide by N")
    assert_printed(capsys, ex05.q4.check(
        lambda x, tg: torch_cross_entropy_grad(x, tg) * len(x) / x.size), "wrong",
        "not by the number of entries")
    assert_printed(capsys, ex05.q4.check(lambda x, tg: -torch_cross_entropy_grad(x, tg)),
                   "wrong", "The sign is flipped")

    def naive(logits, target):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        return (p - np.eye(logits.shape[1])[target]) / len(logits)
    assert_printed(capsys, ex05.q4.check(naive), "wrong", "returned nan for logits = 10000",
                   "Compute the softmax stably")


def test_q5_answer_key_matches_torch(capsys):
    uniform = TF.cross_entropy(torch.zeros(4, 10), torch.tensor([0, 3, 6, 9])).item()
    assert uniform == pytest.approx(math.log(10), rel=1e-6)
    assert_printed(capsys, ex05.q5.check(uniform), "correct", f"{math.log(10):.4f}")
    assert_printed(capsys, ex05.q5.check(2.30), "correct")
    assert_printed(capsys, ex05.q5.check(np.array(math.log(10))), "correct")
    assert_printed(capsys, ex05.q5.check(minidl.tensor(math.log(10))), "correct")


@pytest.mark.parametrize("answer, phrase", [
    (0.1, "the probability of each class, 1/10"), (-math.log(10), "The sign is flipped"),
    (math.log2(10), "natural logarithm"), (1.0, "not log10"), (0.9, "error rate"),
    (0, "needs probability 1"), (5, "You answered 5.")])
def test_q5_wrong_numbers_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex05.q5.check(answer), "wrong", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q5_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex05.q5.check(answer), "wrong", phrase)


def test_q5_model_answer_is_a_number():
    namespace = {"np": np}
    exec(ex05.q5.solution_code, namespace)
    assert namespace["answer"] == pytest.approx(math.log(10))
