"""nn modules and optimizers against torch, step by step."""
import numpy as np
import pytest
import torch

import minidl
import minidl.functional as F
from minidl import nn, optim

from .registry import ACTIVATIONS, NORMALIZERS
from .registry import LOSSES as LOSS_ROWS


def copy_linear(m: nn.Linear) -> torch.nn.Linear:
    t = torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight.data))
        t.bias.copy_(torch.tensor(m.bias.data))
    return t


def test_linear_init_is_torch_default():
    minidl.manual_seed(0)
    m = nn.Linear(100, 50)
    k = 1 / np.sqrt(100)
    assert m.weight.shape == (50, 100) and m.bias.shape == (50,)
    assert m.weight.dtype == np.float32
    assert np.abs(m.weight.data).max() <= k and np.abs(m.bias.data).max() <= k
    assert m.weight.data.std() == pytest.approx(k / np.sqrt(3), rel=0.05)  # U(-k, k)


def test_manual_seed_makes_init_reproducible():
    minidl.manual_seed(3)
    a = nn.Linear(4, 3).weight.data.copy()
    minidl.manual_seed(3)
    assert np.array_equal(a, nn.Linear(4, 3).weight.data)


def test_sequential_parameters_and_repr():
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    assert [p.shape for p in model.parameters()] == [(2, 1), (2,), (1, 2), (1,)]
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=1, out_features=2, bias=True)\n"
                           "  (1): ReLU()\n  (2): Linear(in_features=2, out_features=1, bias=True)\n)")
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_custom_module_finds_nested_parameters():
    class Net(nn.Module):
        def __init__(self):
            self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
            self.head = nn.Linear(4, 2, bias=False)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.0.weight", "body.0.bias", "head.weight"]
    assert net(minidl.tensor(np.ones((5, 3), dtype=np.float32))).shape == (5, 2)


# every activation module of the registry, built with its row's options, and the two over dim 1
MODULES = [row.module() for row in ACTIVATIONS.values() if row.module is not None] + [
    (getattr(nn, ours)(dim=1), getattr(torch.nn, theirs)(dim=1))
    for ours, theirs in (n.module for n in NORMALIZERS.values())]


@pytest.mark.parametrize("mod", MODULES, ids=lambda p: type(p[0]).__name__)
def test_activation_modules(mod):
    m, t = mod
    x = np.random.default_rng(0).normal(0, 3, size=(4, 5))
    np.testing.assert_allclose(m(minidl.tensor(x)).data, t(torch.tensor(x)).numpy(), rtol=1e-10, atol=1e-12)


LOSSES = [(getattr(nn, row.module[0])(**row.options), getattr(torch.nn, row.module[1])(**row.options),
           {"any": "reg"}.get(row.inputs, row.inputs)) for row in LOSS_ROWS.values()]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda p: type(p[0]).__name__)
def test_loss_modules(loss):
    m, t, kind = loss
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 3))
    y = rng.uniform(0, 1, size=(6, 3))
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    if kind in ("cls", "logp"):
        y = rng.integers(0, 3, size=6)
        if kind == "logp":
            x = x - np.log(np.exp(x).sum(1, keepdims=True))
    if kind == "kl":
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
        y = y / y.sum(1, keepdims=True)
    np.testing.assert_allclose(m(minidl.tensor(x), minidl.tensor(y)).item(),
                               t(torch.tensor(x), torch.tensor(y)).item(), rtol=1e-12)


def train_both(make_opt_m, make_opt_t, steps=5):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 3, size=16)
    minidl.manual_seed(0)
    l1, l2 = nn.Linear(4, 8, dtype=np.float64), nn.Linear(8, 3, dtype=np.float64)
    m = nn.Sequential(l1, nn.Tanh(), l2)
    t = torch.nn.Sequential(copy_linear(l1), torch.nn.Tanh(), copy_linear(l2))
    om, ot = make_opt_m(m.parameters()), make_opt_t(t.parameters())
    for _ in range(steps):
        om.zero_grad(), ot.zero_grad()
        lm = F.cross_entropy(m(minidl.tensor(X)), y)
        lt = torch.nn.functional.cross_entropy(t(torch.tensor(X)), torch.tensor(y))
        lm.backward(), lt.backward()
        om.step(), ot.step()
        np.testing.assert_allclose(lm.item(), lt.item(), rtol=1e-10)
        for pm, pt in zip(m.parameters(), t.parameters()):
            np.testing.assert_allclose(pm.data, pt.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_sgd_matches_torch():
    train_both(lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1))


def test_sgd_momentum_weight_decay_matches_torch():
    train_both(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2),
               lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2))


def test_adam_matches_torch():
    train_both(lambda p: optim.Adam(p, lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2), steps=8)
    train_both(lambda p: optim.Adam(p, lr=3e-3, betas=(0.8, 0.99), weight_decay=0.1),
               lambda p: torch.optim.Adam(p, lr=3e-3, betas=(0.8, 0.99), weight_decay=0.1))


def test_zero_grad_variants():
    p = minidl.tensor([1.0], requires_grad=True)
    (p * 2).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0]
    opt.zero_grad()
    assert p.grad is None


def test_optimizer_errors():
    with pytest.raises(ValueError, match=r"SGD\(\): got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"Adam\(\): lr must be positive"):
        optim.Adam([minidl.tensor([1.0], requires_grad=True)], lr=0)
