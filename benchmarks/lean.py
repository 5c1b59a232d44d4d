"""A lean autodiff engine for the MLP step of (a), as a yardstick: how close to the floor an
engine can get in Python when it does nothing else.

micrograd's design on arrays: each result keeps its inputs and a closure that sends its
gradient back; backward visits results in reverse topological order. It has exactly the three
ops the step needs (fused linear, relu, fused cross-entropy) and none of what minidl adds:
no argument checks, no broadcasting rule, no dtype handling, no `no_grad`, no freeing of saved
arrays, no `retain_graph`, no layers. Its row in (a) is the price of the engine alone.
"""
from __future__ import annotations

import numpy as np

from mlp import MLPProblem, Step


class Value:
    __slots__ = ("data", "grad", "inputs", "send_back")

    def __init__(self, data: np.ndarray, inputs: tuple = (), send_back=None):
        self.data, self.grad, self.inputs, self.send_back = data, None, inputs, send_back

    def add_grad(self, g: np.ndarray) -> None:
        self.grad = g if self.grad is None else self.grad + g

    def backward(self) -> None:
        order, seen = [], set()

        def visit(v: Value) -> None:  # recursive: fine for a 4-op graph
            if id(v) not in seen:
                seen.add(id(v))
                for u in v.inputs:
                    visit(u)
                order.append(v)
        visit(self)
        self.grad = np.ones_like(self.data)
        for v in reversed(order):
            if v.send_back is not None and v.grad is not None:
                v.send_back(v.grad)


def linear(x: Value, w: Value, b: Value, ones: np.ndarray) -> Value:
    out = x.data @ w.data.T
    out += b.data

    def send_back(g):
        if x.send_back is not None:  # x is a result, not the input batch
            x.add_grad(g @ w.data)
        w.add_grad(g.T @ x.data)
        b.add_grad(ones @ g)
    return Value(out, (x, w, b), send_back)


def relu(x: Value) -> Value:
    def send_back(g):
        x.add_grad(g * (x.data > 0))
    return Value(np.maximum(x.data, 0), (x,), send_back)


def cross_entropy(z: Value, y: np.ndarray, rows: np.ndarray) -> Value:
    shifted = z.data - np.maximum.reduce(z.data, axis=1, keepdims=True)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    n = len(y)
    loss = (np.add.reduce(np.log(s), axis=None) - np.add.reduce(shifted[rows, y])) / n

    def send_back(g):
        gz = e / s
        gz[rows, y] -= 1
        gz *= float(g) / n
        z.add_grad(gz)
    return Value(np.asarray(loss), (z,), send_back)


def make_lean(p: MLPProblem, d: dict) -> Step:
    params = W1, b1, W2, b2 = [Value(d[k].copy()) for k in ("W1", "b1", "W2", "b2")]
    x, y = Value(d["x"]), d["y"]
    rows, ones = np.arange(len(y)), np.ones(len(y), np.float32)

    def step() -> float:
        for q in params:
            q.grad = None
        loss = cross_entropy(linear(relu(linear(x, W1, b1, ones)), W2, b2, ones), y, rows)
        loss.backward()
        for q in params:
            q.data -= p.lr * q.grad
        return float(loss.data)
    return step
