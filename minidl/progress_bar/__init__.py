"""A tiny text progress bar for training loops that prints the same text on every run.

    bar = progress_bar(range(30), desc="training relu", unit="epochs")
    for epoch in bar:
        ...
        bar.set_postfix(loss=loss)
    # training relu [####################] 30/30 epochs loss 0.1234

It shows no timings and no rates, so a notebook that uses it reproduces its outputs exactly
(nbval can compare them).
"""
from __future__ import annotations

import numbers
import operator
import sys
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

__all__ = ["progress_bar"]

T = TypeVar("T")


def _whole(name: str, value, low: int) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        number = None
    if number is None or number < low:
        raise ValueError(f"progress_bar(): {name} must be a whole number >= {low}, but got "
                         f"{value!r}.")
    return number


def _fmt(value) -> str:
    """Floats (Python or NumPy) to 4 decimals; anything else as str()."""
    real = isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
    return f"{value:.4f}" if real else str(value)


class progress_bar(Generic[T]):
    """Wrap `iterable` and draw `desc [#####     ] n/total unit postfix` on one line.

    The line is drawn when the loop starts and redrawn in place (with "\\r") only when the
    number of '#' changes, so at most `width` + 1 times however long the loop is; it ends with
    a newline, also when the loop stops early. `total` defaults to `len(iterable)`.
    """

    def __init__(self, iterable: Iterable[T], total: int | None = None, desc: str = "",
                 unit: str = "", width: int = 20):
        if total is None:
            try:
                total = len(iterable)  # type: ignore[arg-type]
            except TypeError:
                raise TypeError(
                    f"progress_bar(): cannot tell how many items a {type(iterable).__name__} has "
                    f"(it has no len()). Pass the count: progress_bar(items, total=30).") from None
        total, width = _whole("total", total, 0), _whole("width", width, 1)
        self.iterable, self.total, self.desc, self.unit, self.width = (
            iterable, total, desc, unit, width)
        self.n = 0
        self.postfix = ""
        self._drawn = ""

    def __len__(self) -> int:
        return self.total

    def set_postfix(self, **values) -> None:
        """Text shown after the count: set_postfix(loss=0.12345) shows "loss 0.1235"
        (floats are rounded to 4 decimals). It appears at the next redraw."""
        self.postfix = " ".join(f"{k} {_fmt(v)}" for k, v in values.items())

    def _filled(self) -> int:
        return min(self.width, self.n * self.width // self.total) if self.total else 0

    def _line(self) -> str:
        bar = "#" * self._filled() + " " * (self.width - self._filled())
        parts = [self.desc] if self.desc else []
        parts += [f"[{bar}]", f"{self.n}/{self.total}"]
        parts += [p for p in (self.unit, self.postfix) if p]
        return " ".join(parts)

    def _draw(self) -> None:
        line = self._line()
        padding = " " * (len(self._drawn) - len(line))  # wipe what a longer line left behind
        sys.stdout.write("\r" + line + padding)
        sys.stdout.flush()
        self._drawn = line

    def __iter__(self) -> Iterator[T]:
        self.n = 0
        self._drawn = ""
        self._draw()
        try:
            for item in self.iterable:
                yield item
                before = self._filled()
                self.n += 1
                if self._filled() != before and self.n < self.total:
                    self._draw()
        finally:
            self._draw()  # the final state, with the latest postfix
            sys.stdout.write("\n")
            sys.stdout.flush()
