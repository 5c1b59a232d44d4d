"""Generate the learner notebooks exercises/NN_topic.ipynb from solutions/NN_topic.ipynb.

    python tools/make_exercises.py                  # every solutions/*.ipynb (`make exercises`)
    python tools/make_exercises.py solutions/01_activations.ipynb
    python tools/make_exercises.py --check          # exit 1 naming stale exercises/ files
    python tools/make_exercises.py --check --sources-only   # the same, without executing

solutions/ is the single source: each answer sits between `### BEGIN SOLUTION` and
`### END SOLUTION` (nbgrader's markers). A region inside an indented block becomes
`# YOUR CODE HERE` + `raise NotImplementedError()` at that indentation; a top-level region
becomes `# YOUR CODE HERE` alone (the cell sets a default such as `answer = None` before it).

Generating first re-executes each solution notebook in place and stops unless every check in
it passes; then it writes the exercise notebook, executes it and stops unless every check in
it says "not attempted yet". `--check` regenerates into a temporary folder and compares cell
sources and outputs with the committed exercises/ (run_notebooks.clean already dropped the
timestamps); `--sources-only` compares only the stubbed sources.
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from pathlib import Path

import nbformat

from minidl.exercises import notebook_status
from run_notebooks import clean, execute

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def stub(source: str, cell_type: str = "code") -> str:
    """Replace every solution region in one cell's source by the learner's stub."""
    out: list[str] = []
    indent = None  # the indentation of the open region's BEGIN line, None outside a region
    for n, line in enumerate(source.split("\n"), 1):
        marker = line.strip()
        if marker == BEGIN:
            if indent is not None:
                raise ValueError(f"line {n}: {BEGIN} inside another solution region")
            indent = line[: len(line) - len(line.lstrip())]
            if cell_type == "markdown":
                out.append("YOUR ANSWER HERE")
            else:
                out.append(indent + "# YOUR CODE HERE")
                if indent:
                    out.append(indent + "raise NotImplementedError()")
        elif marker == END:
            if indent is None:
                raise ValueError(f"line {n}: {END} without a {BEGIN} before it")
            indent = None
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise ValueError(f"{BEGIN} without an {END} after it")
    result = "\n".join(out)
    if BEGIN in result or END in result:
        raise ValueError("a solution marker must stand alone on its line")
    return result


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
        execute(solution_path)
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
        cells.append((cell.cell_type, cell.source, merged))
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
            if sources_only:
                fresh = make_exercise(nbformat.read(solution_path, as_version=4))
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
                what = "source" if want[diff][1] != have[diff][1] else "outputs"
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
