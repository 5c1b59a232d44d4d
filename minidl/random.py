"""One seed for everything: `minidl.manual_seed(seed)`."""
from __future__ import annotations

import sys

import numpy as np

_rng = None  # created on first use: importing numpy.random is slow (benchmarks/README.md)


def generator() -> np.random.Generator:
    """The generator minidl draws from (layer initialisation, shuffling without a seed);
    seeded with 0 until manual_seed is called."""
    global _rng
    if _rng is None:
        _rng = np.random.default_rng(0)
    return _rng


def manual_seed(seed: int) -> None:
    """Seed minidl, NumPy's global generator, Python's `random` and, if imported, torch."""
    global _rng
    _rng = np.random.default_rng(seed)
    np.random.seed(seed)
    import random  # here, not at the top, to keep `import minidl` fast
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
