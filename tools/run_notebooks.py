"""Execute notebooks in place in a fresh kernel and store clean outputs (used by `make refresh`).

    python tools/run_notebooks.py notebooks/*.ipynb

Volatile metadata (execution timestamps) is dropped so a re-run that reproduces the same
outputs leaves the file byte-identical, and the stored outputs are what nbval compares.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "python3"
WIDGET = "application/vnd.jupyter.widget-view+json"


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": KERNEL}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            # a stored widget view without its widget state shows as "model not found" in
            # JupyterLab: drop it (such cells are NBVAL_IGNORE_OUTPUT; re-running shows it)
            cell.outputs = [out for out in cell.get("outputs", [])
                            if WIDGET not in out.get("data", {})]
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
    return nb


def execute(path: Path, timeout: int = 600) -> float:
    """Run `path` top to bottom in its own folder; write it back; return seconds taken."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(clean(nb), path)
    return seconds


def main(paths: list[str]) -> None:
    for p in paths:
        seconds = execute(Path(p))
        size = Path(p).stat().st_size / 1e6
        print(f"{p}: {seconds:.1f} s, {size:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
