"""Exercises 04 (losses): right answers pass (torch as the oracle), typical mistakes get their
nudge, and every hostile answer gets one sentence, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from minidl.exercises import ex04
from tests.test_exercises_core import (assert_printed, hostile_functions, hostile_tuples,
                                       model_answers, short_time_limit)  # noqa: F401

QUESTIONS = [ex04.q1, ex04.q2, ex04.q3, ex04.q4, ex04.q5]
FUNCTION_QUESTIONS = {"q1": "huber", "q5": "bce_with_logits"}


def t(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x), dtype=torch.float64)


def torch_huber(pred, target, delta=1.0):
    return TF.huber_loss(t(pred), t(target), delta=delta).numpy()


def torch_grad(loss_fn, pred, target, **options):
    p = t(pred).requires_grad_()
    loss_fn(p, t(target), **options).backward()
    return p.grad.numpy()


def torch_bce(logits, target):
    return TF.binary_cross_entropy_with_logits(t(logits), t(target)).numpy()


@pytest.mark.parametrize("q, answer", [(ex04.q1, torch_huber), (ex04.q5, torch_bce)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("q", QUESTIONS)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q in (ex04.q1, ex04.q5):
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


def test_q2_answer_key_matches_torch(capsys):
    pred, target = np.array(ex04.q2.pred), np.array(ex04.q2.target)
    grad = torch_grad(TF.huber_loss, pred, target, delta=2.0)
    assert_printed(capsys, ex04.q2.check(tuple(grad)), "correct",
                   "minidl's autograd gives [0.125, -0.5, 0.25, 0.5]")
    assert_printed(capsys, ex04.q2.check(grad), "correct")
    mistakes = [
        (torch_grad(TF.huber_loss, pred, target, delta=2.0, reduction="sum"),
         "reduction='mean' divides each by N = 4"),
        (torch_grad(TF.huber_loss, pred, target, delta=1.0), "That is the gradient for δ = 1"),
        (torch_grad(TF.mse_loss, pred, target), "2d/N is the gradient of the MSE"),
        ((pred - target) / 4, "capped at ±δ/N"),
        (-grad, "The signs are flipped"),
        (np.sign(pred - target) * 2 / 4, "Inside |d| < δ the gradient is d/N"),
    ]
    for answer, phrase in mistakes:
        assert_printed(capsys, ex04.q2.check(tuple(answer)), "wrong", "Question 4.2", phrase)
    assert_printed(capsys, ex04.q2.check((0.125, -0.5, 0.25, 1.0)), "wrong",
                   "pred[3] (pred 6, target 2) is not 1.", "d = 4")


@pytest.mark.parametrize("kind", list(hostile_tuples(4)))
def test_q2_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(4)[kind]
    assert_printed(capsys, ex04.q2.check(answer), "wrong", phrase)


def best_constants(data) -> dict[str, float]:
    """The minimisers, independently: MSE the mean, MAE the median, Huber (δ = 1) the root of
    its gradient Σ clip(c − y, −1, 1), which increases with c (found by bisection)."""
    y = np.asarray(data)
    low, high = y.min(), y.max()
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if np.clip(mid - y, -1, 1).sum() < 0 else (low, mid)
    return {"MSE": float(y.mean()), "MAE": float(np.median(y)), "Huber": float(low)}


def test_q3_answer_key_and_story_match_an_independent_computation(capsys):
    best = best_constants(ex04.q3.data)
    answer = (best["MSE"], best["MAE"], best["Huber"])
    assert np.allclose(answer, (2.12, 0.2, 0.4))
    story = f"MSE {best['MSE']:.2f}, MAE {best['MAE']:.2f}, Huber (δ = 1) {best['Huber']:.2f}"
    assert_printed(capsys, ex04.q3.check(answer), "correct", story, "4c − 0.6 = 1")
    assert_printed(capsys, ex04.q3.check(np.round(answer, 3)), "correct")
    mean, median = best["MSE"], best["MAE"]
    cases = [((median, median, 0.4), "not the best constant for MSE", "That is the median"),
             ((mean, mean, 0.4), "not the best constant for MAE", "That is the mean"),
             ((mean, median, median), "for Huber (δ = 1)", "Huber is not MAE"),
             ((mean, median, mean), "for Huber (δ = 1)", "caps the outlier's push"),
             ((mean, median, 0.15), "for Huber (δ = 1)", "as if the outlier were gone"),
             ((mean, median, 0.6), "for Huber (δ = 1)", "Σ clip(c − yᵢ, −1, 1) = 0"),
             ((3.0, median, 0.4), "3 is not the best constant for MSE", "the mean of the five")]
    for answer, *phrases in cases:
        assert_printed(capsys, ex04.q3.check(answer), "wrong", "Question 4.3", *phrases)


@pytest.mark.parametrize("kind", list(hostile_tuples(3)))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(3)[kind]
    assert_printed(capsys, ex04.q3.check(answer), "wrong", phrase)


def test_q4_answer_key_matches_torch_and_the_definition(capsys):
    p, q = t(ex04.q4.p), t(ex04.q4.q)
    a = TF.kl_div(q.log(), p, reduction="sum").item()
    b = TF.kl_div(p.log(), q, reduction="sum").item()
    assert np.isclose(a, (p * (p / q).log()).sum().item())   # KL(p || q)
    assert np.isclose(b, (q * (q / p).log()).sum().item())   # KL(q || p)
    assert a > 0 and b > 0 and not np.isclose(a, b)
    assert_printed(capsys, ex04.q4.check((a, b)), "correct", f"KL(p ‖ q) = {a:.4f}",
                   f"KL(q ‖ p) = {b:.4f}", "not a distance")
    assert_printed(capsys, ex04.q4.check((round(a, 3), round(b, 3))), "correct")
    # torch's reduction='batchmean' on one 1-D distribution divides by its 3 entries
    per_class = TF.kl_div(q.log(), p, reduction="batchmean").item()
    assert np.isclose(per_class, a / 3)
    cross_entropy = -(p * q.log()).sum().item()
    cases = [((b, a), "The two are swapped"),
             ((-a, b), "never negative", "upside down"),
             ((a, -b), "b = F.kl_div(np.log(p), q, reduction='sum') is not", "never negative"),
             ((per_class, b), "divides by the 3 classes"),
             ((a / np.log(2), b), "log base 2"),
             ((a, b / np.log(10)), "log base 10"),
             ((cross_entropy, b), "That is the cross-entropy"),
             ((a, a), "not symmetric"),
             ((a, 1.0), "one term per class")]
    for answer, *phrases in cases:
        assert_printed(capsys, ex04.q4.check(answer), "wrong", "Question 4.4", *phrases)


@pytest.mark.parametrize("kind", list(hostile_tuples(2)))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(2)[kind]
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


def test_q5_explanation_shows_the_learners_own_value_at_1e4(capsys):
    assert_printed(capsys, ex04.q5.check(torch_bce), "correct",
                   "bce_with_logits([1e4, -1e4], [0, 1]) = 10000")


def test_no_hint_gives_the_answer_away():
    """Hints lead to the idea and the key formula; code and numeric answers live in solution()."""
    for q, secrets in ((ex04.q1, ("np.where(", ".mean()", "return ")),
                       (ex04.q2, ("0.125", "0.25", "0.5)")),
                       (ex04.q3, ("2.12", "0.4", "0.2")),
                       (ex04.q4, ("0.55", "0.75")),
                       (ex04.q5, ("np.maximum", "max(x, 0)", "np.log1p(np.exp", "return "))):
        for hint in q.hints:
            assert not any(s in hint for s in secrets), (q.number, hint)
