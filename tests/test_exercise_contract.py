"""The contract every exercise question keeps, tested once for all of them (the question files
test only what is particular to each question): a blank answer is "not attempted"; and for a
question answered by a function, the model solution passes, a stub that raises
NotImplementedError is "not attempted", and a function that misbehaves in any of the usual ways
(raises, returns None or a list, changes its input, never returns, ...) gets one sentence,
never a traceback."""
from __future__ import annotations

import re

import numpy as np
import pytest

from minidl.exercises import ex01, ex02, ex03, ex04, ex05, ex06, ex07
from tests.test_exercises_core import (assert_printed, hostile_functions, model_answers,
                                       short_time_limit)  # noqa: F401

MODULES = (ex01, ex02, ex03, ex04, ex05, ex06, ex07)
QUESTIONS = [q for m in MODULES for name, q in sorted(vars(m).items(),
                                                      key=lambda kv: (len(kv[0]), kv[0]))
             if re.fullmatch(r"q\d+", name)]

# the questions answered by a plain function, and the name their model solution defines
FUNCTION_ANSWERS = {ex01.q1: "leaky_relu", ex01.q2: "leaky_relu_derivative",
                    ex01.q5: "softplus", ex03.q1: "leaky_relu_backward", ex03.q2: "tent",
                    ex04.q1: "huber", ex04.q5: "bce_with_logits", ex05.q2: "nll_loss",
                    ex05.q3: "log_softmax", ex05.q5: "cross_entropy_grad"}


def number(q) -> str:
    return q.number


def model(q):
    """q's model solution, run after those of the earlier questions of its notebook (a later
    solution may call an earlier one)."""
    module = type(q).__module__
    earlier = [p for p in QUESTIONS if type(p).__module__ == module
               and int(p.number.split(".")[1]) <= int(q.number.split(".")[1])]
    return model_answers(*earlier)[FUNCTION_ANSWERS[q]]


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("q", QUESTIONS, ids=number)
def test_a_blank_answer_is_not_attempted(q, capsys):
    assert_printed(capsys, q.check(None), "blank", f"Question {q.number}")


@pytest.mark.parametrize("q", FUNCTION_ANSWERS, ids=number)
def test_the_model_function_passes_and_a_stub_is_not_attempted(q, capsys):
    assert_printed(capsys, q.check(model(q)), "correct", f"Question {q.number}")
    assert_printed(capsys, q.check(stub), "blank", f"Question {q.number}")


@pytest.mark.parametrize("kind", list(hostile_functions(np.abs)))
@pytest.mark.parametrize("q", FUNCTION_ANSWERS, ids=number)
def test_a_misbehaving_function_gets_a_sentence(q, kind, capsys):
    fn, phrase = hostile_functions(model(q))[kind]
    assert_printed(capsys, q.check(fn), "wrong", f"Question {q.number}", phrase)
