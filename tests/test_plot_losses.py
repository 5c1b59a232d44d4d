"""minidl.plot.losses: the figures' structure (Agg backend, nothing shown). The numbers they
draw are computed in the lessons; the losses themselves are tested in test_functional.py."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import minidl  # noqa: E402
from minidl.plot import losses  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_loss_curves_draws_each_loss_and_gradient():
    pred = np.linspace(-2, 2, 11)
    curves = {"mse": (pred ** 2, 2 * pred), "l1": (np.abs(pred), np.sign(pred))}
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
    grid = (w[None, :] - 1.0) ** 2 + b[:, None] ** 2 + 0.5             # minimum 0.5 at (1, 0)
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
