"""Lesson 03 explorer: place the two kinks of a ReLU network by hand and see the best fit.

The numbers come from `minidl.fitting.fit_kinks` (least squares, tested without a kernel);
this module only draws them.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import fitting
from ..plot.fitting import plot_kink_fit

__all__ = ["kink_explorer"]


def kink_explorer(x, y, knots: tuple[float, float] = (0.5, 1.5)) -> widgets.VBox:
    r"""Two sliders for the knots $k_1, k_2$; shows the best $c + v_1\,\mathrm{relu}(\pm(x-k_1))
    + v_2\,\mathrm{relu}(\pm(x-k_2))$ (output weights by least squares, the best directions
    tried), its MSE, and the MSE of the best polyline with the same knots."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    low, high = float(x.min()), float(x.max())
    sliders = [widgets.FloatSlider(value=k, min=low, max=high, step=(high - low) / 100,
                                   description=f"knot k{i + 1}", continuous_update=False,
                                   readout_format=".2f")
               for i, k in enumerate(knots)]
    out = widgets.Output()

    def redraw(_=None) -> None:
        ks = [s.value for s in sliders]
        fit = fitting.fit_kinks(x, y, ks)
        _, polyline_mse = fitting.fit_polyline(x, y, ks)
        with out:
            out.clear_output(wait=True)
            _, ax = plt.subplots(figsize=(6, 3.5))
            plot_kink_fit(x, y, fit, polyline_mse, ax=ax)
            plt.show()

    for s in sliders:
        s.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(sliders), out])
