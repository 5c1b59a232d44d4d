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
FUNCTION_QUESTIONS = {"q2": "nll_loss", "q3": "log_softmax", "q5": "cross_entropy_grad"}
STEPS = ([0.0, -4.0, 0.0], [0.5, -0.75, 0.25], [0.125, -0.1875, 0.0625])  # 5.4, by hand


def t(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x), dtype=torch.float64)


def torch_log_softmax(x):
    return torch.log_softmax(t(x), dim=-1).numpy()


def torch_nll_loss(log_probs, target):
    return TF.nll_loss(t(log_probs), torch.from_numpy(target)).numpy()


def torch_cross_entropy_grad(logits, target, weight=None):
    x = t(logits).requires_grad_()
    TF.cross_entropy(x, torch.from_numpy(target),
                     weight=None if weight is None else t(weight)).backward()
    return x.grad.numpy()


def model() -> dict:
    return model_answers(*QUESTIONS)  # 5.5's model answer calls 5.3's log_softmax


@pytest.mark.parametrize("q, answer", [
    (ex05.q2, torch_nll_loss), (ex05.q3, torch_log_softmax), (ex05.q5, torch_cross_entropy_grad)])
def test_torch_answers_pass(q, answer, capsys):
    assert_printed(capsys, q.check(answer), "correct", f"Question {q.number}")


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.number)
def test_blank_answers_are_not_attempted(q, capsys):
    def stub(*args):
        raise NotImplementedError()

    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")
    if q in (ex05.q2, ex05.q3, ex05.q5):
        assert_printed(capsys, q.check(stub), "blank")


def _code_lines(solution_code: str) -> list[str]:
    """The lines of a model answer that hold its computation (not `def ...:` or comments)."""
    lines = [ln.split("#")[0].strip() for ln in solution_code.strip().splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("def ")]


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.number)
def test_hints_stop_before_the_code(q):
    """No hint gives away a line of the model answer (solution() is where the code lives)."""
    for line in _code_lines(q.solution_code):
        body = line.removeprefix("return ").removeprefix("answer = ")
        assert all(body not in hint for hint in q.hints), (q.number, body)
    for hint in ex05.q2.hints:
        assert "np.arange" not in hint and "log_probs[" not in hint
    for hint in ex05.q3.hints:
        assert "keepdims=True" not in hint and "np.log(np.exp" not in hint
    for hint in ex05.q4.hints:  # the derivation's numbers are the learner's to find
        assert not any(v in hint for v in ("−4", "-4", "0.75", "0.1875", "0.125"))
    assert all("2.30" not in hint for hint in ex05.q1.hints)


# ----------------------------------------------------------------------------- 5.1
def test_q1_answer_key_matches_torch(capsys):
    uniform = TF.cross_entropy(torch.zeros(64, 10), torch.arange(64) % 10).item()
    assert uniform == pytest.approx(math.log(10), rel=1e-6)
    out = assert_printed(capsys, ex05.q1.check(uniform), "correct", f"{math.log(10):.4f}",
                         "(1/10)^64")
    assert "e^(−64·2.3026)" in out and math.log(10 ** -64) == pytest.approx(-64 * math.log(10))
    assert_printed(capsys, ex05.q1.check(2.30), "correct")
    assert_printed(capsys, ex05.q1.check(np.array(math.log(10))), "correct")
    assert_printed(capsys, ex05.q1.check(minidl.tensor(math.log(10))), "correct")


def test_q1_model_answer_is_a_number():
    namespace = {"np": np}
    exec(ex05.q1.solution_code, namespace)
    assert namespace["answer"] == pytest.approx(math.log(10))


@pytest.mark.parametrize("answer, phrase", [
    (0.1, "the probability of each class, 1/10"), (-math.log(10), "The sign is flipped"),
    (64 * math.log(10), "the sum over the 64 images"),
    (math.log2(10), "natural logarithm"), (1.0, "not log10"), (0.9, "error rate"),
    (0, "needs probability 1"), (5, "You answered 5.")])
def test_q1_wrong_numbers_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex05.q1.check(answer), "wrong", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q1_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex05.q1.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------------- 5.2, 5.3
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
    assert_printed(capsys, ex05.q2.check(lambda lp, tg: -lp.mean()), "wrong",
                   "Only the log-probability of the correct class counts")


def test_q3_naive_log_softmax_overflows_kindly(capsys):
    def naive(x):
        return np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    expected = torch_log_softmax(x)[0, 0]
    assert_printed(capsys, ex05.q3.check(naive), "wrong",
                   f"returned nan for x = 1000 (index (0, 0)) where {expected:.6g} was expected",
                   "Subtract each row's maximum")


def test_q3_mistakes_get_their_nudge(capsys):
    def columns(x):
        return torch.log_softmax(t(x), dim=0).numpy()
    assert_printed(capsys, ex05.q3.check(columns), "wrong", "log_softmax([[2, -1], [0.5, 3]])",
                   f"expected {torch_log_softmax(np.array([[2.0, -1.0], [0.5, 3.0]]))[0, 0]:.6g}",
                   "not axis 0")

    def no_keepdims(x):
        m = x.max(axis=-1)
        return x - m - np.log(np.exp(x - m).sum(axis=-1))
    assert_printed(capsys, ex05.q3.check(no_keepdims), "wrong", "Use keepdims=True")
    assert_printed(capsys, ex05.q3.check(lambda x: torch.softmax(t(x), -1).numpy()), "wrong",
                   "That is softmax")
    assert_printed(capsys, ex05.q3.check(lambda x: x - x.max(axis=-1, keepdims=True)),
                   "wrong", "also subtract")


def test_q3_explanation_states_the_identity_the_lesson_shows():
    answers = model()
    x = np.array([[1e4, 0.0, -1e4], [0.3, -0.2, 2.0]])
    y = np.array([1, 2])
    ours = answers["nll_loss"](answers["log_softmax"](x), y)
    assert ours == pytest.approx(TF.cross_entropy(t(x), torch.from_numpy(y)).item(), rel=1e-12)


# ----------------------------------------------------------------------------- 5.4
def test_q4_the_steps_by_hand_are_torchs(capsys):
    """The three expected vectors, computed by torch's autograd: ∂(−log p_y)/∂p, then the
    gradient through softmax, then the batch mean (the sample is row 0 of a batch of 4)."""
    p = t([0.5, 0.25, 0.25]).requires_grad_()
    (-torch.log(p[1])).backward()
    assert np.allclose(p.grad.numpy(), STEPS[0])
    x = torch.log(t([0.5, 0.25, 0.25])).requires_grad_()   # softmax(log p) = p
    TF.cross_entropy(x[None], torch.tensor([1])).backward()
    assert np.allclose(x.grad.numpy(), STEPS[1])
    batch = torch.cat([torch.log(t([[0.5, 0.25, 0.25]])), t([[3.0, -1, 0], [0, 0, 0], [1, 2, 3]])])
    batch.requires_grad_()
    TF.cross_entropy(batch, torch.tensor([1, 0, 2, 1])).backward()
    assert np.allclose(batch.grad.numpy()[0], STEPS[2])
    assert np.allclose(ex05.q4.autograd_row(), STEPS[2])
    out = assert_printed(capsys, ex05.q4.check(*STEPS), "correct", "p_j − δ_yj",
                         "[0.5, -0.75, 0.25]", "gives [0.125, -0.1875, 0.0625] for its row")
    assert "Question 5.5" in out


def test_q4_model_answer_passes_and_is_a_derivation(capsys):
    namespace = {"np": np}
    exec(ex05.q4.solution_code, namespace)
    assert "J" in namespace and "@" in ex05.q4.solution_code  # built from the Jacobian
    assert_printed(capsys, ex05.q4.check(namespace["dL_dp"], namespace["dL_dx"],
                                         namespace["dmean_dx"]), "correct")


@pytest.mark.parametrize("form", [
    lambda v: v, lambda v: tuple(v), np.array, minidl.tensor,
    lambda v: [round(x, 4) for x in v], lambda v: np.array(v, dtype=np.float32)])
def test_q4_accepts_every_form_of_three_numbers(form, capsys):
    assert_printed(capsys, ex05.q4.check(*(form(s) for s in STEPS)), "correct")


def test_q4_reports_progress_step_by_step(capsys):
    assert_printed(capsys, ex05.q4.check(), "blank")
    assert_printed(capsys, ex05.q4.check(STEPS[0]), "wrong",
                   "Step 1 is right. Now step 2: set dL_dx (still None)")
    assert_printed(capsys, ex05.q4.check(*STEPS[:2]), "wrong",
                   "Steps 1 and 2 are right. Now step 3: set dmean_dx")
    assert_printed(capsys, ex05.q4.check(None, *STEPS[1:]), "wrong",
                   "Start with step 1: set dL_dp (still None)")
    assert_printed(capsys, ex05.q4.check(tuple(STEPS)), "wrong",
                   "Pass the three steps as three arguments")


@pytest.mark.parametrize("dL_dp, phrase", [
    ([0, 4, 0], "∂L/∂p_y is negative: −1/p_y"), ([0, -0.25, 0], "The derivative of log u is 1/u"),
    ([0, math.log(4), 0], "That is the loss −log p_y itself"),
    ([-2, -4, -4], "the other two entries of ∂L/∂p are 0"),
    ([-2, 0, 0], "The label is y = 1: the entry at index 1"),
    ([0, 0, -4], "The label is y = 1"), ([1, 2, 3], "depends on p only through p_y")])
def test_q4_step1_mistakes_get_their_nudge(dL_dp, phrase, capsys):
    assert_printed(capsys, ex05.q4.check(dL_dp, *STEPS[1:]), "wrong", "Step 1: dL_dp = ", phrase)


@pytest.mark.parametrize("dL_dx, phrase", [
    ([0, -0.75, 0], "You kept only the diagonal of the Jacobian"),
    ([-0.5, 0.75, -0.25], "The sign is flipped"),
    ([-0.125, 0.1875, -0.0625], "row y of the Jacobian"),
    ([0, -1, 0], "not times p elementwise"), (STEPS[2], "That already divides by N"),
    ([1, 1, 1], "Multiply the row vector ∂L/∂p by the Jacobian")])
def test_q4_step2_mistakes_get_their_nudge(dL_dx, phrase, capsys):
    assert_printed(capsys, ex05.q4.check(STEPS[0], dL_dx, STEPS[2]), "wrong",
                   "Step 2: dL_dx = ", phrase)


@pytest.mark.parametrize("dmean_dx, phrase", [
    (STEPS[1], "this sample's L enters it with the factor 1/4"), ([2, -3, 1], "Divide by N = 4"),
    ([0.5 / 12, -0.75 / 12, 0.25 / 12], "not by N·C"), ([0, -1, 0], "That is step 1 divided by N"),
    ([1, 1, 1], "the mean of the 4 samples' losses")])
def test_q4_step3_mistakes_get_their_nudge(dmean_dx, phrase, capsys):
    assert_printed(capsys, ex05.q4.check(*STEPS[:2], dmean_dx), "wrong",
                   "Step 3: dmean_dx = ", phrase)


@pytest.mark.parametrize("answer, phrase", [
    ((float("nan"), 0, 0), "Entry 1 of dL_dp is nan"), ([0, -4], "dL_dp has 2 entries"),
    (torch.tensor(STEPS[0]), "dL_dp is a torch.Tensor"), ("0, -4, 0", "dL_dp is a str"),
    (-4.0, "dL_dp is a float; give a tuple of 3 numbers"), (np.zeros((3, 1)), "give exactly 3"),
    (model_answers, "dL_dp is the function model_answers")])
def test_q4_hostile_answers_get_a_sentence(answer, phrase, capsys):
    assert_printed(capsys, ex05.q4.check(answer, *STEPS[1:]), "wrong", phrase)


# ----------------------------------------------------------------------------- 5.5
WEIGHTED = (np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [0.5, 0.5, 0.0], [1.0, -2.0, 0.0]]),
            np.array([0, 2, 2, 1]), np.array([1.0, 3.0, 0.5]))


def test_q5_reference_is_torchs_weighted_cross_entropy():
    for x, y, w in [WEIGHTED, (np.array([[1e4, 0.0, -1e4], [0.0, 2.0, 1.0]]), np.array([1, 0]),
                               np.array([2.0, 0.25, 1.0]))]:
        assert np.allclose(ex05.q5.reference(x, y, w), torch_cross_entropy_grad(x, y, w),
                           atol=1e-12)
    x, y, _ = WEIGHTED
    assert np.allclose(ex05.q5.reference(x, y), torch_cross_entropy_grad(x, y), atol=1e-12)


def unweighted(logits, target, weight=None):
    return torch_cross_entropy_grad(logits, target)


def weighted_by_n(logits, target, weight=None):
    if weight is None:
        return torch_cross_entropy_grad(logits, target)
    g = torch_cross_entropy_grad(logits, target) * len(target)          # p − onehot
    return g * weight[target][:, None] / len(target)


def weighted_by_column(logits, target, weight=None):
    if weight is None:
        return torch_cross_entropy_grad(logits, target)
    g = torch_cross_entropy_grad(logits, target) * len(target)
    return g * weight[None, :] / weight[target].sum()


@pytest.mark.parametrize("answer, phrase", [
    (unweighted, "The weights are ignored"),
    (weighted_by_n, "divides by the total weight Σ_n w[target[n]], not by N"),
    (weighted_by_column, "the same number for its whole row, not w[j] for each column j")])
def test_q5_weight_mistakes_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex05.q5.check(answer), "wrong", "cross_entropy_grad(", "[1, 3, 0.5])",
                   phrase)


def test_q5_mistakes_get_their_nudge(capsys):
    def no_onehot(logits, target, weight=None):
        return torch.softmax(t(logits), -1).numpy() / len(logits)
    logits, target = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 2])
    assert_printed(capsys, ex05.q5.check(no_onehot), "wrong",
                   "cross_entropy_grad([[2, 0.5, -1], [0, 1, 3]], [0, 2]) returned "
                   f"{no_onehot(logits, target)[0, 0]:.6g} for logits = 2 (index (0, 0)), "
                   f"expected {torch_cross_entropy_grad(logits, target)[0, 0]:.6g}",
                   "Subtract the one-hot target")
    assert_printed(capsys, ex05.q5.check(
        lambda x, tg, w=None: torch_cross_entropy_grad(x, tg) * len(x)), "wrong", "Divide by N")
    assert_printed(capsys, ex05.q5.check(
        lambda x, tg, w=None: torch_cross_entropy_grad(x, tg) * len(x) / x.size), "wrong",
        "not by the number of entries")
    assert_printed(capsys, ex05.q5.check(lambda x, tg, w=None: -torch_cross_entropy_grad(x, tg)),
                   "wrong", "The sign is flipped")
    assert_printed(capsys, ex05.q5.check(lambda x, tg: torch_cross_entropy_grad(x, tg)),
                   "wrong", "[1, 3, 0.5]) raised TypeError")

    def naive(logits, target, weight=None):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        s = np.ones(len(target)) if weight is None else weight[target]
        return (p - np.eye(logits.shape[1])[target]) * s[:, None] / s.sum()
    assert_printed(capsys, ex05.q5.check(naive), "wrong", "returned nan for logits = 10000",
                   "Compute the softmax stably")
