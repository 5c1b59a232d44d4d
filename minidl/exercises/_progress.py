"""`progress()`: which questions are passed, read from the exercise notebooks saved on disk.

Nothing runs and nothing is sent anywhere: each code cell that calls `exNN.qK.check(...)` is
matched with the check's output stored in the notebook (a line starting with one of MARKS).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._core import MARKS

STATUS = {"correct": "passed", "wrong": "not yet", "blank": "not attempted"}
_RANK = {"not attempted": 0, "not yet": 1, "passed": 2}
_CHECK = re.compile(r"\b(ex\d+)\.(q\d+)\.check\(")


def notebook_status(nb: Any) -> dict[str, str]:
    """{"q1": "passed" | "not yet" | "not attempted", ...} for one notebook (an nbformat
    NotebookNode), from its stored outputs.

    A check cell without a stored check line counts as "not yet" if it stopped on an error
    (the learner tried), else "not attempted"; a question checked twice keeps its best result.
    """
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith("#"))
        questions = [q for _, q in _CHECK.findall(code)]
        if not questions:
            continue
        text = "".join(out.get("text", "") for out in cell.get("outputs", [])
                       if out.get("output_type") == "stream")
        marks = [key for line in text.splitlines() for key, mark in MARKS.items()
                 if line.startswith(mark)]
        errored = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        for i, q in enumerate(questions):
            status = (STATUS[marks[i]] if i < len(marks)
                      else "not yet" if errored else "not attempted")
            if _RANK[status] >= _RANK.get(found.get(q, ""), -1):
                found[q] = status
    return dict(sorted(found.items(), key=lambda item: int(item[0][1:])))


def progress(folder: str | Path = "exercises") -> dict[str, dict[str, str]]:
    """Print a table notebook × question → passed / not yet / not attempted, read from the
    saved notebooks in `folder` (save a notebook first: Ctrl+S). Returns the same as a dict,
    {"01_activations": {"q1": "passed", ...}, ...}.

    A relative `folder` that does not exist here is also looked for at the course's root, so
    progress() works from inside notebooks/ or exercises/ too.
    """
    import nbformat  # a course dependency, not needed to check answers

    path = Path(folder)
    if not path.is_dir() and not path.is_absolute():
        path = Path(__file__).resolve().parents[2] / folder
    if not path.is_dir():
        raise FileNotFoundError(f"progress(): found no folder {str(folder)!r} here or at the "
                                f"course's root. Pass the folder that holds your exercise "
                                f"notebooks, e.g. progress('exercises').")
    table: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for nb_path in sorted(path.glob("*.ipynb")):
        try:
            table[nb_path.stem] = notebook_status(nbformat.read(nb_path, as_version=4))
        except Exception as e:  # a damaged file must not hide the others
            problems.append(f"{nb_path.name}: could not be read ({type(e).__name__}: {e})")
    _print_table(table, str(folder))
    for line in problems:
        print(line)
    return table


def _print_table(table: dict[str, dict[str, str]], folder: str) -> None:
    questions = sorted({q for row in table.values() for q in row}, key=lambda q: int(q[1:]))
    width = max([len("notebook")] + [len(name) for name in table]) + 2
    print(f"Progress in {folder}/ (from the saved notebooks; save with Ctrl+S to update)\n")
    print("notebook".ljust(width) + "".join(q.ljust(15) for q in questions).rstrip())
    for name, row in table.items():
        print(name.ljust(width) + "".join(row.get(q, "").ljust(15)
                                          for q in questions).rstrip())
    passed = sum(s == "passed" for row in table.values() for s in row.values())
    total = sum(len(row) for row in table.values())
    print(f"\n{passed} of {total} questions passed.")
