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

from . import autograd, functional, nn, ops, optim
from . import tensor as _tensor_module
from .autograd import Function, is_grad_enabled, no_grad
from .calculus import GradcheckError, derivative, gradcheck, numerical_derivative
from .errors import RuntimeTypeError
from .ops import cat, stack, where
from .random import manual_seed
from .tensor import Tensor, linspace, ones, randn, tensor, zeros

# Tensor's methods call these modules, which import minidl.tensor: handed to it now they exist,
# so that it imports none of them (every import runs one way)
_tensor_module.autograd, _tensor_module.ops, _tensor_module.F = autograd, ops, functional
del _tensor_module

__version__ = "0.1.0"
# `from minidl import *`: the library core. The course helpers (_LAZY) are left out, so that a
# star import stays NumPy-only; they are still reached as minidl.plot, minidl.fitting, ...
__all__ = ["functional", "nn", "optim", "Function", "is_grad_enabled", "no_grad",
           "GradcheckError", "derivative", "gradcheck", "numerical_derivative",
           "RuntimeTypeError", "cat", "stack", "where", "manual_seed", "Tensor", "tensor", "zeros",
           "ones", "randn", "linspace", "float32", "float64", "int64", "int32", "uint8", "float",
           "double", "long", "int", "bool", "abs", "exp", "log", "sqrt", "sum", "mean", "max",
           "min", "amax", "amin", "argmax", "argmin", "clamp", "clip", "maximum", "minimum",
           "logsumexp", "var", "std", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
           "flatten", "matmul", "sigmoid", "tanh", "relu", "softmax", "log_softmax"]

float32, float64, int64, int32, uint8 = np.float32, np.float64, np.int64, np.int32, np.uint8
# The layout: every top-level module is the library (what a torch user finds in torch), every
# folder a course helper, imported on first use so that `import minidl` stays NumPy-only.
_LAZY = ("data", "plot", "widgets", "exercises", "fitting", "doctor", "progress_bar")


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
