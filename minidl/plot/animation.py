"""Animations as one animated PNG (APNG): frames drawn by matplotlib, played by the browser.

Why an image and not `FuncAnimation.to_jshtml()`: a notebook shows an image output as it is
stored, before any kernel has run and without trusting the notebook (HTML with JavaScript
needs trust), with no network (to_jshtml asks a CDN for a stylesheet) and in JupyterLab's
default windowing mode (which lays to_jshtml's image out at 0 x 0 until a click). An APNG
starts playing at once and loops; every current browser plays it. It travels as `image/png`,
so nbval compares only its text line (frames, size, timing), which is the same on every machine.

    anim = animate(fig, draw, frames=20)   # draw(i) updates the figure for frame i
    anim                                   # in a notebook: the animation, playing
    anim.save("training.png")
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["Animation", "animate"]

SCALE = 2  # pixels drawn per displayed pixel: sharp on HiDPI (retina) screens, as figures are
COLORS = 48  # one palette shared by all frames: about 3x smaller than full colour, no visible loss


class Animation:
    """An animated PNG and the size to show it at. In a notebook it displays itself (and
    plays); `save(path)` writes it; `frames`, `width`, `height` and `durations` describe it."""

    def __init__(self, png: bytes, width: int, height: int, durations: Sequence[int]):
        self.png, self.width, self.height = png, width, height
        self.durations = list(durations)
        self.frames = len(self.durations)

    def _repr_png_(self):
        return self.png, {"width": self.width, "height": self.height}

    def __repr__(self) -> str:
        return (f"<Animation: {self.frames} frames, {self.width}×{self.height} px, "
                f"{sum(self.durations) / 1000:.1f} s per loop>")

    def save(self, path) -> None:
        """Write the animated PNG to `path` (any browser or image viewer plays it)."""
        with open(path, "wb") as f:
            f.write(self.png)


def animate(fig: Figure, draw: Callable[[int], object], frames: int, interval: int = 400,
            first: int | None = None, last: int = 2000) -> Animation:
    """Draw `frames` frames of `fig` (`draw(i)` updates it for frame i, as FuncAnimation's
    func does) into an `Animation` that loops forever: each frame shows for `interval` ms, the
    first for `first` ms (default: `interval`) and the last for `last` ms, so the end result
    can be read before the loop starts again. The figure is left as drawn for the last frame.
    """
    from PIL import Image  # matplotlib depends on Pillow

    if not (isinstance(frames, int) and frames >= 1):
        raise ValueError(f"animate(): frames must be a whole number >= 1, but got {frames!r}.")
    dpi = fig.get_dpi()
    width, height = (int(round(v)) for v in fig.get_size_inches() * dpi)
    canvas, images = FigureCanvasAgg(fig), []
    try:
        fig.set_dpi(dpi * SCALE)
        for i in range(frames):
            draw(i)
            canvas.draw()
            images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    finally:
        fig.set_dpi(dpi)
    # one palette for every frame, learned from the first, middle and last (the curves move,
    # the axes do not); near-white entries made exactly white, as the figure's background is
    sample = Image.new("RGB", (images[0].width, 3 * images[0].height), "white")
    for k, i in enumerate((0, frames // 2, frames - 1)):
        sample.paste(images[i], (0, k * images[0].height))
    palette = sample.quantize(COLORS, method=Image.Quantize.MEDIANCUT)
    colours = np.array((palette.getpalette() or [])[:3 * COLORS]).reshape(-1, 3)
    colours[colours.min(axis=1) >= 248] = 255
    palette.putpalette(colours.ravel().tolist())
    indexed = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    durations = [interval] * frames
    durations[0] = interval if first is None else first
    durations[-1] = last if frames > 1 else durations[-1]
    out = io.BytesIO()
    indexed[0].save(out, format="PNG", save_all=True, append_images=indexed[1:],
                    duration=durations, loop=0, optimize=True)
    return Animation(out.getvalue(), width, height, durations)
