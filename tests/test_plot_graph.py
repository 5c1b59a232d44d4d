"""minidl.plot.graph: the graph walk, the per-node gradients (torch's autograd.grad as the
oracle), the text tree and the matplotlib drawing."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

import minidl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl.plot import draw_graph, graph_ops, graph_text, upstream_grads  # noqa: E402
from minidl.plot.graph import FONTSIZE, MAX_WIDTH  # noqa: E402


def sigmoid_parts(x):
    """sigma(x) = 1 / (1 + exp(-1 * x)), one primitive op per step; works for both libraries."""
    a = x * -1
    b = a.exp()
    c = 1 + b
    return a, b, c, 1 / c


def test_graph_ops_lists_the_primitive_ops_inputs_first():
    x = minidl.tensor([0.5], requires_grad=True)
    *_, s = sigmoid_parts(x)
    assert graph_ops(s) == ["MulBackward", "ExpBackward", "AddBackward", "DivBackward"]
    assert graph_ops(F.sigmoid(x)) == ["SigmoidBackward"]
    assert graph_ops(x) == []


def test_graph_ops_counts_a_shared_subresult_once():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    assert graph_ops(y) == ["ExpBackward", "MulBackward", "SumBackward"]


def test_upstream_grads_match_torch_autograd_grad_at_every_node():
    rng = np.random.default_rng(0)
    xv, wv, bv = rng.normal(size=(5, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)

    def net(x, w, b, relu, sigmoid):
        z = x @ w.T + b          # broadcasting: b is (2,), z is (5, 2)
        h = relu(z)
        s = sigmoid(h * z)       # z used twice: two paths add up
        return [z, h, s], (s * s).mean()

    xm, wm, bm = (minidl.tensor(v, requires_grad=True) for v in (xv, wv, bv))
    inner_m, loss_m = net(xm, wm, bm, F.relu, F.sigmoid)
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (xv, wv, bv))
    inner_t, loss_t = net(xt, wt, bt, torch.relu, torch.sigmoid)

    got = upstream_grads(loss_m, [xm, wm, bm] + inner_m + [loss_m])
    want = torch.autograd.grad(loss_t, [xt, wt, bt] + inner_t + [loss_t])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-12, atol=1e-15)


def test_upstream_grads_leave_grad_and_graph_untouched():
    x = minidl.tensor(np.array([0.3, -1.2]), requires_grad=True)
    y = (x * x).sum()
    (gx,) = upstream_grads(y, [x])
    np.testing.assert_allclose(gx, [0.6, -2.4])
    assert x.grad is None
    y.backward()  # the graph is still there
    np.testing.assert_allclose(x.grad.data, [0.6, -2.4])


def test_upstream_grads_of_an_unrelated_tensor_are_zeros():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    other = minidl.tensor([[1.0, 1.0, 1.0]], requires_grad=True)
    (g,) = upstream_grads(x.sum(), [other])
    assert g.shape == (1, 3) and not g.any()


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=st.floats(-5, 5)))
def test_decomposed_and_fused_sigmoid_give_the_same_gradient(v):
    x = minidl.tensor(v, requires_grad=True)
    a, b, c, s = sigmoid_parts(x)
    loss = s.sum()
    gx, ga, gb, gc = upstream_grads(loss, [x, a, b, c])
    # the chain rule by hand, from the output back
    want_c = -1 / c.data ** 2
    np.testing.assert_allclose(gc, want_c)
    np.testing.assert_allclose(gb, want_c)
    np.testing.assert_allclose(ga, want_c * b.data)
    np.testing.assert_allclose(gx, -want_c * b.data)
    sig = 1 / (1 + np.exp(-v))
    np.testing.assert_allclose(gx, sig * (1 - sig), rtol=1e-12, atol=1e-15)
    (g_fused,) = upstream_grads(F.sigmoid(x).sum(), [x])
    np.testing.assert_allclose(gx, g_fused, rtol=1e-12, atol=1e-15)


def test_graph_text_of_the_decomposed_sigmoid():
    x = minidl.tensor(np.array(0.0), requires_grad=True)
    a, b, c, s = sigmoid_parts(x)
    text = graph_text(s, names={"x": x, "c": c, "s": s}, show_grad=True)
    # at x = 0: c = 2, s = 1/2, ds/dc = -1/4, ds/dx = 1/4
    assert text == "\n".join([
        "s <DivBackward>  shape=()  value=0.5  grad=1.",
        "├─ constant 1",
        "└─ c <AddBackward>  shape=()  value=2.  grad=-0.25",
        "   ├─ constant 1",
        "   └─ <ExpBackward>  shape=()  value=1.  grad=-0.25",
        "      └─ <MulBackward>  shape=()  value=-0.  grad=-0.25",
        "         ├─ x (leaf)  shape=()  value=0.  grad=0.25",
        "         └─ constant -1",
    ])


def test_graph_text_expands_a_shared_node_once_and_summarises_big_tensors():
    x = minidl.tensor(np.zeros((2, 3)), requires_grad=True)
    h = x.exp()
    y = h * h
    lines = graph_text(y, names={"h": h}).splitlines()
    assert lines[0] == "<MulBackward>  shape=(2, 3)"
    assert lines[1] == "├─ h <ExpBackward>  shape=(2, 3)"
    assert lines[2] == "│  └─ leaf  shape=(2, 3)"
    assert lines[3] == "└─ h <ExpBackward>  shape=(2, 3)  (shared, see above)"
    assert len(lines) == 4


def test_a_tensor_without_grad_is_shown_as_a_plain_tensor():
    w = minidl.tensor([2.0], requires_grad=True)
    x = minidl.tensor([3.0])
    assert graph_text(w * x, names={"x": x}).splitlines()[-1] == "└─ x  shape=(1,)  value=[3.]"


def test_deep_graphs_need_no_recursion():
    x = minidl.tensor(np.array(1.0, dtype=np.float64), requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    assert len(graph_ops(y)) == 5000
    assert len(graph_text(y).splitlines()) == 1 + 2 * 5000
    (g,) = upstream_grads(y, [x])
    np.testing.assert_allclose(g, 1.0001 ** 5000)


def test_a_freed_graph_gets_a_clear_error():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    for fn in (graph_ops, graph_text, draw_graph):
        with pytest.raises(RuntimeError, match=r"retain_graph=True"):
            fn(y)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    assert graph_ops(z) == ["MulBackward", "SumBackward"]


def test_bad_inputs_get_clear_errors():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"graph_text\(\): expected a minidl Tensor"):
        graph_text(np.ones(2))
    with pytest.raises(ValueError, match=r"draw_graph\(\): gradients need a scalar output.*sum"):
        draw_graph(x * 2, show_grad=True)
    with pytest.raises(ValueError, match=r"upstream_grads\(\): this tensor does not require"):
        upstream_grads(minidl.tensor(1.0), [x])


def test_draw_graph_draws_every_node_and_edge_without_overlaps():
    rng = np.random.default_rng(1)
    x = minidl.tensor(rng.normal(size=3))
    w = minidl.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = minidl.tensor(np.zeros(2), requires_grad=True)
    h = F.relu(F.linear(x, w, b))
    y = (h * h).sum() + 2 * h.sum()
    ax = draw_graph(y, names={"x": x, "w": w, "b": b, "h": h}, show_grad=True)
    fig = ax.figure
    fig.canvas.draw()
    texts = [t for t in ax.texts if t.get_text()]
    ops = [t for t in texts if t.get_text().endswith("Backward")]
    assert len(ops) == 7  # Linear, Relu, Mul, Sum, Mul (by 2), Sum, Add
    # tensors: x, w, b, linear out, h, h*h, sum, h.sum, 2*h.sum, y; one constant (the 2)
    assert len(texts) == 7 + 10 + 1
    assert sum(1 for t in texts if t.get_text().startswith("constant")) == 1
    # one arrow per op input and one per op output: Linear 3+1, Relu 1+1, Mul 2+1, Sum 1+1,
    # Sum 1+1, Mul (by the constant 2) 2+1, Add 2+1
    edges = 4 + 2 + 3 + 2 + 2 + 3 + 3
    assert len([a for a in ax.texts if not a.get_text()]) == edges
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in texts]
    for i, p in enumerate(boxes):
        for q in boxes[i + 1:]:
            assert not p.overlaps(q)
    assert fig.get_figwidth() <= MAX_WIDTH
    assert {t.get_fontsize() for t in texts} == {FONTSIZE}
    assert "w (leaf)\nshape (2, 3)\ngrad …" in {t.get_text() for t in texts}
    plt.close(fig)


@pytest.mark.parametrize("steps", [1, 12, 40])
def test_a_long_graph_wraps_onto_bands_and_keeps_its_text_size(steps):
    x = minidl.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(steps):
        y = (y * -1).exp() + 1  # three ops, two constants and three tensors per step
    ax = draw_graph(y, names={"x": x})
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text()]
    assert len(texts) == 1 + 8 * steps
    assert {t.get_fontsize() for t in texts} == {FONTSIZE}  # never shrunk to fit
    assert fig.get_figwidth() <= MAX_WIDTH
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in texts]
    for i, p in enumerate(boxes):
        assert fig.bbox.x0 <= p.x0 and p.x1 <= fig.bbox.x1
        assert fig.bbox.y0 <= p.y0 and p.y1 <= fig.bbox.y1
        for q in boxes[i + 1:]:
            assert not p.overlaps(q)
    # one arrow per op input and output (x * -1: 2 + 1, exp: 1 + 1, + 1: 2 + 1)
    assert len([a for a in ax.texts if not a.get_text()]) == 8 * steps
    # a wrapped arrow also has a line down the right margin and in from the left
    wrapped = len(ax.lines)
    assert wrapped == 0 if steps == 1 else wrapped >= steps // 4
    plt.close(fig)


def test_draw_graph_labels_show_value_and_grad():
    x = minidl.tensor(np.array(0.0), requires_grad=True)
    s = sigmoid_parts(x)[-1]
    ax = draw_graph(s, names={"x": x, "s": s}, show_grad=True)
    labels = {t.get_text() for t in ax.texts}
    assert "x (leaf)\nshape ()\n0.\ngrad 0.25" in labels
    assert "s\nshape ()\n0.5\ngrad 1." in labels
    assert {"MulBackward", "ExpBackward", "AddBackward", "DivBackward"} <= labels
    plt.close(ax.figure)


def test_draw_graph_uses_a_given_axes():
    fig, ax = plt.subplots()
    x = minidl.tensor([1.0], requires_grad=True)
    assert draw_graph(x.exp(), ax=ax) is ax
    plt.close(fig)
