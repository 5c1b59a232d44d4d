"""Exercises 03 (the engine and ReLU curve fitting): right answers pass (torch as the oracle),
every subgradient is accepted at the kink, the measured answer keys agree with the same
computations in torch, typical mistakes get their nudge, every hostile answer gets one
sentence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from minidl.exercises import _core, ex03
from tests.test_exercises_core import (assert_printed, hostile_functions, hostile_numbers,
                                       hostile_tuples, model_answers,
                                       short_time_limit)  # noqa: F401

FUNCTION_QUESTIONS = {"q1": "leaky_relu_backward", "q2": "tent"}


def torch_leaky_backward(x, grad_output, negative_slope):
    t = torch.tensor(x, requires_grad=True)
    torch.nn.functional.leaky_relu(t, negative_slope).backward(torch.tensor(grad_output))
    return t.grad.numpy()


def interpolated_tent(x):
    return np.interp(x, [0.0, 0.5, 2.5], [0.0, 1.0, 0.0])


def test_independent_answers_pass(capsys, monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 3.0)  # torch's first autograd call is slow
    assert_printed(capsys, ex03.q1.check(torch_leaky_backward), "correct",
                   "slope negative_slope, as torch does")
    assert_printed(capsys, ex03.q2.check(interpolated_tent), "correct")


# ----------------------------------------------------------------------- 3.1: any subgradient
@pytest.mark.parametrize("slope_at_zero, phrase", [
    (lambda a: a, "slope negative_slope, as torch does"),   # torch's convention (x > 0)
    (lambda a: 1.0, "slope 1 (a test x >= 0)"),             # the other end of the interval
    (lambda a: (a + 1) / 2, "valid subgradient"),           # anything in between
])
def test_q1_accepts_every_subgradient_at_the_kink(slope_at_zero, phrase, capsys):
    def backward(x, g, a):
        return np.where(x > 0, g, np.where(x < 0, a * g, slope_at_zero(a) * g))
    assert_printed(capsys, ex03.q1.check(backward), "correct", phrase, "is a convention")


def test_q1_relu_with_x_ge_0_passes_when_the_slope_is_used(capsys):
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: np.where(x >= 0, g, a * g)), "correct")


def test_q1_rejects_a_value_outside_the_subgradients(capsys):
    def backward(x, g, a):
        return np.where(x > 0, g, np.where(x < 0, a * g, 2.0 * g))
    assert_printed(capsys, ex03.q1.check(backward), "wrong",
                   "negative_slope=0.1) returned 2 at x = 0 (index (0, 1)), where grad_output "
                   "is 1", "any slope between negative_slope and 1", "between 0.1 and 1")


def test_q1_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: np.where(x > 0, 1.0, a)), "wrong",
                   "That is the local slope alone")
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: g * (x > 0)), "wrong",
                   "returned 0 for x = -1.5 (index (0, 0)), expected 0.05",
                   "slope is negative_slope, not 0")
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: np.where(x > 0, x, a * x)), "wrong",
                   "That is the forward pass")
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: np.where(x > 0, a * g, g)), "wrong",
                   "The slopes are swapped")
    assert_printed(capsys, ex03.q1.check(lambda x, g, a: np.where(g > 0, g, a * g)), "wrong",
                   "not from the gradient")

    def zero_in_place(x, grad_output, negative_slope):  # the article's layer: dout[mask] = 0
        grad_output[x <= 0] *= negative_slope
        return grad_output
    assert_printed(capsys, ex03.q1.check(zero_in_place), "wrong",
                   "changed its input grad_output in place: at index (0, 0) 0.5 became 0.05")


def test_q1_checks_relu_too(capsys):
    # right for negative_slope 0.1 and 0.01, wrong only for 0 (ReLU): the third case catches it
    def no_relu(x, g, a):
        return np.where(x > 0, g, (a or 0.5) * g)
    assert_printed(capsys, ex03.q1.check(no_relu), "wrong", "negative_slope=0)")


# ----------------------------------------------------------------------- 3.2
def test_q2_mistakes_get_their_nudge(capsys):
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    assert_printed(capsys, ex03.q2.check(lambda x: 2 * relu(x) - 2 * relu(x - 0.5)
                                         + 0.5 * relu(x - 2.5)),
                   "wrong", "returned 1 for x = 1", "a change of −2.5")
    assert_printed(capsys, ex03.q2.check(lambda x: 2 * relu(x) - 2.5 * relu(x - 0.5)), "wrong",
                   "returned -0.25 for x = 3", "one more ReLU")
    assert_printed(capsys, ex03.q2.check(lambda x: 2 * relu(x) - 0.5 * relu(x - 0.5)), "wrong",
                   "not the slope after it")
    assert_printed(capsys, ex03.q2.check(lambda x: relu(x) - 2 * relu(x - 0.5)
                                         + relu(x - 2.5)), "wrong", "symmetric hat")


# ----------------------------------------------------------------------- 3.3
def torch_kink_mse(k1: float, k2: float) -> float:
    """The least-squares MSE of c + v1 relu(±(x - k1)) + v2 relu(±(x - k2)) on y = x³ over 100
    points of [0, 2], the best of the four direction patterns, by torch."""
    x = torch.linspace(0, 2, 100, dtype=torch.float64)
    y = (x ** 3).unsqueeze(1)
    best = np.inf
    for s1 in (1, -1):
        for s2 in (1, -1):
            A = torch.stack([torch.ones_like(x), torch.relu(s1 * (x - k1)),
                             torch.relu(s2 * (x - k2))], dim=1)
            w = torch.linalg.lstsq(A, y, driver="gelsd").solution
            best = min(best, torch.mean((A @ w - y) ** 2).item())
    return best


@pytest.mark.parametrize("kinks", [(0.7, 1.4), (0.4, 1.2), (2 / 3, 4 / 3), (1.4, 0.7),
                                   (0.1, 1.9), (1.0, 1.0), (-1.0, 3.0)])
def test_q3_mse_matches_torch(kinks):
    assert ex03.q3.mse(kinks) == pytest.approx(torch_kink_mse(*kinks), rel=1e-6, abs=1e-12)


def test_q3_claims_in_the_messages_hold():
    grid = np.round(np.arange(0.05, 2.0, 0.05), 2)
    pairs = [(a, b) for a in grid for b in grid if a < b]
    best = min((torch_kink_mse(a, b), a, b) for a, b in pairs)
    assert best[1:] == pytest.approx((0.7, 1.4), abs=0.051)  # the model solution's pair
    assert best[0] < ex03.q3.target
    # the lesson's answer for x² does not pass, and neither does spacing the kinks evenly
    assert torch_kink_mse(*ex03.q3.lesson_knots) > 1.9 * ex03.q3.target
    assert torch_kink_mse(2 / 3, 4 / 3) > ex03.q3.target
    # the pairs that pass all lie to the right of x²'s optimum (0.3965, 1.2020)
    passing = [(a, b) for a, b in pairs if torch_kink_mse(a, b) < ex03.q3.target]
    assert passing and all(a > 0.6 and b > 1.3 for a, b in passing)


def test_q3_experiment_messages(capsys):
    assert_printed(capsys, ex03.q3.check((0.7, 1.4)), "correct", "MSE = 0.0140, under 0.0155",
                   "would give 0.0310", "(0.67, 1.33) 0.0164")
    assert_printed(capsys, ex03.q3.check([1.4, 0.7]), "correct", "kinks at (1.4, 0.7)")
    assert_printed(capsys, ex03.q3.check((0.4, 1.2)), "wrong", "MSE = 0.0311",
                   "not yet under 0.0155", "Those are x²'s best kinks")
    assert_printed(capsys, ex03.q3.check((0.5, 1.4)), "wrong", "The first kink is early")
    assert_printed(capsys, ex03.q3.check((0.95, 1.45)), "wrong", "The first kink is late")
    assert_printed(capsys, ex03.q3.check((0.7, 1.25)), "wrong", "The second kink is early")
    assert_printed(capsys, ex03.q3.check((0.7, 1.6)), "wrong", "The second kink is late")
    assert_printed(capsys, ex03.q3.check((1.0, 1.05)), "wrong", "spread them out")
    assert_printed(capsys, ex03.q3.check((-1.0, 3.0)), "wrong", "outside (0, 2)")
    assert_printed(capsys, ex03.q3.check((1e300, 1.0)), "wrong", "far outside the data")


@pytest.mark.parametrize("kind", list(hostile_tuples(2)))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(2)[kind]
    assert_printed(capsys, ex03.q3.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- 3.4
def torch_network() -> torch.nn.Module:
    q = ex03.q4
    net = torch.nn.Sequential(torch.nn.Linear(1, 5), torch.nn.ReLU(),
                              torch.nn.Linear(5, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(q.w1, dtype=torch.float64).unsqueeze(1))
        net[0].bias.copy_(torch.tensor(q.b1, dtype=torch.float64))
        net[2].weight.copy_(torch.tensor(q.w2, dtype=torch.float64).unsqueeze(0))
        net[2].bias.zero_()
    return net


def count_pieces(net: torch.nn.Module, low: float, high: float) -> tuple[int, np.ndarray]:
    """Linear pieces of a 1-D network on [low, high], from changes of slope on a fine grid
    (a grid point every 1e-4, never exactly on a knot), and the distinct slopes in order."""
    x = torch.linspace(low + 0.5e-4, high - 0.5e-4, 20000, dtype=torch.float64).unsqueeze(1)
    with torch.no_grad():
        slope = (torch.diff(net(x).squeeze(1)) / torch.diff(x.squeeze(1))).numpy()
    changes = np.flatnonzero(np.abs(np.diff(slope)) > 1e-6)
    # a kink between two grid points changes the slope twice in a row: count it once
    kinks = int(np.sum(np.diff(np.concatenate([[-2], changes])) > 1))
    levels = [slope[0]] + [slope[i + 2] for i in changes if i + 2 < len(slope)]
    return kinks + 1, np.array(list(dict.fromkeys(np.round(levels, 6).tolist())))


def test_q4_answer_key_matches_a_torch_network(capsys):
    pieces, slopes = count_pieces(torch_network(), 0.0, 2.0)
    out = assert_printed(capsys, ex03.q4.check(pieces), "correct", "slopes 4, 5.5, 6.5 on the 3")
    assert pieces == 3
    np.testing.assert_allclose(slopes, [4.0, 5.5, 6.5])
    # the message's claims: units 2 and 3 never switch on or off inside [0, 2]
    x = np.linspace(0, 2, 201)
    pre = np.outer(x, ex03.q4.w1) + ex03.q4.b1
    assert (pre[:, [1, 2]] > 0).all() and "units 2 and 3 are straight lines" in out
    # on the whole line the five units draw 6 pieces, as the nudge for 6 says
    assert count_pieces(torch_network(), -20.0, 20.0)[0] == 5


@pytest.mark.parametrize("answer, phrase", [(6, "the most five units can give on the whole"),
                                            (5, "only knots inside (0, 2) count"),
                                            (4, "coincide"), (2, "Compute the five knots")])
def test_q4_wrong_counts_get_their_nudge(answer, phrase, capsys):
    assert_printed(capsys, ex03.q4.check(answer), "wrong", f"You answered {answer}", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex03.q4.check(answer), "wrong", phrase)


# ----------------------------------------------------------------------- 3.5
def torch_train(epochs=300, lr=0.05, optimizer="sgd", momentum=0.0, weight_decay=0.0,
                negative_slope=0.0, b=-3.0) -> tuple[float, float]:
    """The question's network and training in torch; returns unit 1's final (w, b)."""
    x = torch.linspace(0, 2, 100, dtype=torch.float64).unsqueeze(1)
    w1 = torch.tensor([[1.0], [1.0]], dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor([b, -0.5], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([[0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    params = [w1, b1, w2, b2]
    opt = (torch.optim.Adam(params, lr=lr) if optimizer == "adam" else
           torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay))
    for _ in range(epochs):
        h = torch.nn.functional.leaky_relu(torch.nn.functional.linear(x, w1, b1), negative_slope)
        loss = torch.nn.functional.mse_loss(torch.nn.functional.linear(h, w2, b2), x ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w1[0, 0].item(), b1[0].item()


def test_q5_answer_key_matches_torch_training(capsys):
    moves = ex03.q5.knot_moves()
    for letter, (_, settings) in ex03.q5.options.items():
        w, b = torch_train(**settings)
        assert -b / w == pytest.approx(moves[letter][1], abs=1e-6)
        moved = abs(-b / w - moves[letter][0]) > 1e-6
        assert moved is (letter in ex03.q5.correct), letter
    w, b = torch_train(weight_decay=0.01)  # decay moves w and b, but not the knot
    assert w < 0.9 and -b / w == pytest.approx(3.0, abs=1e-9)
    assert_printed(capsys, ex03.q5.check("fg"), "correct", "exactly 0",
                   "stays at 3.0000 with a, b, c, d, e", "moves to 2.853 with f",
                   "starts at 1 and ends at 1.014")


@pytest.mark.parametrize("answer", ["gf", "f, g", " (f) (g) ", ["f", "g"], ("G", "F"), {"f", "g"},
                                    "ffg"])
def test_q5_accepts_the_letters_in_any_form(answer, capsys):
    assert_printed(capsys, ex03.q5.check(answer), "correct")


@pytest.mark.parametrize("answer, phrase", [
    ("afg", 'You included "a"'), ("a", "0 times any learning rate is 0"),
    ("b", "add up to 0 as well"), ("c", "not even Adam moves it"),
    ("d", "past gradients of exactly 0"), ("efg", "the knot −b/w stays exactly at 3"),
    ("f", 'but "g" does too'), ("g", 'but "f" does too')])
def test_q5_each_wrong_answer_is_explained(answer, phrase, capsys):
    assert_printed(capsys, ex03.q5.check(answer), "wrong", phrase, "(Measured by training each option")


def test_q5_feedback_teaches_the_rule_for_a_unit_dead_from_the_start(capsys):
    # the old feedback suggested a smaller learning rate for this unit: it gets no gradient
    assert_printed(capsys, ex03.q5.check("a"), "wrong", "killed during training",
                   "dead before the first step", "0 times any learning rate is 0")
    out = assert_printed(capsys, ex03.q5.check("fg"), "correct", "No learning rate, budget or "
                         "optimiser moves a unit that is dead from the start",
                         "LeakyReLU or a new start")
    assert "smaller learning rate" not in out


@pytest.mark.parametrize("answer, phrase", [
    (3, "an int; give every letter you choose in one string"),
    ("z", "'z'; give every letter"), ("", "''; give every letter"),
    (["f", 1], "something other than letters"),
    (torch.tensor(1.0), "a torch.Tensor; give every letter")])
def test_q5_hostile_answers(answer, phrase, capsys):
    assert_printed(capsys, ex03.q5.check(answer), "wrong", phrase)


def test_blank_answers_are_not_attempted(capsys):
    def stub(*args):
        raise NotImplementedError()

    for q, answer in ((ex03.q1, stub), (ex03.q2, stub), (ex03.q3, None), (ex03.q4, None),
                      (ex03.q5, None)):
        assert_printed(capsys, q.check(answer), "blank", f"Question {q.number}")


@pytest.mark.parametrize("key", ["q3", "q4", "q5"])
def test_model_predictions_pass(key, capsys):
    q = getattr(ex03, key)
    namespace: dict = {"np": np, "ex03": ex03}
    exec(q.solution_code, namespace)
    assert_printed(capsys, q.check(namespace.get("answer", namespace.get("kinks"))), "correct")


@pytest.mark.parametrize("q", [ex03.q1, ex03.q2, ex03.q3, ex03.q4, ex03.q5])
def test_hints_stop_before_the_code(q):
    code = [line.strip() for line in q.solution_code.strip().splitlines()
            if line.strip() and not line.strip().startswith("def ")]
    for hint in q.hints:
        assert not any(line.split("#")[0].strip() in hint for line in code), (hint, code)
