"""Drive a real JupyterLab in Debian's chromium, the way a learner uses it (for test_lab.py).

`Lab` starts JupyterLab with the command `make lab` runs (read from `make -n lab`, so the two
cannot drift apart) on a temporary copy of the notebooks, with four additions that change
nothing a learner sees: a free port, no browser of its own, `window.jupyterapp` exposed to the
test (galata, JupyterLab's own UI-test tool, does the same) and trust signatures kept in memory
(a fresh clone's notebooks are untrusted on a learner's machine: so they are here).

`LabPage` loads JupyterLab once, opens notebooks in it one by one and reads what is on screen.
JupyterLab 4's default `windowingMode` ("contentVisibility") skips layout for cells outside the
viewport, so everything is measured only after `reveal()` has scrolled it into view, as a
learner scrolls to it.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.nbval_plugin import offline_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# CI runs as root, where chromium's sandbox cannot start; the rest keeps chromium quiet and
# offline: no first-run UI, no background downloads, no component updates, no QUIC.
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}   # a common laptop screen, at 100% zoom
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# any request that is not to this machine: aborted (the course must work offline) and recorded
OUTSIDE = r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)(https?|wss?|ftp)://"


def lab_command() -> list[str]:
    """The `jupyter lab ...` command of `make lab`, as `make -n lab` prints it."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-n", "-s", "--no-print-directory", "lab"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    line = next((l for l in out.splitlines() if " lab " in f"{l} " and "jupyter" in l), None)
    assert line, f"`make -n lab` printed no `jupyter lab` command:\n{out}"
    cmd = shlex.split(line)
    cmd[0] = str((ROOT / cmd[0]).resolve()) if not os.path.isabs(cmd[0]) else cmd[0]
    return cmd


class Lab:
    """JupyterLab on a temporary copy of notebooks/ and exercises/ (the repo is never written).

    The project's Jupyter settings are copied too (so no news prompt, as with `make lab`), and
    kernels import minidl from this checkout with outbound network refused (as under nbval).
    """

    def __init__(self, folders=("notebooks", "exercises")):
        self.tmp = Path(tempfile.mkdtemp(prefix="minidl-browser-"))
        self.root = self.tmp / "course"
        for folder in folders:
            shutil.copytree(ROOT / folder, self.root / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copytree(ROOT / ".jupyter/lab/user-settings", self.tmp / "user-settings")
        self.proc: subprocess.Popen | None = None
        self.url = self.token = ""

    def start(self, timeout: float = 90.0) -> "Lab":
        cmd = [a for a in lab_command() if not a.endswith(".ipynb")]
        cmd = [f"--ServerApp.root_dir={self.root}" if a.startswith("--ServerApp.root_dir=") else a
               for a in cmd]
        assert any(a.startswith("--ServerApp.root_dir=") for a in cmd), cmd
        cmd += ["--no-browser", "--ServerApp.port=0", "--ServerApp.port_retries=0",
                "--LabApp.expose_app_in_browser=True", "--NotebookNotary.db_file=:memory:"]
        runtime = self.tmp / "runtime"
        env = offline_env({**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)})
        env.update(JUPYTERLAB_SETTINGS_DIR=str(self.tmp / "user-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(runtime), PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.log = open(self.tmp / "jupyterlab.log", "w")
        self.command = cmd
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            infos = list(runtime.glob(f"jpserver-{self.proc.pid}.json"))
            if infos and infos[0].stat().st_size:
                info = json.loads(infos[0].read_text())
                self.url, self.token = info["url"].rstrip("/"), info["token"]
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        if not self.url:
            self.stop()
            raise RuntimeError(f"JupyterLab did not start ({' '.join(cmd)}):\n"
                               + (self.tmp / "jupyterlab.log").read_text()[-3000:])
        assert self.url.startswith("http://127.0.0.1:"), self.url
        return self

    def api(self, method: str, path: str):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def launch_chromium(playwright, user_data_dir: str):
    """Debian's chromium (never a browser Playwright downloads), with a fresh profile."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"no chromium at {CHROMIUM}: install Debian's package "
                           "(`sudo apt-get install chromium`) or set CHROMIUM=/path/to/chromium")
    return playwright.chromium.launch_persistent_context(
        user_data_dir, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
        viewport=VIEWPORT, device_scale_factor=1)


# Records every JupyterLab dialog and notification toast the moment it appears: something a
# learner would have to read or dismiss. Installed before JupyterLab's own scripts run.
SEEN_JS = """
window.__seen = [];
new MutationObserver(records => {
  for (const r of records) for (const n of r.addedNodes) {
    if (!(n instanceof Element)) continue;
    for (const el of [n, ...n.querySelectorAll('.jp-Dialog, .Toastify__toast')]) {
      if (el.matches('.jp-Dialog, .Toastify__toast')) {
        window.__seen.push({kind: el.matches('.jp-Dialog') ? 'dialog' : 'notification',
                            text: (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 300)});
      }
    }
  }
}).observe(document, {childList: true, subtree: true});
"""

KERNEL_IDLE_JS = """() => {
  const panel = window.__panel;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && panel.sessionContext.kernelDisplayStatus === 'idle';
}"""

CELLS_JS = """() => {
  const nb = window.__panel.content;
  return nb.widgets.map((cell, i) => ({
    index: i, type: cell.model.type, source: cell.model.sharedModel.getSource(),
    outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
  }));
}"""

# A Play control: matplotlib's to_jshtml button (title "Play"), ipywidgets' Play (a fa-play icon),
# or any button labelled Play or with a play triangle.
IS_PLAY_JS = """b => /^play$/i.test((b.title || b.getAttribute('aria-label') || '').trim())
    || /^(play|\\u25b6|\\u25ba|\\u23f5)$/i.test((b.textContent || '').trim())
    || (!!b.querySelector('i.fa-play:not(.fa-flip-horizontal)') && !b.title)"""

# One output area's elements of interest, as the learner sees them (call after reveal()).
OUTPUT_JS = """(cellNode) => {
  const box = el => { const b = el.getBoundingClientRect();
    return {x: b.x, y: b.y, width: b.width, height: b.height}; };
  const isPlay = """ + IS_PLAY_JS + """;
  const outputs = [...cellNode.querySelectorAll('.jp-Cell-outputArea .jp-OutputArea-output')]
    .filter(o => !o.parentElement.closest('.jp-Cell-outputArea .jp-OutputArea-output'));
  return outputs.map((o, k) => ({
    k, mime: o.dataset.mimeType || '', box: box(o), text: (o.textContent || '').slice(0, 2000),
    isWidget: !!o.querySelector(':scope > .jupyter-widgets, :scope > .lm-Widget.jupyter-widgets'),
    imgs: [...o.querySelectorAll('img, canvas, svg, video')]
      .filter(el => !el.closest('button, .jp-OutputArea-promptOverlay'))
      .map((el, j) => ({j, tag: el.tagName.toLowerCase(), box: box(el),
        naturalWidth: el.tagName === 'IMG' ? el.naturalWidth : el.tagName === 'CANVAS' ? el.width : null,
        naturalHeight: el.tagName === 'IMG' ? el.naturalHeight : el.tagName === 'CANVAS' ? el.height : null,
        complete: el.tagName !== 'IMG' || el.complete,
        src: el.tagName === 'IMG' ? (el.currentSrc || el.getAttribute('src') || '') : ''})),
    playButtons: [...o.querySelectorAll('button')].filter(isPlay).length,
    videos: o.querySelectorAll('video').length,
  }));
}"""

IMG_BYTES_JS = """async (src) => {
  if (src.startsWith('data:')) return src;
  const blob = await (await fetch(src)).blob();
  return await new Promise(ok => { const r = new FileReader(); r.onload = () => ok(r.result); r.readAsDataURL(blob); });
}"""


def frame_count(data_url: str) -> int:
    """Frames in an image given as a data: URL (GIF, APNG and WebP animate; PNG/JPEG have 1)."""
    from PIL import Image

    if not data_url.startswith("data:") or ";base64," not in data_url:
        return 1
    try:
        with Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))) as im:
            return getattr(im, "n_frames", 1)
    except Exception:
        return 1


class LabPage:
    """JupyterLab loaded once in a browser page; notebooks are opened in it one at a time (as a
    learner double-clicks them in the file browser) and closed again with their kernel."""

    def __init__(self, lab: Lab, context, timeout_ms: int = 120_000):
        self.lab = lab
        self.page = context.new_page()
        self.page.add_init_script(SEEN_JS)
        self.outside: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)[:300]))
        self.page.route(re.compile(OUTSIDE), self._refuse)
        self.page.goto(f"{lab.url}/lab/workspaces/browser-test?reset&token={lab.token}")
        self.page.wait_for_function("() => !!window.jupyterapp", timeout=timeout_ms)
        self.page.evaluate("async () => { await window.jupyterapp.restored; }")

    def _refuse(self, route) -> None:
        self.outside.append(route.request.url[:200])
        route.abort("internetdisconnected")

    def open(self, path: str, wait_kernel: bool = True, timeout_ms: int = 120_000) -> None:
        """Open `path` (docmanager:open, what a double-click in the file browser runs)."""
        self.page.evaluate("""async (path) => {
            const app = window.jupyterapp;
            const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
            window.__panel = panel;
            await panel.context.ready;
            app.shell.activateById(panel.id);
        }""", path)
        self.page.wait_for_function("() => window.__panel.content.widgets.length > 0", timeout=timeout_ms)
        if wait_kernel:
            self.wait_kernel_idle(timeout_ms)
        self.settle()

    def close(self) -> None:
        """Close the notebook without saving (the copy is thrown away) and stop its kernel."""
        self.page.evaluate("() => { const p = window.__panel; window.__panel = null; if (p) p.dispose(); }")
        self.lab.shutdown_kernels()

    def seen(self) -> list[dict]:
        """Dialogs and notifications that appeared since the last call."""
        return self.page.evaluate("() => window.__seen.splice(0)")

    def wait_kernel_idle(self, timeout_ms: int = 120_000) -> None:
        """Wait for the notebook's kernel to be idle. A dialog in the way (a kernel picker, say)
        is answered with its default button, as a learner would have to; SEEN_JS has noted it."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            left = max(1_000, int((deadline - time.monotonic()) * 1000))
            state = self.page.wait_for_function(
                f"() => ({KERNEL_IDLE_JS})() ? 'idle' : document.querySelector('.jp-Dialog') ? 'dialog' : ''",
                timeout=left, polling=200).json_value()
            if state == "idle":
                return
            accept = self.page.locator(".jp-Dialog .jp-mod-accept")
            if not accept.count():
                text = self.page.locator(".jp-Dialog").first.inner_text()
                raise RuntimeError(f"a dialog with no default answer is in the way: {text!r}")
            accept.first.click(timeout=5_000)
            self.page.wait_for_timeout(300)

    def settle(self, ms: int = 300) -> None:
        """Let JupyterLab finish what it does after an action (two frames, then `ms`)."""
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.page.wait_for_timeout(ms)

    def run_all(self, timeout_ms: int = 900_000) -> bool:
        """Run > Run All Cells (the command behind the menu item); True when no cell failed.

        The command's promise settles when every cell has finished; then the kernel goes idle.
        """
        ok = self.page.evaluate(
            """async (ms) => {
                 let poll, limit;
                 const dialog = new Promise((_, no) => { poll = setInterval(() => {
                   const d = document.querySelector('.jp-Dialog');
                   if (d) no(new Error('a dialog stopped Run All: ' + d.textContent.trim().slice(0, 300))); }, 250); });
                 const late = new Promise((_, no) => { limit = setTimeout(
                   () => no(new Error('Run All did not finish in ' + ms + ' ms')), ms); });
                 try {
                   return await Promise.race([
                     window.jupyterapp.commands.execute('notebook:run-all-cells'), dialog, late]);
                 } finally { clearInterval(poll); clearTimeout(limit); }
               }""",
            timeout_ms)
        self.wait_kernel_idle()
        self.page.wait_for_function(
            """() => window.__panel.content.widgets.every(
                 c => c.model.type !== 'code' || !/\\*/.test((c.node.querySelector('.jp-InputPrompt') || {}).textContent || ''))""",
            timeout=60_000)
        self.settle(500)
        return bool(ok)

    def cells(self) -> list[dict]:
        return self.page.evaluate(CELLS_JS)

    def cell_node(self, index: int):
        return self.page.evaluate_handle(
            "(i) => window.__panel.content.widgets[i].node", index)

    def reveal(self, handle, tries: int = 12) -> dict:
        """Scroll `handle` into view and wait until it stays put (content-visibility switches a
        cell's layout on when it enters the viewport, which can shift what is below it)."""
        rect = "el => { const b = el.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; }"
        for _ in range(tries):
            moved = handle.evaluate("""el => { el.scrollIntoView({block: 'center'});
                return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => {
                  const b = el.getBoundingClientRect(); r([b.x, b.y, b.width, b.height]); }))); }""")
            self.page.wait_for_timeout(100)
            now = handle.evaluate(rect)
            if now == moved and now[1] < VIEWPORT["height"] and now[1] + now[3] > 0:
                break
        return dict(zip(("x", "y", "width", "height"), now))

    def outputs(self, cell_index: int) -> tuple[object, list[dict]]:
        """Reveal a cell's output area and describe each of its outputs."""
        node = self.cell_node(cell_index)
        area = node.evaluate_handle("n => n.querySelector('.jp-Cell-outputArea') || n")
        self.reveal(area)
        return node, node.evaluate(OUTPUT_JS)

    def output_handle(self, cell_node, k: int):
        return cell_node.evaluate_handle(
            """(n, k) => [...n.querySelectorAll('.jp-Cell-outputArea .jp-OutputArea-output')]
                 .filter(o => !o.parentElement.closest('.jp-Cell-outputArea .jp-OutputArea-output'))[k]""", k)

    def media_handle(self, output_handle, j: int):
        """The j-th image/canvas/svg/video of an output, numbered as in OUTPUT_JS."""
        return output_handle.evaluate_handle(
            """(o, j) => [...o.querySelectorAll('img, canvas, svg, video')]
                 .filter(el => !el.closest('button, .jp-OutputArea-promptOverlay'))[j]""", j)

    def image_data(self, src: str) -> str:
        try:
            return self.page.evaluate(IMG_BYTES_JS, src)
        except Exception:
            return ""

    def screenshot(self, handle, path: Path) -> bytes:
        """A PNG of what `handle` shows on screen now (b'' when it has no visible box)."""
        box = handle.evaluate("el => { const b = el.getBoundingClientRect(); return [b.width, b.height]; }")
        if box[0] < 1 or box[1] < 1:
            return b""
        try:
            return handle.screenshot(path=str(path) if path else None, animations="allow",
                                     timeout=10_000)
        except Exception:
            return b""

    def click_at_centre(self, handle) -> dict:
        """Reveal `handle`, then click the middle of where it is on screen, as a person clicks
        what they see (a raw mouse click: no retry if the layout jumps under the pointer)."""
        box = self.reveal(handle)
        self.settle(200)
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        return box

    def drag(self, handle, dx: float) -> None:
        """Press the mouse on `handle`, move it `dx` px sideways in small steps, release."""
        box = self.reveal(handle)
        self.settle(200)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx, y, steps=8)
        self.page.mouse.up()


def same_picture(a: bytes, b: bytes) -> bool:
    """Two PNG screenshots show the same pixels."""
    from PIL import Image

    if not a or not b:
        return a == b
    with Image.open(io.BytesIO(a)) as ia, Image.open(io.BytesIO(b)) as ib:
        return ia.size == ib.size and ia.convert("RGB").tobytes() == ib.convert("RGB").tobytes()
