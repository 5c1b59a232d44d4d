"""Exercises 02 (derivatives and the computational graph): right answers pass (torch as the
oracle), typical mistakes get their nudge, every hostile answer gets one sentence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import minidl
from minidl.exercises import _core, ex02
from tests.test_exercises_core import (assert_printed, hostile_functions,
                                       hostile_numbers, hostile_tuples,
                                       model_answers, short_time_limit)  # noqa: F401

FUNCTION_QUESTIONS = {"q1": "numerical_derivative", "q2": "sigmoid_backward"}


def elementwise_numerical_derivative(f, x, eps=1e-5):
    """An independent correct answer: one central difference per element, in a loop."""
    out = np.empty_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        up, down = x.astype(float), x.astype(float)
        up[i] += eps
        down[i] -= eps
        out[i] = (f(up)[i] - f(down)[i]) / (2 * eps)
    return out


def torch_sigmoid_backward(y, grad_output):
    z = torch.logit(torch.tensor(y, dtype=torch.float64)).requires_grad_()
    torch.sigmoid(z).backward(torch.tensor(grad_output, dtype=torch.float64))
    return z.grad.numpy()


class TorchSoftsign(minidl.Function):
    """Softsign with torch doing the maths: forward by F.softsign, backward by autograd."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.nn.functional.softsign(torch.from_numpy(x)).numpy()

    @staticmethod
    def backward(ctx, grad):
        t = torch.from_numpy(ctx.saved_tensors[0]).requires_grad_()
        torch.nn.functional.softsign(t).backward(torch.from_numpy(grad))
        return t.grad.numpy()


def test_independent_answers_pass(capsys, monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 3.0)  # torch's first autograd call is slow
    assert_printed(capsys, ex02.q1.check(elementwise_numerical_derivative), "correct")
    assert_printed(capsys, ex02.q2.check(torch_sigmoid_backward), "correct")
    assert_printed(capsys, ex02.q3.check(TorchSoftsign), "correct", "gradcheck agrees")


@pytest.mark.parametrize("key, name", [*FUNCTION_QUESTIONS.items(), ("q3", "Softsign")])
def test_model_answers_pass(key, name, capsys):
    q = getattr(ex02, key)
    assert_printed(capsys, q.check(model_answers(q)[name]), "correct")


@pytest.mark.parametrize("key, name", FUNCTION_QUESTIONS.items())
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_hostile_functions_get_a_sentence(key, name, kind, capsys):
    q = getattr(ex02, key)
    fn, phrase = hostile_functions(model_answers(q)[name])[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)


@pytest.mark.parametrize("method", ["forward", "backward"])
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_q3_hostile_forward_or_backward_gets_a_sentence(method, kind, capsys):
    correct = model_answers(ex02.q3)["Softsign"]
    fn, phrase = hostile_functions(getattr(correct, method))[kind]
    broken = type("Softsign", (minidl.Function,), {
        "forward": staticmethod(correct.forward), "backward": staticmethod(correct.backward),
        method: staticmethod(fn)})
    assert_printed(capsys, ex02.q3.check(broken), "wrong", "Question 2.3", f"Softsign.{method}",
                   phrase)


def test_q3_wrong_classes_and_shortcuts(capsys):
    correct = model_answers(ex02.q3)["Softsign"]
    for answer in (correct(), lambda x: x / (1 + abs(x)), TorchSoftsign.forward):
        assert_printed(capsys, ex02.q3.check(answer), "wrong", "Pass the class itself")

    class ForgotToSave(minidl.Function):
        forward = staticmethod(lambda ctx, x: x / (1 + np.abs(x)))
        backward = correct.backward
    assert_printed(capsys, ex02.q3.check(ForgotToSave), "wrong", "raised ValueError",
                   "Did forward save x with ctx.save_for_backward(x)?")

    class MinidlOpsInside(minidl.Function):
        @staticmethod
        def forward(ctx, x):
            return minidl.tensor(x) / (1 + minidl.tensor(x).abs())
        backward = correct.backward
    assert_printed(capsys, ex02.q3.check(MinidlOpsInside), "wrong",
                   "forward returned a minidl Tensor", "use np.abs")

    class ForgotTheSquare(minidl.Function):
        forward = correct.forward

        @staticmethod
        def backward(ctx, grad):
            return grad / (1 + np.abs(ctx.saved_tensors[0]))
    assert_printed(capsys, ex02.q3.check(ForgotTheSquare), "wrong",
                   "returned 0.25 for x = -3 (index (0,)), expected 0.0625")

    class IgnoresGrad(minidl.Function):
        """Right for the check's own upstream gradient only: gradcheck (other weights)
        catches it through minidl's autograd."""
        forward = correct.forward

        @staticmethod
        def backward(ctx, grad):
            return np.array([1.0, -2.0, 0.5, 3.0]) / (1 + np.abs(ctx.saved_tensors[0])) ** 2
    assert_printed(capsys, ex02.q3.check(IgnoresGrad), "wrong",
                   "gradcheck disagrees with your backward: gradcheck(): the gradient with "
                   "respect to input 0 is wrong")


def test_q1_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex02.q1.check(lambda f, x, eps=1e-5: (f(x + eps) - f(x)) / eps),
                   "wrong", "numerical_derivative(cube, [-1, 0.5, 2], 0.1) returned 2.71 for "
                   "x = -1", "That is the forward difference")
    assert_printed(capsys, ex02.q1.check(lambda f, x, eps=1e-5: (f(x + eps) - f(x - eps)) / eps),
                   "wrong", "divide by 2 * eps")
    assert_printed(capsys, ex02.q1.check(
        lambda f, x, eps=1e-5: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5), "wrong", "Use the eps")


def test_q2_mistakes_get_their_nudge(capsys):
    assert_printed(capsys, ex02.q2.check(lambda y, grad_output: y * (1 - y)), "wrong",
                   "Multiply the local derivative")

    def sigmoid_again(y, grad_output):
        s = 1 / (1 + np.exp(-y))
        return grad_output * s * (1 - s)
    assert_printed(capsys, ex02.q2.check(sigmoid_again), "wrong",
                   "don't apply sigmoid to it again")


def test_q4_answer_key_matches_torch(capsys):
    a, b, c = (torch.tensor(v, requires_grad=True) for v in (2.0, -1.0, 3.0))
    ((a * b + c) ** 2).backward()
    assert_printed(capsys, ex02.q4.check((a.grad, b.grad, c.grad)), "wrong", "torch.Tensor")
    grads = (a.grad.item(), b.grad.item(), c.grad.item())
    assert_printed(capsys, ex02.q4.check(grads), "correct")
    assert_printed(capsys, ex02.q4.check(np.array(grads)), "correct")
    assert_printed(capsys, ex02.q4.check([grads[0], 2.0, grads[2]]), "wrong",
                   "dL/db is not 2.", "∂u/∂b = a")
    assert_printed(capsys, ex02.q4.check((grads[0], grads[1], 1.0)), "wrong", "dL/dc is not 1.")


def test_q5_answer_key_matches_torch(capsys):
    x = torch.tensor(3.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert_printed(capsys, ex02.q5.check(x.grad.item()), "correct", "6 + 6 = 12")
    assert_printed(capsys, ex02.q5.check(6), "wrong", "replace x.grad or add to it?")


@pytest.mark.parametrize("kind", list(hostile_tuples(3)))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(3)[kind]
    assert_printed(capsys, ex02.q4.check(answer), "wrong", phrase)


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q5_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex02.q5.check(answer), "wrong", phrase)


def test_blank_answers_are_not_attempted(capsys):
    def stub(*args):
        raise NotImplementedError()

    class Blank(minidl.Function):
        forward = staticmethod(stub)
        backward = staticmethod(stub)

    for q, answer in ((ex02.q1, stub), (ex02.q2, stub), (ex02.q3, Blank), (ex02.q4, None),
                      (ex02.q5, None)):
        assert_printed(capsys, q.check(answer), "blank", f"Question {q.number}")
