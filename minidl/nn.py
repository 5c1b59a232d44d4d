"""Layers shaped like torch.nn: `Module`, `Linear`, activation and loss modules, `Sequential`."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from . import functional as F
from .random import generator
from .tensor import Tensor


class Module:
    """Base class: subclasses set layers and parameters as attributes and define `forward`."""

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward().")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.requires_grad:
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{name}.")
            elif isinstance(value, (list, tuple)):
                for i, m in enumerate(value):
                    if isinstance(m, Module):
                        yield from m.named_parameters(f"{prefix}{i}.")

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def children(self) -> list[tuple[str, Module]]:
        return [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.children()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class Linear(Module):
    r"""$y = x W^\top + b$; W and b drawn from U(-k, k), $k = 1/\sqrt{\text{in\_features}}$
    (torch's default)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype=np.float32):
        self.in_features, self.out_features = in_features, out_features
        k = 1 / math.sqrt(in_features)
        rng = generator()
        self.weight = Tensor(rng.uniform(-k, k, (out_features, in_features)).astype(dtype),
                             requires_grad=True)
        self.bias = (Tensor(rng.uniform(-k, k, out_features).astype(dtype), requires_grad=True)
                     if bias else None)

    def forward(self, x) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Applies its modules in order: Sequential(Linear(1, 2), ReLU(), Linear(2, 1))."""

    def __init__(self, *modules: Module):
        self.layers = list(modules)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def children(self):
        return [(str(i), m) for i, m in enumerate(self.layers)]


class _Elementwise(Module):
    """An activation module: calls `fn` with the keyword arguments it was built with."""

    fn = staticmethod(F.relu)

    def __init__(self, **options):
        self.options = options

    def forward(self, x):
        return type(self).fn(x, **self.options)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items())


class ReLU(_Elementwise):
    fn = staticmethod(F.relu)


class LeakyReLU(_Elementwise):
    fn = staticmethod(F.leaky_relu)

    def __init__(self, negative_slope: float = 0.01):
        super().__init__(negative_slope=negative_slope)


class Sigmoid(_Elementwise):
    fn = staticmethod(F.sigmoid)


class Tanh(_Elementwise):
    fn = staticmethod(F.tanh)


class Softplus(_Elementwise):
    fn = staticmethod(F.softplus)

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__(beta=beta, threshold=threshold)


class ELU(_Elementwise):
    fn = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0):
        super().__init__(alpha=alpha)


class SELU(_Elementwise):
    fn = staticmethod(F.selu)


class GELU(_Elementwise):
    fn = staticmethod(F.gelu)

    def __init__(self, approximate: str = "none"):
        super().__init__(approximate=approximate)


class SiLU(_Elementwise):
    fn = staticmethod(F.silu)


class Softmax(_Elementwise):
    fn = staticmethod(F.softmax)

    def __init__(self, dim: int = -1):
        super().__init__(dim=dim)


class LogSoftmax(_Elementwise):
    fn = staticmethod(F.log_softmax)

    def __init__(self, dim: int = -1):
        super().__init__(dim=dim)


class _Loss(Module):
    """A loss module: calls `fn(input, target, reduction=..., **options)`."""

    fn = staticmethod(F.mse_loss)

    def __init__(self, reduction: str = "mean", **options):
        self.reduction, self.options = reduction, options

    def forward(self, input, target):
        return type(self).fn(input, target, reduction=self.reduction, **self.options)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items())


class MSELoss(_Loss):
    fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    fn = staticmethod(F.l1_loss)


class HuberLoss(_Loss):
    fn = staticmethod(F.huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction, delta=delta)


class BCELoss(_Loss):
    fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    fn = staticmethod(F.binary_cross_entropy_with_logits)


class NLLLoss(_Loss):
    fn = staticmethod(F.nll_loss)

    def __init__(self, reduction: str = "mean", ignore_index: int = -100):
        super().__init__(reduction, ignore_index=ignore_index)


class CrossEntropyLoss(_Loss):
    fn = staticmethod(F.cross_entropy)

    def __init__(self, reduction: str = "mean", ignore_index: int = -100,
                 label_smoothing: float = 0.0):
        super().__init__(reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)


class KLDivLoss(_Loss):
    fn = staticmethod(F.kl_div)

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction, log_target=log_target)
