"""Exercise checkers for the course notebooks: `from minidl.exercises import ex01` and then
`ex01.q1.check(answer)`, `ex01.q1.hint()`, `ex01.q1.solution()`.

`progress()` reports which questions are passed, read from the saved notebooks on disk.
"""
from ._core import (
    MARKS,
    ChoiceQuestion,
    NotAttempted,
    NumberQuestion,
    Question,
    Result,
    Wrong,
    as_array,
    as_choice,
    as_number,
    as_numbers,
    call,
    expect_calls,
    expect_close,
)
from ._progress import Progress, notebook_status, progress

__all__ = ["MARKS", "ChoiceQuestion", "NotAttempted", "NumberQuestion", "Question", "Result",
           "Wrong", "as_array", "as_choice", "as_number", "as_numbers", "call", "expect_calls",
           "expect_close", "Progress", "notebook_status", "progress"]
