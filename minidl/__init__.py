"""minidl: a small, readable, PyTorch-shaped autodiff library for the minidl course.

    import minidl
    import minidl.functional as F
    x = minidl.tensor([0.5, -1.0], requires_grad=True)
    F.sigmoid(x).sum().backward(); x.grad

`minidl.data`, `minidl.plot`, `minidl.widgets` and `minidl.exercises` are imported on first use,
so `import minidl` needs NumPy only.
"""
from __future__ import annotations

import importlib

import numpy as np

from . import functional, nn, optim
from .autograd import Function, is_grad_enabled, no_grad
from .tensor import Tensor
from .calculus import GradcheckError, derivative, gradcheck, numerical_derivative
from .random import manual_seed

__version__ = "0.1.0"

float32, float64, int64 = np.float32, np.float64, np.int64
_LAZY = ("data", "plot", "widgets", "exercises", "doctor", "progress", "fitting")


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Build a Tensor, as torch.tensor: Python floats become float32, float64 arrays stay
    float64, integers stay integers (labels)."""
    if isinstance(data, Tensor):
        data = data.data
    if type(data).__module__.split(".")[0] == "torch":
        raise TypeError("tensor(): got a torch.Tensor. Convert it with "
                        "minidl.tensor(t.detach().numpy()).")
    arr = np.array(data, dtype=dtype)  # a copy, as torch.tensor makes
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor(): expected numbers (a number, list or array), but got "
                        f"{type(data).__name__} with dtype {arr.dtype}.")
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(np.float32)
    if requires_grad and arr.dtype.kind != "f":
        raise TypeError(f"tensor(): only floating-point tensors can require gradients, but the "
                        f"data has dtype {arr.dtype}. Pass floats (e.g. [1.0, 2.0]) or "
                        f"dtype=minidl.float32.")
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad)


def ones(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad)


def randn(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    from .random import generator
    return Tensor(generator().standard_normal(_shape(shape)).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype=np.float32) -> Tensor:
    return Tensor(np.linspace(start, end, steps, dtype=dtype))


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minidl' has no attribute {name!r}")
