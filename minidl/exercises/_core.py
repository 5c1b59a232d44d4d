"""The exercise checker: every question offers check(answer), hint() and solution().

A check never shows a traceback from inside minidl and never kills the kernel: the learner's
code runs under a time limit, its exceptions, NaNs, wrong types and shapes and mutated inputs
are turned into one clear sentence each. Output is plain text and deterministic (nbval compares
it); the first line starts with one of the MARKS so `progress()` can read notebooks on disk.
"""
from __future__ import annotations

import copy
import inspect
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import Tensor

MARKS = {"correct": "✅ Correct", "wrong": "❌ Not yet", "blank": "⏳ Not attempted yet"}
TIME_LIMIT = 3.0
STUB_MARK = "# YOUR CODE HERE"  # what a blank answer region becomes (tools/make_exercises.py)


class NotAttempted(Exception):
    """The answer is still the blank stub."""


class Wrong(Exception):
    """The answer ran but is not right; the message says why and what to try."""


@contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError inside the body once it has run `seconds` (SIGALRM: only in the main
    thread on Unix, where notebook kernels and pytest run code; elsewhere there is no limit)."""
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
    if isinstance(x, np.generic):  # np.float32(0.5) reads as 0.5
        x = x.item()
    if isinstance(x, np.ndarray):
        if x.size <= 10:
            text = np.array2string(x, separator=", ",
                                   formatter={"float_kind": lambda v: f"{v:.4g}"})
            return " ".join(text.split())  # one line, also for 2-D arrays
        return f"array of shape {x.shape}"
    if isinstance(x, float):
        return f"{x:.4g}"
    if callable(x):  # a function or class: its name, never a repr with a memory address
        return getattr(x, "__name__", type(x).__name__)
    return repr(x)


def grad_of(t: Tensor) -> np.ndarray:
    """t.grad.data for a tensor the checker itself ran backward() through, so that it is set."""
    if t.grad is None:
        raise RuntimeError("backward() did not reach this tensor (a bug in the checker)")
    return t.grad.data


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
    try:  # NumPy's overflow warnings are silenced: the checks explain NaN and inf themselves
        with time_limit(TIME_LIMIT), np.errstate(all="ignore"):
            result = fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted from None
    except TimeoutError:
        raise Wrong(f"{name}({shown}) did not return within {TIME_LIMIT:g} seconds. Look for a "
                    f"loop that never ends.") from None
    except Wrong:
        raise
    except Exception as e:  # the learner's error, reported as a sentence, not a traceback
        error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        stop = "" if error.endswith((".", "!", "?")) else "."  # not two full stops in a row
        raise Wrong(f"{name}({shown}) raised {error}{stop} Call {name} yourself in a new cell "
                    f"to see where.") from None
    if result is None and _still_stub(fn):
        raise NotAttempted
    for arg_name, a, before in zip(_parameter_names(fn, len(args)), args, originals, strict=False):
        arr, old = (a.data, before.data) if isinstance(a, Tensor) else (a, before)
        if isinstance(arr, np.ndarray) and not _same(arr, old):
            raise Wrong(f"{name}({shown}) changed its input {arg_name} in place"
                        f"{_first_change(old, arr)}. Build a new array instead (e.g. x * 2 "
                        f"rather than x *= 2), or start from a copy: {arg_name} = "
                        f"{arg_name}.copy().")
    return result


def _still_stub(fn: Callable) -> bool:
    """True when `fn` is still the exercise's blank stub (`# YOUR CODE HERE` then `pass`)."""
    try:
        return STUB_MARK in inspect.getsource(fn)
    except (OSError, TypeError):  # no source to read (a builtin, a lambda typed at a prompt)
        return False


def _parameter_names(fn: Callable, n: int) -> list[str]:
    """The names of the first `n` parameters of `fn`, for messages ("argument 2" if unknown)."""
    try:
        names = [p for p in inspect.signature(fn).parameters][:n]
    except (TypeError, ValueError):
        names = []
    return names + [f"argument {i + 1}" for i in range(len(names), n)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


def _first_change(before: np.ndarray, after: np.ndarray) -> str:
    """": at index (0, 1), 1 became 0" for the first element that an in-place edit changed."""
    if before.shape != after.shape:
        return f": its shape went from {before.shape} to {after.shape}"
    diff = before != after
    if before.dtype.kind in "fc":
        diff &= ~(np.isnan(before) & np.isnan(after))
    i = tuple(int(j) for j in np.argwhere(diff)[0])
    where = f" at index {i}" if i else ""
    return f":{where} {describe(before[i].item())} became {describe(after[i].item())}"


def expect_close(got: Any, expected: Any, call_text: str, nudge: str = "",
                 rtol: float = 1e-5, atol: float = 1e-6, what: str = "your function",
                 x: Any = None, x_name: str = "x") -> None:
    """Compare a learner's value with the expected one; raise Wrong with the first failure.

    `x`, when given (broadcastable to the expected shape), is the input shown at a failing
    index, as `x_name = value`.
    """
    got_arr = as_array(got, what)
    exp = np.asarray(expected.data if isinstance(expected, Tensor) else expected)
    if got_arr.shape != exp.shape:
        raise Wrong(f"{call_text} returned shape {got_arr.shape}, expected shape {exp.shape}. "
                    f"{nudge}".strip())
    if got_arr.dtype.kind not in "fiub":
        raise Wrong(f"{call_text} returned values of dtype {got_arr.dtype}; expected numbers.")
    inputs = None if x is None else np.broadcast_to(np.asarray(x.data if isinstance(x, Tensor)
                                                                else x), exp.shape)

    def at(i: tuple) -> str:
        if inputs is not None:
            return f" for {x_name} = {float(inputs[i]):.6g}" + (f" (index {i})" if i else "")
        return f" at index {i}" if i else ""

    bad_value = ~np.isfinite(got_arr) & np.isfinite(exp)
    if bad_value.any():
        i = tuple(int(j) for j in np.argwhere(bad_value)[0])
        raise Wrong(f"{call_text} returned {got_arr[i]}{at(i)} where {float(exp[i]):.6g} was "
                    f"expected: a NaN or infinity usually means an overflow (exp of a large "
                    f"number) or log(0). {nudge}".strip())
    close = np.isclose(got_arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        i = tuple(int(j) for j in np.argwhere(~close)[0])
        raise Wrong(f"{call_text} returned {float(got_arr[i]):.6g}{at(i)}, expected "
                    f"{float(exp[i]):.6g}. {nudge}".strip())


def expect_calls(fn: Callable, name: str, cases: list[tuple[tuple, Any]], nudge: str = "",
                 mistakes: tuple[tuple[Callable, str], ...] = (), rtol: float = 1e-5,
                 atol: float = 1e-6) -> None:
    """Run `fn` on each case `(args, expected)` through `call` and compare with `expect_close`.

    `mistakes` pairs a function of the same arguments computing a typical wrong answer with the
    nudge to give when the learner's result matches it (e.g. forward instead of central
    differences); otherwise `nudge` is given.
    """
    for args, expected in cases:
        got = call(fn, *args, name=name)
        why = next((text for wrong, text in mistakes if _matches(got, wrong(*args))), nudge)
        # the first array argument shaped like the result names the failing input
        names = _parameter_names(fn, len(args))
        x, x_name = next(((a, n) for a, n in zip(args, names, strict=False)
                          if isinstance(a, np.ndarray) and a.shape == np.shape(expected)),
                         (None, "x"))
        expect_close(got, expected, f"{name}({', '.join(describe(a) for a in args)})", why,
                     rtol, atol, what=name, x=x, x_name=x_name)


def _matches(got: Any, candidate: np.ndarray) -> bool:
    try:
        arr = as_array(got)
        return arr.shape == np.shape(candidate) and bool(np.allclose(arr, candidate))
    except (Wrong, TypeError, ValueError):
        return False


def _kind(value: Any) -> str:
    if type(value).__module__.split(".")[0] == "torch":
        return "a torch.Tensor"
    if callable(value):
        return f"the function {describe(value)}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def as_number(answer: Any, what: str = "Your answer") -> float:
    """A single finite number from an answer (int, float, NumPy scalar, one-element array or
    Tensor); anything else raises Wrong with the fix."""
    if isinstance(answer, bool) or isinstance(answer, np.bool_):
        raise Wrong(f"{what} is {answer}, a True/False value; give a number instead.")
    if isinstance(answer, str):
        raise Wrong(f"{what} is the text {answer!r}; give a number without quotes, e.g. 0.5.")
    if type(answer).__module__.split(".")[0] == "torch":
        raise Wrong(f"{what} is a torch.Tensor; give a plain number, e.g. t.item().")
    if isinstance(answer, Tensor):
        answer = answer.data
    if isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype.kind in "fiu":
        answer = answer.item()
    if not isinstance(answer, (int, float, np.integer, np.floating)):
        raise Wrong(f"{what} is {_kind(answer)}; give a single number, e.g. 0.5.")
    value = float(answer)
    if not np.isfinite(value):
        raise Wrong(f"{what} is {value}; give a finite number.")
    return value


def as_numbers(answer: Any, n: int, what: str = "Your answer") -> np.ndarray:
    """Exactly `n` finite numbers from a tuple, list, array or Tensor, as a float64 array."""
    if type(answer).__module__.split(".")[0] == "torch":
        raise Wrong(f"{what} is a torch.Tensor; give a tuple of {n} plain numbers, e.g. "
                    f"tuple(t.tolist()).")
    if isinstance(answer, Tensor):
        answer = answer.data
    if not isinstance(answer, (tuple, list, np.ndarray)):
        raise Wrong(f"{what} is {_kind(answer)}; give a tuple of {n} numbers, e.g. "
                    f"({', '.join(['0.5'] * n)}).")
    if len(answer) != n or (isinstance(answer, np.ndarray) and answer.ndim != 1):
        raise Wrong(f"{what} has {len(answer)} entries; give exactly {n} numbers, e.g. "
                    f"({', '.join(['0.5'] * n)}).")
    return np.array([as_number(a, f"Entry {i + 1} of {what.lower()}")
                     for i, a in enumerate(answer)])


def as_choice(answer: Any, options: str) -> str:
    """A multiple-choice letter: 'b', 'B', ' (b) ' all read as 'b'; `options` like 'abcd'."""
    listed = ", ".join(f'"{o}"' for o in options)
    if not isinstance(answer, str):
        raise Wrong(f"Your answer is {_kind(answer)}; answer with one letter in quotes: "
                    f"one of {listed}.")
    letter = answer.strip().strip("()").strip().lower()
    if letter not in options or len(letter) != 1:
        raise Wrong(f"Your answer is {answer!r}; answer with one letter: one of {listed}.")
    return letter


class Result(int):
    """What check() returns: true when the answer is right. It behaves as a bool in `if`,
    `assert`, `==` and sums, but shows nothing as the last line of a notebook cell, where the
    printed verdict already says it all (compare with `bool(result)`, not with `is True`)."""

    def __new__(cls, ok: bool) -> Result:
        return super().__new__(cls, bool(ok))

    def __repr__(self) -> str:
        return repr(bool(self))

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(bool(self), spec)

    def _ipython_display_(self) -> None:
        """IPython calls this instead of showing `Out[n]: True`."""


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

    def check(self, answer: Any = None) -> Result:
        """Print whether `answer` is right (and why not); return a true Result when it is."""
        header = f"Question {self.number} ({self.title})"
        try:
            if answer is None:
                raise NotAttempted
            extra = self._check(answer)
        except NotAttempted:
            print(f"{MARKS['blank']}: {header}. Replace the stub and run this cell again; "
                  f"hint() helps if you are stuck.")
            return Result(False)
        except Wrong as w:
            print(f"{MARKS['wrong']}: {header}. {w}")
            return Result(False)
        except Exception as e:  # a bug in a checker must still read as a sentence
            print(f"{MARKS['wrong']}: {header}. The checker could not use this answer "
                  f"({type(e).__name__}: {e}).")
            return Result(False)
        print(f"{MARKS['correct']}: {header}." + (f" {extra}" if extra else ""))
        return Result(True)

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


class NumberQuestion(Question):
    """A prediction answered with one number: set `expected`, `rtol` / `atol`, `explanation`
    (shown when right) and `nudge` (shown when not)."""

    expected = 0.0
    rtol, atol = 1e-2, 1e-9
    explanation = ""
    nudge = ""

    def _check(self, answer: Any) -> str | None:
        value = as_number(answer)
        if not np.isclose(value, self.expected, rtol=self.rtol, atol=self.atol):
            raise Wrong(f"You answered {value:.6g}; that is not it. {self.nudge}".strip())
        return self.explanation or None


class ChoiceQuestion(Question):
    """A multiple-choice prediction: `options` maps each letter to why it is right or wrong;
    `correct` is the right letter."""

    options: dict[str, str] = {}
    correct = "a"

    def _check(self, answer: Any) -> str | None:
        letter = as_choice(answer, "".join(self.options))
        if letter != self.correct:
            raise Wrong(f'You chose "{letter}". {self.options[letter]}')
        return self.options[letter]
