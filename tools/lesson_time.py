"""Estimate a lesson's learner time from its text, by one stated method.

    python tools/lesson_time.py notebooks/*.ipynb

A learner reads the prose, then reads, runs and looks at each code cell:

    minutes = prose words / 120  +  code lines / 12  +  0.5 per code cell

120 words a minute is a careful technical reading rate (slower than the ~200-250 of plain prose:
formulas, and for many learners English is a second language); a code line takes about five
seconds to read; half a minute per cell covers running it and looking at its output or figure.
These rates are stated assumptions, not a measurement of learners: an instructor who times one
lesson with real learners can scale all three to match (a pilot that takes 1.3x the estimate
means every lesson takes about 1.3x). A lesson is meant to come out between 20 and 40 minutes;
one that does not is split or trimmed. `make times` prints the table.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

WORDS_PER_MIN, LINES_PER_MIN, MIN_PER_CELL = 120, 12, 0.5


def measure(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    words = lines = cells = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            text = re.sub(r"```.*?```", " ", text, flags=re.S)        # code shown, not prose
            text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " x ", text, flags=re.S)  # a formula ~ a word
            # a CJK character counts as half a word (two characters ~ one English word)
            cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
            words += len(re.findall(r"[A-Za-z0-9_'’-]+", text)) + cjk // 2
        elif cell["cell_type"] == "code":
            cells += 1
            lines += sum(1 for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#"))
    minutes = words / WORDS_PER_MIN + lines / LINES_PER_MIN + cells * MIN_PER_CELL
    return {"words": words, "code_lines": lines, "code_cells": cells, "minutes": minutes}


def main(paths: list[str]) -> None:
    print(f"{'notebook':40} {'words':>6} {'lines':>6} {'cells':>6} {'minutes':>8}")
    for p in paths:
        m = measure(Path(p))
        flag = "" if 20 <= m["minutes"] <= 40 else "  <- outside 20-40"
        print(f"{Path(p).stem:40} {m['words']:6} {m['code_lines']:6} {m['code_cells']:6} "
              f"{m['minutes']:8.0f}{flag}")


if __name__ == "__main__":
    main(sys.argv[1:])
