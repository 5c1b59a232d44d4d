"""Exercise checkers for the course notebooks: `from minidl.exercises import ex01` and then
`ex01.q1.check(answer)`, `ex01.q1.hint()`, `ex01.q1.solution()`.

`progress()` reports which questions are passed, read from the saved notebooks on disk.
"""
from ._core import MARKS, NotAttempted, Question, Wrong, as_array, call, expect_close  # noqa: F401
