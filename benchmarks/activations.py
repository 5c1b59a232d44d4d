"""Forward + backward of each activation on a large float32 vector, upstream gradient of ones.

The NumPy floor uses the same stable formulas as minidl.functional, written out with nothing
else around them: what the forward computes and the backward needs is computed once, in
float32. NumPy has no erf, so the GELU floor calls minidl's vectorised NumPy erfc
(`minidl._special.normal_cdf`, float64 inside), the same function minidl calls.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from minidl import _special

NAMES = ("relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu", "selu", "gelu", "silu")
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
FwdBwd = Callable[[], tuple]  # returns (output, input gradient) as NumPy arrays


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def _elu(x: np.ndarray, g: np.ndarray, alpha: float, scale: float) -> tuple:
    neg = alpha * np.expm1(np.minimum(x, 0))
    return scale * np.where(x > 0, x, neg), g * scale * np.where(x > 0, 1, neg + alpha)


def _softplus(x: np.ndarray, g: np.ndarray) -> tuple:
    big = x > 20  # torch's default threshold
    y = np.where(big, x, np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))
    return y, np.where(big, g, g * _sigmoid(x))


def _gelu(x: np.ndarray, g: np.ndarray) -> tuple:
    cdf = _special.normal_cdf(x).astype(x.dtype)  # Phi once (float64 inside), then float32
    return x * cdf, g * (cdf + x * _special.normal_pdf(x).astype(x.dtype, copy=False))


def _silu(x: np.ndarray, g: np.ndarray) -> tuple:
    s = _sigmoid(x)
    return x * s, g * s * (1 + x * (1 - s))


def _sigmoid_fb(x: np.ndarray, g: np.ndarray) -> tuple:
    y = _sigmoid(x)
    return y, g * y * (1 - y)


def _tanh(x: np.ndarray, g: np.ndarray) -> tuple:
    y = np.tanh(x)
    return y, g * (1 - y * y)


NUMPY = {
    "relu": lambda x, g: (np.maximum(x, 0), g * (x > 0)),
    "leaky_relu": lambda x, g: (np.where(x > 0, x, x * 0.01), np.where(x > 0, g, g * 0.01)),
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
