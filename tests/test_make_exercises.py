"""tools/make_exercises.py: the stub transformation, generation, and that the committed
exercises/ are in sync with solutions/.

The in-sync test compares the stubbed SOURCES of every committed exercise notebook (cheap, no
kernel). Their stored OUTPUTS are compared by nbval in `make test` (the exercise notebooks are
re-executed there), and the full regenerate-and-compare path of `--check` is exercised here on
a one-question notebook, so the whole course is never executed twice.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_exercises as mx  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


# ----------------------------------------------------------------------------- stub()
def test_indented_region_becomes_comment_and_pass_at_its_indentation():
    source = ("def f(x):\n"
              "    ### BEGIN SOLUTION\n"
              "    y = x * 2\n"
              "    return y\n"
              "    ### END SOLUTION\n"
              "\n"
              "ex01.q1.check(f)")
    assert mx.stub(source) == ("def f(x):\n"
                               "    # YOUR CODE HERE\n"
                               "    pass\n"
                               "\n"
                               "ex01.q1.check(f)")


def test_top_level_region_becomes_the_same_stub_that_runs():
    source = ('answer = None  # "a" to "d"\n### BEGIN SOLUTION\nanswer = "c"\n### END SOLUTION\n'
              'q.check(answer)')
    assert mx.stub(source) == 'answer = None  # "a" to "d"\n# YOUR CODE HERE\npass\nq.check(answer)'
    exec(mx.stub(source).replace("q.check(answer)", "assert answer is None"))


def test_several_regions_in_one_cell_and_deeper_or_tab_indentation():
    source = ("class S(minidl.Function):\n"
              "    @staticmethod\n"
              "    def forward(ctx, x):\n"
              "        ### BEGIN SOLUTION\n"
              "        return x\n"
              "        ### END SOLUTION\n"
              "\n"
              "    @staticmethod\n"
              "    def backward(ctx, grad):\n"
              "\t\t### BEGIN SOLUTION\n"
              "\t\treturn grad\n"
              "\t\t### END SOLUTION")
    assert mx.stub(source) == ("class S(minidl.Function):\n"
                               "    @staticmethod\n"
                               "    def forward(ctx, x):\n"
                               "        # YOUR CODE HERE\n"
                               "        pass\n"
                               "\n"
                               "    @staticmethod\n"
                               "    def backward(ctx, grad):\n"
                               "\t\t# YOUR CODE HERE\n"
                               "\t\tpass")


def test_markdown_region_and_untouched_cells():
    assert mx.stub("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", "markdown") == \
        "Why?\nYOUR ANSWER HERE"
    text = "x = 1  # no markers here\n\n"
    assert mx.stub(text) == text


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
     "line 2: ### BEGIN SOLUTION inside"),
    ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
    ("### BEGIN SOLUTION\nx = 1", "### END SOLUTION is missing"),
    ("### BEGIN HIDDEN TESTS\nassert 1\n### END SOLUTION", "line 3: ### END SOLUTION without"),
    ("x = 1  ### BEGIN SOLUTION\nx = 2\n### END SOLUTION", "line 3: ### END SOLUTION without"),
    ("### BEGIN SOLUTION\nx = 2\n### END SOLUTION\ny = 3  ### END SOLUTION", "alone on its line"),
])
def test_malformed_regions_are_errors(source, message):
    with pytest.raises(ValueError, match=message):
        mx.stub(source)


def test_make_exercise_clears_outputs_keeps_ids_and_names_the_kernel():
    solution = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("answer = None\n### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION",
                                  execution_count=3,
                                  outputs=[nbformat.v4.new_output("stream", text="✅ Correct\n")]),
    ])
    solution.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    exercise = mx.make_exercise(solution)
    code = exercise.cells[1]
    assert code.source == "answer = None\n# YOUR CODE HERE\npass"
    assert code.outputs == [] and code.execution_count is None and "execution" not in code.metadata
    assert [c.id for c in exercise.cells] == [c.id for c in solution.cells]
    assert exercise.metadata.kernelspec.name == "python3"
    assert solution.cells[1].outputs  # the solution itself is not modified
    with pytest.raises(ValueError, match="cell 0: line 1"):
        mx.make_exercise(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("### END SOLUTION")]))


def test_hidden_tests_are_removed_as_nbgrader_releases_them():
    source = ("# the grader checks question 1.1 here\n### BEGIN HIDDEN TESTS\n"
              "assert ex01.q1.check(f)\n### END HIDDEN TESTS")
    assert mx.stub(source) == "# the grader checks question 1.1 here"


def _graded_notebook(test_after="ex01.q1"):
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Question 1.1"),
        nbformat.v4.new_code_cell("import minidl"),
        nbformat.v4.new_code_cell("f = None\n### BEGIN SOLUTION\nf = 1\n### END SOLUTION\n"
                                  "ex01.q1.check(f)"),
        nbformat.v4.new_code_cell(f"### BEGIN HIDDEN TESTS\nassert {test_after}.check(f)\n"
                                  f"### END HIDDEN TESTS"),
        nbformat.v4.new_code_cell("# ex01.q1.hint()"),
    ])


def test_grading_metadata_follows_the_structure():
    nb = mx.grading_metadata(_graded_notebook(), "ex01")
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert [m and m["grade_id"] for m in meta] == ["ex01-readonly-1", "ex01-readonly-2",
                                                   "ex01-q1-answer", "ex01-q1-test", None]
    assert meta[2]["solution"] and not meta[2]["grade"] and not meta[2]["locked"]
    assert meta[3]["grade"] and meta[3]["locked"] and meta[3]["points"] == 1
    assert meta[0]["locked"] and not meta[0]["grade"] and not meta[0]["solution"]
    assert nb.cells[3].metadata["editable"] is False and "editable" not in nb.cells[2].metadata


def test_grading_metadata_wants_each_test_right_after_its_answer():
    with pytest.raises(ValueError, match="question 2 must come right after"):
        mx.grading_metadata(_graded_notebook(test_after="ex01.q2"), "ex01")
    nb = _graded_notebook()
    del nb.cells[3]
    with pytest.raises(ValueError, match="answers without tests \\['ex01-q1'\\]"):
        mx.grading_metadata(nb, "ex01")


# ----------------------------------------------------------------------------- in sync
def test_there_are_solution_notebooks_with_regions():
    assert SOLUTIONS
    for path in SOLUTIONS:
        assert mx.BEGIN in path.read_text(encoding="utf-8"), path


def test_committed_exercises_sources_are_in_sync_with_solutions():
    assert mx.stale(SOLUTIONS, ROOT / "exercises", sources_only=True) == []
    assert mx.orphans(SOLUTIONS, ROOT / "exercises") == []


def test_committed_exercises_contain_no_solution():
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        exercise = path.read_text(encoding="utf-8")
        assert mx.BEGIN not in exercise and mx.END not in exercise, path


def test_stale_and_orphan_exercises_are_named(tmp_path):
    solution = SOLUTIONS[0]
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    assert mx.stale([solution], exercises, sources_only=True) == [
        f"{exercises / solution.name} is missing"]
    nb = nbformat.read(ROOT / "exercises" / solution.name, as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "YOUR CODE HERE" in c.source)
    nb.cells[i].source = nb.cells[i].source.replace("# YOUR CODE HERE", "answer = 42")
    nbformat.write(nb, exercises / solution.name)
    assert mx.stale([solution], exercises, sources_only=True) == [
        f"{exercises / solution.name} is stale: cell {i} source differ"]
    nb.cells.pop()
    nbformat.write(nb, exercises / solution.name)
    assert "cells" in mx.stale([solution], exercises, sources_only=True)[0]
    nbformat.write(nb, exercises / "99_renamed.ipynb")
    assert mx.orphans([solution], exercises) == [
        f"{exercises / '99_renamed.ipynb'} has no solution notebook 99_renamed.ipynb in solutions/"]


# ----------------------------------------------------------------------------- generation
def _one_question(answer: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Exercises 99"),
        nbformat.v4.new_code_cell("from minidl.exercises import ex01"),
        nbformat.v4.new_code_cell(f"answer = None\n### BEGIN SOLUTION\nanswer = {answer}\n"
                                  f"### END SOLUTION\nex01.q4.check(answer)"),
        nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nassert ex01.q4.check(answer)\n"
                                  "### END HIDDEN TESTS"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                "language": "python"}})


def test_generate_executes_both_notebooks_and_check_compares_outputs(tmp_path, capsys):
    solution = tmp_path / "solutions" / "99_demo.ipynb"
    solution.parent.mkdir()
    nbformat.write(_one_question("1.5 ** 10"), solution)
    exercises = tmp_path / "exercises"
    target = mx.generate(solution, exercises)
    assert "99_demo.ipynb: generated from" in capsys.readouterr().out
    solved = nbformat.read(solution, as_version=4).cells[2].outputs[0].text
    blank = nbformat.read(target, as_version=4).cells[2]
    assert solved.startswith("✅ Correct: Question 1.4")
    assert blank.source == "answer = None\n# YOUR CODE HERE\npass\nex01.q4.check(answer)"
    assert nbformat.read(target, as_version=4).cells[3].source == ""  # the hidden test is gone
    assert nbformat.read(solution, as_version=4).cells[3].metadata.nbgrader["points"] == 1
    assert blank.outputs[0].text.startswith("⏳ Not attempted yet: Question 1.4")
    assert mx.stale([solution], exercises) == []

    nb = nbformat.read(target, as_version=4)
    nb.cells[2].outputs[0].text = "❌ Not yet: edited by hand\n"
    nbformat.write(nb, target)
    assert mx.stale([solution], exercises, sources_only=True) == []
    assert mx.stale([solution], exercises) == [f"{target} is stale: cell 2 outputs differ"]


def test_generate_stops_when_a_model_answer_fails_its_own_check(tmp_path):
    solution = tmp_path / "99_wrong.ipynb"
    nbformat.write(_one_question("0.5"), solution)
    with pytest.raises(SystemExit, match="(?s)model answer does not pass its own check.*"
                                         "❌ Not yet: Question 1.4"):
        mx.generate(solution, tmp_path / "exercises")
    assert not (tmp_path / "exercises").exists()


def test_cli(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        mx.main(["--sources-only"])
    assert e.value.code == 2
    solution = str(SOLUTIONS[0])
    assert mx.main(["--check", "--sources-only", solution]) == 0
    assert "in sync with 1 solution notebook(s)" in capsys.readouterr().out
    assert mx.main(["--check", "--sources-only", "--out", str(tmp_path), solution]) == 1
    out = capsys.readouterr().out
    assert "is missing" in out and out.endswith("Regenerate with: make exercises\n")
