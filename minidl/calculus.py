"""Derivatives three ways: by autodiff, by central differences, and a check that they agree."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .tensor import Tensor


def _array(y) -> np.ndarray:
    return y.data if isinstance(y, Tensor) else np.asarray(y)


def _float_array(x, fn: str) -> np.ndarray:
    if isinstance(x, Tensor):
        x = x.data
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{fn}(): expected x to be numbers (an array, list or number), "
                        f"but got {type(x).__name__} of dtype {arr.dtype}.")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def derivative(f: Callable, x) -> np.ndarray:
    r"""Elementwise $f'(x)$ by reverse-mode autodiff: the gradient of $\sum_i f(x)_i$.

    `f` must act elementwise (an activation); lists and numbers are taken in float64.
    """
    arr = _float_array(x, "derivative")
    if not isinstance(x, (np.ndarray, Tensor)):
        arr = arr.astype(np.float64)
    t = Tensor(arr.copy(), requires_grad=True)
    y = f(t)
    if not isinstance(y, Tensor):
        raise TypeError(f"derivative(): f must return a minidl Tensor (build it from minidl ops), "
                        f"but it returned {type(y).__name__}.")
    if y.shape != t.shape:
        raise ValueError(f"derivative(): f must act elementwise, but it turned shape {t.shape} "
                         f"into {y.shape}. For a scalar function use y.backward() and x.grad.")
    if y.requires_grad:
        y.sum().backward()
    return t.grad.data if t.grad is not None else np.zeros_like(arr)


def numerical_derivative(f: Callable, x, eps: float = 1e-6) -> np.ndarray:
    r"""Central differences in float64:
    $f'(x) \approx \frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}$."""
    arr = _float_array(x, "numerical_derivative").astype(np.float64)
    up, down = _array(f(Tensor(arr + eps))), _array(f(Tensor(arr - eps)))
    return (up.astype(np.float64) - down.astype(np.float64)) / (2 * eps)


class GradcheckError(AssertionError):
    """Raised by gradcheck when analytic and numeric gradients disagree."""


def gradcheck(f: Callable, *inputs, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0) -> bool:
    r"""Compare autodiff gradients of `f(*inputs)` with central differences, in float64.

    A non-scalar output is reduced with fixed random weights, $L = \sum_i w_i f_i$, so every
    output element is checked. Returns True, or raises GradcheckError naming the input, the
    worst index and the analytic and numeric values there.
    """
    xs = [Tensor(_float_array(x, "gradcheck").astype(np.float64).copy(), requires_grad=True)
          for x in inputs]
    out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck(): f must return a minidl Tensor, got {type(out).__name__}.")
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)

    def scalar(*args) -> float:
        return float(np.sum(_array(f(*args)).astype(np.float64) * weights))

    (out * Tensor(weights)).sum().backward()
    for k, x in enumerate(xs):
        analytic = x.grad.data if x.grad is not None else np.zeros_like(x.data)
        numeric = np.zeros_like(x.data)
        for i in np.ndindex(x.shape):  # one probe per element: a checker, not the engine
            probe = [Tensor(v.data.copy()) for v in xs]
            probe[k].data[i] += eps
            up = scalar(*probe)
            probe[k].data[i] -= 2 * eps
            numeric[i] = (up - scalar(*probe)) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > 0:
            worst = np.unravel_index(np.argmax(err), err.shape)
            raise GradcheckError(
                f"gradcheck(): the gradient with respect to input {k} is wrong at index "
                f"{tuple(int(j) for j in worst)}: analytic {analytic[worst]:.6g} vs numeric "
                f"{numeric[worst]:.6g} (x = {x.data[worst]:.6g}). Check the backward of the op "
                f"(or move the point away from a kink).")
    return True
