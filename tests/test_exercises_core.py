"""The exercise checker core (minidl/exercises/_core.py) and progress() (_progress.py).

`hostile_functions`, `assert_printed` and `model_answers` are shared with tests/test_ex01.py
... test_ex06.py: every checker must turn these broken answers into one sentence starting with
"❌ Not yet", and accept its own model solution.
"""
from __future__ import annotations

import re

from typing import Callable

import nbformat
import numpy as np
import pytest
import torch

import minidl
import minidl.functional as F
from minidl.exercises import _core
from minidl.exercises._core import describe
from minidl.exercises import (MARKS, ChoiceQuestion, NumberQuestion, Question, Wrong, as_array,
                              as_choice, as_number, as_numbers, call, expect_calls,
                              expect_close, notebook_status, progress)


@pytest.fixture(autouse=True)
def short_time_limit(monkeypatch):
    """A looping answer is cut off after 0.2 s instead of 3 s."""
    monkeypatch.setattr(_core, "TIME_LIMIT", 0.2)


def model_answers(*questions) -> dict:
    """What the model solutions of `questions` define, run in order in one namespace (a later
    solution may call an earlier one), with the names a notebook has imported."""
    namespace = {"np": np, "minidl": minidl, "F": F}
    for q in questions:
        exec(q.solution_code, namespace)
    return namespace


def _first_array(args: tuple) -> np.ndarray:
    return next(a for a in args if isinstance(a, np.ndarray))


def hostile_functions(correct: Callable) -> dict[str, tuple[Callable, str]]:
    """Broken variants of a correct answer function, each with a phrase the check's message
    must contain: raising, NaN, inf, wrong shape, list, torch tensor, None, mutating an input,
    never returning."""
    def result(*args):
        return np.asarray(as_array(correct(*args)), dtype=float)

    def raises(*args):
        raise ValueError("boom")

    def raises_a_sentence(*args):
        raise ValueError("x must be positive.")

    def mutates(*args):
        out = correct(*args)
        _first_array(args)[...] += 1.0
        return out

    def loops(*args):
        while True:
            pass

    return {
        "raises": (raises, "raised ValueError: boom. Call"),
        "raises a sentence": (raises_a_sentence, "raised ValueError: x must be positive. Call"),
        "nan": (lambda *a: np.full_like(result(*a), np.nan), "returned nan"),
        "inf": (lambda *a: np.full_like(result(*a), np.inf), "returned inf"),
        "shape": (lambda *a: np.append(result(*a), 0.0), "returned shape"),
        "list": (lambda *a: np.atleast_1d(result(*a)).tolist(), "returned a list"),
        "torch": (lambda *a: torch.from_numpy(result(*a)), "torch.Tensor"),
        "none": (lambda *a: None, "returned None"),
        "mutates": (mutates, "in place"),
        "never returns": (loops, "did not return within 0.2 seconds"),
    }


def hostile_numbers() -> dict[str, tuple[object, str]]:
    """Broken answers to a question answered with one number, and the phrase each gets."""
    return {"nan": (float("nan"), "is nan; give a finite number"),
            "inf": (float("inf"), "is inf; give a finite number"),
            "list": ([1.0], "a list; give a single number"),
            "torch": (torch.tensor(1.0), "a torch.Tensor; give a plain number"),
            "text": ("1.0", "the text '1.0'"),
            "function": (double, "the function double")}


def hostile_choices() -> dict[str, tuple[object, str]]:
    """Broken answers to a multiple-choice question, and the phrase each gets."""
    return {"number": (3, "an int; answer with one letter in quotes"),
            "nan": (float("nan"), "a float; answer with one letter"),
            "list": (["a"], "a list; answer with one letter"),
            "torch": (torch.tensor(1.0), "a torch.Tensor; answer with one letter"),
            "unknown letter": ("z", "'z'; answer with one letter")}


def hostile_tuples(n: int) -> dict[str, tuple[object, str]]:
    """Broken answers to a question answered with `n` numbers, and the phrase each gets."""
    return {"nan": ((float("nan"),) * n, "Entry 1 of "),
            "inf": ((1.0,) * (n - 1) + (float("inf"),), f"Entry {n} of "),
            "wrong length": ((1.0,) * (n + 1), f"has {n + 1} entries; give exactly {n} numbers"),
            "torch": (torch.ones(n), "a torch.Tensor; give a tuple"),
            "text": ("1, 2", "a str; give a tuple"),
            "number": (1.0, f"a float; give a tuple of {n} numbers")}


def assert_printed(capsys, ok: bool, mark: str, *phrases: str) -> str:
    """The check returned `ok`, printed ONE line starting with MARKS[mark] and the phrases."""
    out = capsys.readouterr().out
    assert out.startswith(MARKS[mark]), out
    assert out.count("\n") == 1, out
    assert isinstance(ok, _core.Result) and bool(ok) is (mark == "correct")
    for phrase in phrases:
        assert phrase in out, (phrase, out)
    assert "Traceback" not in out and " at 0x" not in out
    return out


# ----------------------------------------------------------------------------- call()
def double(x):
    return x * 2


def test_call_returns_the_result_and_leaves_inputs_alone():
    x = np.array([1.0, 2.0])
    assert np.array_equal(call(double, x), [2.0, 4.0])
    assert np.array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("kind", list(hostile_functions(double)))
def test_call_turns_every_hostile_behaviour_into_a_sentence(kind):
    fn, phrase = hostile_functions(double)[kind]
    x = np.array([1.0, -2.0])
    try:
        got = call(fn, x, name="double")
    except Wrong as w:
        assert phrase in str(w)
    else:  # NaN, inf, shape, list, torch and None come back; expect_close judges them
        with pytest.raises(Wrong, match=phrase.replace("(", r"\(")):
            expect_close(got, x * 2, "double(x)")


def test_call_names_the_mutated_argument_and_the_first_change():
    def relu_backward(x, grad_output):
        grad_output[x <= 0] = 0
        return grad_output

    with pytest.raises(Wrong) as e:
        call(relu_backward, np.array([1.0, -1.0]), np.array([3.0, 5.0]))
    assert "changed its input grad_output in place: at index (1,) 5 became 0" in str(e.value)
    assert "grad_output = grad_output.copy()" in str(e.value)


def test_call_detects_mutation_of_a_tensor_and_of_a_zero_d_array():
    def bump(t):
        t[...] += 1
        return t

    def bump_tensor(t):
        t.data[0] += 1
        return t

    with pytest.raises(Wrong, match="in place: 1 became 2"):
        call(bump, np.array(1.0))
    with pytest.raises(Wrong, match=r"in place: at index \(0,\) 1 became 2"):
        call(bump_tensor, minidl.tensor([1.0, 2.0]))


def test_call_stub_is_not_attempted_and_a_non_function_is_named():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(_core.NotAttempted):
        call(stub, np.zeros(2))
    with pytest.raises(Wrong, match=r"check\(f\) rather than check\(f\(\.\.\.\)\)"):
        call(np.zeros(2), name="f")


def test_call_reads_the_pass_stub_as_not_attempted_but_a_missing_return_as_wrong():
    def stub(x):
        # YOUR CODE HERE
        pass

    def forgot_return(x):
        x * 2

    with pytest.raises(_core.NotAttempted):
        call(stub, np.zeros(2))
    assert call(forgot_return, np.zeros(2)) is None  # as_array then names the missing return
    with pytest.raises(Wrong, match="returned None. Did you forget the `return` statement"):
        as_array(call(forgot_return, np.zeros(2)))


def test_call_silences_numpy_overflow_warnings():
    # pyproject turns RuntimeWarning into an error: an overflow inside learner code must come
    # back as inf for the check to explain, not as an exception
    assert np.isinf(call(np.exp, np.array([1000.0])))[0]


def test_call_outside_the_main_thread_runs_without_a_time_limit():
    import threading
    results = []
    worker = threading.Thread(target=lambda: results.append(call(double, np.array([1.0]))))
    worker.start()
    worker.join()
    assert np.array_equal(results[0], [2.0])


def test_time_limit_restores_the_previous_alarm_handler():
    import signal
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(Wrong, match="did not return"):
        call(hostile_functions(double)["never returns"][0], np.zeros(1))
    assert signal.getsignal(signal.SIGALRM) is before


def test_describe_is_short_and_free_of_memory_addresses():
    assert describe(np.float32(0.5)) == "0.5" and describe(np.int64(3)) == "3"
    assert describe(np.array([[1.5, 2.0], [3.0, 4.0]])) == "[[1.5, 2], [3, 4]]"
    assert describe(np.zeros((3, 4))) == "array of shape (3, 4)"
    assert describe(lambda x: x) == "<lambda>" and describe(double) == "double"
    assert describe(minidl.Function) == "Function"


# ----------------------------------------------------------------------------- comparisons
def test_expect_close_names_the_input_the_expected_and_the_returned_value():
    x = np.array([-1.0, 0.5, 2.0])
    with pytest.raises(Wrong) as e:
        expect_close(np.array([-1.0, 0.5, 3.0]), x, "f(x)", "Try again.", x=x)
    assert str(e.value) == "f(x) returned 3 for x = 2 (index (2,)), expected 2. Try again."


def test_expect_close_accepts_tensors_and_tolerances():
    expect_close(minidl.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]), "f(x)")


def test_expect_close_rejects_strings_and_objects():
    with pytest.raises(Wrong, match="dtype <U1; expected numbers"):
        expect_close(np.array(["a"]), np.array([1.0]), "f(x)")
    with pytest.raises(Wrong, match="returned a dict"):
        expect_close({}, np.array([1.0]), "f(x)")


def test_expect_calls_prefers_the_nudge_of_a_recognised_mistake():
    def forgot_negative(x):
        return np.maximum(x, 0)

    cases = [((np.array([-2.0, 1.0]),), np.array([-0.02, 1.0]))]
    mistakes = ((lambda x: np.maximum(x, 0), "That is relu."),)
    with pytest.raises(Wrong, match="returned 0 for x = -2 .* That is relu."):
        expect_calls(forgot_negative, "leaky_relu", cases, "generic", mistakes)
    with pytest.raises(Wrong, match="generic"):
        expect_calls(lambda x: x * 0, "leaky_relu", cases, "generic", mistakes)


@pytest.mark.parametrize("answer, phrase", [
    (float("nan"), "nan; give a finite number"), (float("inf"), "inf; give a finite number"),
    ([0.25], "a list; give a single number"), ("0.25", "the text '0.25'"),
    (True, "True/False"), (torch.tensor(0.25), "torch.Tensor; give a plain number, e.g. t.item()"),
    (np.zeros(3), "a NumPy array of shape (3,)"), (double, "the function double"),
])
def test_as_number_explains_what_is_wrong(answer, phrase):
    with pytest.raises(Wrong) as e:
        as_number(answer)
    assert phrase in str(e.value)


def test_as_number_accepts_numbers_in_every_form():
    for value in (0.25, np.float32(0.25), np.array(0.25), np.array([0.25]), minidl.tensor(0.25)):
        assert as_number(value) == 0.25
    assert as_number(6) == 6.0


@pytest.mark.parametrize("answer, phrase", [
    ((1.0, 2.0), "has 2 entries; give exactly 3 numbers"), (np.zeros((3, 1)), "give exactly 3"),
    ((1.0, float("nan"), 2.0), "Entry 2 of your answer is nan"), ("abc", "a str; give a tuple"),
    (torch.zeros(3), "tuple(t.tolist())"), (2.0, "a float; give a tuple of 3 numbers"),
])
def test_as_numbers_explains_what_is_wrong(answer, phrase):
    with pytest.raises(Wrong) as e:
        as_numbers(answer, 3)
    assert phrase in str(e.value)


def test_as_choice_reads_a_letter_kindly():
    assert [as_choice(a, "abcd") for a in ("b", "B", " (b) ", "(C)")] == ["b", "b", "b", "c"]
    for bad, phrase in ((2, "an int; answer with one letter in quotes"), ("e", "'e'"),
                        ("ab", "'ab'"), ("", "''")):
        with pytest.raises(Wrong, match=phrase):
            as_choice(bad, "abcd")


# ----------------------------------------------------------------------------- Question
class Square(Question):
    number, title = "9.1", "square"
    hints = ("first", "second")
    solution_code = "def square(x):\n    return x * x\n"

    def _check(self, fn):
        expect_calls(fn, "square", [((np.array([1.0, -3.0]),), np.array([1.0, 9.0]))], "x * x")
        return "Well done."


def test_question_prints_one_line_per_outcome(capsys):
    q = Square()
    assert_printed(capsys, q.check(lambda x: x * x), "correct", "Question 9.1 (square). Well done.")
    assert_printed(capsys, q.check(lambda x: np.abs(x) * x), "wrong",
                   "square([1, -3]) returned -9 for x = -3 (index (1,)), expected 9. x * x")
    assert_printed(capsys, q.check(None), "blank", "Replace the stub")

    def stub(x):
        raise NotImplementedError()
    assert_printed(capsys, q.check(stub), "blank")


def test_check_result_is_a_bool_that_shows_nothing_in_a_notebook(capsys):
    right, wrong = Square().check(lambda x: x * x), Square().check(None)
    assert right and not wrong and right == True and wrong == False  # noqa: E712
    assert (repr(right), str(wrong), f"{right}", sum([right, right, wrong])) == \
        ("True", "False", "True", 2)
    assert right._ipython_display_() is None  # IPython shows no Out[n] for it


def test_a_checker_bug_still_reads_as_a_sentence(capsys):
    class Buggy(Question):
        number, title = "9.2", "buggy"

        def _check(self, answer):
            return 1 / 0

    assert_printed(capsys, Buggy().check(1), "wrong", "The checker could not use this answer "
                   "(ZeroDivisionError: division by zero)")


def test_hints_are_progressive_and_solution_prints_the_code(capsys):
    q = Square()
    for _ in range(3):
        q.hint()
    q.solution()
    assert capsys.readouterr().out == ("Hint 1/2: first\nHint 2/2: second\nHint 2/2: second\n"
                                       "Solution to question 9.1:\ndef square(x):\n"
                                       "    return x * x\n")


def test_number_and_choice_questions(capsys):
    class Quarter(NumberQuestion):
        number, title, expected, explanation, nudge = "9.3", "q", 0.25, "Yes.", "Think."

    class Pick(ChoiceQuestion):
        number, title, correct = "9.4", "p", "b"
        options = {"a": "No: a.", "b": "Yes: b."}

    assert_printed(capsys, Quarter().check(0.2501), "correct", "Yes.")
    assert_printed(capsys, Quarter().check(0.3), "wrong",
                   "You answered 0.3; that is not it. Think.")
    assert_printed(capsys, Pick().check("B"), "correct", "Yes: b.")
    assert_printed(capsys, Pick().check("a"), "wrong", 'You chose "a". No: a.')
    assert_printed(capsys, Pick().check("c"), "wrong", 'one of "a", "b"')


# ----------------------------------------------------------------------------- progress()
def _notebook(*cells) -> nbformat.NotebookNode:
    """cells: (source, printed text or None, errored)."""
    nb = nbformat.v4.new_notebook()
    for source, text, errored in cells:
        cell = nbformat.v4.new_code_cell(source)
        if text is not None:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
        if errored:
            cell.outputs.append(nbformat.v4.new_output("error", ename="NameError",
                                                       evalue="x", traceback=[]))
        nb.cells.append(cell)
    return nb


def test_notebook_status_reads_marks_errors_and_repeats():
    nb = _notebook(
        ("import numpy as np\n# ex01.q1.check(f) in a comment does not count", None, False),
        ("ex01.q1.check(f)", "debug print\n" + MARKS["wrong"] + ": Question 1.1 (x). No.\n",
         False),
        ("ex01.q1.check(g)", MARKS["correct"] + ": Question 1.1 (x).\n", False),
        ("ex01.q2.check(h)", None, True),
        ("ex01.q3.check(answer)", MARKS["blank"] + ": Question 1.3 (x).\n", False),
        ("ex01.q10.check(answer)", None, False),
        ("ex01.q4.check(a)\nex01.q5.check(b)",
         MARKS["correct"] + ": Q 1.4\n" + MARKS["wrong"] + ": Q 1.5\n", False),
    )
    assert notebook_status(nb) == {"q1": "passed", "q2": "not yet", "q3": "not attempted",
                                   "q4": "passed", "q5": "not yet", "q10": "not attempted"}


def test_progress_returns_the_data_and_shows_itself_as_its_table(tmp_path, capsys):
    from IPython.core.formatters import DisplayFormatter

    folder = tmp_path / "exercises"
    folder.mkdir()
    nbformat.write(_notebook(("ex01.q1.check(f)", MARKS["correct"] + ": Q\n", False),
                             ("ex01.q2.check(f)", MARKS["blank"] + ": Q\n", False)),
                   folder / "01_activations.ipynb")
    nbformat.write(_notebook(("ex02.q1.check(f)", MARKS["wrong"] + ": Q\n", False)),
                   folder / "02_derivatives.ipynb")
    (folder / "03_broken.ipynb").write_text("{not json")
    result = progress(folder)
    assert result == {"01_activations": {"q1": "passed", "q2": "not attempted"},
                      "02_derivatives": {"q1": "not yet"}}
    assert capsys.readouterr().out == ""  # it shows itself once, where it is displayed
    lines = str(result).splitlines()
    assert lines[0].startswith(f"Progress in {folder}/")
    assert lines[2].split() == ["notebook", "q1", "q2"]
    assert lines[3] == "01_activations  passed         not attempted"
    assert lines[4] == "02_derivatives  not yet"
    assert "1 of 3 questions passed." in lines
    assert lines[-1].startswith("03_broken.ipynb: could not be read")
    # a notebook cell ending in progress() shows the table only: HTML, and the text table
    # as its plain-text form (no dict echoed under it)
    shown, _ = DisplayFormatter().format(result)
    assert set(shown) == {"text/plain", "text/html"}
    assert shown["text/plain"] == str(result) and "'q1'" not in shown["text/plain"]
    html = shown["text/html"]
    assert html.count("<tr>") == 3 and html.count(">passed<") == 1
    assert ">not attempted<" in html and ">not yet<" in html
    assert "1 of 3 questions passed." in html and "03_broken.ipynb: could not be read" in html


def test_progress_table_escapes_names_in_html(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    nbformat.write(_notebook(("ex01.q1.check(f)", MARKS["correct"] + ": Q\n", False)),
                   folder / "<b>mine.ipynb")
    assert "&lt;b&gt;mine" in progress(folder)._repr_html_()


def test_progress_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="progress\\(\\): found no folder"):
        progress(tmp_path / "nowhere")


def test_progress_finds_the_course_exercises_from_another_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = progress("exercises")  # not in tmp_path: the course root's exercises/
    assert {"01_activations", "02_derivatives", "03_relu_curve_fitting"} <= set(result)
    assert set(result["01_activations"].values()) == {"not attempted"}


ALL_QUESTIONS = [q for mod in ("ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07")
                 for name, q in sorted(vars(__import__(f"minidl.exercises.{mod}", fromlist=["_"])).items())
                 if re.fullmatch(r"q\d+", name)]


@pytest.mark.parametrize("q", ALL_QUESTIONS, ids=lambda q: q.number)
def test_every_question_has_progressive_hints_and_a_solution(q, capsys):
    q = type(q)()  # a fresh question: the hint counter starts at 0
    n = len(q.hints)
    for _ in range(n + 1):
        q.hint()
    q.solution()
    out = capsys.readouterr().out.splitlines()
    assert n >= 2
    assert [line.split(":")[0] for line in out[:n + 1]] == \
        [f"Hint {i}/{n}" for i in range(1, n + 1)] + [f"Hint {n}/{n}"]  # the last one repeats
    assert out[n + 1] == f"Solution to question {q.number}:" and out[-1].strip()


def test_there_are_at_least_24_questions_four_per_notebook():
    per_notebook = {}
    for q in ALL_QUESTIONS:
        per_notebook.setdefault(q.number.split(".")[0], []).append(q)
    assert len(ALL_QUESTIONS) >= 24 and all(len(v) >= 4 for v in per_notebook.values())
