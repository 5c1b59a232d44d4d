"""Every functional op against torch in float64: forward and backward, on random inputs and at
extremes; gradcheck on every op away from kinks."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minidl
import minidl.functional as F

from .registry import ACTIVATIONS as REGISTRY
from .strategies import STRICT

EXTREMES = np.array([-1e4, -800.0, -88.0, -20.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 20.0, 88.0, 800.0, 1e4])

ACTIVATIONS = {name: (row.fn, row.torch_fn) for name, row in REGISTRY.items()}


def both(fn_m, fn_t, x: np.ndarray):
    xm = minidl.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = fn_m(xm), fn_t(xt)
    g = np.random.default_rng(1).uniform(0.5, 1.5, size=ym.shape)
    (ym * minidl.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    return ym, yt, xm.grad.data, xt.grad.numpy()


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("x", [np.random.default_rng(0).normal(0, 3, size=(7, 5)), EXTREMES],
                         ids=["random", "extremes"])
def test_activation_matches_torch(name, x):
    fn_m, fn_t = ACTIVATIONS[name]
    with np.errstate(**STRICT):
        ym, yt, gm, gt = both(fn_m, fn_t, x.copy())
    assert ym.dtype == np.float64
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_float32_extremes_are_finite_and_close(name):
    fn_m, fn_t = ACTIVATIONS[name]
    x = EXTREMES.astype(np.float32)
    with np.errstate(**STRICT):
        ym, yt, gm, gt = both(fn_m, fn_t, x)
    assert ym.dtype == np.float32 and gm.dtype == np.float32
    assert np.isfinite(ym.data).all() and np.isfinite(gm).all()
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gm, gt, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", [n for n, row in REGISTRY.items() if row.differentiable])
def test_activation_gradcheck_away_from_kinks(name):
    x = np.random.default_rng(2).normal(0, 2, size=(4, 3))
    for k in REGISTRY[name].kinks:
        x[np.abs(x - k) < 0.1] = k + 0.5
    assert minidl.gradcheck(REGISTRY[name].fn, x)


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_family(fn, dim):
    x = np.random.default_rng(4).normal(0, 5, size=(4, 6))
    x[0, 0] = 1e4
    x[1, :] = -800
    ym, yt, gm, gt = both(lambda t: getattr(F, fn)(t, dim=dim),
                          lambda t: getattr(TF, fn)(t, dim=dim), x)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-9, atol=1e-12)
    assert minidl.gradcheck(lambda t: getattr(F, fn)(t, dim=dim), x[2:] / 5)


def test_linear_matches_torch():
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(8, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    xm, wm, bm = (minidl.tensor(a, requires_grad=True) for a in (x, w, b))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    F.linear(xm, wm, bm).sum().backward()
    TF.linear(xt, wt, bt).sum().backward()
    for m, t in ((xm, xt), (wm, wt), (bm, bt)):
        np.testing.assert_allclose(m.grad.data, t.grad.numpy(), rtol=1e-12)
    assert minidl.gradcheck(F.linear, x, w, b)
    assert minidl.gradcheck(lambda a, c: F.linear(a, c), x, w)
    assert minidl.gradcheck(F.linear, rng.normal(size=(2, 5, 3)), w, b)


REGRESSION_LOSSES = {
    "mse_loss": (F.mse_loss, TF.mse_loss, {}),
    "l1_loss": (F.l1_loss, TF.l1_loss, {}),
    "huber_loss": (F.huber_loss, TF.huber_loss, {}),
    "huber_loss_delta2": (F.huber_loss, TF.huber_loss, {"delta": 2.0}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", REGRESSION_LOSSES)
def test_regression_losses(name, reduction):
    fm, ft, kw = REGRESSION_LOSSES[name]
    rng = np.random.default_rng(6)
    x, y = rng.normal(0, 3, size=(6, 2)), rng.normal(0, 3, size=(6, 2))
    ym, yt, gm, gt = both(lambda t: fm(t, minidl.tensor(y), reduction=reduction, **kw),
                          lambda t: ft(t, torch.tensor(y), reduction=reduction, **kw), x)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-12)
    assert minidl.gradcheck(lambda a, b: fm(a, b, reduction=reduction, **kw), x, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    rng = np.random.default_rng(7)
    p, y = rng.uniform(0.05, 0.95, size=(5, 3)), rng.uniform(0, 1, size=(5, 3))
    ym, yt, gm, gt = both(lambda t: F.binary_cross_entropy(t, minidl.tensor(y), reduction=reduction),
                          lambda t: TF.binary_cross_entropy(t, torch.tensor(y), reduction=reduction), p)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-10)
    assert minidl.gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), p, y)


def test_binary_cross_entropy_at_0_and_1_is_clamped_like_torch():
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    with np.errstate(**STRICT):
        ym, yt, gm, gt = both(lambda t: F.binary_cross_entropy(t, minidl.tensor(y)),
                              lambda t: TF.binary_cross_entropy(t, torch.tensor(y)), p)
    np.testing.assert_allclose(ym.data, yt.detach().numpy())
    np.testing.assert_allclose(gm, gt)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("x", [np.random.default_rng(8).normal(0, 4, size=(13,)), EXTREMES],
                         ids=["random", "extremes"])
def test_bce_with_logits(x, reduction):
    y = np.random.default_rng(9).uniform(0, 1, size=x.shape)
    with np.errstate(**STRICT):
        ym, yt, gm, gt = both(
            lambda t: F.binary_cross_entropy_with_logits(t, minidl.tensor(y), reduction=reduction),
            lambda t: TF.binary_cross_entropy_with_logits(t, torch.tensor(y), reduction=reduction), x)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-15)
    assert minidl.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                            np.clip(x, -5, 5), y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll(reduction):
    rng = np.random.default_rng(10)
    x = rng.normal(0, 3, size=(6, 4))
    x[0] = [1e4, -1e4, 0, 800]
    y = rng.integers(0, 4, size=6)
    with np.errstate(**STRICT):
        ym, yt, gm, gt = both(lambda t: F.cross_entropy(t, minidl.tensor(y), reduction=reduction),
                              lambda t: TF.cross_entropy(t, torch.tensor(y), reduction=reduction), x)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-15)
    logp = TF.log_softmax(torch.tensor(x), -1).numpy()
    ym, yt, gm, gt = both(lambda t: F.nll_loss(t, minidl.tensor(y), reduction=reduction),
                          lambda t: TF.nll_loss(t, torch.tensor(y), reduction=reduction), logp)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gm, gt, rtol=1e-12)
    assert minidl.gradcheck(lambda a: F.cross_entropy(a, y[1:], reduction=reduction), x[1:])


def test_cross_entropy_is_nll_of_log_softmax_in_value_and_gradient():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    a, b = minidl.tensor(x, requires_grad=True), minidl.tensor(x, requires_grad=True)
    la, lb = F.cross_entropy(a, y), F.nll_loss(F.log_softmax(b, dim=1), y)
    la.backward(), lb.backward()
    np.testing.assert_allclose(la.item(), lb.item(), rtol=1e-14)
    np.testing.assert_allclose(a.grad.data, b.grad.data, atol=1e-15)
    onehot = np.eye(3)[y]
    p = np.exp(x) / np.exp(x).sum(1, keepdims=True)
    np.testing.assert_allclose(a.grad.data, (p - onehot) / 5, atol=1e-15)


def test_single_sample_class_losses():
    x = np.array([0.2001, 0.6048, 0.0787])
    for fm, ft in ((F.cross_entropy, TF.cross_entropy),):
        for reduction in ("mean", "none"):
            got = fm(x, np.int64(1), reduction=reduction)
            want = ft(torch.tensor(x), torch.tensor(1), reduction=reduction)
            assert got.shape == tuple(want.shape)
            np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(12)
    x = np.log(rng.dirichlet(np.ones(4), size=3))
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0
    t = np.log(p + 1e-3) if log_target else p
    ym, yt, gm, gt = both(
        lambda a: F.kl_div(a, minidl.tensor(t), reduction=reduction, log_target=log_target),
        lambda a: TF.kl_div(a, torch.tensor(t), reduction=reduction, log_target=log_target), x)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gm, gt, rtol=1e-12)


def test_functions_accept_arrays_lists_and_numbers():
    assert F.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]
    assert F.sigmoid(0.0).item() == 0.5
    assert F.relu(np.array([-1.0, 2.0])).dtype == np.float64
    assert F.tanh([1, 2]).dtype == np.float32
    assert F.mse_loss([1.0, 2.0], [1.0, 4.0]).item() == 2.0


def test_gelu_on_a_big_float32_array_is_the_same_on_two_threads():
    """Above _special._HALVES_FROM elements GELU's normal CDF is computed in two halves at once,
    one on a worker thread: the values are bit for bit those of small pieces (one thread), close
    to torch in float64, and the worker's half obeys the caller's np.errstate."""
    from minidl import _special

    def value_and_slope(x):
        t = minidl.tensor(x, requires_grad=True)
        y = F.gelu(t)
        y.sum().backward()
        return y.data, t.grad.data

    n = 2 * _special._HALVES_FROM + 3
    x = np.random.default_rng(3).normal(0, 3, size=n).astype(np.float32)
    x[:13], x[-13:] = EXTREMES, EXTREMES
    with np.errstate(**STRICT):
        y, dy = value_and_slope(x)
        pieces = [value_and_slope(x[i:i + 1000]) for i in range(0, n, 1000)]
    np.testing.assert_array_equal(y, np.concatenate([p[0] for p in pieces]))
    np.testing.assert_array_equal(dy, np.concatenate([p[1] for p in pieces]))
    # against torch in float64 (torch's float32 GELU is off by 1e-6 in the left tail)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    TF.gelu(xt).sum().backward()
    np.testing.assert_allclose(y, TF.gelu(xt).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dy, xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    x[-1] = 1e30  # its square overflows float32, in the half the worker computes
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        F.gelu(x)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_gelu_on_two_threads_works_in_a_forked_child():
    """A child forked after the worker thread started has no such thread: it must make its own
    rather than wait forever for the parent's (as multiprocessing's fork start method does)."""
    import time
    x = np.linspace(-3, 3, 200_001, dtype=np.float32)
    y = F.gelu(x).data  # starts the worker thread in this process
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if it computes the same values
        os._exit(0 if np.array_equal(F.gelu(x).data, y) else 3)
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("F.gelu on a big array never returned in a forked child")
    assert os.waitstatus_to_exitcode(done[1]) == 0
