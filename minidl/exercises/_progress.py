"""`progress()`: which questions are passed, read from the exercise notebooks saved on disk.

Nothing runs and nothing is sent anywhere: each code cell that calls `exNN.qK.check(...)` is
matched with the check's output stored in the notebook (a line starting with one of MARKS).
"""
from __future__ import annotations

import re
from html import escape
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


class Progress(dict):
    """What `progress()` found: a dict {"01_activations": {"q1": "passed", ...}, ...} that shows
    itself as its table, so a notebook cell ending in `progress()` shows the table (HTML) and
    nothing else, and `print(progress())` prints it as text. `problems` lists the notebooks
    that could not be read."""

    def __init__(self, table: dict[str, dict[str, str]], folder: str,
                 problems: list[str] | None = None):
        super().__init__(table)
        self.folder, self.problems = folder, list(problems or [])

    @property
    def questions(self) -> list[str]:
        return sorted({q for row in self.values() for q in row}, key=lambda q: int(q[1:]))

    def summary(self) -> str:
        passed = sum(s == "passed" for row in self.values() for s in row.values())
        return f"{passed} of {sum(len(row) for row in self.values())} questions passed."

    def __repr__(self) -> str:
        width = max([len("notebook")] + [len(name) for name in self]) + 2
        lines = [f"Progress in {self.folder}/ (from the saved notebooks; save with Ctrl+S to "
                 f"update)", "",
                 "notebook".ljust(width) + "".join(q.ljust(15) for q in self.questions).rstrip()]
        lines += [name.ljust(width) + "".join(row.get(q, "").ljust(15)
                                              for q in self.questions).rstrip()
                  for name, row in self.items()]
        return "\n".join(lines + ["", self.summary(), *self.problems])

    def _repr_html_(self) -> str:
        colour = {"passed": "#d9ead3", "not yet": "#fde9c9", "not attempted": "#eeeeee"}
        cell = 'style="padding: 2px 8px; text-align: left; background: {}"'
        head = "".join(f"<th {cell.format('none')}>{q}</th>" for q in self.questions)
        rows = "".join(
            f"<tr><th {cell.format('none')}>{escape(name)}</th>"
            + "".join(f"<td {cell.format(colour.get(row.get(q), 'none'))}>{row.get(q, '')}</td>"
                      for q in self.questions) + "</tr>"
            for name, row in self.items())
        notes = "".join(f"<br>{escape(line)}" for line in self.problems)
        return (f"<p>Progress in <code>{escape(self.folder)}/</code> (from the saved notebooks; "
                f"save with Ctrl+S to update)</p><table><tr><th {cell.format('none')}>"
                f"notebook</th>{head}</tr>{rows}</table><p>{self.summary()}{notes}</p>")


def progress(folder: str | Path = "exercises") -> Progress:
    """Which questions you have passed: a table notebook × question → passed / not yet / not
    attempted, read from the saved notebooks in `folder` (save a notebook first: Ctrl+S).

    In a notebook, `progress()` as a cell's last line shows the table; in a script,
    `print(progress())`. The result is also a dict, {"01_activations": {"q1": "passed", ...},
    ...}, for code that wants the data. A relative `folder` that does not exist here is also
    looked for at the course's root, so progress() works from inside notebooks/ or exercises/.
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
    return Progress(table, str(folder), problems)
