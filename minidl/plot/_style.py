"""The course's figure style: ONE setting for every figure, applied when `minidl.plot` is imported.

- Readable at 100 % zoom: figures are laid out at `RC["figure.dpi"]` = 80 pixels per inch (CSS
  pixels, what the browser shows at 100 %), so a 6-inch figure is 480 px wide, and no text is
  smaller than 10 pt, i.e. 11 px (tick labels and axis labels 11 pt, 12 px).
- Sharp on HiDPI screens: in a Jupyter kernel with the inline backend, figures are sent as
  "retina" PNGs, drawn at twice that resolution and shown at the figure's size (the PNG's
  natural width is 2 x its displayed width), as `InlineBackend.figure_formats = {"retina"}`
  does, but in 256 colours: about 4 times smaller, so the notebooks stay small, and no
  visible difference for line plots.

A notebook gets it for every figure below, plain `plt.plot` ones included, by importing
`minidl.plot` in its first cell; the widgets import it too. It changes nothing a notebook
prints, so nbval runs, `make lab` and a conda or Binder kernel all show the same figures.
"""
from __future__ import annotations

import io
import sys
from binascii import b2a_base64
from typing import Any

import matplotlib

RC: dict[Any, Any] = {
    "figure.dpi": 80,
    "font.size": 11,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 13,
}
MIN_FONTSIZE = 10  # points: the smallest text any course figure uses (11 px at 80 dpi)
INLINE = ("inline", "module://matplotlib_inline.backend_inline")


def retina_png(fig):
    """`fig` as the inline backend's retina PNG (2x pixels, the same bbox_inches="tight"), in
    256 colours; with the size to show it at. None for an empty figure, as IPython does."""
    from IPython.core.pylabtools import print_figure
    from matplotlib_inline.config import InlineBackend
    from PIL import Image  # matplotlib depends on Pillow

    kwargs = InlineBackend.instance().print_figure_kwargs
    png = print_figure(fig, fmt="retina", base64=False, **kwargs)
    if png is None:
        return None
    image = Image.open(io.BytesIO(png))
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, format="PNG")
    return (b2a_base64(out.getvalue(), newline=False).decode("ascii"),
            {"width": image.width // 2, "height": image.height // 2})


def apply() -> None:
    """Set `RC` and, inside a Jupyter kernel using the inline backend, the retina PNGs."""
    matplotlib.rcParams.update(RC)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):  # a script, pytest, terminal IPython
        return
    if matplotlib.rcParams["backend"] not in INLINE:  # e.g. %matplotlib widget: leave it be
        return
    # importing the backend activates it now (if no figure has yet), so that it registers its
    # own PNG formatter before ours, not after it; the registration is for the kernel's life
    from matplotlib.figure import Figure
    from matplotlib_inline import backend_inline  # noqa: F401

    shell.display_formatter.formatters["image/png"].for_type(Figure, retina_png)
