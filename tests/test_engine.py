"""The autodiff engine: broadcasting, node reuse, accumulation, deep graphs, no_grad, dtypes."""
import numpy as np
import pytest
import torch

import minidl
from minidl import Tensor


def pair(a, requires_grad=True):
    return minidl.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


@pytest.mark.parametrize("shape_a,shape_b", [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 1, 4), (3, 1)),
                                             ((3, 4), ()), ((1,), (5, 1))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_broadcasting_binary_ops_match_torch(op, shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2, shape_a), rng.uniform(0.5, 2, shape_b)
    (am, at), (bm, bt) = pair(a), pair(b)
    f = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
         "div": lambda x, y: x / y, "pow": lambda x, y: x ** y}[op]
    ym, yt = f(am, bm), f(at, bt)
    ym.sum().backward(), yt.sum().backward()
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    assert am.grad.shape == a.shape and bm.grad.shape == b.shape
    np.testing.assert_allclose(am.grad.data, at.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(bm.grad.data, bt.grad.numpy(), rtol=1e-10)


def test_scalars_and_arrays_on_either_side():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y = (2 * x + 1 - x / 4 + 3 / x - 1 ** x + x ** 2) * np.array([1.0, 2.0])
    y.sum().backward()
    xv = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.data, (2 - 0.25 - 3 / xv ** 2 + 2 * xv) * [1, 2], rtol=1e-6)
    assert y.dtype == np.float64  # float32 tensor * float64 array promotes, as in torch
    assert (2 * x + 1 - x / 4 + 3 / x).dtype == np.float32  # Python numbers do not


@pytest.mark.parametrize("a_shape,b_shape", [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
                                             ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))])
def test_matmul_matches_torch(a_shape, b_shape):
    rng = np.random.default_rng(1)
    (am, at), (bm, bt) = pair(rng.normal(size=a_shape)), pair(rng.normal(size=b_shape))
    ym, yt = am @ bm, at @ bt
    ym.sum().backward(), yt.sum().backward()
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(am.grad.data, at.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bm.grad.data, bt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False), ((0, 1), False)])
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions(op, dim, keepdim):
    x = np.random.default_rng(2).normal(size=(3, 4))
    xm, xt = pair(x)
    ym = getattr(xm, op)(dim=dim, keepdim=keepdim)
    yt = getattr(xt, op)() if dim is None else getattr(xt, op)(dim=dim, keepdim=keepdim)
    (ym * ym).sum().backward(), (yt * yt).sum().backward()
    np.testing.assert_allclose(ym.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xm.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_max_values_indices_and_gradient():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    xm, xt = pair(x)
    values, indices = xm.max(dim=1)
    tv, ti = xt.max(dim=1)
    np.testing.assert_array_equal(values.data, tv.detach().numpy())
    assert indices.tolist()[0] == 1 and indices.tolist() == [1, 0]
    values.sum().backward(), tv.sum().backward()
    assert xm.grad.tolist() == xt.grad.tolist() == [[0, 1, 0], [1, 0, 0]]  # to the index returned
    m, mt = pair(x)
    m.max().backward(), mt.max().backward()
    assert m.grad.tolist() == mt.grad.tolist() == [[0, 0, 0], [0.5, 0, 0.5]]  # ties share, as amax


def test_exp_log_abs_reshape_transpose_index():
    x = np.random.default_rng(3).uniform(0.5, 2, size=(3, 4))
    xm, xt = pair(x)
    fm = (xm.exp().log() * xm.abs()).reshape(4, 3).T[1:, [0, 2, 2]].transpose(0, 1)
    ft = (xt.exp().log() * xt.abs()).reshape(4, 3).T[1:, [0, 2, 2]].transpose(0, 1)
    (fm * fm).sum().backward(), (ft * ft).sum().backward()
    np.testing.assert_allclose(fm.data, ft.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xm.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_node_used_twice_gets_both_gradients():
    x = minidl.tensor(3.0, requires_grad=True)
    y = x * x          # one node feeding Mul twice
    z = y + y * x      # y feeds two ops
    z.backward()
    assert x.grad.item() == pytest.approx(2 * 3 + 3 * 9)  # d/dx (x^2 + x^3)


def test_gradients_accumulate_like_torch_and_zero():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_accumulated_gradient_does_not_alias_other_leaves():
    a, b = minidl.tensor([1.0], requires_grad=True), minidl.tensor([2.0], requires_grad=True)
    (a + b).sum().backward()
    (a * 5).sum().backward()
    assert a.grad.tolist() == [6.0] and b.grad.tolist() == [1.0]


def test_deep_chain_has_no_recursion_limit():
    x = minidl.tensor(1.0, requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 20_000, rel=1e-9)


def test_backward_twice_without_retain_graph_is_a_clear_error():
    x = minidl.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x2 = minidl.tensor(2.0, requires_grad=True)
    y2 = x2 * x2
    y2.backward(retain_graph=True)
    y2.backward()
    assert x2.grad.item() == 8.0


def test_a_backward_that_fails_on_a_freed_graph_adds_to_no_grad():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    w = minidl.tensor(3.0, requires_grad=True)
    a = x * w
    a.sum().backward()  # x.grad = w = [3, 3], w.grad = x1 + x2 = 3; frees a's MulBackward
    y = minidl.tensor(2.0, requires_grad=True)  # reached only through the new ops
    z = (a + x).sum() * y  # the walk reaches y and x before the freed MulBackward
    with pytest.raises(RuntimeError, match="already used by a backward pass"):
        z.backward()
    assert x.grad.tolist() == [3.0, 3.0] and w.grad.item() == 3.0 and y.grad is None


@pytest.mark.parametrize("root", ["x", "x + 0", "x.reshape(4)", "x * 1"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_a_leaf_grad_never_shares_memory_with_the_callers_grad(root, as_tensor):
    x = minidl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for call in range(2):  # a fresh .grad, then one accumulated into
        y = eval(root)
        grad = np.full(y.shape, 2.0, dtype=np.float32)  # the root's dtype: no cast needed
        y.backward(minidl.tensor(grad) if as_tensor else grad)
        assert not np.shares_memory(x.grad.data, grad), (root, call)
        (g,) = minidl.autograd.grad(eval(root), [x], grad_output=grad)
        assert not np.shares_memory(g.data, grad), root
    assert x.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_backward_on_non_scalar_needs_grad():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward\(\).*scalar.*shape \(2,\).*y.sum\(\)"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_no_grad_records_nothing():
    x = minidl.tensor([1.0], requires_grad=True)
    with minidl.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert minidl.is_grad_enabled()

    @minidl.no_grad()
    def f(t):
        return t * 2
    assert f(x).grad_fn is None


def test_dtypes_follow_torch():
    assert minidl.tensor(1.5).dtype == np.float32
    assert minidl.tensor([1, 2]).dtype == np.int64
    assert minidl.tensor(np.array([1.0])).dtype == np.float64
    assert minidl.tensor([1.0], dtype=minidl.float64).dtype == np.float64
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2.5 + 1).dtype == np.float32 and (x ** 2).dtype == np.float32
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        minidl.tensor([1, 2], requires_grad=True)
    labels = minidl.tensor([1, 2])
    assert labels.requires_grad_(False) is labels and not labels.requires_grad  # as in torch
    w = minidl.tensor([1.0, 2.0])
    assert w.requires_grad_() is w and w.requires_grad


def test_reprs_look_like_torch():
    import minidl.functional as F
    assert repr(minidl.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(minidl.tensor(0.5, requires_grad=True)) == "tensor(0.5000, requires_grad=True)"
    loss = F.nll_loss(minidl.tensor([[-1.2, -0.3]], requires_grad=True), minidl.tensor([0]))
    assert repr(loss) == "tensor(1.2000, grad_fn=<NllLossBackward>)"
    assert repr(minidl.tensor(np.array([1.5]))) == "tensor([1.5000], dtype=float64)"
    assert repr(minidl.tensor([1, 2])) == "tensor([1, 2])"


def test_item_numpy_detach():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]
    assert (x.sum()).item() == 3.0
    assert x.shape == (2,) and x.ndim == 1 and len(x) == 2


def test_custom_function_subclass():
    class Cube(minidl.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = minidl.tensor([1.0, -2.0], requires_grad=True)
    y = Cube.apply(x)
    assert repr(y.grad_fn) == "<CubeBackward>"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert minidl.gradcheck(lambda t: Cube.apply(t), np.array([0.3, -1.2]))


def test_comparisons_give_boolean_tensors():
    x = minidl.tensor([-1.0, 0.0, 2.0])
    assert (x > 0).tolist() == [False, False, True]
    assert (x <= 0).dtype == np.bool_


def test_autograd_grad_matches_torch_for_leaves_and_intermediates():
    from minidl.autograd import grad
    x = minidl.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x * x
    y = (minidl.functional.sigmoid(h) * 3).sum()
    gx, gh = grad(y, [x, h], retain_graph=True)
    xt = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ht = xt * xt
    yt = (torch.sigmoid(ht) * 3).sum()
    tx, th = torch.autograd.grad(yt, [xt, ht])
    np.testing.assert_allclose(gx.data, tx.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gh.data, th.numpy(), rtol=1e-6)
    assert x.grad is None  # nothing accumulated
    y.backward()
    np.testing.assert_allclose(x.grad.data, tx.numpy(), rtol=1e-6)
    unused = minidl.tensor([1.0], requires_grad=True)
    assert grad((x * 2).sum(), unused)[0].tolist() == [0.0]
    z = (x * x).sum()
    gz, gx2 = grad(z, [z, x])  # the output itself is a wanted result: d(z)/d(z) = 1
    assert gz.item() == 1.0 and gx2.tolist() == [1.0, -2.0, 4.0]
