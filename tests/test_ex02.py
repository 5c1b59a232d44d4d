"""Exercises 02 (derivatives, the graph, autograd's pitfalls): right answers pass (torch as the
oracle), typical mistakes get their nudge, every hostile answer gets one sentence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import minidl
from minidl.exercises import _core, ex02
from tests.test_exercises_core import (assert_printed, hostile_choices, hostile_functions,
                                       hostile_numbers, hostile_tuples,
                                       model_answers, short_time_limit)  # noqa: F401


def blank(*args):
    raise NotImplementedError()


# ------------------------------------------------------------------ 2.1 graph by hand
def test_q1_answer_key_matches_torch(capsys):
    a, b, c = (torch.tensor(v, requires_grad=True) for v in (2.0, -1.0, 3.0))
    ((a * b + c) ** 2).backward()
    assert_printed(capsys, ex02.q1.check((a.grad, b.grad, c.grad)), "wrong", "torch.Tensor")
    grads = (a.grad.item(), b.grad.item(), c.grad.item())
    assert_printed(capsys, ex02.q1.check(grads), "correct", "a.grad = -2, b.grad = 4, c.grad = 2")
    assert_printed(capsys, ex02.q1.check(np.array(grads)), "correct")
    assert_printed(capsys, ex02.q1.check([grads[0], 2.0, grads[2]]), "wrong",
                   "dL/db is not 2.", "∂u/∂b = a")
    assert_printed(capsys, ex02.q1.check((grads[0], grads[1], 1.0)), "wrong", "dL/dc is not 1.")


@pytest.mark.parametrize("kind", list(hostile_tuples(3)))
def test_q1_hostile_answers(kind, capsys):
    answer, phrase = hostile_tuples(3)[kind]
    assert_printed(capsys, ex02.q1.check(answer), "wrong", phrase)


# ------------------------------------------------------------------ 2.2 integer data
def test_q2_the_pitfall_is_real_in_torch_and_minidl():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        torch.full([1], 10).requires_grad_()          # 003's first attempt
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor(5, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        minidl.tensor(5, requires_grad=True)


def test_q2_correct_answers_pass(capsys):
    assert_printed(capsys, ex02.q2.check(model_answers(ex02.q2)["as_parameter"]), "correct",
                   "np.array([0, 128, 255], dtype=np.uint8)) gives tensor([  0., 128., 255.], "
                   "requires_grad=True)")
    for answer in (lambda v: minidl.tensor(np.array(v, dtype=np.float64), requires_grad=True),
                   lambda v: minidl.tensor(v).float().requires_grad_(),
                   lambda v: minidl.tensor(v).double().requires_grad_()):
        assert_printed(capsys, ex02.q2.check(answer), "correct")


def test_q2_mistakes_get_their_nudge(capsys):
    cases = [
        (lambda v: minidl.tensor(v, requires_grad=True),
         ("as_parameter(5) raised RuntimeTypeError", "only floating-point tensors")),
        (lambda v: minidl.tensor(v).requires_grad_(),  # refused, as torch refuses it
         ("as_parameter(5) raised RuntimeTypeError", "requires_grad_(): only floating-point",
          "t.float().requires_grad_()")),
        (lambda v: minidl.tensor(v),
         ("as_parameter(5) returned a tensor of dtype int64", "convert the values to floats")),
        (lambda v: minidl.tensor(v, dtype=minidl.float32, requires_grad=True) * 1.0,
         ("grad_fn <MulBackward>", "Return the leaf")),
        (lambda v: minidl.tensor(v, dtype=minidl.float32),
         ("does not require a gradient",)),
        (lambda v: minidl.tensor(np.asarray(v) / 255, requires_grad=True),
         ("as_parameter(5) returned a tensor holding 0.01961", "keep the values")),
        (lambda v: np.asarray(v, dtype=float), ("returned a NumPy array, which has no .grad",)),
        (lambda v: torch.tensor(v, dtype=torch.float32, requires_grad=True),
         ("torch.Tensor",)),
        (lambda v: minidl.tensor(np.ravel(v), dtype=minidl.float32, requires_grad=True),
         ("as_parameter(5) returned shape (1,), expected ()",)),
    ]
    for answer, phrases in cases:
        assert_printed(capsys, ex02.q2.check(answer), "wrong", "Question 2.2", *phrases)


@pytest.mark.parametrize("kind", ["raises", "none", "list", "mutates", "never returns"])
def test_q2_hostile_functions_get_a_sentence(kind, capsys):
    correct = model_answers(ex02.q2)["as_parameter"]

    def mutates(values):
        out = correct(values)
        if isinstance(values, np.ndarray):
            values[...] = 7
        return out
    fn, phrase = {**hostile_functions(correct), "mutates": (mutates, "in place"),
                  "list": (lambda v: [1.0], "returned a list")}[kind]
    assert_printed(capsys, ex02.q2.check(fn), "wrong", "Question 2.2", phrase)


# ------------------------------------------------------------------ 2.3 a freed shared node
def torch_shared_node(retain_graph: bool):
    w = torch.tensor(2.0, requires_grad=True)
    h = w * w
    loss1, loss2 = 3 * h, h + w
    (g1,) = torch.autograd.grad(loss1, [w], retain_graph=retain_graph)
    (g2,) = torch.autograd.grad(loss2, [w])
    return g1.item(), g2.item()


def test_q3_answer_key_matches_torch(capsys):
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        torch_shared_node(retain_graph=False)
    g1, g2 = torch_shared_node(retain_graph=True)
    out = assert_printed(capsys, ex02.q3.check(" (B) "), "correct",
                         "minidl raises RuntimeError", f"it prints {g1} {g2}")
    assert (g1, g2) == (12.0, 5.0) and "12.0 5.0" in out
    assert_printed(capsys, ex02.q3.check("a"), "wrong", 'You chose "a"', "freed")
    assert_printed(capsys, ex02.q3.check("c"), "wrong", "not quietly cut")
    assert_printed(capsys, ex02.q3.check("d"), "wrong", "only backward() accumulates")


@pytest.mark.parametrize("kind", list(hostile_choices()))
def test_q3_hostile_answers(kind, capsys):
    answer, phrase = hostile_choices()[kind]
    assert_printed(capsys, ex02.q3.check(answer), "wrong", phrase)


# ------------------------------------------------------------------ 2.4 no zero_grad
def torch_loop(zero_grad: bool):
    w = torch.tensor(1.0, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(3):
        if zero_grad:
            opt.zero_grad()
        ((w - 3) ** 2).backward()
        opt.step()
    return w.item(), w.grad.item()


def test_q4_answer_key_matches_torch(capsys):
    w, grad = torch_loop(zero_grad=False)
    assert_printed(capsys, ex02.q4.check(w), "correct", "1.4 → 2.12 → 3.016",
                   "-4 → -7.2 → -8.96", "1 → 1.4 → 1.72 → 1.976")
    assert_printed(capsys, ex02.q4.check(round(w, 4)), "correct")
    assert_printed(capsys, ex02.q4.check(torch_loop(zero_grad=True)[0]), "wrong",
                   "That is the loop with opt.zero_grad()")
    assert_printed(capsys, ex02.q4.check(grad), "wrong", "w.grad after the third step")
    assert_printed(capsys, ex02.q4.check(2.12), "wrong", "w after two steps")
    assert_printed(capsys, ex02.q4.check(-1.0), "wrong", "Check the sign of the update")
    assert_printed(capsys, ex02.q4.check(2.6), "wrong", "backward() adds into w.grad")


@pytest.mark.parametrize("kind", list(hostile_numbers()))
def test_q4_hostile_answers(kind, capsys):
    answer, phrase = hostile_numbers()[kind]
    assert_printed(capsys, ex02.q4.check(answer), "wrong", phrase)


# ------------------------------------------------------------------ 2.5 Softplus
class TorchSoftplus(minidl.Function):
    """Softplus with torch doing the maths: forward by F.softplus, backward by x = log(e^y − 1)
    and torch.sigmoid, from the saved output alone."""

    @staticmethod
    def forward(ctx, x):
        y = torch.nn.functional.softplus(torch.from_numpy(x)).numpy()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y = torch.from_numpy(ctx.saved_tensors[0])
        return (torch.from_numpy(grad) * torch.sigmoid(torch.log(torch.expm1(y)))).numpy()


def softplus_class(forward=None, backward=None):
    correct = model_answers(ex02.q5)["Softplus"]
    return type("Softplus", (minidl.Function,), {
        "forward": staticmethod(forward or correct.forward),
        "backward": staticmethod(backward or correct.backward)})


def test_q5_correct_answers_pass(capsys, monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 3.0)  # torch's first calls are slow
    assert_printed(capsys, ex02.q5.check(model_answers(ex02.q5)["Softplus"]), "correct",
                   "1 − e^(−y)", "gradcheck agrees")
    assert_printed(capsys, ex02.q5.check(TorchSoftplus), "correct")

    def naive_forward(ctx, x):  # fine on the check's points, |x| <= 30
        y = np.log(1 + np.exp(x))
        ctx.save_for_backward(y)
        return y
    assert_printed(capsys, ex02.q5.check(softplus_class(
        naive_forward, lambda ctx, grad: grad * (1 - np.exp(-ctx.saved_tensors[0])))), "correct")


def test_q5_forward_must_save_its_output_only(capsys):
    def saves(arrays_of):
        def forward(ctx, x):
            y = np.logaddexp(0, x)
            ctx.save_for_backward(*arrays_of(x, y))
            return y
        return forward
    for what, phrase in ((lambda x, y: (x,), "saved its input x"),
                         (lambda x, y: (), "saved nothing"),
                         (lambda x, y: (x, y), "saved 2 arrays"),
                         (lambda x, y: (2 * y,), "saved something other than its output")):
        assert_printed(capsys, ex02.q5.check(softplus_class(forward=saves(what))), "wrong",
                       "Question 2.5", phrase)

    def stashes_x(ctx, x):
        y = np.logaddexp(0, x)
        ctx.save_for_backward(y)
        ctx.x = x
        return y
    assert_printed(capsys, ex02.q5.check(softplus_class(
        stashes_x, lambda ctx, grad: grad / (1 + np.exp(-ctx.x)))), "wrong",
        "raised AttributeError", "nothing but ctx.saved_tensors")


def test_q5_mistakes_get_their_nudge(capsys):
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    cases = [
        (lambda ctx, grad: grad * sig(ctx.saved_tensors[0]), "σ(y) applies the sigmoid"),
        (lambda ctx, grad: 1 - np.exp(-ctx.saved_tensors[0]), "chain rule"),
        (lambda ctx, grad: grad * np.exp(-ctx.saved_tensors[0]), "one step more"),
        (lambda ctx, grad: grad * ctx.saved_tensors[0] * (1 - ctx.saved_tensors[0]),
         "the sigmoid's rule"),
        (lambda ctx, grad: grad * np.expm1(ctx.saved_tensors[0]), "divide by 1 + eˣ = eʸ"),
        (lambda ctx, grad: grad * 0.5, "grad times σ(x), written with y alone"),
    ]
    for backward, phrase in cases:
        assert_printed(capsys, ex02.q5.check(softplus_class(backward=backward)), "wrong",
                       "Softplus.backward(ctx, grad=[1.0, -2.0", "expected", phrase)

    def ignores_grad(ctx, grad):  # right for the check's own grad only: gradcheck catches it
        g = np.array([1.0, -2.0, 0.5, 3.0, 1.0, -1.0, 2.0])
        return g * -np.expm1(-ctx.saved_tensors[0])
    assert_printed(capsys, ex02.q5.check(softplus_class(backward=ignores_grad)), "wrong",
                   "gradcheck disagrees with your backward")

    def minidl_inside(ctx, x):
        return minidl.tensor(x).exp()
    assert_printed(capsys, ex02.q5.check(softplus_class(forward=minidl_inside)), "wrong",
                   "forward returned a minidl Tensor")
    wrong_forward = softplus_class(forward=lambda ctx, x: np.log(1 + x ** 2))
    assert_printed(capsys, ex02.q5.check(wrong_forward), "wrong", "Softplus.forward(ctx, ",
                   "softplus(x) = log(1 + eˣ)")


def test_q5_wrong_classes_and_shortcuts(capsys):
    correct = model_answers(ex02.q5)["Softplus"]
    for answer in (correct(), lambda x: np.logaddexp(0, x), correct.forward, torch.nn.Softplus):
        assert_printed(capsys, ex02.q5.check(answer), "wrong", "Pass the class itself")


@pytest.mark.parametrize("method", ["forward", "backward"])
@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
def test_q5_hostile_forward_or_backward_gets_a_sentence(method, kind, capsys):
    correct = model_answers(ex02.q5)["Softplus"]
    fn, phrase = hostile_functions(getattr(correct, method))[kind]
    assert_printed(capsys, ex02.q5.check(softplus_class(**{method: fn})), "wrong",
                   "Question 2.5", f"Softplus.{method}", phrase)


# ------------------------------------------------------------------ all
def test_blank_answers_are_not_attempted(capsys):
    Blank = softplus_class(blank, blank)
    for q, answer in ((ex02.q1, None), (ex02.q2, blank), (ex02.q3, None), (ex02.q4, None),
                      (ex02.q5, Blank)):
        assert_printed(capsys, q.check(answer), "blank", f"Question {q.number}")


def test_no_hint_gives_the_answer_away():
    """Hints lead to the idea; the model code and the numeric answers live in solution()."""
    for q, secrets in ((ex02.q1, ("-2", "4.0", "(−2")), (ex02.q3, ('"b"', "answer")),
                       (ex02.q4, ("3.016", "8.96")),
                       (ex02.q2, ("dtype=minidl.float32", "return ")),
                       (ex02.q5, ("expm1(-y)", "return ", "grad *", "1 − e^(−y)"))):
        for hint in q.hints:
            assert not any(s in hint for s in secrets), (q.number, hint)
