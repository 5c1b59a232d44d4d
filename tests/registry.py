"""The one table of minidl's ops that the tests read: each row names a minidl function, the
torch function it must agree with, the module that wraps it, and what the tests need to know
about its domain (range, monotonicity, where the derivative jumps).

tests/test_functional.py (torch, float32 extremes, gradcheck), tests/test_properties.py
(hypothesis) and tests/test_nn_optim.py (modules) are parametrised by these rows, and
tests/test_registry.py fails if a public function of minidl.functional or a module of
minidl.nn is missing here. A new activation is one function in minidl/functional.py, one
module class in minidl/nn.py and one row below.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch
import torch.nn.functional as TF

import minidl.functional as F
from minidl import nn


@dataclass(frozen=True)
class Activation:
    fn: Callable  # minidl, with its keyword arguments bound
    torch_fn: Callable
    module: Callable | None  # () -> (minidl module, torch module), built with the same options
    range: tuple[float, float] | None = None  # the outputs lie in [lo, hi]
    monotone: bool = False
    kinks: tuple[float, ...] = ()  # where the derivative jumps: finite differences avoid these
    differentiable: bool = True  # False: the derivative is 0 wherever it exists (step, sign)
    variant: bool = False  # a non-default option of a function that has its own default row


def _act(name: str, fn: Callable, torch_fn: Callable, module: tuple[str, str] | None,
         **info) -> tuple[str, Activation]:
    """A row; `module` names the nn and torch.nn classes, built with fn's keyword arguments."""
    options = fn.keywords if isinstance(fn, partial) else {}
    if module is None:
        return name, Activation(fn, torch_fn, None, **info)

    def build():
        return getattr(nn, module[0])(**options), getattr(torch.nn, module[1])(**options)
    return name, Activation(fn, torch_fn, build, **info)


ACTIVATIONS: dict[str, Activation] = dict([
    _act("relu", F.relu, TF.relu, ("ReLU", "ReLU"), range=(0, np.inf), monotone=True,
         kinks=(0.0,)),
    _act("leaky_relu", F.leaky_relu, TF.leaky_relu, ("LeakyReLU", "LeakyReLU"), monotone=True,
         kinks=(0.0,)),
    _act("leaky_relu_0.2", partial(F.leaky_relu, negative_slope=0.2),
         partial(TF.leaky_relu, negative_slope=0.2), ("LeakyReLU", "LeakyReLU"), monotone=True,
         kinks=(0.0,), variant=True),
    _act("sigmoid", F.sigmoid, torch.sigmoid, ("Sigmoid", "Sigmoid"), range=(0, 1),
         monotone=True),
    _act("tanh", F.tanh, torch.tanh, ("Tanh", "Tanh"), range=(-1, 1), monotone=True),
    _act("softplus", F.softplus, TF.softplus, ("Softplus", "Softplus"), range=(0, np.inf),
         monotone=True, kinks=(20.0,)),  # linear above the threshold, as torch
    _act("softplus_beta2", partial(F.softplus, beta=2.0), partial(TF.softplus, beta=2.0),
         ("Softplus", "Softplus"), range=(0, np.inf), monotone=True, kinks=(10.0,), variant=True),
    _act("elu", F.elu, TF.elu, ("ELU", "ELU"), range=(-1, np.inf), monotone=True),
    _act("elu_alpha0.5", partial(F.elu, alpha=0.5), partial(TF.elu, alpha=0.5), ("ELU", "ELU"),
         range=(-0.5, np.inf), monotone=True, kinks=(0.0,), variant=True),
    _act("selu", F.selu, TF.selu, ("SELU", "SELU"), range=(-F.SELU_SCALE * F.SELU_ALPHA, np.inf),
         monotone=True, kinks=(0.0,)),  # its slope jumps from 1.7581 to 1.0507 at 0
    _act("gelu", F.gelu, TF.gelu, ("GELU", "GELU"), range=(-0.17, np.inf)),
    _act("gelu_tanh", partial(F.gelu, approximate="tanh"), partial(TF.gelu, approximate="tanh"),
         ("GELU", "GELU"), range=(-0.17, np.inf), variant=True),
    _act("silu", F.silu, TF.silu, ("SiLU", "SiLU"), range=(-0.279, np.inf)),
    # torch's heaviside has no derivative: `+ 0 * x` gives the zero one minidl's step has
    _act("step", F.step, lambda x: (x > 0).to(x.dtype) + 0 * x, None, range=(0, 1),
         monotone=True, kinks=(0.0,), differentiable=False),
    _act("sign", F.sign, lambda x: torch.sign(x) + 0 * x, None, range=(-1, 1), monotone=True,
         kinks=(0.0,), differentiable=False),
])


@dataclass(frozen=True)
class Normalizer:
    """softmax and log_softmax: activations over a dimension."""
    fn: Callable
    torch_fn: Callable
    module: tuple[str, str]


NORMALIZERS = {"softmax": Normalizer(F.softmax, TF.softmax, ("Softmax", "Softmax")),
               "log_softmax": Normalizer(F.log_softmax, TF.log_softmax,
                                         ("LogSoftmax", "LogSoftmax"))}


@dataclass(frozen=True)
class Loss:
    fn: Callable
    torch_fn: Callable
    module: tuple[str, str]
    inputs: str  # "any" real inputs, "prob" probabilities, "cls" logits and class labels,
    #              "logp" log-probabilities and labels, "kl" log-probabilities and a distribution
    options: dict = field(default_factory=dict)  # for the module test


LOSSES = {
    "mse_loss": Loss(F.mse_loss, TF.mse_loss, ("MSELoss", "MSELoss"), "any"),
    "l1_loss": Loss(F.l1_loss, TF.l1_loss, ("L1Loss", "L1Loss"), "any", {"reduction": "sum"}),
    "huber_loss": Loss(F.huber_loss, TF.huber_loss, ("HuberLoss", "HuberLoss"), "any",
                       {"delta": 0.5}),
    "binary_cross_entropy": Loss(F.binary_cross_entropy, TF.binary_cross_entropy,
                                 ("BCELoss", "BCELoss"), "prob"),
    "binary_cross_entropy_with_logits": Loss(F.binary_cross_entropy_with_logits,
                                             TF.binary_cross_entropy_with_logits,
                                             ("BCEWithLogitsLoss", "BCEWithLogitsLoss"), "any"),
    "cross_entropy": Loss(F.cross_entropy, TF.cross_entropy,
                          ("CrossEntropyLoss", "CrossEntropyLoss"), "cls"),
    "nll_loss": Loss(F.nll_loss, TF.nll_loss, ("NLLLoss", "NLLLoss"), "logp"),
    "kl_div": Loss(F.kl_div, TF.kl_div, ("KLDivLoss", "KLDivLoss"), "kl",
                   {"reduction": "batchmean"}),
}

# Public names that are no elementwise op, activation or loss, with the test that covers each.
OTHER_FUNCTIONS = {"linear": "test_functional.py::test_linear_matches_torch",
                   "one_hot": "test_torch_parity.py"}
OTHER_MODULES = {"Module": "test_nn_optim.py", "Linear": "test_nn_optim.py",
                 "Sequential": "test_nn_optim.py"}


def registered_functions() -> set[str]:
    """The public functions of minidl.functional that the tables above cover."""
    named = {row.fn.func.__name__ if isinstance(row.fn, partial) else row.fn.__name__
             for row in ACTIVATIONS.values()}
    return named | set(NORMALIZERS) | set(LOSSES) | set(OTHER_FUNCTIONS)


def registered_modules() -> set[str]:
    """The module classes of minidl.nn that the tables above cover."""
    pairs = [a.module()[0] for a in ACTIVATIONS.values() if a.module is not None]
    names = {type(m).__name__ for m in pairs}
    return (names | {n.module[0] for n in NORMALIZERS.values()}
            | {loss.module[0] for loss in LOSSES.values()} | set(OTHER_MODULES))
