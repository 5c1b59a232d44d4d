"""minidl.plot.losses: the numbers behind the loss figures against torch, and the figures'
structure (Agg backend, nothing shown)."""
from functools import partial

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import minidl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl.plot import losses  # noqa: E402

# name -> (minidl loss, torch loss, prediction range): predictions away from kinks
LOSSES = {
    "mse": (F.mse_loss, TF.mse_loss, (-4, 4)),
    "l1": (F.l1_loss, TF.l1_loss, (-4, 4)),
    "huber": (partial(F.huber_loss, delta=0.5), partial(TF.huber_loss, delta=0.5), (-4, 4)),
    "bce": (F.binary_cross_entropy, TF.binary_cross_entropy, (0.01, 0.99)),
    "bce_logits": (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                   (-8, 8)),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", LOSSES)
def test_loss_curves_match_torch(name, rng):
    fn_m, fn_t, (low, high) = LOSSES[name]
    pred = rng.uniform(low, high, 50)
    target = rng.uniform(0, 1, 50)  # valid for every loss here, BCE included
    loss, grad = losses.loss_curves({name: fn_m}, pred, target)[name]
    p = torch.tensor(pred, requires_grad=True)
    expected = fn_t(p, torch.tensor(target), reduction="none")
    expected.sum().backward()
    assert loss.dtype == np.float64 and loss.shape == pred.shape
    np.testing.assert_allclose(loss, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_loss_curves_scalar_target_and_several_losses():
    pred = np.array([-2.0, 0.5, 3.0])
    out = losses.loss_curves({"mse": F.mse_loss, "l1": F.l1_loss}, pred, target=1.0)
    assert list(out) == ["mse", "l1"]
    np.testing.assert_allclose(out["mse"][0], [9.0, 0.25, 4.0])
    np.testing.assert_allclose(out["mse"][1], [-6.0, -1.0, 4.0])
    np.testing.assert_allclose(out["l1"][1], [-1.0, -1.0, 1.0])


def test_mse_landscape_matches_torch_at_every_grid_point(rng):
    x, y = rng.normal(size=(7, 1)), rng.normal(size=7)
    w, b = np.linspace(-2, 3, 6), np.linspace(-1, 1, 4)
    grid = losses.mse_landscape(x, y, w, b)
    assert grid.shape == (len(b), len(w))
    xt, yt = torch.tensor(x.ravel()), torch.tensor(y)
    for i, bi in enumerate(b):
        for j, wj in enumerate(w):
            assert grid[i, j] == pytest.approx(TF.mse_loss(wj * xt + bi, yt).item(), rel=1e-12)


def test_mse_landscape_minimum_is_the_generating_line():
    x = np.linspace(0, 5, 20)
    w, b = np.linspace(-1, 5, 61), np.linspace(-3, 3, 61)
    grid = losses.mse_landscape(x, 3.0 * x - 1.0, w, b)
    i, j = np.unravel_index(grid.argmin(), grid.shape)
    assert (w[j], b[i]) == pytest.approx((3.0, -1.0))
    assert grid[i, j] == pytest.approx(0.0, abs=1e-20)


def test_mse_landscape_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"mse_landscape\(\).*1-D grids"):
        losses.mse_landscape([1.0, 2.0], [1.0, 2.0], np.zeros((2, 2)), [0.0])
    with pytest.raises(ValueError, match=r"mse_landscape\(\)"):
        losses.mse_landscape([1.0, 2.0], [1.0], [0.0], [0.0])


def test_plot_loss_curves_draws_each_loss_and_gradient():
    pred = np.linspace(-2, 2, 11)
    curves = losses.loss_curves({"mse": F.mse_loss, "l1": F.l1_loss}, pred, 0.0)
    fig = losses.plot_loss_curves(pred, curves, target=0.0, wrt="z", grad_ylim=(-3, 3),
                                  title="t")
    ax_l, ax_g = fig.axes
    assert [line.get_label() for line in ax_l.get_legend().get_lines()] == ["mse", "l1"]
    np.testing.assert_allclose(ax_g.lines[0].get_ydata(), 2 * pred)
    assert ax_g.get_ylim() == (-3, 3)
    assert "partial z" in ax_g.get_ylabel()


def test_plot_line_fits_marks_outliers_and_labels_each_fit():
    x = np.arange(5.0)
    y = 2 * x + 1
    y[2] += 10
    fig = losses.plot_line_fits(x, y, {"MSE": (2.0, 3.0), "MAE": (2.0, 1.0)},
                                outliers=y - (2 * x + 1) > 5)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["data", "outliers", "MSE: y = 2.00 x + 3.00", "MAE: y = 2.00 x + 1.00"]
    assert len(ax.collections[1].get_offsets()) == 1  # one outlier point
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1.0, 9.0])


def test_plot_loss_landscape_with_minimum_and_path():
    w, b = np.linspace(-1, 3, 21), np.linspace(-2, 2, 11)
    grid = losses.mse_landscape(np.arange(4.0), np.arange(4.0), w, b)  # minimum 0 at (1, 0)
    path = np.array([[-1.0, 2.0], [0.5, 0.5], [1.0, 0.0]])
    fig = losses.plot_loss_landscape(w, b, grid, minimum=(1.0, 0.0), path=path)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path)
    assert ax.lines[1].get_label() == "minimum (1.00, 0.00)"


def test_plot_softmax_jacobian_annotates_every_entry():
    x = torch.tensor([0.2001, 0.6048, 0.0787], dtype=torch.float64)
    p = torch.softmax(x, -1)
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), x)
    fig = losses.plot_softmax_jacobian(x.numpy(), p.numpy(), jac.numpy())
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert len(texts) == 9
    assert texts[3:6] == ["-0.1308", "0.2467", "-0.1159"]  # row 1: d p_1 / d x


def test_names_are_reexported_from_minidl_plot():
    for name in losses.__all__:
        assert getattr(minidl.plot, name) is getattr(losses, name)
