"""Grading with nbgrader really produces scores (`make test-nbgrader`, its own environment).

For every solution notebook, in a fresh nbgrader course folder set up as INSTRUCTORS.md says:
`nbgrader generate_assignment` must release exactly the course's exercises/ notebook, and
`nbgrader autograde` must give a perfect submission full marks, a blank one (the course's own
exercises/ notebook, untouched) zero, and a partial one (a learner who stopped halfway: the
first half of the questions answered, the rest left blank; later questions may build on earlier
answers, never the other way round) exactly one point per question it answered.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader runs in its own environment: make test-nbgrader")
import nbformat  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_exercises as mx  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
STUDENTS = ("perfect", "partial", "blank")


def nbgrader(course: Path, *args: str) -> str:
    # nbgrader runs its environment's `alembic` command for the gradebook: that bin/ on PATH
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def answer_body(solution_source: str) -> str:
    """A solution cell as a learner who got it right would leave it: the markers gone."""
    return "\n".join(line for line in solution_source.split("\n")
                     if line.strip() not in (mx.BEGIN, mx.END))


def question(cell) -> int:
    return int(re.search(r"-q(\d+)-", cell.metadata["nbgrader"]["grade_id"]).group(1))


def submission(exercise: nbformat.NotebookNode, solution: nbformat.NotebookNode,
               answered) -> nbformat.NotebookNode:
    """The exercise notebook with the questions in `answered` filled in from the solution."""
    nb = nbformat.from_dict(exercise)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and answered(question(cell)):
            cell.source = answer_body(answers[meta["grade_id"]])
    return nb


def half_of(solution: nbformat.NotebookNode) -> int:
    """The number of questions the partial submission answers: the first half, rounded up."""
    n = sum(1 for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade"))
    return (n + 1) // 2


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course folder with every assignment generated and every submission autograded."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "tools" / "nbgrader_config.py", course / "nbgrader_config.py")
    for student in STUDENTS:
        nbgrader(course, "db", "student", "add", student)
    for path in SOLUTIONS:
        assignment = mx.assignment_id(path)
        (course / "source" / assignment).mkdir(parents=True)
        shutil.copy(path, course / "source" / assignment / path.name)
        nbgrader(course, "db", "assignment", "add", assignment)
        nbgrader(course, "generate_assignment", assignment, "--force")
        exercise = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
        solution = nbformat.read(path, as_version=4)
        half = half_of(solution)
        plans = {"perfect": lambda q: True, "partial": lambda q: q <= half,
                 "blank": lambda q: False}
        for student, answered in plans.items():
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            nbformat.write(submission(exercise, solution, answered), folder / path.name)
        nbgrader(course, "autograde", assignment, "--force")
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    return course


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_release_is_the_courses_exercise_notebook(course, path):
    released = nbformat.read(course / "release" / mx.assignment_id(path) / path.name,
                             as_version=4)
    ours = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert [(c.cell_type, c.source) for c in released.cells] == \
           [(c.cell_type, c.source) for c in ours.cells]


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    with open(course / "grades.csv", newline="") as f:
        return {(row["assignment"], row["student_id"]): (float(row["raw_score"]),
                                                         float(row["max_score"]))
                for row in csv.DictReader(f)}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_scores(course, path):
    assignment = mx.assignment_id(path)
    solution = nbformat.read(path, as_version=4)
    questions = sorted({question(c) for c in solution.cells
                        if c.metadata.get("nbgrader", {}).get("grade")})
    got = scores(course)
    points = len(questions)
    assert got[assignment, "perfect"] == (points, points)
    assert got[assignment, "blank"] == (0, points)
    assert got[assignment, "partial"] == (half_of(solution), points)
