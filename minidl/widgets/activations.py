r"""An activation explorer: pick an activation, move its parameters, watch $f$ and $f'$.

The numbers come from pure functions that need no kernel and are unit-tested:
`activation_curve` (values and derivative on a grid), `softmax_with_temperature` and
`activation_summary` (the line of key numbers shown under the plot). `activation_explorer`
only wires them to ipywidgets.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from .. import functional as F
from ..calculus import derivative
from ..plot.activations import plot_activation

__all__ = ["EXPLORER_ACTIVATIONS", "activation_curve", "softmax_with_temperature",
           "activation_summary", "activation_explorer"]

# name -> the parameters its sliders set (softmax is the one vector activation)
EXPLORER_ACTIVATIONS: dict[str, tuple[str, ...]] = {
    "step": (), "sign": (), "sigmoid": (), "tanh": (), "relu": (),
    "leaky_relu": ("negative_slope",), "elu": ("alpha",), "selu": (), "softplus": ("beta",),
    "gelu": (), "silu": (), "softmax": ("temperature",),
}
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0)
SUMMARY_POINTS = (-2.0, 0.0, 2.0)


def _check_params(fn: str, name: str, params: dict) -> None:
    if name not in EXPLORER_ACTIVATIONS:
        raise ValueError(f"{fn}(): unknown activation {name!r}; choose one of "
                         f"{', '.join(EXPLORER_ACTIVATIONS)}.")
    allowed = EXPLORER_ACTIVATIONS[name]
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise TypeError(f"{fn}(): {name} takes no parameter {extra[0]!r}; its parameters are: "
                        f"{', '.join(allowed) or 'none'}.")


def activation_curve(name: str, x, **params: float) -> tuple[np.ndarray, np.ndarray]:
    r"""$(f(x), f'(x))$ in float64 for the elementwise activation `name` (F.<name>).

    `params` are the activation's own keyword arguments (negative_slope for leaky_relu, alpha
    for elu, beta for softplus); the derivative is by autodiff, as `minidl.derivative`.
    """
    _check_params("activation_curve", name, params)
    if name == "softmax":
        raise ValueError("activation_curve(): softmax is a vector activation (each output depends "
                         "on every input); use softmax_with_temperature(logits, temperature).")
    fn = getattr(F, name)

    def f(t):
        return fn(t, **params)

    xs = np.asarray(x, dtype=np.float64)
    return f(xs).data, derivative(f, xs)


def softmax_with_temperature(logits, temperature: float = 1.0) -> np.ndarray:
    r"""$p_i = e^{z_i/T} / \sum_j e^{z_j/T}$: T → 0 tends to one-hot on the argmax, T → ∞ to
    uniform."""
    if not temperature > 0:
        raise ValueError(f"softmax_with_temperature(): temperature must be positive, but got "
                         f"{temperature!r}. Use a small value such as 0.1 for a sharp softmax.")
    z = np.asarray(logits, dtype=np.float64)
    return F.softmax(z / temperature, dim=-1).data


def activation_summary(name: str, logits=DEFAULT_LOGITS, **params: float) -> str:
    """One line of key numbers: f and f′ at x = -2, 0, 2 (for softmax: p and its entropy)."""
    _check_params("activation_summary", name, params)
    shown = ", ".join(f"{k}={v:.2f}" for k, v in params.items())
    if name == "softmax":
        p = softmax_with_temperature(logits, **params)
        entropy = -np.sum(p * np.log(p, where=p > 0, out=np.zeros_like(p)))
        probs = ", ".join(f"{v:.4f}" for v in p)
        return f"softmax(z / T), {shown}: p = [{probs}], entropy {entropy:.4f} nats"
    y, dy = activation_curve(name, SUMMARY_POINTS, **params)
    values = ", ".join(f"f({x:g}) = {v:.4f}" for x, v in zip(SUMMARY_POINTS, y, strict=True))
    slopes = ", ".join(f"f′({x:g}) = {v:.4f}" for x, v in zip(SUMMARY_POINTS, dy, strict=True))
    return f"{name}({shown}): {values}; {slopes}"


def _draw(name: str, x: np.ndarray, logits, params: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if name == "softmax":
        p = softmax_with_temperature(logits, **params)
        ax.bar([f"z={z:g}" for z in logits], p, color="tab:blue")
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.set_title(f"softmax(z / T), T = {params['temperature']:.2f}")
    else:
        plot_activation(lambda t: getattr(F, name)(t, **params), x, ax=ax, label=name)
        ax.legend(loc="upper left")
        ax.set_title(name)
    fig.tight_layout()
    return fig


def activation_explorer(x=None, logits=DEFAULT_LOGITS) -> widgets.VBox:
    """A dropdown of activations and sliders for negative_slope, alpha, beta and temperature.

    Only the sliders the chosen activation uses are enabled; the plot shows f (solid) and f′
    (dashed) on `x` ([-4, 4] by default), or softmax(logits / T) as bars.
    """
    xs = np.linspace(-4.0, 4.0, 401) if x is None else np.asarray(x, dtype=np.float64)
    dropdown = widgets.Dropdown(options=list(EXPLORER_ACTIVATIONS), value="leaky_relu",
                                description="activation")
    style = {"description_width": "110px"}
    sliders = {
        "negative_slope": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01,
                                              description="negative_slope", style=style),
        "alpha": widgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1,
                                     description="alpha", style=style),
        "beta": widgets.FloatSlider(value=1.0, min=0.25, max=5.0, step=0.25,
                                    description="beta", style=style),
        "temperature": widgets.FloatSlider(value=1.0, min=0.1, max=5.0, step=0.1,
                                           description="temperature", style=style),
    }
    summary = widgets.Label()
    out = widgets.Output()

    def update(_=None) -> None:
        name = dropdown.value
        for p, slider in sliders.items():
            slider.disabled = p not in EXPLORER_ACTIVATIONS[name]
        params = {p: sliders[p].value for p in EXPLORER_ACTIVATIONS[name]}
        summary.value = activation_summary(name, logits, **params)
        with out:
            out.clear_output(wait=True)
            fig = _draw(name, xs, logits, params)
            display(fig)
            plt.close(fig)

    for w in (dropdown, *sliders.values()):
        w.observe(update, names="value")
    update()
    return widgets.VBox([dropdown, widgets.HBox(list(sliders.values())[:2]),
                         widgets.HBox(list(sliders.values())[2:]), summary, out])
