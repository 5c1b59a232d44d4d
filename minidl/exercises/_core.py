"""The exercise checker: every question offers check(answer), hint() and solution().

A check never shows a traceback from inside minidl and never kills the kernel: the learner's
code runs under a time limit, its exceptions, NaNs, wrong types and shapes and mutated inputs
are turned into one clear sentence each. Output is plain text and deterministic (nbval compares
it); the first line starts with one of the MARKS so `progress()` can read notebooks on disk.
"""
from __future__ import annotations

import copy
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np

from ..autograd import Tensor

MARKS = {"correct": "✅ Correct", "wrong": "❌ Not yet", "blank": "⏳ Not attempted yet"}
TIME_LIMIT = 3.0


class NotAttempted(Exception):
    """The answer is still the blank stub."""


class Wrong(Exception):
    """The answer ran but is not right; the message says why and what to try."""


@contextmanager
def time_limit(seconds: float):
    """Raise Wrong if the body runs longer than `seconds` (main thread on Unix; else no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe(x: Any) -> str:
    """A short, deterministic description of a value for feedback messages."""
    if isinstance(x, Tensor):
        x = x.data
    if isinstance(x, np.ndarray):
        if x.size <= 6:
            return np.array2string(x, precision=4, separator=", ", suppress_small=True)
        return f"array of shape {x.shape}"
    if isinstance(x, float):
        return f"{x:.4g}"
    return repr(x)


def as_array(value: Any, what: str = "your function") -> np.ndarray:
    """Accept a minidl Tensor, a NumPy array or a number; anything else gets a clear sentence."""
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (np.ndarray, np.number, int, float)) and not isinstance(value, bool):
        return np.asarray(value)
    kind = type(value).__module__.split(".")[0]
    if kind == "torch":
        raise Wrong(f"{what} returned a torch.Tensor. Use minidl (or NumPy) here, e.g. "
                    f"minidl.functional instead of torch.nn.functional.")
    if isinstance(value, (list, tuple)):
        raise Wrong(f"{what} returned a {type(value).__name__}. Return a minidl Tensor or a "
                    f"NumPy array, e.g. np.asarray(result).")
    if value is None:
        raise Wrong(f"{what} returned None. Did you forget the `return` statement?")
    raise Wrong(f"{what} returned a {type(value).__name__}; expected a minidl Tensor, a NumPy "
                f"array or a number.")


def call(fn: Callable, *args, name: str | None = None, **kwargs) -> Any:
    """Run learner code on `args` (deep copies), translating every failure into a sentence."""
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise Wrong(f"expected a function, but got {type(fn).__name__}. Pass the function "
                    f"itself, without calling it: check({name}) rather than check({name}(...)).")
    originals = [copy.deepcopy(a) for a in args]
    shown = ", ".join(describe(a) for a in args)
    try:
        with time_limit(TIME_LIMIT):
            result = fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted from None
    except TimeoutError:
        raise Wrong(f"{name}({shown}) did not return within {TIME_LIMIT:g} seconds. Look for a "
                    f"loop that never ends.") from None
    except Wrong:
        raise
    except Exception as e:  # the learner's error, reported as a sentence, not a traceback
        raise Wrong(f"{name}({shown}) raised {type(e).__name__}: {e}") from None
    for a, before in zip(args, originals):
        arr, old = (a.data, before.data) if isinstance(a, Tensor) else (a, before)
        if isinstance(arr, np.ndarray) and not np.array_equal(arr, old, equal_nan=True):
            raise Wrong(f"{name}({describe(before)}) changed its input in place (now "
                        f"{describe(a)}). Build a new array instead, e.g. x * 2 rather than "
                        f"x *= 2.")
    return result


def expect_close(got: Any, expected: Any, call_text: str, nudge: str = "",
                 rtol: float = 1e-5, atol: float = 1e-6, what: str = "your function") -> None:
    """Compare a learner's value with the expected one; raise Wrong with the first failure."""
    got_arr = as_array(got, what)
    exp = np.asarray(expected.data if isinstance(expected, Tensor) else expected)
    if got_arr.shape != exp.shape:
        raise Wrong(f"{call_text} returned shape {got_arr.shape}, expected shape {exp.shape}. "
                    f"{nudge}".strip())
    if got_arr.dtype.kind not in "fiub":
        raise Wrong(f"{call_text} returned values of dtype {got_arr.dtype}; expected numbers.")
    bad_value = ~np.isfinite(got_arr) & np.isfinite(exp)
    if bad_value.any():
        i = tuple(int(j) for j in np.argwhere(bad_value)[0])
        raise Wrong(f"{call_text} returned {got_arr[i]} at index {i} where {exp[i]:.6g} was "
                    f"expected: a NaN or infinity usually means an overflow (exp of a large "
                    f"number) or log(0). {nudge}".strip())
    close = np.isclose(got_arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        i = tuple(int(j) for j in np.argwhere(~close)[0])
        where = f" at index {i}" if i else ""
        raise Wrong(f"{call_text} returned {float(got_arr[i]):.6g}{where}, expected "
                    f"{float(exp[i]):.6g}. {nudge}".strip())


class Question:
    """Subclass and set `number`, `title`, `hints`, `solution_code`; implement `_check(answer)`
    to raise NotAttempted / Wrong (or return a sentence to add to the success message)."""

    number = "0.0"
    title = ""
    hints: tuple[str, ...] = ()
    solution_code = ""

    def __init__(self):
        self._hints_shown = 0

    def _check(self, answer: Any) -> str | None:
        raise NotImplementedError

    def check(self, answer: Any = None) -> bool:
        """Print whether `answer` is right (and why not); return True when it is."""
        header = f"Question {self.number} ({self.title})"
        try:
            if answer is None:
                raise NotAttempted
            extra = self._check(answer)
        except NotAttempted:
            print(f"{MARKS['blank']}: {header}. Replace the stub and run this cell again; "
                  f"hint() helps if you are stuck.")
            return False
        except Wrong as w:
            print(f"{MARKS['wrong']}: {header}. {w}")
            return False
        except Exception as e:  # a bug in a checker must still read as a sentence
            print(f"{MARKS['wrong']}: {header}. The checker could not use this answer "
                  f"({type(e).__name__}: {e}).")
            return False
        print(f"{MARKS['correct']}: {header}." + (f" {extra}" if extra else ""))
        return True

    def hint(self) -> None:
        """Print the next hint (each call reveals one more)."""
        if not self.hints:
            print("No hint for this one: try solution().")
            return
        i = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        print(f"Hint {i + 1}/{len(self.hints)}: {self.hints[i]}")

    def solution(self) -> None:
        """Print a model answer."""
        print(f"Solution to question {self.number}:\n{self.solution_code.strip()}")

    def __repr__(self) -> str:
        return f"<Question {self.number}: {self.title}>"
