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
from .errors import RuntimeTypeError
from .ops import cat, stack, where
from .tensor import Tensor
from .calculus import GradcheckError, derivative, gradcheck, numerical_derivative
from .random import manual_seed

__version__ = "0.1.0"

float32, float64, int64, int32, uint8 = np.float32, np.float64, np.int64, np.int32, np.uint8
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
        raise RuntimeTypeError(f"tensor(): only floating-point tensors can require gradients, "
                               f"but the data has dtype {arr.dtype}. Pass floats (e.g. [1.0, 2.0]) "
                               f"or dtype=minidl.float32.")
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


def _as_function(name: str):
    """The function torch.<name>(input, ...) for the Tensor method: minidl.clamp(x, 0, 1)."""
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            from ._validate import as_tensor
            input = as_tensor(input, name, floating=False)
        return method(input, *args, **kwargs)
    function.__name__, function.__qualname__, function.__doc__ = name, name, method.__doc__
    return function


for _name in ("abs", "exp", "log", "sqrt", "sum", "mean", "max", "min", "amax", "amin", "argmax",
              "argmin", "clamp", "clip", "maximum", "minimum", "logsumexp", "var", "std",
              "reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten", "matmul",
              "sigmoid", "tanh", "relu", "softmax", "log_softmax"):
    globals()[_name] = _as_function(_name)
del _name
# torch's dtype names; defined last, since they shadow Python's float, int and bool in here
float, double, long, int, bool = np.float32, np.float64, np.int64, np.int32, np.bool_  # noqa: A001


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minidl' has no attribute {name!r}")
