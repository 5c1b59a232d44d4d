"""Exercises 03 (ReLU curve fitting): right answers pass (torch as the oracle), typical
mistakes get their nudge, every hostile answer gets one sentence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from minidl.exercises import _core, ex03
from tests.test_exercises_core import (assert_printed, hostile_choices,
                                       hostile_functions, hostile_numbers,
                                       hostile_tuples, model_answers,
                                       short_time_limit)  # noqa: F401

FUNCTION_QUESTIONS = {"q1": "relu_backward", "q2": "hat"}


def torch_relu_backward(x, grad_output):
    t = torch.tensor(x, requires_grad=True)
    torch.relu(t).backward(torch.tensor(grad_output))
    return t.grad.numpy()


def interpolated_hat(x):
    return np.interp(x, [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0])


def test_independent_answers_pass(capsys, monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 3.0)  # torch's first autograd call is slow
    assert_printed(capsys, ex03.q1.check(torch_relu_backward), "correct")
    assert_printed(capsys, ex03.q2.check(interpolated_hat), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex03, key)
    assert_printed(capsys, q.check(model_answers(q)[name]), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex03, key)
    fn, phrase = hostile_functions(model_answers(q)[name])[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


def test_q1_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex03.q1.check(lambda x, grad_output: (x > 0) * 1.0), "wrong",
                   "That is the mask alone")
    assert_printed(capsys, ex03.q1.check(lambda x, grad_output: grad_output * (x >= 0)), "wrong",
                   "returned 1 for x = 0 (index (0, 1)), expected 0", "not x >= 0")

    def zero_in_place(x, grad_output):
        grad_output[x <= 0] = 0
        return grad_output
    assert_printed(capsys, ex03.q1.check(zero_in_place), "wrong",
                   "changed its input grad_output in place: at index (0, 0) 0.5 became 0")


def test_q2_mistakes_get_their_nudge(capsys):
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    assert_printed(capsys, ex03.q2.check(lambda x: relu(x + 1) - relu(x) + relu(x - 1)),
                   "wrong", "returned 1 for x = 0.5", "weight −2")
    assert_printed(capsys, ex03.q2.check(lambda x: relu(x + 1) - 2 * relu(x)), "wrong",
                   "returned -0.5 for x = 1.5", "one more ReLU")


def torch_kink_mse(k1: float, k2: float) -> float:
    """The least-squares MSE of b + w1 relu(x - k1) + w2 relu(x - k2) on y = x², by torch."""
    x = torch.linspace(0, 2, 100, dtype=torch.float64)
    features = torch.stack([torch.ones_like(x), torch.relu(x - k1), torch.relu(x - k2)], dim=1)
    y = (x ** 2).unsqueeze(1)
    w = torch.linalg.lstsq(features, y, driver="gelsd").solution
    return torch.mean((features @ w - y) ** 2).item()


@pytest.mark.parametrize("kinks", [(0.4, 1.2), (0.5, 1.3), (0.67, 1.33), (1.2, 0.4), (0.1, 1.9),
                                   (1.0, 1.0), (-1.0, 3.0)])
def test_q3_mse_matches_torch(kinks):
    assert ex03.q3.mse(kinks) == pytest.approx(torch_kink_mse(*kinks), rel=1e-4, abs=1e-9)


def test_q3_claims_in_the_messages_hold():
    grid = np.round(np.arange(0.05, 2.0, 0.05), 2)
    best = min((torch_kink_mse(a, b), a, b) for a in grid for b in grid if a < b)
    assert best[0] == pytest.approx(0.0023, abs=5e-5)  # "the best possible ... MSE 0.0023"
    assert best[1:] == pytest.approx((0.4, 1.2), abs=0.051)  # "about (0.4, 1.2)"
    assert torch_kink_mse(0.5, 1.3) < ex03.q3.target  # hint 3: "(0.5, 1.3) already works"
    assert torch_kink_mse(2 / 3, 4 / 3) > ex03.q3.target  # evenly spaced is not enough


def test_q3_experiment_messages(capsys):
    assert_printed(capsys, ex03.q3.check((0.4, 1.2)), "correct", "MSE = 0.0023, under 0.004")
    assert_printed(capsys, ex03.q3.check([1.3, 0.5]), "correct", "kinks at (1.3, 0.5)")
    assert_printed(capsys, ex03.q3.check((0.67, 1.33)), "wrong", "MSE = 0.0107",
                   "not yet under 0.004", "Left of the first kink the model is flat")
    assert_printed(capsys, ex03.q3.check((1.0, 1.05)), "wrong", "spread them out")
    assert_printed(capsys, ex03.q3.check((-1.0, 3.0)), "wrong", "outside (0, 2)")
    assert_printed(capsys, ex03.q3.check((1e300, 1.0)), "wrong", "far outside the data")


@pytest.mark.parametrize("kind", list(hostile_tuples(2)))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(2)[kind]
    assert_printed(capsys, ex03.q3.check(answer), "wrong", phrase)


def count_pieces(net: torch.nn.Module) -> int:
    """Linear pieces of a 1-D network on [-20, 20], from changes of slope on a fine grid."""
    x = torch.linspace(-20, 20, 400001, dtype=torch.float64).unsqueeze(1)
    with torch.no_grad():
        slope = torch.diff(net(x).squeeze(1)) / torch.diff(x.squeeze(1))
    changes = np.flatnonzero(np.abs(np.diff(slope.numpy())) > 1e-6)
    # a kink between two grid points changes the slope twice in a row: count it once
    kinks = int(np.sum(np.diff(np.concatenate([[-2], changes])) > 1))
    return kinks + 1


def test_q4_answer_key_matches_a_torch_network(capsys):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    net = net.double()
    with torch.no_grad():  # kinks at -b/w = -8, -4, 0, 4, 8, all distinct and inside the grid
        net[0].weight.copy_(torch.ones(5, 1, dtype=torch.float64))
        net[0].bias.copy_(torch.tensor([8.0, 4.0, 0.0, -4.0, -8.0], dtype=torch.float64))
        net[2].weight.copy_(torch.tensor([[1.0, -2.0, 3.0, -1.5, 2.5]], dtype=torch.float64))
    pieces = count_pieces(net)
    assert_printed(capsys, ex03.q4.check(pieces), "correct", "6 linear pieces")
    assert_printed(capsys, ex03.q4.check(5), "wrong", "You answered 5", "x = −b/w")


def test_q5_answer_key_matches_torch_training(capsys):
    unit = torch.nn.Linear(1, 1)
    with torch.no_grad():
        unit.weight.fill_(1.0)
        unit.bias.fill_(-3.0)
    out = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD([*unit.parameters(), *out.parameters()], lr=0.1)
    x = torch.linspace(0, 2, 50).unsqueeze(1)
    for _ in range(20):
        opt.zero_grad()
        torch.nn.functional.mse_loss(out(torch.relu(unit(x))), x ** 2).backward()
        opt.step()
    assert unit.weight.item() == 1.0 and unit.bias.item() == -3.0  # "they never change"
    assert_printed(capsys, ex03.q5.check("b"), "correct", "the unit is dead")
    for letter in "acd":
        assert_printed(capsys, ex03.q5.check(letter), "wrong", f'You chose "{letter}"')


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex03.q4.check(answer), "wrong", phrase)


@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_q5_hostile_answers(kind, capsys):
    answer, phrase = hostile_choices()[kind]
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
    namespace: dict = {}
    exec(q.solution_code, namespace)
    assert_printed(capsys, q.check(namespace.get("answer", namespace.get("kinks"))), "correct")
