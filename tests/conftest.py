"""Shared fixtures: torch is the oracle in tests (never a dependency of minidl)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
