"""minidl.plot.activations and minidl.widgets.activations, with torch as the oracle."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import minidl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl.plot import activations as plot_mod  # noqa: E402
from minidl.widgets import activations as widget_mod  # noqa: E402

# name -> (torch function taking the explorer's keyword parameters, parameters to try)
TORCH = {
    "sign": (torch.sign, {}),
    "sigmoid": (torch.sigmoid, {}),
    "tanh": (torch.tanh, {}),
    "relu": (TF.relu, {}),
    "leaky_relu": (TF.leaky_relu, {"negative_slope": 0.2}),
    "elu": (TF.elu, {"alpha": 1.7}),
    "selu": (TF.selu, {}),
    "softplus": (TF.softplus, {"beta": 2.5}),
    "gelu": (TF.gelu, {}),
    "silu": (TF.silu, {}),
}
GRID = np.linspace(-5.0, 5.0, 203)  # float64, avoids the kinks at 0 except by design below


def torch_value_and_grad(fn, x: np.ndarray, **params):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t, **params)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ plot_activation
def test_plot_activation_draws_value_and_autodiff_derivative():
    ax = plot_mod.plot_activation(F.tanh, GRID, label="tanh")
    value, deriv = ax.get_lines()[:2]
    y, g = torch_value_and_grad(torch.tanh, GRID)
    np.testing.assert_allclose(value.get_ydata(), y, atol=1e-12)
    np.testing.assert_allclose(deriv.get_ydata(), g, atol=1e-12)
    assert deriv.get_linestyle() == "--" and deriv.get_color() == value.get_color()
    assert [value.get_label(), deriv.get_label()] == ["tanh", "tanh′"]


def test_plot_activation_uses_given_axes_and_can_skip_derivative():
    fig, ax = plt.subplots()
    out = plot_mod.plot_activation(lambda t: F.leaky_relu(t, 0.3), [-2.0, -1.0, 1.0], ax=ax,
                                   show_derivative=False)
    assert out is ax
    assert [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")] \
        == ["f(x)"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [-0.6, -0.3, 1.0])


def test_plot_activation_default_grid_is_float64_minus4_to_4():
    ax = plot_mod.plot_activation(F.relu)
    xs = ax.get_lines()[0].get_xdata()
    assert xs.dtype == np.float64 and xs[0] == -4 and xs[-1] == 4


@pytest.mark.parametrize("x", [np.zeros((2, 2)), [1.0]])
def test_plot_activation_rejects_a_bad_grid(x):
    with pytest.raises(ValueError, match=r"plot_activation\(\): x must be a 1-D grid"):
        plot_mod.plot_activation(F.relu, x)


def test_plot_activation_rejects_a_non_tensor_function():
    with pytest.raises(TypeError, match="must return a minidl Tensor"):
        plot_mod.plot_activation(lambda t: np.tanh(t.data))


# ------------------------------------------------------------------ activation_gallery
def curves_of(fns: dict, x=GRID) -> dict:
    """What a lesson passes: each function's values and autodiff derivative on x."""
    return {name: (fn(minidl.tensor(x)).data, minidl.derivative(fn, x)) for name, fn in fns.items()}


def test_gallery_draws_the_given_curves_one_titled_panel_each_and_hides_the_rest():
    fns = {"sigmoid": F.sigmoid, "relu": F.relu, "silu": F.silu, "selu": F.selu, "gelu": F.gelu}
    fig = plot_mod.activation_gallery(GRID, curves_of(fns), ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 6 and len(visible) == 5
    assert [ax.get_title() for ax in visible] == list(fns)
    for ax, torch_fn in zip(visible, (torch.sigmoid, TF.relu, TF.silu, TF.selu, TF.gelu)):
        y, g = torch_value_and_grad(torch_fn, GRID)
        value, deriv = ax.get_lines()[:2]
        np.testing.assert_allclose(value.get_xdata(), GRID)
        np.testing.assert_allclose(value.get_ydata(), y, atol=1e-12)
        np.testing.assert_allclose(deriv.get_ydata(), g, atol=1e-12)
        assert deriv.get_linestyle() == "--" and deriv.get_color() == value.get_color()


def test_gallery_only_draws_what_it_is_given():
    x = np.array([-1.0, 0.0, 1.0])
    made_up = {"any curve": ([5.0, 6.0, 7.0], minidl.tensor([0.5, -0.5, 2.0]))}
    fig = plot_mod.activation_gallery(x, made_up)
    value, deriv = fig.axes[0].get_lines()[:2]
    np.testing.assert_array_equal(value.get_ydata(), [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(deriv.get_ydata(), [0.5, -0.5, 2.0])


def test_gallery_with_fewer_curves_than_columns_uses_one_row():
    fig = plot_mod.activation_gallery(GRID, curves_of({"tanh": F.tanh, "relu": F.relu}))
    assert len(fig.axes) == 2


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((GRID, {}), {}, ValueError, "curves is empty"),
    ((GRID, curves_of({"relu": F.relu})), {"ncols": 0}, ValueError, "ncols must be"),
    ((GRID, {"relu": F.relu}), {}, TypeError,
     r"curves\['relu'\] is a function, but the gallery draws precomputed curves"),
    (({"relu": F.relu}, GRID), {}, TypeError, "the grid x comes first"),
    ((GRID, [F.relu]), {}, TypeError, "curves must be a dict"),
    ((GRID, {"relu": (GRID,)}), {}, TypeError, r"must be a pair \(values, derivative\)"),
    ((GRID, {"relu": (GRID, GRID[:-1])}), {}, ValueError, r"two arrays of shape \(203,\) like x"),
    ((None, curves_of({"relu": F.relu})), {}, ValueError, "pass the grid x"),
    ((np.zeros((2, 2)), {"relu": ([0.0], [0.0])}), {}, ValueError,
     r"activation_gallery\(\): x must be a 1-D grid"),
])
def test_gallery_errors_say_what_to_pass(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_mod.activation_gallery(*args, **kwargs)


def test_reexported_from_the_packages():
    assert minidl.plot.activation_gallery is plot_mod.activation_gallery
    assert minidl.widgets.activation_explorer is widget_mod.activation_explorer


# ------------------------------------------------------------------ pure explorer computations
@pytest.mark.parametrize("name", list(TORCH))
def test_activation_curve_matches_torch(name):
    torch_fn, params = TORCH[name]
    x = np.concatenate([GRID, [0.0]])  # at the kink too: minidl follows torch's convention
    y, g = widget_mod.activation_curve(name, x, **params)
    ty, tg = torch_value_and_grad(torch_fn, x, **params)
    assert y.dtype == g.dtype == np.float64
    np.testing.assert_allclose(y, ty, atol=1e-12)
    np.testing.assert_allclose(g, tg, atol=1e-12)


def test_activation_curve_step_is_heaviside_with_zero_gradient():
    y, g = widget_mod.activation_curve("step", [-1.0, 0.0, 2.0])
    expected = torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor(0.0)).numpy()
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_every_explorer_activation_is_covered():
    assert set(widget_mod.EXPLORER_ACTIVATIONS) == set(TORCH) | {"step", "softmax"}


@pytest.mark.parametrize("call, error, message", [
    (lambda: widget_mod.activation_curve("swish", [0.0]), ValueError, "unknown activation 'swish'"),
    (lambda: widget_mod.activation_curve("softmax", [0.0]), ValueError, "softmax_with_temperature"),
    (lambda: widget_mod.activation_curve("relu", [0.0], alpha=2.0), TypeError,
     "relu takes no parameter 'alpha'; its parameters are: none"),
    (lambda: widget_mod.activation_summary("elu", beta=2.0), TypeError,
     "its parameters are: alpha"),
    (lambda: widget_mod.softmax_with_temperature([1.0, 2.0], 0.0), ValueError,
     "temperature must be positive"),
])
def test_explorer_errors_name_the_function_and_the_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0, 3.0, 50.0])
def test_softmax_with_temperature_matches_torch(temperature):
    z = [2.0, 1.0, 0.1, -1.0]
    expected = torch.softmax(torch.tensor(z, dtype=torch.float64) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(widget_mod.softmax_with_temperature(z, temperature), expected,
                               atol=1e-15)


def test_softmax_temperature_limits():
    z = [2.0, 1.0, 0.1, -1.0]
    np.testing.assert_allclose(widget_mod.softmax_with_temperature(z, 1e-3), [1, 0, 0, 0],
                               atol=1e-12)
    np.testing.assert_allclose(widget_mod.softmax_with_temperature(z, 1e6), [0.25] * 4,
                               atol=1e-5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=8), st.floats(0.05, 20),
       st.floats(-100, 100))
def test_softmax_with_temperature_is_a_distribution_invariant_to_shifts(z, temperature, shift):
    p = widget_mod.softmax_with_temperature(z, temperature)
    assert np.all(p >= 0) and abs(p.sum() - 1) < 1e-12
    np.testing.assert_allclose(
        widget_mod.softmax_with_temperature(np.add(z, shift), temperature), p, atol=1e-9)


def test_activation_summary_reports_torch_values():
    text = widget_mod.activation_summary("leaky_relu", negative_slope=0.25)
    y, g = torch_value_and_grad(TF.leaky_relu, np.array([-2.0, 0.0, 2.0]), negative_slope=0.25)
    assert text.startswith("leaky_relu(negative_slope=0.25): ")
    for x, v, d in zip((-2, 0, 2), y, g):
        assert f"f({x}) = {v:.4f}" in text and f"f′({x}) = {d:.4f}" in text


def test_activation_summary_softmax_reports_probabilities_and_entropy():
    z = torch.tensor([3.0, 0.0], dtype=torch.float64)
    p = torch.softmax(z / 2.0, dim=-1)
    entropy = float(-(p * p.log()).sum())
    text = widget_mod.activation_summary("softmax", logits=(3.0, 0.0), temperature=2.0)
    assert f"p = [{p[0]:.4f}, {p[1]:.4f}]" in text and f"entropy {entropy:.4f} nats" in text


# ------------------------------------------------------------------ the widget itself
def test_explorer_enables_only_the_sliders_the_activation_uses():
    box = widget_mod.activation_explorer()
    dropdown, row1, row2, summary, _ = box.children
    sliders = {s.description: s for s in (*row1.children, *row2.children)}
    assert list(dropdown.options) == list(widget_mod.EXPLORER_ACTIVATIONS)
    for name, params in widget_mod.EXPLORER_ACTIVATIONS.items():
        dropdown.value = name
        enabled = {d for d, s in sliders.items() if not s.disabled}
        assert enabled == set(params), name
    assert not plt.get_fignums(), "the explorer must close the figures it draws"


def test_explorer_summary_follows_the_sliders():
    box = widget_mod.activation_explorer()
    dropdown, row1, row2, summary, _ = box.children
    sliders = {s.description: s for s in (*row1.children, *row2.children)}
    dropdown.value = "softplus"
    sliders["beta"].value = 3.0
    y = TF.softplus(torch.tensor(2.0, dtype=torch.float64), beta=3.0).item()
    assert summary.value.startswith("softplus(beta=3.00)") and f"f(2) = {y:.4f}" in summary.value
    dropdown.value = "softmax"
    sliders["temperature"].value = 0.5
    p = torch.softmax(torch.tensor([2.0, 1.0, 0.1, -1.0], dtype=torch.float64) / 0.5, dim=-1)
    assert f"p = [{p[0]:.4f}," in summary.value
