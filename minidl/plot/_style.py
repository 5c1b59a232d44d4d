"""The course's figure style: ONE setting for every figure, applied when `minidl.plot` is imported.

- Readable at 100 % zoom: figures are laid out at `RC["figure.dpi"]` = 80 pixels per inch (CSS
  pixels, what the browser shows at 100 %), so a 6-inch figure is 480 px wide, and no text is
  smaller than 10 pt, i.e. 11 px (tick labels and axis labels 11 pt, 12 px).
- Sharp on HiDPI screens: in a Jupyter kernel the inline backend is switched to "retina" PNGs,
  drawn at twice that resolution and shown at the figure's size (the PNG's natural width is
  2 x its displayed width), so lines and text stay crisp on a laptop's 2x screen.

A notebook gets it for every figure below, plain `plt.plot` ones included, by importing
`minidl.plot` in its first cell; the widgets import it too. It changes nothing a notebook
prints, so nbval runs, `make lab` and a conda or Binder kernel all show the same figures.
"""
from __future__ import annotations

import sys

import matplotlib

RC = {
    "figure.dpi": 80,
    "font.size": 11,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 13,
}
MIN_FONTSIZE = 10  # points: the smallest text any course figure uses (11 px at 80 dpi)


def apply() -> None:
    """Set `RC` and, inside a Jupyter kernel, retina PNGs for the inline backend."""
    matplotlib.rcParams.update(RC)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):  # a script, pytest, terminal IPython
        return
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # pragma: no cover - ipykernel always brings matplotlib-inline
        return
    # The inline backend's own setting (what `%config InlineBackend.figure_formats` sets). If
    # the backend is already active this re-registers the PNG formatter at once; if not, the
    # backend reads it when the first figure is drawn.
    InlineBackend.instance(parent=shell).figure_formats = {"retina"}
