"""Build a long chain of scalar ops and backpropagate through it: the per-op cost of a graph.

    y = x;  repeat n times:  y = y * 1.0001 + 0.0001      (2 ops per repeat)

then dy/dx = 1.0001^n. Each `make_*` returns a zero-argument `run()` that builds the chain
from a fresh leaf x = 1, calls backward and returns (y, dy/dx) as floats.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

A, B = 1.0001, 0.0001
Run = Callable[[], tuple]


def exact(repeats: int) -> tuple[float, float]:
    """y and dy/dx in float64: y = A^n + B (A^n - 1) / (A - 1)."""
    an = A ** repeats
    return an + B * (an - 1) / (A - 1), an


def make_python(repeats: int) -> Run:
    """The floor: plain Python floats with a hand-written tape of local derivatives."""
    def run() -> tuple:
        y, tape = 1.0, []
        for _ in range(repeats):
            y = y * A
            tape.append(A)
            y = y + B
            tape.append(1.0)
        grad = 1.0
        for local in reversed(tape):
            grad *= local
        return y, grad
    return run


def _make_tensor_chain(repeats: int, tensor: Callable) -> Run:
    """minidl and torch spell the chain alike; only `tensor`, their constructor, differs."""
    def run() -> tuple:
        x = tensor(1.0, requires_grad=True)
        y = x
        for _ in range(repeats):
            y = y * A + B
        y.backward()
        return y.item(), x.grad.item()
    return run


def make_minidl(repeats: int) -> Run:
    import minidl
    return _make_tensor_chain(repeats, minidl.tensor)


def make_torch(repeats: int, torch) -> Run:
    return _make_tensor_chain(repeats, torch.tensor)


def make_dezero(repeats: int, dezero) -> Run:
    def run() -> tuple:
        x = dezero.Variable(np.array(1.0, dtype=np.float32))
        y = x
        for _ in range(repeats):
            y = y * A + B
        y.backward()
        return float(y.data), float(x.grad.data)
    return run


def make_micrograd(repeats: int, engine) -> Run:
    def run() -> tuple:
        x = engine.Value(1.0)
        y = x
        for _ in range(repeats):
            y = y * A + B
        y.backward()
        return y.data, x.grad
    return run
