"""Hypothesis strategies shared by the property tests (MiniTorch's tests/tensor_strategies.py is
the model): finite arrays up to |x| = 1e4, the float dtypes minidl computes in, and pairs of
arrays of mutually broadcastable shapes."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

BIG = 1e4  # the stability promise: finite in, finite out, for |x| up to this
STRICT = dict(all="raise", under="ignore")  # np.errstate for "no overflow, no NaN, no warning"

float_dtypes = st.sampled_from([np.float32, np.float64])


def finite(bound: float = BIG) -> st.SearchStrategy[float]:
    """Finite floats in [-bound, bound], representable in float32."""
    return st.floats(-bound, bound, allow_nan=False, width=32)


def finite_arrays(dtype, bound: float = BIG, min_size: int = 1, max_size: int = 20,
                  shape=None) -> st.SearchStrategy[np.ndarray]:
    """Arrays of finite values: 1-D of min_size..max_size elements, or of `shape` (a shape or a
    strategy of shapes)."""
    shape = st.integers(min_size, max_size) if shape is None else shape
    return arrays(dtype, shape, elements=finite(bound))


@st.composite
def broadcastable_pair(draw, dtype=np.float64, bound: float = 100.0, max_dims: int = 3):
    """Two arrays whose shapes broadcast together (possibly with size-1 or missing axes)."""
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, max_side=4))
    a, b = (draw(arrays(dtype, s, elements=finite(bound))) for s in shapes.input_shapes)
    return a, b
