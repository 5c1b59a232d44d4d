"""Exercises 04 (losses): right answers pass (torch as the oracle), typical mistakes get their
nudge, and every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from minidl.exercises import ex04
from tests.test_exercises_core import (assert_printed, hostile_choices,
                                       hostile_functions, model_answers,
                                       short_time_limit)  # noqa: F401

QUESTIONS = [ex04.q1, ex04.q2, ex04.q3, ex04.q4, ex04.q5]
FUNCTION_QUESTIONS = {"q1": "huber", "q2": "huber_grad", "q3": "mae_grad",
                      "q5": "bce_with_logits"}


def t(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x), dtype=torch.float64)


def torch_huber(pred, target, delta=1.0):
    return TF.huber_loss(t(pred), t(target), delta=delta).numpy()


def torch_grad(loss_fn, pred, target, **options):
    p = t(pred).requires_grad_()
    loss_fn(p, t(target), **options).backward()
    return p.grad.numpy()


def torch_huber_grad(pred, target, delta=1.0):
    return torch_grad(TF.huber_loss, pred, target, delta=delta)


def torch_mae_grad(pred, target):
    return torch_grad(TF.l1_loss, pred, target)


def torch_bce(logits, target):
    return TF.binary_cross_entropy_with_logits(t(logits), t(target)).numpy()


@pytest.mark.parametrize("q, answer", [(ex04.q1, torch_huber), (ex04.q2, torch_huber_grad),
                                       (ex04.q3, torch_mae_grad), (ex04.q5, torch_bce)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex04, key)
    assert_printed(capsys, q.check(model_answers(q)[name]), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex04, key)
    correct = model_answers(q)[name]
    fn, phrase = hostile_functions(correct)[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


@pytest.mark.parametrize("q", QUESTIONS)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q is not ex04.q4:
        assert_printed(capsys, q.check(stub), "blank")


def test_q1_names_the_input_the_expected_value_and_a_nudge(capsys):
    pred, target = np.array([1.5, 0.0, 4.0, -1.0]), np.array([1.0, 0.3, 1.0, 1.0])
    expected = torch_huber(pred, target)

    def half_mse(pred, target, delta=1.0):
        return (0.5 * (pred - target) ** 2).mean()
    assert_printed(capsys, ex04.q1.check(half_mse), "wrong",
                   "huber([1.5, 0, 4, -1], [1, 0.3, 1, 1], 1) returned 1.6675, expected "
                   f"{float(expected):.6g}", "That is half the MSE")

    def ignores_delta(pred, target, delta=1.0):
        return torch_huber(pred, target)
    assert_printed(capsys, ex04.q1.check(ignores_delta), "wrong",
                   f"expected {float(torch_huber(pred, target, 2.5)):.6g}",
                   "use the delta argument")

    def no_half(pred, target, delta=1.0):
        a = np.abs(pred - target)
        return np.where(a < delta, 0.5 * a ** 2, delta * a).mean()
    assert_printed(capsys, ex04.q1.check(no_half), "wrong", "not δ|d|")

    def elementwise(pred, target, delta=1.0):
        return TF.huber_loss(t(pred), t(target), delta=delta, reduction="none").numpy()
    assert_printed(capsys, ex04.q1.check(elementwise), "wrong",
                   "returned shape (4,), expected shape ()", "one loss per element")
    assert_printed(capsys, ex04.q1.check(lambda p, tg, delta=1.0: elementwise(p, tg).sum()),
                   "wrong", "That is the sum")


def test_q2_mistakes_get_their_nudge(capsys):
    def unclipped(pred, target, delta=1.0):
        return (pred - target) / pred.size
    assert_printed(capsys, ex04.q2.check(unclipped), "wrong",
                   "returned 0.75 for pred = 4 (index (2,)), expected 0.25", "clip d")
    assert_printed(capsys, ex04.q2.check(lambda p, tg, delta=1.0: -torch_huber_grad(p, tg, delta)),
                   "wrong", "The sign is flipped")
    assert_printed(capsys, ex04.q2.check(lambda p, tg, delta=1.0: np.clip(p - tg, -delta, delta)),
                   "wrong", "Divide by the number of elements")
    assert_printed(capsys, ex04.q2.check(
        lambda p, tg, delta=1.0: np.clip(p - tg, -delta, delta) / len(p)),
        "wrong", "not len(pred)")
    assert_printed(capsys, ex04.q2.check(lambda p, tg, delta=1.0: torch_huber_grad(p, tg)),
                   "wrong", "use the delta argument")


def test_q3_mistakes_get_their_nudge(capsys):
    def mse_like(pred, target):
        return (pred - target) / pred.size
    assert_printed(capsys, ex04.q3.check(mse_like), "wrong",
                   "returned -0.5 for pred = -1 (index (1,)), expected -0.25",
                   "the derivative of |d| is sign(d)")
    assert_printed(capsys, ex04.q3.check(lambda p, tg: np.sign(p - tg) / len(p)), "wrong",
                   "not len(pred)")
    assert_printed(capsys, ex04.q3.check(lambda p, tg: np.sign(tg - p) / p.size), "wrong",
                   "The sign is flipped")


def best_constants(data) -> dict[str, float]:
    """The minimisers, independently: MSE the mean, MAE the median, Huber (δ = 1) the root of
    its gradient Σ clip(c − y, −1, 1), which increases with c (found by bisection)."""
    y = np.asarray(data)
    low, high = y.min(), y.max()
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if np.clip(mid - y, -1, 1).sum() < 0 else (low, mid)
    return {"MSE": float(y.mean()), "MAE": float(np.median(y)), "Huber": float(low)}


def test_q4_answer_key_and_story_match_an_independent_computation(capsys):
    clean, dirty = best_constants(ex04.q4.clean), best_constants(ex04.q4.dirty)
    shifts = {k: abs(dirty[k] - clean[k]) for k in clean}
    assert min(shifts, key=shifts.get) == "MAE"
    story = "; ".join(f"{k}{' (δ = 1)' if k == 'Huber' else ''} {clean[k]:.2f} → {dirty[k]:.2f}"
                      for k in clean)
    assert_printed(capsys, ex04.q4.check(" (B) "), "correct", story, "the median")
    assert_printed(capsys, ex04.q4.check("a"), "wrong", 'You chose "a" (MSE)', story)
    assert_printed(capsys, ex04.q4.check("c"), "wrong", 'You chose "c" (Huber', "not zero")


@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_choices()[kind]
    assert_printed(capsys, ex04.q4.check(answer), "wrong", phrase)


def test_q5_is_finite_at_1e4_and_names_the_overflow(capsys):
    def naive(logits, target):
        p = 1 / (1 + np.exp(-logits))
        return -(target * np.log(p) + (1 - target) * np.log(1 - p)).mean()
    x, y = np.array([1e4, -1e4, 800.0, -800.0, 30.0]), np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    expected = float(torch_bce(x, y))
    assert np.isfinite(expected)
    assert_printed(capsys, ex04.q5.check(naive), "wrong", "returned nan",
                   f"where {expected:.6g} was expected", "never overflows")

    def both_branches(logits, target):  # np.where evaluates both: overflows, but unused
        x, tg = logits, target
        return np.where(x >= 0, x * (1 - tg) + np.log1p(np.exp(-x)),
                        -x * tg + np.log1p(np.exp(x))).mean()
    assert_printed(capsys, ex04.q5.check(both_branches), "correct")


def test_q5_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex04.q5.check(lambda x, tg: torch_bce(x, 1 - tg)), "wrong",
                   "The target is swapped")
    assert_printed(capsys, ex04.q5.check(lambda x, tg: -torch_bce(x, tg)), "wrong",
                   "The sign is flipped")
