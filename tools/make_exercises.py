"""Generate the learner notebooks exercises/NN_topic.ipynb from solutions/NN_topic.ipynb.

    python tools/make_exercises.py                  # every solutions/*.ipynb (`make exercises`)
    python tools/make_exercises.py solutions/01_activations.ipynb
    python tools/make_exercises.py --check          # exit 1 naming stale exercises/ files
    python tools/make_exercises.py --check --sources-only   # the same, without executing

solutions/ is the single source, written for nbgrader as it is:
- each answer sits between `### BEGIN SOLUTION` and `### END SOLUTION`; the region becomes
  `# YOUR CODE HERE` + `pass` at the BEGIN line's indentation, which is also the stub nbgrader
  writes with the course's tools/nbgrader_config.py (a blank function returns None, a blank
  top-level answer keeps the default set before it, `answer = None`: both read "not attempted");
- right under each answer cell, a test cell holds the grader's assertion between
  `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` (`assert ex01.q1.check(leaky_relu)`);
  learners get the cell without the region, as nbgrader releases it;
- every cell's nbgrader metadata (read-only text and setup, solution cells, autograded test
  cells with one point each, unique grade ids) is derived here from that structure and
  written into solutions/ (`grading_metadata`), so `nbgrader generate_assignment` works on
  the solution notebooks with no clicking in its GUI.

Generating first re-executes each solution notebook in place and stops unless every check in
it passes; then it writes the exercise notebook, executes it and stops unless every check in
it says "not attempted yet". `--check` regenerates into a temporary folder and compares cell
sources, outputs and metadata with the committed exercises/ (run_notebooks.clean already
dropped the timestamps), and that solutions/ carry current grading metadata; `--sources-only`
compares without executing.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

from minidl.exercises import notebook_status
from run_notebooks import clean, execute

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB, TEXT_STUB = ("# YOUR CODE HERE", "pass"), ("YOUR ANSWER HERE",)
QUESTION = re.compile(r"\bex\d+\.q(\d+)\b")


def stub(source: str, cell_type: str = "code") -> str:
    """One cell's source as the learner gets it: each solution region replaced by the stub at
    its indentation, each hidden-tests region removed (what nbgrader's ClearSolutions and
    ClearHiddenTests do)."""
    out: list[str] = []
    region = None  # the open region's END marker, None outside a region
    for n, line in enumerate(source.split("\n"), 1):
        marker = line.strip()
        if marker in (BEGIN, HIDDEN_BEGIN):
            if region is not None:
                raise ValueError(f"line {n}: {marker} inside another region")
            region = END if marker == BEGIN else HIDDEN_END
            if marker == BEGIN:
                indent = line[: len(line) - len(line.lstrip())]
                out += [indent + s for s in (TEXT_STUB if cell_type == "markdown" else CODE_STUB)]
        elif marker in (END, HIDDEN_END):
            if region != marker:
                raise ValueError(f"line {n}: {marker} without its BEGIN line before it")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise ValueError(f"a region is not closed: {region} is missing")
    result = "\n".join(out)
    if any(m in result for m in (BEGIN, END, HIDDEN_BEGIN, HIDDEN_END)):
        raise ValueError("a solution or hidden-tests marker must stand alone on its line")
    return result


def grading_metadata(nb: nbformat.NotebookNode, assignment: str) -> nbformat.NotebookNode:
    """Set every cell's nbgrader metadata from the notebook's structure (in place; returned).

    A cell with a solution region is a solution cell; a code cell with a hidden-tests region
    is an autograded test cell worth one point and must come right after its question's answer
    cell; markdown and the other code cells that hold no hint calls are read-only. Hint cells
    (`# ex01.q1.hint()`, for the learner to uncomment) stay ordinary cells."""
    readonly = 0
    for i, cell in enumerate(nb.cells):
        text = cell.source
        cell.metadata.pop("nbgrader", None)
        for key in ("editable", "deletable"):
            cell.metadata.pop(key, None)
        q = QUESTION.search(text)
        if BEGIN in text:
            kind, gid = "solution", f"{assignment}-q{q.group(1) if q else i}-answer"
        elif HIDDEN_BEGIN in text:
            if not q:
                raise ValueError(f"cell {i}: a hidden-tests cell must name its question (exNN.qK)")
            before = nb.cells[i - 1] if i else None
            if before is None or BEGIN not in before.source or QUESTION.search(
                    before.source) is None or QUESTION.search(before.source).group(1) != q.group(1):
                raise ValueError(f"cell {i}: the test cell for question {q.group(1)} must come "
                                 f"right after that question's answer cell")
            kind, gid = "test", f"{assignment}-q{q.group(1)}-test"
        elif cell.cell_type == "markdown" or (cell.cell_type == "code" and ".hint()" not in text):
            readonly += 1
            kind, gid = "readonly", f"{assignment}-readonly-{readonly}"
        else:
            continue
        meta = {"grade": kind == "test", "grade_id": gid, "locked": kind != "solution",
                "schema_version": 3, "solution": kind == "solution", "task": False}
        if kind == "test":
            meta["points"] = 1
        cell.metadata["nbgrader"] = meta
        # what nbgrader's LockCells writes into the released notebook
        cell.metadata["deletable"] = False
        if kind != "solution":
            cell.metadata["editable"] = False
    answers = {g["grade_id"][: -len("-answer")] for c in nb.cells
               if (g := c.metadata.get("nbgrader", {})).get("solution")}
    tests = {g["grade_id"][: -len("-test")] for c in nb.cells
             if (g := c.metadata.get("nbgrader", {})).get("grade")}
    if answers != tests:
        raise ValueError(f"every answer cell needs a hidden-tests cell right after it: answers "
                         f"without tests {sorted(answers - tests)}, tests without answers "
                         f"{sorted(tests - answers)}")
    return nb


def assignment_id(path: Path) -> str:
    """solutions/01_activations.ipynb -> "ex01" (the checker module the notebook imports)."""
    return "ex" + path.name.split("_", 1)[0]


def make_exercise(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The exercise notebook for a solution notebook: stubbed sources, no outputs."""
    nb = copy.deepcopy(solution)
    for i, cell in enumerate(nb.cells):
        try:
            cell.source = stub(cell.source, cell.cell_type)
        except ValueError as e:
            raise ValueError(f"cell {i}: {e}") from None
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return clean(nb)


def _expect(path: Path, status: str) -> None:
    """Stop unless every check stored in `path` reports `status`."""
    found = notebook_status(nbformat.read(path, as_version=4))
    bad = {q: s for q, s in found.items() if s != status}
    if not found or bad:
        raise SystemExit(f"{_shown(path)}: expected every check to say {status!r}, but found "
                         f"{bad or 'no checks'}.")


def generate(solution_path: Path, out_dir: Path, run_solution: bool = True,
             verbose: bool = True) -> Path:
    """Write and execute out_dir/<name>; first execute the solution and require it to pass."""
    if run_solution:
        solution = nbformat.read(solution_path, as_version=4)
        nbformat.write(grading_metadata(solution, assignment_id(solution_path)), solution_path)
        try:
            execute(solution_path)
        except CellExecutionError as e:  # e.g. a hidden test's assertion on a wrong model answer
            raise SystemExit(f"{_shown(solution_path)}: a cell of the solution failed, so a model "
                             f"answer does not pass its own check:\n{e}") from None
        _expect(solution_path, "passed")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / solution_path.name
    nbformat.write(make_exercise(nbformat.read(solution_path, as_version=4)), target)
    seconds = execute(target)
    _expect(target, "not attempted")
    if verbose:
        print(f"{_shown(target)}: generated from {_shown(solution_path)} ({seconds:.1f} s "
              f"to execute)")
    return target


def _shown(path: Path) -> str:
    """`path` relative to the course root when it is inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _cells(nb: nbformat.NotebookNode, outputs: bool) -> list:
    """What --check compares: each cell's type and source, and its outputs with consecutive
    stream chunks merged (how a stream is split into messages is not meaningful)."""
    cells = []
    for cell in nb.cells:
        merged: list[dict] = []
        for out in cell.get("outputs", []) if outputs else []:
            out = dict(out)
            if merged and out["output_type"] == "stream" == merged[-1]["output_type"] \
                    and out["name"] == merged[-1]["name"]:
                merged[-1] = {**merged[-1], "text": merged[-1]["text"] + out["text"]}
            else:
                merged.append(out)
        grading = {k: cell.metadata.get(k) for k in ("nbgrader", "editable", "deletable")}
        cells.append((cell.cell_type, cell.source, merged, grading))
    return cells


def stale(solutions: list[Path], exercises: Path, sources_only: bool = False) -> list[str]:
    """One sentence per exercise notebook that does not match what its solution generates."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for solution_path in solutions:
            committed = exercises / solution_path.name
            if not committed.exists():
                problems.append(f"{_shown(committed)} is missing")
                continue
            solution = nbformat.read(solution_path, as_version=4)
            graded = grading_metadata(copy.deepcopy(solution), assignment_id(solution_path))
            if [c.metadata for c in graded.cells] != [c.metadata for c in solution.cells]:
                problems.append(f"{_shown(solution_path)} has out-of-date nbgrader metadata")
            if sources_only:
                fresh = make_exercise(graded)
            else:
                fresh = nbformat.read(generate(solution_path, Path(tmp), run_solution=False,
                                               verbose=False), as_version=4)
            want = _cells(fresh, not sources_only)
            have = _cells(nbformat.read(committed, as_version=4), not sources_only)
            diff = next((i for i, (a, b) in enumerate(zip(want, have)) if a != b), None)
            if len(want) != len(have):
                problems.append(f"{_shown(committed)} has {len(have)} cells, "
                                f"{_shown(solution_path)} makes {len(want)}")
            elif diff is not None:
                what = ("source" if want[diff][1] != have[diff][1] else
                        "outputs" if want[diff][2] != have[diff][2] else "nbgrader metadata")
                problems.append(f"{_shown(committed)} is stale: cell {diff} {what} differ")
    return problems


def orphans(solutions: list[Path], exercises: Path) -> list[str]:
    """Exercise notebooks that no solution notebook generates (e.g. a renamed solution)."""
    names = {p.name for p in solutions}
    return [f"{_shown(p)} has no solution notebook {p.name} in solutions/"
            for p in sorted(exercises.glob("*.ipynb")) if p.name not in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution notebooks (default: every solutions/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="only compare; exit 1 naming stale exercise notebooks")
    parser.add_argument("--sources-only", action="store_true",
                        help="with --check: compare sources only, without executing")
    parser.add_argument("--out", type=Path, default=ROOT / "exercises",
                        help="the exercises folder (default: exercises/)")
    args = parser.parse_args(argv)
    if args.sources_only and not args.check:
        parser.error("--sources-only goes with --check")
    solutions = args.solutions or sorted((ROOT / "solutions").glob("*.ipynb"))
    if args.check:
        problems = stale(solutions, args.out, args.sources_only)
        if not args.solutions:
            problems += orphans(solutions, args.out)
        for line in problems:
            print(line)
        if problems:
            print("Regenerate with: make exercises")
            return 1
        print(f"exercises/ is in sync with {len(solutions)} solution notebook(s).")
        return 0
    for solution_path in solutions:
        generate(solution_path, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
