"""The course's one figure style (minidl/plot/_style.py): every course figure is laid out at
80 px per inch with no text under 10 pt (11 px at 100 % zoom), and a Jupyter kernel that has
imported minidl.plot sends retina PNGs (natural width twice the displayed width) in 256 colours."""
import base64
import io
from functools import partial

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from PIL import Image  # noqa: E402

import minidl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl import fitting, nn  # noqa: E402
from minidl.data import quadratic  # noqa: E402
from minidl.plot import _style  # noqa: E402

GALLERY = {  # the 11 panels of lesson 01, with the panel size the lesson uses
    "step": F.step, "sign": F.sign, "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu,
    "leaky_relu (a=0.1)": partial(F.leaky_relu, negative_slope=0.1), "elu": F.elu,
    "selu": F.selu, "softplus": F.softplus, "gelu": F.gelu, "silu": F.silu,
}
GRID = np.linspace(-4, 4, 201)


def gallery_curves() -> dict:
    """What the lesson computes before it calls the gallery: each f(x) and f'(x) on GRID."""
    return {name: (f(minidl.tensor(GRID)).data, minidl.derivative(f, GRID))
            for name, f in GALLERY.items()}


def course_figures():
    plot = minidl.plot
    x, y = quadratic()
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    p = fitting.snapshot(model)
    w = minidl.tensor(0.5, requires_grad=True)
    yield "gallery", plot.activation_gallery(GRID, gallery_curves(), ncols=4,
                                             panel_size=(2.5, 2.0),
                                             title="activations and their derivatives")
    yield "activation", plot.plot_activation(F.tanh).figure
    grid = np.linspace(0, 2, 51)
    z = np.outer(grid, [1.0, -1.0]) + [-0.5, 1.0]
    relu_z = np.maximum(z, 0)
    weighted = relu_z * [1.5, 0.5]
    yield "relu decomposition", plot.plot_relu_decomposition(
        grid, z, relu_z, weighted, weighted.sum(axis=1), x=x, y=y, knots=(0.5, 1.0), bias=0.0)
    yield "snapshots", plot.plot_training_snapshots([(0, p, 1.0), (10, p, 0.5)], x, y, [0, 10])
    yield "seed lottery", plot.plot_seed_lottery({"ReLU": [1.4, 0.02], "Leaky": [0.003]},
                                                 0.0023, 0.01)
    yield "mse vs width", plot.plot_mse_vs_width([1, 2, 4], [0.1, 0.01, 0.001], [0.2, 0.02,
                                                                                  0.002])
    yield "kink fit", plot.plot_kink_fit(x, y, fitting.fit_kinks(x, y, [0.5, 1.5]), 0.001).figure
    pred = np.linspace(-2, 2, 41)
    yield "loss curves", plot.plot_loss_curves(pred, {"mse": (pred ** 2, 2 * pred)}, target=0.0)
    yield "line fits", plot.plot_line_fits([0, 1, 2], [0, 1, 2], {"mse": (1.0, 0.0)})
    grid = np.linspace(-1, 1, 5)
    W, B = np.meshgrid(grid, grid)
    yield "landscape", plot.plot_loss_landscape(grid, grid, (W - 1) ** 2 + B ** 2 + 0.01)
    probs = np.array([0.7, 0.2, 0.1])
    jac = np.diag(probs) - np.outer(probs, probs)
    yield "jacobian", plot.plot_softmax_jacobian([2.0, 1.0, 0.1], probs, jac)
    yield "training curves", plot.plot_training_curves({"relu": [0.9, 0.5]}).figure
    yield "run scores", plot.plot_run_scores({"relu": [0.9, 0.95]}).figure
    yield "graph", plot.draw_graph((w * 2 + 1) ** 2, names={"w": w}, show_grad=True).figure


@pytest.mark.parametrize("name, fig", list(course_figures()), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_every_course_figure_is_80_dpi_with_text_of_at_least_10_points(name, fig):
    fig.canvas.draw()  # creates the tick labels
    sizes = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text)
             if t.get_text().strip() and t.get_visible()}
    assert fig.dpi == 80
    small = {text: size for text, size in sizes.items() if size < _style.MIN_FONTSIZE}
    assert not small, f"{name}: text under {_style.MIN_FONTSIZE} pt: {small}"
    assert fig.get_figwidth() * fig.dpi <= 880, f"{name} is wider than a notebook's output"
    plt.close(fig)


def test_the_gallery_of_11_activations_fits_a_notebook_and_reads_at_11_px():
    fig = minidl.plot.activation_gallery(GRID, gallery_curves(), ncols=4,
                                         panel_size=(2.5, 2.0))
    width, height = fig.get_size_inches() * fig.dpi
    assert (width, height) == (800, 480)
    fig.canvas.draw()
    ticks = [t for ax in fig.axes if ax.get_visible() for t in ax.get_yticklabels()]
    assert min(t.get_fontsize() for t in ticks) * fig.dpi / 72 >= 11
    plt.close(fig)


def test_a_kernel_that_imports_minidl_plot_sends_retina_pngs(tmp_path):
    """As in a notebook: pyplot first, then minidl.plot, then a plain matplotlib figure."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport minidl.plot"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots(figsize=(6, 3))\n"
                                  "ax.plot([0, 1], [0, 1])\nplt.show()"),
    ])
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    (out,) = nb.cells[1].outputs
    shown = out["metadata"]["image/png"]["width"]
    image = Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))
    assert image.width // 2 == shown  # natural width twice the displayed width: HiDPI
    assert image.mode == "P"  # in 256 colours: a quarter of the bytes, notebooks stay small
    assert 400 <= shown <= 480  # 6 inches at 80 dpi, less the margins bbox_inches="tight" cuts
