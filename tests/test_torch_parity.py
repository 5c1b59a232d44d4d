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
    "bce outside [0, 1]": (lambda: F.binary_cross_entropy(minidl.tensor([1.5]), minidl.tensor([1.0])),
                           lambda: torch.nn.functional.binary_cross_entropy(
                               torch.tensor([1.5]), torch.tensor([1.0])), "must be in [0, 1]"),
    "int requires grad": (lambda: minidl.tensor([1, 2], requires_grad=True),
                          lambda: torch.tensor([1, 2], requires_grad=True),
                          "only floating-point tensors can require gradients"),
    "bool of many": (lambda: bool(minidl.ones(2)), lambda: bool(torch.ones(2)), "ambiguous"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_catchable_as_torch_raises_them(name):
    minidl_call, torch_call, message = ERRORS[name]
    err = _raises_like_torch(minidl_call, torch_call)
    assert message in str(err)
