"""Loading the peers minidl is compared with, and the small shims two of them need.

- torch: its intra-op thread count is set to NumPy's BLAS thread count, so both use the same
  number of cores for a matrix product.
- DeZero 0.0.13 (PyPI `dezero`) uses `np.int` / `np.float` at import time, aliases NumPy 2
  removed. The shim defines them as the builtins they always meant, for the import only.
- micrograd 0.1.0 (PyPI `micrograd`) has no `exp` or `log`, which cross-entropy needs. The shim
  adds both to `Value`, written the way micrograd writes its own ops.
Each loader returns the module, or None and prints why (a peer that is missing is skipped).
"""
from __future__ import annotations

import math

import numpy as np


def blas_info() -> tuple[str, int]:
    """NumPy's BLAS ("openblas 0.3.31") and its thread count, via threadpoolctl (if absent:
    "unknown BLAS" and the core count)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import os
        return "unknown BLAS", os.cpu_count() or 1
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not blas:
        return "no BLAS found", 1
    return f"{blas[0]['internal_api']} {blas[0]['version']}", blas[0]["num_threads"]


def load_torch(threads: int):
    try:
        import torch
    except ImportError:
        print("  torch is not installed: its columns are skipped (pip install -e '.[bench]').")
        return None
    torch.set_num_threads(threads)
    return torch


def load_dezero():
    try:
        aliases = {"int": int, "float": float}
        added = [name for name in aliases if name not in vars(np)]
        for name in added:
            setattr(np, name, aliases[name])
        try:
            import dezero
        finally:
            for name in added:
                delattr(np, name)
    except ImportError:
        print("  DeZero is not installed: skipped (pip install -e '.[bench]').")
        return None
    import dezero.functions
    import dezero.layers
    import dezero.optimizers
    return dezero


def _exp(self):
    from micrograd.engine import Value
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


def _log(self):
    from micrograd.engine import Value
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += out.grad / self.data
    out._backward = _backward
    return out


def load_micrograd():
    try:
        from micrograd import engine
    except ImportError:
        print("  micrograd is not installed: skipped (pip install -e '.[bench]').")
        return None
    if not hasattr(engine.Value, "exp"):
        engine.Value.exp = _exp
    if not hasattr(engine.Value, "log"):
        engine.Value.log = _log
    return engine
