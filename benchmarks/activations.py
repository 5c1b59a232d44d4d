"""Forward + backward of each activation on a large float32 vector, upstream gradient of ones.

The NumPy floor uses the same formulations as minidl.functional, written out with nothing
else around them: the same ufunc calls in the same buffers (masks as arithmetic instead of
np.where, updates in place), what the forward computes and the backward needs computed once,
in float32. NumPy has no erf, so the GELU floor calls minidl's `_special.gelu_and_derivative`
(float32 arithmetic for float32 input, on two threads for a big array), the same function
minidl calls.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minidl import _special

NAMES = ("relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu", "selu", "gelu", "silu")
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
FwdBwd = Callable[[], tuple]  # returns (output, input gradient) as NumPy arrays


def _logistic(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return 1 / e


def _positive_part(x: np.ndarray) -> np.ndarray:
    y = np.zeros(x.shape, x.dtype)
    return np.maximum(x, y, out=y)


def _one_where(mask: np.ndarray, other: float, dtype: np.dtype) -> np.ndarray:
    other = dtype.type(other)
    out = mask.astype(dtype)
    out *= 1 - other
    out += other
    return out


def _relu(x: np.ndarray, g: np.ndarray) -> tuple:
    return _positive_part(x), g * (x > 0)


def _leaky_relu(x: np.ndarray, g: np.ndarray) -> tuple:
    a = np.float32(0.01)
    positive = x > 0
    y = np.multiply(x, a, out=np.empty_like(x))
    np.maximum(x, y, out=y)
    d = _one_where(positive, a, g.dtype)
    d *= g
    return y, d


def _sigmoid_fb(x: np.ndarray, g: np.ndarray) -> tuple:
    y = _logistic(x)
    d = 1 - y
    d *= y
    d *= g
    return y, d


def _tanh(x: np.ndarray, g: np.ndarray) -> tuple:
    y = np.tanh(x)
    d = 1 - y * y
    d *= g
    return y, d


def _softplus(x: np.ndarray, g: np.ndarray) -> tuple:
    linear = x > 20  # torch's default threshold, beta = 1
    y = np.log1p(np.exp(-np.abs(x)))
    y *= ~linear
    y += _positive_part(x)
    d = -np.expm1(-y)
    d = np.maximum(d, linear)
    d *= g
    return y, d


def _elu(x: np.ndarray, g: np.ndarray, alpha: float, scale: float) -> tuple:
    neg = np.expm1(np.minimum(x, 0))
    neg *= alpha
    y = _positive_part(x)
    y += neg
    y *= scale
    d = _one_where(x > 0, alpha, x.dtype)
    d += neg
    d *= g
    d *= scale
    return y, d


def _gelu(x: np.ndarray, g: np.ndarray) -> tuple:
    y, d = _special.gelu_and_derivative(x)
    return y, g * d


def _silu(x: np.ndarray, g: np.ndarray) -> tuple:
    s = _logistic(x)
    d = 1 - s
    d *= x
    d += 1
    d *= s
    d *= g
    return x * s, d


NUMPY = {
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": _sigmoid_fb,
    "tanh": _tanh,
    "softplus": _softplus,
    "elu": lambda x, g: _elu(x, g, 1.0, 1.0),
    "selu": lambda x, g: _elu(x, g, SELU_ALPHA, SELU_SCALE),
    "gelu": _gelu,
    "silu": _silu,
}


def make_numpy(name: str, x: np.ndarray, g: np.ndarray) -> FwdBwd:
    fn = NUMPY[name]
    return lambda: fn(x, g)


def make_minidl(name: str, x: np.ndarray, g: np.ndarray) -> FwdBwd:
    import minidl
    fn = getattr(minidl.functional, name)
    xt = minidl.tensor(x, requires_grad=True)

    def run() -> tuple:
        xt.grad = None
        y = fn(xt)
        y.backward(g)
        return y.data, xt.grad.data
    return run


def make_torch(name: str, x: np.ndarray, g: np.ndarray, torch) -> FwdBwd:
    fn = getattr(torch.nn.functional, name)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    gt = torch.from_numpy(g)

    def run() -> tuple:
        xt.grad = None
        y = fn(xt)
        y.backward(gt)
        return y.detach().numpy(), xt.grad.numpy()
    return run
