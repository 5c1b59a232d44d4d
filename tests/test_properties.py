"""Hypothesis properties for every activation and loss: finite for finite input up to |x| = 1e4
(under np.errstate(all='raise', under='ignore')), agrees with torch, derivative agrees with central differences
away from kinks, ranges and monotonicity where they hold, and NaN in gives NaN out."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minidl
import minidl.functional as F

from .registry import ACTIVATIONS, LOSSES as LOSS_ROWS, NORMALIZERS
from .strategies import BIG, STRICT, broadcastable_pair, finite, finite_arrays, float_dtypes

EXAMPLES = 60
# name: (minidl, torch, range (lo, hi) or None, monotone, kinks), from the registry
ACTS = {name: (row.fn, row.torch_fn, row.range, row.monotone, list(row.kinks))
        for name, row in ACTIVATIONS.items()}
SMOOTH = [n for n, row in ACTIVATIONS.items() if row.differentiable]
dtypes = float_dtypes


@pytest.mark.parametrize("name", ACTS)
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data(), dtype=dtypes)
def test_activation_finite_in_range_and_agrees_with_torch(name, data, dtype):
    fm, ft, rng, monotone, _ = ACTS[name]
    x = data.draw(finite_arrays(dtype))
    xt = minidl.tensor(x, requires_grad=True)
    with np.errstate(**STRICT):
        y = fm(xt)
        y.sum().backward()
    assert y.dtype == dtype and np.isfinite(y.data).all() and np.isfinite(xt.grad.data).all()
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.data, ft(torch.tensor(x)).numpy(), **tol)
    if rng is not None:
        assert (y.data >= rng[0] - 1e-6).all() and (y.data <= rng[1] + 1e-6).all()
    if monotone:
        order = np.argsort(x, kind="stable")
        assert (np.diff(y.data[order].astype(np.float64)) >= -1e-12).all()


@pytest.mark.parametrize("name", SMOOTH)
@settings(max_examples=EXAMPLES, deadline=None)
@given(x=finite_arrays(np.float64, bound=50.0))
def test_derivative_agrees_with_central_differences(name, x):
    fm, _, _, _, kinks = ACTS[name]
    for k in kinks:
        x = x[np.abs(x - k) > 1e-3]
    if x.size == 0:
        return
    np.testing.assert_allclose(minidl.derivative(fm, x), minidl.numerical_derivative(fm, x, eps=1e-6),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", list(NORMALIZERS))
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data(), dtype=dtypes)
def test_softmax_family_finite_normalised_and_agrees(fn, data, dtype):
    x = data.draw(arrays(dtype, st.tuples(st.integers(1, 5), st.integers(1, 6)),
                         elements=finite()))
    xt = minidl.tensor(x, requires_grad=True)
    with np.errstate(**STRICT):
        y = getattr(F, fn)(xt, dim=1)
        y.backward(np.linspace(-1, 1, y.data.size).reshape(y.shape))
    assert np.isfinite(y.data).all() and np.isfinite(xt.grad.data).all()
    p = y.data if fn == "softmax" else np.exp(y.data.astype(np.float64))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y.data, getattr(TF, fn)(torch.tensor(x), dim=1).numpy(), **tol)


# the elementwise losses (input and target of one shape), from the registry
LOSSES = {name: (row.fn, row.torch_fn, row.inputs) for name, row in LOSS_ROWS.items()
          if row.inputs in ("any", "prob")}


@pytest.mark.parametrize("name", LOSSES)
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_losses_finite_nonnegative_and_agree(name, data):
    fm, ft, kind = LOSSES[name]
    n = data.draw(st.integers(1, 12))
    bound = 1.0 if kind == "prob" else BIG
    lo = 0.0 if kind == "prob" else -bound
    x = data.draw(arrays(np.float64, n, elements=st.floats(lo, bound, allow_nan=False)))
    t = data.draw(arrays(np.float64, n, elements=st.floats(0, 1, allow_nan=False)))
    xt = minidl.tensor(x, requires_grad=True)
    with np.errstate(**STRICT):
        loss = fm(xt, t)
        loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(xt.grad.data).all()
    assert loss.item() >= -1e-9
    np.testing.assert_allclose(loss.item(), ft(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-9, atol=1e-9)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data(), dtype=dtypes)
def test_cross_entropy_and_nll_finite_and_agree(data, dtype):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(2, 6))
    x = data.draw(arrays(dtype, (n, c), elements=finite()))
    y = data.draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    xt = minidl.tensor(x, requires_grad=True)
    with np.errstate(**STRICT):
        loss = F.cross_entropy(xt, y)
        loss.backward()
        nll = F.nll_loss(F.log_softmax(x, dim=1), y)
    assert np.isfinite(loss.item()) and np.isfinite(xt.grad.data).all() and loss.item() >= 0
    ref = TF.cross_entropy(torch.tensor(x, dtype=torch.float64), torch.tensor(y)).item()
    tol = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(loss.item(), ref, **tol)
    np.testing.assert_allclose(nll.item(), loss.item(), **tol)


@pytest.mark.parametrize("name", list(ACTS) + list(NORMALIZERS))
def test_nan_in_gives_nan_out(name):
    fm = ACTS[name][0] if name in ACTS else getattr(F, name)
    x = np.array([np.nan, 1.0, -1.0])
    y = fm(x).data
    assert np.isnan(y[0]), f"{name}(nan) gave {y[0]}"


@pytest.mark.parametrize("name", list(LOSSES) + ["cross_entropy", "kl_div"])
def test_nan_in_losses_gives_nan(name):
    if name == "cross_entropy":
        out = F.cross_entropy(np.array([[np.nan, 1.0]]), np.array([0]))
    elif name == "kl_div":
        out = F.kl_div(np.array([np.nan, -1.0]), np.array([0.5, 0.5]))
    else:
        out = LOSSES[name][0](np.array([np.nan, 0.5]), np.array([0.0, 1.0]))
    assert np.isnan(out.item())


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
@settings(max_examples=EXAMPLES, deadline=None)
@given(pair=broadcastable_pair())
def test_binary_ops_undo_broadcasting_as_torch(op, pair):
    """Gradients of a broadcast binary op have each input's shape and torch's values: the one
    `unbroadcast` in the engine is right for every pair of broadcastable shapes."""
    a, b = pair
    if op == "div":
        b = np.where(np.abs(b) < 0.5, 1.0, b)  # keep away from 0
    fm = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "maximum": minidl.maximum}[op]
    ft = {"maximum": torch.maximum}.get(op, fm)
    am, bm = minidl.tensor(a, requires_grad=True), minidl.tensor(b, requires_grad=True)
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ym, yt = fm(am, bm), ft(at, bt)
    g = np.linspace(-1, 1, ym.data.size).reshape(ym.shape)
    ym.backward(g)
    yt.backward(torch.tensor(g))
    assert am.grad.shape == a.shape and bm.grad.shape == b.shape
    np.testing.assert_allclose(am.grad.data, at.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bm.grad.data, bt.grad.numpy(), rtol=1e-12, atol=1e-12)
