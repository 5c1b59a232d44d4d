"""minidl against torch 2.13 wherever a learner reaches: the bugs that other engines' test
suites found (each test here failed before its fix), then one line per op, forward AND backward,
in the style of tinygrad's op tests."""
import numpy as np
import pytest
import torch

import minidl
import minidl.functional as F


def pair(a, requires_grad=None):
    """The same data as a minidl and a torch tensor (float data requires grad by default)."""
    a = np.asarray(a)
    if requires_grad is None:
        requires_grad = a.dtype.kind == "f"
    return (minidl.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def same_dtype(m, t) -> bool:
    return np.dtype(m.dtype) == torch.empty((), dtype=t.dtype).numpy().dtype


# --------------------------------------------------------------------------- the bugs
def test_eq_and_ne_are_elementwise_and_accuracy_works():
    x = minidl.tensor([1.0, 2.0, 1.0])
    assert (x == 1.0).tolist() == [True, False, True]
    assert (x != 1.0).tolist() == [False, True, False]
    pred, y = minidl.tensor([0, 2, 1, 1]), minidl.tensor([0, 1, 1, 1])
    acc = (pred == y).float().mean()
    want = (torch.tensor([0, 2, 1, 1]) == torch.tensor([0, 1, 1, 1])).float().mean()
    assert acc.dtype == np.float32 and acc.item() == want.item() == 0.75
    assert (x == minidl.tensor([1.0, 0.0, 1.0])).tolist() == [True, False, True]
    assert (x == None) is False and (x != None) is True  # noqa: E711  (as torch: not elementwise)


def test_numpy_interop_like_torch():
    x = minidl.tensor([1.0, 2.0])
    a = np.asarray(x)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(minidl.tensor([[1, 2]])).shape == (1, 2)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    w = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        np.asarray(w)
    with pytest.raises(RuntimeError):  # torch refuses the same
        np.asarray(torch.tensor([1.0, 2.0], requires_grad=True))


def test_matplotlib_plots_a_tensor():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = minidl.linspace(-2, 2, 5)
    fig, ax = plt.subplots()
    (line,) = ax.plot(x, F.relu(x))
    assert line.get_ydata().tolist() == [0.0, 0.0, 0.0, 1.0, 2.0]
    plt.close(fig)


def test_every_leaf_owns_its_grad():
    (am, at), (bm, bt) = pair([1.0, 2.0]), pair([3.0, 4.0])
    up = np.array([1.0, 1.0])
    (am + bm).backward(up)
    (at + bt).backward(torch.tensor(up))
    am.grad.data += 10
    at.grad += 10
    assert bm.grad.tolist() == bt.grad.tolist() == [1.0, 1.0]
    assert up.tolist() == [1.0, 1.0]
    c = minidl.tensor([5.0], requires_grad=True)  # a leaf that is the root
    seed = np.array([2.0])
    c.backward(seed)
    c.grad.data += 1
    assert seed.tolist() == [2.0]
    d = minidl.tensor([[1.0, 2.0]], requires_grad=True)  # through a view of the seed
    seed2 = np.array([1.0, 1.0])
    d.reshape(2).backward(seed2)
    d.grad.data += 1
    assert seed2.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("op", ["sum(0)", "sum(-1)", "mean(0)", "mean(-1)", "max(0)", "max()",
                                "sum(0, keepdim=True)", "argmax(0)"])
def test_reducing_a_0d_tensor_along_a_dim(op):
    xm, xt = pair(1.5)
    ym, yt = eval(f"xm.{op}"), eval(f"xt.{op}")
    if isinstance(yt, tuple):  # max(dim) / min(dim): values and indices
        assert ym.indices.item() == yt.indices.item() == 0
        ym, yt = ym.values, yt.values
    assert ym.shape == tuple(yt.shape) and ym.item() == yt.item()
    if yt.requires_grad:
        ym.backward(), yt.backward()
        assert xm.grad.item() == xt.grad.item()


@pytest.mark.parametrize("base", [0.0, -2.0, 3.0])
@pytest.mark.parametrize("exponent", [0.0, -1.0, 2.0, 0.5, 3.0])
def test_pow_gradients_at_zero_and_negative_bases(base, exponent):
    (am, at), (bm, bt) = pair(base), pair(exponent)
    with np.errstate(all="ignore"):
        (am ** bm).backward()
    (at ** bt).backward()
    np.testing.assert_allclose(am.grad.data, at.grad.numpy(), rtol=1e-12)  # nan and inf alike
    np.testing.assert_allclose(bm.grad.data, bt.grad.numpy(), rtol=1e-12)
    cm, ct = pair(base)  # the exponent a Python number
    with np.errstate(all="ignore"):
        (cm ** exponent).backward()
    (ct ** exponent).backward()
    np.testing.assert_allclose(cm.grad.data, ct.grad.numpy(), rtol=1e-12)


PROMOTIONS = [  # (expression, int and bool operands as torch gives them)
    "a(1) + 0.5", "a([5, 6, 7]) / a([1, 2, 3])", "a([3, 4, 5]) / 2", "0.7 ** a([1, 2])",
    "a([1, 4], dtype='int32') ** 0.5", "a(2).exp()", "a([1, 2]).log()", "a([1, 4]).sqrt()",
    "a([1, 2]) * a([0.5, 1.0])", "a([1.0, 2.0]) * a(2.0, dtype='float64')",
    "a([True, False]) + 1", "a([True, False]) * 1.5", "a([1, 2]) * 3",
    "a([1.0, 2.0]) + np.float64(1.0)", "a([1, 2], dtype='int32') + 7",
    "a([1.0, 2.0]) * a([3.0, 4.0], dtype='float64')", "a([1, 2]) + a([1.0], dtype='float64')",
    "a([True]) + a([True])", "a([1, 2]) - 1.0", "2.5 - a([1, 2])", "a([2, 3]) ** 2",
]


@pytest.mark.parametrize("expr", PROMOTIONS)
def test_type_promotion_follows_torch(expr):
    def in_torch(data, dtype=None):
        return torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)

    def in_minidl(data, dtype=None):
        return minidl.tensor(data, dtype=dtype)

    want = eval(expr, {"a": in_torch, "np": np})
    got = eval(expr, {"a": in_minidl, "np": np})
    assert same_dtype(got, want), f"{expr}: minidl {got.dtype}, torch {want.dtype}"
    np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-6)


INDICES = ["[1, :, [0, 1]]", "[[0, 1], 1, [0, 1]]", "[:, 1, [0, 1]]", "[[0, 1], :, 1]",
           "[1, [0, 1], :]", "[..., 1, [0, 1]]", "[None, 1, :, [0, 1]]", "[1, None, :, [0, 1]]",
           "[-1, :, [2, 2, 0]]", "[1, [[0], [1]], [0, 3]]", "[1, :, np.array([0, 1])]",
           "[1, :, IDX]", "[0, 2:4, [1, 1]]", "[[1, 0], 3]", "[1, 2, 3]", "[1]", "[:, [0]]",
           "[MASK]", "[1, MASK[0]]"]


@pytest.mark.parametrize("index", INDICES)
def test_indexing_follows_torch_shapes(index):
    x = np.random.default_rng(0).normal(size=(2, 5, 6))
    (xm, xt), mask = pair(x), x[..., 0] > 0
    ym = eval(f"xm{index}", {"xm": xm, "np": np, "IDX": minidl.tensor([0, 1]), "MASK": mask})
    yt = eval(f"xt{index}", {"xt": xt, "np": np, "IDX": torch.tensor([0, 1]),
                             "MASK": torch.tensor(mask)})
    assert ym.shape == tuple(yt.shape)
    np.testing.assert_array_equal(ym.data, yt.detach().numpy())
    g = np.random.default_rng(1).normal(size=ym.shape)
    ym.backward(g), yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_max_with_a_tuple_dim_is_refused_as_in_torch():
    for t in (minidl.tensor(np.ones((2, 3))), torch.ones(2, 3)):
        with pytest.raises(TypeError):
            t.max(dim=(0, 1))
    with pytest.raises(TypeError, match=r"max\(\): dim must be an int.*amax\(dim=\(0, 1\)\)"):
        minidl.tensor(np.ones((2, 3))).max(dim=(0, 1))


def test_max_along_a_dim_sends_the_gradient_to_the_index_it_returns():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    (xm, xt) = pair(x)
    vm, im = xm.max(dim=1)
    vt, it = xt.max(dim=1)
    assert im.tolist() == it.tolist()
    vm.sum().backward(), vt.sum().backward()
    assert xm.grad.tolist() == xt.grad.tolist() == [[0, 1, 0], [1, 0, 0]]


def _raises_like_torch(minidl_call, torch_call):
    """Both calls raise; the minidl error is an instance of torch's error type."""
    with pytest.raises(Exception) as want:
        torch_call()
    with pytest.raises(type(want.value)) as got:
        minidl_call()
    return got.value


ERRORS = {  # name -> (minidl call, torch call, a piece of minidl's friendly message)
    "matmul shapes": (lambda: minidl.ones(2, 3) @ minidl.ones(4, 5),
                      lambda: torch.ones(2, 3) @ torch.ones(4, 5), "inner dimensions must match"),
    "0-d matmul": (lambda: minidl.tensor(1.0) @ minidl.tensor(2.0),
                   lambda: torch.tensor(1.0) @ torch.tensor(2.0), "matmul"),
    "dim out of range": (lambda: minidl.ones(2, 3).sum(5), lambda: torch.ones(2, 3).sum(5),
                         "dim=5 is out of range"),
    "softmax dim": (lambda: F.softmax(minidl.ones(2, 3), dim=2),
                    lambda: torch.softmax(torch.ones(2, 3), 2), "dim=2 is out of range"),
    "reshape two -1": (lambda: minidl.ones(12).reshape(-1, -1, 2),
                       lambda: torch.ones(12).reshape(-1, -1, 2), "only one dimension can be -1"),
    "reshape size": (lambda: minidl.ones(12).reshape(5, 2), lambda: torch.ones(12).reshape(5, 2),
                     "cannot reshape"),
    "int ** negative int": (lambda: minidl.tensor([2, 3]) ** -1,
                            lambda: torch.tensor([2, 3]) ** -1, "negative integer powers"),
    "(N, 1) float target": (lambda: F.cross_entropy(minidl.ones(4, 3), minidl.ones(4, 1)),
                            lambda: torch.nn.functional.cross_entropy(torch.ones(4, 3),
                                                                      torch.ones(4, 1)),
                            "integer class indices"),
    "label out of range": (lambda: F.cross_entropy(minidl.ones(4, 3), minidl.tensor([0, 1, 3, 1])),
                           lambda: torch.nn.functional.cross_entropy(torch.ones(4, 3),
                                                                     torch.tensor([0, 1, 3, 1])),
                           "target contains the label 3"),
    "linear widths": (lambda: F.linear(minidl.ones(5, 4), minidl.ones(2, 3)),
                      lambda: torch.nn.functional.linear(torch.ones(5, 4), torch.ones(2, 3)),
                      "must equal the weight's in_features"),
    "bce outside [0, 1]": (lambda: F.binary_cross_entropy(minidl.tensor([1.5]),
                                                          minidl.tensor([1.0])),
                           lambda: torch.nn.functional.binary_cross_entropy(
                               torch.tensor([1.5]), torch.tensor([1.0])), "must be in [0, 1]"),
    "int requires grad": (lambda: minidl.tensor([1, 2], requires_grad=True),
                          lambda: torch.tensor([1, 2], requires_grad=True),
                          "only floating-point tensors can require gradients"),
    "int requires_grad_()": (lambda: minidl.tensor([1, 2]).requires_grad_(),
                             lambda: torch.tensor([1, 2]).requires_grad_(),
                             "requires_grad_(): only floating-point tensors can require gradients"),
    "bool requires_grad_()": (lambda: minidl.tensor([True, False]).requires_grad_(),
                              lambda: torch.tensor([True, False]).requires_grad_(), "dtype bool"),
    "int zeros requires grad": (lambda: minidl.zeros(2, dtype=minidl.int64, requires_grad=True),
                                lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True),
                                "zeros(): only floating-point tensors can require gradients"),
    "bool of many": (lambda: bool(minidl.ones(2)), lambda: bool(torch.ones(2)), "ambiguous"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_catchable_as_torch_raises_them(name):
    minidl_call, torch_call, message = ERRORS[name]
    err = _raises_like_torch(minidl_call, torch_call)
    assert message in str(err)


# --------------------------------------------------------------------------- the ops, one line each
RNG = np.random.default_rng(42)
X34 = RNG.normal(size=(3, 4))
TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 2.0], [-1.0, 0.5, 0.5, 0.5]])
SMALL = RNG.integers(-2, 3, size=(3, 4)).astype(np.float64)  # many ties and zeros
X234 = RNG.normal(size=(2, 3, 4))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))


def run(fn, lib, arrays):
    """fn(lib, *tensors) with lib minidl or torch; float arrays require grad."""
    ts = [(minidl.tensor if lib is minidl else torch.tensor)(
        a, requires_grad=a.dtype.kind == "f") if isinstance(a, (np.ndarray, np.generic)) else a
          for a in arrays]
    return ts, fn(lib, *ts)


def compare(name, fn, *arrays, rtol=1e-12, atol=1e-12):
    """fn(lib, *tensors) in minidl and in torch: the same shape, dtype and values, and the same
    gradients for a random upstream gradient (weighting each output element differently)."""
    xm, ym = run(fn, minidl, arrays)
    xt, yt = run(fn, torch, arrays)
    if isinstance(yt, tuple):  # (values, indices)
        assert ym.indices.tolist() == yt.indices.tolist(), name
        assert same_dtype(ym.indices, yt.indices)
        ym, yt = ym.values, yt.values
    assert ym.shape == tuple(yt.shape), f"{name}: shape {ym.shape} vs {tuple(yt.shape)}"
    assert same_dtype(ym, yt), f"{name}: dtype {ym.dtype} vs {yt.dtype}"
    if ym.dtype == np.float32:  # float32 work (from integer inputs): float32 round-off
        rtol, atol = max(rtol, 1e-6), max(atol, 1e-6)
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=rtol, atol=atol, err_msg=name)
    assert ym.requires_grad == yt.requires_grad, name
    if not yt.requires_grad:
        return
    g = np.random.default_rng(7).uniform(0.5, 1.5, size=ym.shape).astype(ym.dtype)
    ym.backward(g)
    yt.backward(torch.tensor(g))
    for i, (m, t) in enumerate(zip(xm, xt)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(m.shape) if m.grad is None else m.grad.data
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                       err_msg=f"{name}: gradient of input {i}")


def tf(lib):
    return F if lib is minidl else torch.nn.functional


OPS = {  # name: (fn(lib, *tensors), *inputs); the same expression runs in minidl and in torch
    "==": (lambda L, a, b: a == b, SMALL, SMALL.T.reshape(3, 4)),
    "!= scalar": (lambda L, a: a != 0, SMALL),
    "< broadcast": (lambda L, a, b: a < b, SMALL, SMALL[0]),
    "<=": (lambda L, a, b: a <= b, SMALL, SMALL[:, :1]),
    ">": (lambda L, a: a > 0.5, SMALL),
    ">= reflected": (lambda L, a: 1.0 >= a, SMALL),
    "eq method": (lambda L, a, b: a.eq(b), SMALL, SMALL[::-1].copy()),
    "ge method": (lambda L, a: a.ge(0), SMALL),
    "int == int": (lambda L, a, b: a == b, np.array([0, 1, 2]), np.array([0, 2, 2])),
    "accuracy": (lambda L, a, b: (a.argmax(dim=1) == b).float().mean(), X34, np.array([0, 1, 3])),
    ".float()": (lambda L, a: a.float() * 2, X34),
    ".double()": (lambda L, a: a.float().double() * 2, X34),
    ".long()": (lambda L, a: a.long(), SMALL),
    ".int()": (lambda L, a: a.int(), SMALL),
    ".bool()": (lambda L, a: a.bool(), SMALL),
    ".to(float32)": (lambda L, a: a.to(L.float32) * 3, X34),
    ".to(int64)": (lambda L, a: a.to(L.int64), SMALL),
    ".to(bool)": (lambda L, a: a.to(L.bool), SMALL),
    ".to(other)": (lambda L, a, b: a.to(b), X34, np.array([1, 2])),
    "bool.float()": (lambda L, a: (a > 0).float(), X34),
    "any/all": (lambda L, a: (a > 1).any() & (a > -9).all(), X34),
    "where": (lambda L, a, b: L.where(a > 0, a, b), X34, POS),
    "where scalar": (lambda L, a: L.where(a > 0, a, 0.0), X34),
    "where broadcast": (lambda L, a, b: L.where(a > 0, a, b), X34, POS[0]),
    "where int/float": (lambda L, a: L.where(a > 0, a, 1), X34),
    "clamp": (lambda L, a: a.clamp(-0.5, 0.5), X34),
    "clamp min": (lambda L, a: a.clamp(min=0), SMALL),
    "clamp max": (lambda L, a: a.clamp(max=0), SMALL),
    "clamp at bounds": (lambda L, a: a.clamp(-1, 1), SMALL),
    "clamp min > max": (lambda L, a: a.clamp(1, -1), SMALL),
    "clamp tensors": (lambda L, a, lo, hi: a.clamp(lo, hi), X34, -POS, POS[0]),
    "clamp int": (lambda L, a: a.long().clamp(min=0.5), SMALL),
    "clip": (lambda L, a: a.clip(0, 1), X34),
    "L.clamp": (lambda L, a: L.clamp(a, min=-0.2), X34),
    "maximum": (lambda L, a, b: L.maximum(a, b), SMALL, SMALL[::-1].copy()),
    "minimum": (lambda L, a, b: L.minimum(a, b), SMALL, SMALL[::-1].copy()),
    "maximum broadcast": (lambda L, a, b: L.maximum(a, b), X34, POS[0]),
    "max(other)": (lambda L, a, b: a.max(b), SMALL, SMALL.T.reshape(3, 4).copy()),
    "min()": (lambda L, a: a.min(), TIES),
    "max()": (lambda L, a: a.max(), TIES),
    "min(0)": (lambda L, a: a.min(0), X34),
    "min(1, keepdim)": (lambda L, a: a.min(1, keepdim=True), X34),
    "max(-1)": (lambda L, a: a.max(dim=-1), X234),
    "min(dim=1) 3-d": (lambda L, a: a.min(dim=1), X234),
    "L.min": (lambda L, a: L.min(a, 0), X34),
    "L.max": (lambda L, a: L.max(a), X34),
    "argmax": (lambda L, a: a.argmax(), X34),
    "argmin": (lambda L, a: a.argmin(), X34),
    "argmax(1)": (lambda L, a: a.argmax(1), TIES),
    "argmin(0, keepdim)": (lambda L, a: a.argmin(0, keepdim=True), TIES),
    "L.argmax": (lambda L, a: L.argmax(a, dim=-1), X234),
    "amax": (lambda L, a: a.amax(), TIES),
    "amax(1)": (lambda L, a: a.amax(1), TIES),
    "amax((0, 1))": (lambda L, a: a.amax((0, 1)), X234),
    "amin(-1, keepdim)": (lambda L, a: a.amin(-1, keepdim=True), TIES),
    "L.amax": (lambda L, a: L.amax(a, dim=0), TIES),
    "cat 0": (lambda L, a, b, c: L.cat([a, b, c]), X34, POS[:1], SMALL),
    "cat 1": (lambda L, a, b: L.cat([a, b], dim=1), X34, POS[:, :2]),
    "cat -1": (lambda L, a, b: L.cat((a, b), -1), X234, X234[..., :1].copy()),
    "cat int/float": (lambda L, a, b: L.cat([a, b]), np.array([1, 2]), np.array([0.5])),
    "stack": (lambda L, a, b: L.stack([a, b]), X34, POS),
    "stack 1": (lambda L, a, b: L.stack([a, b], dim=1), X34, POS),
    "stack -1": (lambda L, a, b, c: L.stack([a, b, c], -1), X34, POS, SMALL),
    "unsqueeze 0": (lambda L, a: a.unsqueeze(0), X34),
    "unsqueeze -1": (lambda L, a: a.unsqueeze(-1), X34),
    "unsqueeze 1": (lambda L, a: L.unsqueeze(a, 1), X34),
    "squeeze": (lambda L, a: a.squeeze(), X34[:1, None]),
    "squeeze 0": (lambda L, a: a.squeeze(0), X34[:1]),
    "squeeze not 1": (lambda L, a: a.squeeze(1), X34),
    "squeeze (0, 2)": (lambda L, a: a.squeeze((0, 2)), X34[None, :, None]),
    "flatten": (lambda L, a: a.flatten(), X234),
    "flatten 1": (lambda L, a: a.flatten(1), X234),
    "flatten 0, 1": (lambda L, a: L.flatten(a, 0, 1), X234),
    "flatten 0-d": (lambda L, a: a.flatten(), np.array(2.0)),
    "permute": (lambda L, a: a.permute(2, 0, 1), X234),
    "permute tuple": (lambda L, a: a.permute((1, 0, 2)), X234),
    "L.permute": (lambda L, a: L.permute(a, (2, 1, 0)), X234),
    "expand": (lambda L, a: a.expand(3, -1), X34[:1]),
    "expand new dims": (lambda L, a: a.expand(2, 3, 4), X34[:1]),
    "expand tuple": (lambda L, a: a.expand((2, 3, 4)), POS[0]),
    "transpose": (lambda L, a: L.transpose(a, 0, 2), X234),
    "reshape": (lambda L, a: L.reshape(a, (4, -1)), X34),
    ".relu()": (lambda L, a: a.relu(), X34),
    ".sigmoid()": (lambda L, a: a.sigmoid(), X34),
    ".tanh()": (lambda L, a: a.tanh(), X34),
    ".softmax(dim)": (lambda L, a: a.softmax(0), X34),
    ".log_softmax(dim)": (lambda L, a: a.log_softmax(-1), X34),
    ".pow()": (lambda L, a: a.pow(3), X34),
    ".pow(tensor)": (lambda L, a, b: a.pow(b), POS, X34),
    ".abs()": (lambda L, a: a.abs(), X34),
    "abs(t)": (lambda L, a: abs(a), X34),
    ".neg()": (lambda L, a: a.neg(), X34),
    ".matmul()": (lambda L, a, b: a.matmul(b), X34, POS.T.copy()),
    "L.matmul": (lambda L, a, b: L.matmul(a, b), X34, POS[0]),
    "L.exp/log/sqrt": (lambda L, a: L.sqrt(L.exp(L.log(a))), POS),
    "L.sigmoid": (lambda L, a: L.sigmoid(a) + L.tanh(a) + L.relu(a), X34),
    "L.softmax": (lambda L, a: L.softmax(a, 1) + L.log_softmax(a, 0), X34),
    "logsumexp": (lambda L, a: a.logsumexp(1), X34),
    "logsumexp keepdim": (lambda L, a: a.logsumexp(0, keepdim=True), X34),
    "logsumexp (0, 1)": (lambda L, a: L.logsumexp(a, (0, 1)), X234),
    "logsumexp large": (lambda L, a: (a * 1e4).logsumexp(-1), X34),
    "logsumexp -inf row": (lambda L, a: a.logsumexp(1),
                           np.array([[-np.inf, -np.inf], [0.0, -np.inf]])),
    "logsumexp int": (lambda L, a: a.long().logsumexp(0), SMALL),
    "var": (lambda L, a: a.var(), X34),
    "var(0)": (lambda L, a: a.var(0), X34),
    "var(1, keepdim)": (lambda L, a: a.var(1, keepdim=True), X34),
    "var correction=0": (lambda L, a: a.var(dim=1, correction=0), X34),
    "var correction=2": (lambda L, a: a.var((0, 1), correction=2), X234),
    "var unbiased=False": (lambda L, a: a.var(0, unbiased=False), X34),
    "std": (lambda L, a: a.std(), X34),
    "std(1)": (lambda L, a: a.std(1), X34),
    "std correction=0": (lambda L, a: L.std(a, 0, correction=0, keepdim=True), X34),
    "std of a constant": (lambda L, a: a.std(1), np.ones((2, 3))),
    "L.var": (lambda L, a: L.var(a, -1), X234),
    "L.sum/mean": (lambda L, a: L.sum(a, 0) + L.mean(a, 0), X34),
    "F.one_hot": (lambda L, a: tf(L).one_hot(a), np.array([0, 2, 1, 2])),
    "F.one_hot classes": (lambda L, a: tf(L).one_hot(a, num_classes=5), np.array([[0, 2], [4, 1]])),
    "one_hot @ w": (lambda L, a, w: tf(L).one_hot(a, 4).float().double() @ w,
                    np.array([3, 0]), POS.T.copy()),
}


@pytest.mark.parametrize("name", OPS)
def test_op_matches_torch_forward_and_backward(name):
    fn, *inputs = OPS[name]
    compare(name, fn, *inputs)


def test_casts_keep_or_drop_the_gradient_as_torch():
    x = minidl.tensor([1.5, -2.0], requires_grad=True)
    assert x.float() is x and x.to(minidl.float32) is x and x.to("cpu") is x
    assert x.long().requires_grad is False and x.long().tolist() == [1, -2]
    assert x.double().requires_grad and x.double().dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
    assert [1.0, 2.0][minidl.tensor(1)] == 2.0  # an integer tensor is an index
    assert float(minidl.tensor([2.5])) == 2.5 and int(minidl.tensor(3.7)) == 3


@pytest.mark.parametrize("op", ["mean", "var", "std"])
def test_mean_var_std_of_integers_are_refused_as_in_torch(op):
    err = _raises_like_torch(lambda: getattr(minidl.tensor([1, 2]), op)(),
                             lambda: getattr(torch.tensor([1, 2]), op)())
    assert "float" in str(err)


NEW_ERRORS = {
    "cat sizes": (lambda L: L.cat([L.ones(2, 3), L.ones(3, 4)]),
                  "same shape except in dimension 0"),
    "stack sizes": (lambda L: L.stack([L.ones(2, 3), L.ones(2, 4)]), "same shape"),
    "cat 0-d": (lambda L: L.cat([L.ones(()), L.ones(())]), "0-d"),
    "permute": (lambda L: L.ones(2, 3).permute(0), "each of the tensor's 2 dimensions"),
    "expand": (lambda L: L.ones(2, 3).expand(3, 3), "only dimensions of size 1 can grow"),
    "unsqueeze dim": (lambda L: L.ones(2, 3).unsqueeze(3), "dim=3 is out of range"),
    "squeeze dim": (lambda L: L.ones(3).squeeze(2), "dim=2 is out of range"),
    "flatten dim": (lambda L: L.ones(3).flatten(2), "out of range"),
    "max dim": (lambda L: L.ones(3).max(dim=2), "dim=2 is out of range"),
    "logsumexp dim": (lambda L: L.ones(3).logsumexp(3), "dim=3 is out of range"),
    "var dim": (lambda L: L.ones(3).var(2), "dim=2 is out of range"),
    "argmax dim": (lambda L: L.ones(3).argmax(2), "dim=2 is out of range"),
    "transpose dim": (lambda L: L.ones(3).transpose(0, 3), "dim=3 is out of range"),
    "where condition": (lambda L: L.where(L.ones(2), L.ones(2), L.zeros(2)), "bool"),
    "clamp nothing": (lambda L: L.ones(2).clamp(), "at least one of min and max"),
    "item of many": (lambda L: L.ones(2).item(), "2 elements"),
    "one_hot float": (lambda L: tf(L).one_hot(L.tensor([1.0, 2.0])), "integer class indices"),
    "one_hot negative": (lambda L: tf(L).one_hot(L.tensor([-1, 2])), "got -1"),
    "one_hot too few": (lambda L: tf(L).one_hot(L.tensor([1, 2]), 2), "num_classes=2"),
    "index out of range": (lambda L: L.ones(3)[5], "out of bounds"),
}


@pytest.mark.parametrize("name", NEW_ERRORS)
def test_new_ops_raise_what_torch_raises(name):
    call, message = NEW_ERRORS[name]
    err = _raises_like_torch(lambda: call(minidl), lambda: call(torch))
    assert message in str(err)


# ------------------------------------------------------------------ cross_entropy as in torch 1.10+
LOGITS = RNG.normal(0, 2, size=(6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 0])
PROBS = np.random.default_rng(3).dirichlet(np.ones(4), size=6)

CE_CASES = {  # name: (input, target, keyword arguments); the target's dtype tells its kind
    "indices": (LOGITS, LABELS, {}),
    "probabilities": (LOGITS, PROBS, {}),
    "one-hot floats": (LOGITS, np.eye(4)[LABELS], {}),
    "smoothing": (LOGITS, LABELS, {"label_smoothing": 0.1}),
    "smoothing 1": (LOGITS, LABELS, {"label_smoothing": 1.0}),
    "probabilities smoothed": (LOGITS, PROBS, {"label_smoothing": 0.25}),
    "ignore -100": (LOGITS, np.array([0, -100, 1, -100, 2, 0]), {}),
    "ignore 1": (LOGITS, LABELS, {"ignore_index": 1}),
    "ignore -1 smoothed": (LOGITS, np.array([0, -1, 1, 1, -1, 0]),
                           {"ignore_index": -1, "label_smoothing": 0.2}),
    "ignore all": (LOGITS, np.full(6, -100), {}),
    "one sample, probabilities": (LOGITS[0], PROBS[0], {}),
    "one sample, smoothing": (LOGITS[0], np.int64(2), {"label_smoothing": 0.3}),
    "one sample, ignored": (LOGITS[0], np.int64(-100), {}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", CE_CASES)
def test_cross_entropy_targets_smoothing_and_ignore_index(name, reduction):
    x, y, kw = CE_CASES[name]
    compare(name, lambda L, a, t: tf(L).cross_entropy(a, t, reduction=reduction, **kw), x, y)


@pytest.mark.parametrize("name", ["indices", "ignore 1", "ignore -1 smoothed", "ignore all"])
def test_nll_loss_ignore_index(name):
    x, y, kw = CE_CASES[name]
    kw = {"ignore_index": kw.get("ignore_index", -100)}
    logp = torch.log_softmax(torch.tensor(x), -1).numpy()
    for reduction in ("mean", "sum", "none"):
        compare(name, lambda L, a, t: tf(L).nll_loss(a, t, reduction=reduction, **kw), logp, y)


def test_one_hot_float_target_equals_class_indices():
    """Lesson 05's "Mistake 2": a float one-hot target now means what it means in torch."""
    a = F.cross_entropy(minidl.tensor(LOGITS), minidl.tensor(LABELS))
    b = F.cross_entropy(minidl.tensor(LOGITS), F.one_hot(minidl.tensor(LABELS)).float())
    onehot = torch.nn.functional.one_hot(torch.tensor(LABELS)).float()
    want = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), onehot)
    np.testing.assert_allclose([a.item(), b.item()], want.item(), rtol=1e-6)


def test_cross_entropy_gradient_reaches_a_soft_target():
    """Distillation: a target of probabilities that requires grad gets -log softmax(x) * up."""
    compare("soft target",
            lambda L, a, t: tf(L).cross_entropy(a, t.softmax(-1), label_smoothing=0.1),
            LOGITS, LOGITS[::-1].copy())


def test_cross_entropy_loss_module_passes_the_options():
    m = minidl.nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=2)
    t = torch.nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=2)
    np.testing.assert_allclose(m(LOGITS, LABELS).item(),
                               t(torch.tensor(LOGITS), torch.tensor(LABELS)).item(), rtol=1e-12)
    m, t = minidl.nn.NLLLoss(ignore_index=0), torch.nn.NLLLoss(ignore_index=0)
    logp = np.log(PROBS)
    np.testing.assert_allclose(m(logp, LABELS).item(),
                               t(torch.tensor(logp), torch.tensor(LABELS)).item(), rtol=1e-12)


CE_ERRORS = {
    "smoothing > 1": ({"label_smoothing": 1.5}, LABELS, "label_smoothing must be between 0.0"),
    "ignore_index, probabilities": ({"ignore_index": 1}, PROBS, "ignore_index=1 works with class"),
    "int one-hot": ({}, np.eye(4, dtype=np.int64)[LABELS], "looks one-hot encoded"),
    "float labels": ({}, LABELS.astype(np.float64), "integer class indices"),
    "label 4 of 4": ({}, np.array([0, 4, 1, 1, 2, 0]), "the label 4"),
    "label -1": ({}, np.array([0, -1, 1, 1, 2, 0]), "pass ignore_index=-1"),
}


@pytest.mark.parametrize("name", CE_ERRORS)
def test_cross_entropy_errors_are_torch_catchable(name):
    kw, target, message = CE_ERRORS[name]
    err = _raises_like_torch(
        lambda: F.cross_entropy(minidl.tensor(LOGITS), minidl.tensor(target), **kw),
        lambda: torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(target), **kw))
    assert message in str(err)
