"""The course as a learner sees it: every lesson and exercise notebook opened in JupyterLab (in
Debian's chromium, driven by Playwright), looked at as saved, then Run All, and looked at again.

`make test-browser` runs it; `make test` never collects it (tests/conftest.py). Each notebook is
opened and run once (the `seen` fixture, which records what is on screen and what happens when
the Play button or a slider is used); the tests below then judge that record, one check each.
Screenshots for a person to look at, and report.json with every measured value, go to
tests/browser/screenshots/ (or --screenshots DIR); the path is printed at the end of the run.

What "looks right" means here (DESIGN.md, "What the learner sees"):
- no error output, no dialog or notification to dismiss, no request leaving the machine;
- every widget renders as a control, and moving one slider changes what it shows;
- every animation (an output with a Play control, a video, or an animated GIF/APNG/WebP) shows
  a frame at once, without a click, and moves on the first Play click; one without a Play
  control must move by itself (its frame on screen must change within a few seconds);
- every figure is sharp on a HiDPI screen: the image has at least 1.5 times as many pixels
  across as the CSS pixels it is shown in;
- a blank exercise notebook says "not attempted" under every check;
- all of this also holds for the saved notebook, opened before any cell runs (what a learner
  sees first, in an untrusted fresh clone).
"""
from __future__ import annotations

import contextlib
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from .jupyterlab import IS_PLAY_JS, ROOT, WIDGET_MIME, LabPage, frame_count, same_picture

LESSONS = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/*.ipynb"))
EXERCISES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("exercises/*.ipynb"))
HIDPI = 1.5            # natural width >= HIDPI x displayed width
PLAY_WAIT_S = 4.0      # an animation must have moved within this long after Play
WIDGET_WAIT_S = 20.0   # a widget must have redrawn within this long after a slider move
# Guards against a check that silently finds nothing: where the course is known to have them.
AT_LEAST = {"notebooks/01b_activations_compared.ipynb": {"widgets": 1},
            "notebooks/03c_relu_curve_fitting.ipynb": {"widgets": 1, "animations": 1}}


@dataclass
class Figure:
    cell: int
    output: int           # which output of the cell (0 = the first)
    natural: tuple        # image pixels (width, height); None for vector (svg)
    shown: tuple          # CSS pixels on screen (width, height)
    loaded: bool

    def problem(self) -> str:
        w, h = self.shown
        where = f"cell {self.cell}" + (f" output {self.output}" if self.output else "")
        if w < 1 or h < 1:
            return f"{where}: shown at {w:.0f}x{h:.0f} px (invisible)"
        if not self.loaded:
            return f"{where}: broken image (nothing loaded), shown at {w:.0f}x{h:.0f} px"
        if self.natural and self.natural[0] < HIDPI * w:
            return (f"{where}: {self.natural[0]}x{self.natural[1]} px image shown at "
                    f"{w:.0f}x{h:.0f} px ({self.natural[0] / w:.2f}x, needs {HIDPI}x)")
        return ""


@dataclass
class Animation:
    cell: int
    form: str             # "play control" or "animated image (N frames)"
    frame: tuple          # the frame's size on screen before any click (CSS px)
    frame_loaded: bool
    advanced: bool
    detail: str = ""

    def problem(self) -> str:
        out = []
        if self.frame[0] < 1 or self.frame[1] < 1:
            out.append(f"shows no frame without a click (frame shown at "
                       f"{self.frame[0]:.0f}x{self.frame[1]:.0f} px)")
        elif not self.frame_loaded:
            out.append("shows a broken image instead of a frame")
        if not self.advanced:
            out.append(self.detail or "does not move")
        return f"cell {self.cell} ({self.form}): " + "; ".join(out) if out else ""


@dataclass
class Widget:
    cell: int
    rendered: bool
    controls: int
    slider: str = ""      # "value a -> b", or why there is none
    changed: bool | None = None
    text: str = ""


@dataclass
class Phase:
    """What one look through the notebook found."""
    figures: list = field(default_factory=list)
    animations: list = field(default_factory=list)
    errors: list = field(default_factory=list)     # (cell, text)
    image_outputs: int = 0                         # image outputs in the model


@dataclass
class Seen:
    path: str
    saved: Phase = field(default_factory=Phase)
    ran: Phase = field(default_factory=Phase)
    run_ok: bool | None = None
    widgets: list = field(default_factory=list)
    checks: list = field(default_factory=list)     # (cell, output text) of exercise checks
    popups: list = field(default_factory=list)
    outside: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)


def error_outputs(cells: list[dict]) -> list[tuple[int, str]]:
    """Tracebacks and stderr in the notebook model, cell by cell."""
    found = []
    for cell in cells:
        for out in cell["outputs"]:
            if out.get("output_type") == "error":
                found.append((cell["index"], f"{out.get('ename')}: {out.get('evalue')}"[:300]))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "")
                found.append((cell["index"], "stderr: " + ("".join(text) if isinstance(text, list) else text)[:300]))
    return found


def look(nb: LabPage, cells: list[dict], phase: str, shots: Path, stem: str,
         record: Seen) -> Phase:
    """Scroll through every output, measure figures, try animations (and widgets after a run)."""
    found = Phase(errors=error_outputs(cells))
    for cell in cells:
        if not cell["outputs"]:
            continue
        i = cell["index"]
        mimes = [set(out.get("data", {})) for out in cell["outputs"]]
        found.image_outputs += sum(any(m.startswith("image/") for m in ms) for ms in mimes)
        node, outs = nb.outputs(i)
        if any(WIDGET_MIME in ms for ms in mimes):   # widgets render asynchronously
            try:
                node.wait_for_selector(".jupyter-widgets :is(input, select, button, textarea, [role=slider])",
                                       state="visible", timeout=WIDGET_WAIT_S * 1000)
            except Exception:
                pass
            node, outs = nb.outputs(i)
        for out in outs:
            k = out["k"]
            tag = f"{stem}-{phase}-cell{i:02d}-{k}"
            handle = nb.output_handle(node, k)
            text = out["text"]
            shown_error = (out["mime"] == "application/vnd.jupyter.stderr"
                           or "Error displaying widget" in text)
            if shown_error and i not in {c for c, _ in found.errors}:   # not in the model: say so
                found.errors.append((i, "on screen: " + text.strip()[:300]))
            if out["imgs"] or out["isWidget"] or out["playButtons"]:
                nb.screenshot(handle, shots / f"{tag}.png")
            frames = 1
            for m in out["imgs"]:
                natural = ((m["naturalWidth"], m["naturalHeight"])
                           if m["naturalWidth"] is not None else None)
                found.figures.append(Figure(i, k, natural, (m["box"]["width"], m["box"]["height"]),
                                            m["complete"] and (natural is None or natural[0] > 0)))
                if m["tag"] == "img" and m["src"]:
                    frames = max(frames, frame_count(nb.image_data(m["src"])))
            if out["playButtons"] or out["videos"] or frames > 1:
                found.animations.append(try_animation(nb, handle, out, frames, i, shots, tag))
            is_widget = k < len(mimes) and WIDGET_MIME in mimes[k]
            if phase == "ran" and (is_widget or out["isWidget"]):
                record.widgets.append(try_widget(nb, handle, i, shots, tag))
    return found


def try_animation(nb: LabPage, handle, out: dict, frames: int, cell: int, shots: Path,
                  tag: str) -> Animation:
    """Its frame without a click; then the first Play click (or, for an animated image, time).

    "Moves" means the frame's picture on screen changes: compared with the frame shown before
    the click, or, when none was shown, between two moments after it.
    """
    media = out["imgs"]
    frame, size, loaded = None, (0, 0), False
    if media:   # the frame: the largest picture in the output
        m = max(media, key=lambda m: (m["box"]["width"] * m["box"]["height"],
                                      (m["naturalWidth"] or 0) * (m["naturalHeight"] or 0)))
        frame = nb.media_handle(handle, m["j"])
        size = (m["box"]["width"], m["box"]["height"])
        loaded = m["complete"] and (m["naturalWidth"] is None or m["naturalWidth"] > 0)
    form = ("play control" if out["playButtons"] else "video" if out["videos"]
            else f"animated image ({frames} frames)")
    base = nb.screenshot(frame, shots / f"{tag}-frame-a.png") if frame else b""
    if out["playButtons"]:
        play = handle.evaluate_handle(f"o => [...o.querySelectorAll('button')].find({IS_PLAY_JS})")
        box = nb.click_at_centre(play)
        action = f"the first click on Play (at {box['x']:.0f},{box['y']:.0f})"
    else:
        action = "waiting"
    advanced, visible, deadline = False, bool(base), time.monotonic() + PLAY_WAIT_S
    while time.monotonic() < deadline and not advanced:
        nb.page.wait_for_timeout(300)
        picture = nb.screenshot(frame, None) if frame else b""
        if not picture:
            continue
        visible = True
        if not base:
            base = picture
        elif not same_picture(base, picture):
            advanced = True
            (shots / f"{tag}-frame-b.png").write_bytes(picture)
    nb.screenshot(handle, shots / f"{tag}-after-play.png")
    if advanced:
        detail = ""
    elif not visible:
        detail = f"after {action} still no frame on screen for {PLAY_WAIT_S:.0f} s"
    else:
        detail = f"after {action} the frame on screen stays the same for {PLAY_WAIT_S:.0f} s"
    return Animation(cell, form, size, loaded, advanced, detail)


WATCH_JS = """o => [...o.querySelectorAll('.widget-output, .widget-image, .widget-html, .widget-htmlmath, div.jupyter-widgets.widget-label')]
  .filter(el => !el.parentElement.closest('.widget-output, .widget-html'))"""


def try_widget(nb: LabPage, handle, cell: int, shots: Path, tag: str) -> Widget:
    """Rendered as a control? Then move its first enabled slider and watch what it shows."""
    info = handle.evaluate("""o => ({
        controls: [...o.querySelectorAll('input, select, button, textarea, [role=slider]')]
                  .filter(c => c.getBoundingClientRect().width > 0).length,
        rendered: !!o.querySelector('.jupyter-widgets'),
        text: (o.textContent || '').trim().slice(0, 200)})""")
    w = Widget(cell, info["rendered"] and info["controls"] > 0, info["controls"], text=info["text"])
    slider = handle.evaluate_handle("""o => [...o.querySelectorAll('[role=slider], input[type=range]')]
        .find(s => !s.closest('[disabled]') && !s.disabled && s.getBoundingClientRect().width > 0) || null""")
    if slider.json_value() is None:
        n = handle.evaluate("o => o.querySelectorAll('[role=slider], input[type=range]').length")
        w.slider = "no enabled slider" + (f" (all {n} disabled)" if n else "")
        return w
    regions = handle.evaluate_handle(WATCH_JS)
    count = regions.evaluate("r => r.length")
    watch = [regions.evaluate_handle("(r, i) => r[i]", i) for i in range(count)]
    if not watch:
        w.slider, w.changed = "nothing that shows output (no Output, Image, HTML or Label widget)", False
        return w
    before = [nb.screenshot(h, None) for h in watch]
    value = lambda: slider.evaluate("s => s.getAttribute('aria-valuenow') ?? s.value")
    v0 = value()
    at_max = slider.evaluate("s => (s.getAttribute('aria-valuenow') ?? s.value) === (s.getAttribute('aria-valuemax') ?? s.max)")
    nb.drag(slider, -40 if at_max else 40)
    deadline = time.monotonic() + WIDGET_WAIT_S
    w.changed = False
    while time.monotonic() < deadline and not w.changed:
        nb.page.wait_for_timeout(300)
        after = [nb.screenshot(h, None) for h in watch]
        w.changed = any(a and b and not same_picture(a, b) for a, b in zip(before, after))
    w.slider = f"value {v0} -> {value()}"
    nb.screenshot(handle, shots / f"{tag}-after-slider.png")
    return w


@pytest.fixture(scope="module", params=LESSONS + EXERCISES)
def seen(request, jupyterlab, shots, report) -> Seen:
    """Look at the notebook as saved; then open it afresh, Run All and look again (two separate
    openings, so the second look is not helped by anything the first one did)."""
    path = request.param
    stem = path.replace("/", "-").removesuffix(".ipynb")
    record = Seen(path)
    nb = jupyterlab
    t0 = time.monotonic()
    try:
        with visit(nb, path, record, wait_kernel=False):
            record.seconds["open"] = round(time.monotonic() - t0, 1)
            nb.page.screenshot(path=str(shots / f"{stem}-0-opened.png"))
            record.saved = look(nb, nb.cells(), "saved", shots, stem, record)
            nb.wait_kernel_idle()
        with visit(nb, path, record):
            t1 = time.monotonic()
            record.run_ok = nb.run_all()
            record.seconds["run_all"] = round(time.monotonic() - t1, 1)
            cells = nb.cells()
            record.ran = look(nb, cells, "ran", shots, stem, record)
            for cell in cells:
                code = [l for l in cell["source"].splitlines() if not l.lstrip().startswith("#")]
                if cell["type"] == "code" and any(re.search(r"\.check\(", l) for l in code):
                    node, _ = nb.outputs(cell["index"])
                    area = node.evaluate_handle("n => n.querySelector('.jp-Cell-outputArea') || n")
                    nb.screenshot(area, shots / f"{stem}-ran-cell{cell['index']:02d}-check.png")
                    text = area.evaluate("a => a.textContent || ''")
                    record.checks.append((cell["index"], text.strip()[:300]))
            nb.page.evaluate("() => window.__panel.content.scrollToItem(0, 'start')")
            nb.settle(500)
            nb.page.screenshot(path=str(shots / f"{stem}-9-after-run.png"))
    finally:
        record.seconds["total"] = round(time.monotonic() - t0, 1)
        report[path] = asdict(record)
    return record


@contextlib.contextmanager
def visit(nb: LabPage, path: str, record: Seen, wait_kernel: bool = True):
    """The notebook open; on leaving, what popped up and what went outside are recorded, and the
    notebook is closed with its kernel."""
    outside, errors = len(nb.outside), len(nb.page_errors)
    try:
        nb.open(path, wait_kernel=wait_kernel)
        yield nb
    finally:
        record.popups += nb.seen()
        record.outside += nb.outside[outside:]
        record.page_errors += nb.page_errors[errors:]
        nb.close()


def listing(items) -> str:
    return "\n  " + "\n  ".join(items)


def test_saved_notebook_shows_its_figures_and_animations(seen):
    """Opened before any cell runs (a fresh clone: untrusted), every stored figure is visible
    and sharp, every animation shows a frame and plays, nothing shows an error."""
    bad = [f.problem() for f in seen.saved.figures if f.problem()]
    bad += [a.problem() for a in seen.saved.animations if a.problem()]
    shown = {a.cell for a in seen.saved.animations}
    bad += [f"cell {a.cell}: the saved notebook shows no playable animation here (after Run All it "
            f"is a {a.form})" for a in seen.ran.animations if a.cell not in shown]
    bad += [f"cell {c}: {t}" for c, t in seen.saved.errors]
    assert len(seen.saved.figures) >= seen.saved.image_outputs, "a stored figure was not found on screen"
    assert not bad, f"{seen.path} as saved:" + listing(bad)


def test_runs_without_error_output(seen):
    bad = [f"cell {c}: {t}" for c, t in seen.ran.errors]
    if not seen.run_ok and not bad:
        bad = ["Run All reported a failed cell, though no error output is shown"]
    assert not bad, f"{seen.path}: error output after Run All:" + listing(bad)


def test_no_dialog_or_notification(seen):
    assert not seen.popups, f"{seen.path}: something to dismiss appeared:" + listing(
        f"{p['kind']}: {p['text']}" for p in seen.popups)


def test_nothing_is_fetched_from_outside(seen):
    """The course runs offline: no page asks anything of a host other than this machine."""
    assert not seen.outside, f"{seen.path}: requests to other hosts (refused):" + listing(seen.outside)


def test_widgets_render_and_respond_to_a_slider(seen):
    need = AT_LEAST.get(seen.path, {}).get("widgets", 0)
    assert len(seen.widgets) >= need, f"{seen.path}: found {len(seen.widgets)} widgets, expected {need}"
    bad = []
    for w in seen.widgets:
        if not w.rendered:
            bad.append(f"cell {w.cell}: not rendered as a control (shows {w.text!r})")
        elif w.changed is False:
            bad.append(f"cell {w.cell}: slider moved ({w.slider}) but what it shows did not change "
                       f"in {WIDGET_WAIT_S:.0f} s")
        elif w.changed is None and w.slider.startswith("no enabled slider ("):
            bad.append(f"cell {w.cell}: {w.slider}")
    assert not bad, f"{seen.path}:" + listing(bad)


def test_animations_show_a_frame_and_play(seen):
    need = AT_LEAST.get(seen.path, {}).get("animations", 0)
    assert len(seen.ran.animations) >= need, (
        f"{seen.path}: found {len(seen.ran.animations)} animations after Run All, expected {need}")
    bad = [a.problem() for a in seen.ran.animations if a.problem()]
    assert not bad, f"{seen.path} after Run All:" + listing(bad)


def test_figures_are_hidpi(seen):
    assert len(seen.ran.figures) >= seen.ran.image_outputs, "a figure was not found on screen"
    bad = [f.problem() for f in seen.ran.figures if f.problem()]
    assert not bad, (f"{seen.path} after Run All: {len(bad)} of {len(seen.ran.figures)} figures "
                     f"are not sharp on HiDPI or not visible:" + listing(bad))


def test_blank_exercises_say_not_attempted(seen):
    if not seen.path.startswith("exercises/"):
        pytest.skip("a lesson: it has no exercise checks")
    assert seen.checks, f"{seen.path}: no cell calls .check(...)"
    bad = [f"cell {c}: {t!r}" for c, t in seen.checks if "not attempted" not in t.lower()]
    assert not bad, f"{seen.path}: a blank answer's check does not say 'not attempted':" + listing(bad)
