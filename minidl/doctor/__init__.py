"""`python -m minidl doctor`: is this computer ready for the course?

Checks Python >= 3.10; numpy, torch, matplotlib, ipywidgets, jupyterlab and nbval installed (and
their versions against the course's constraints.txt, when the course folder is found); a
Jupyter kernel named python3; the JupyterLab widgets extension; that matplotlib can render a
figure; that the course folder is writable. Each line reads OK, WARN (works, but differs from
what the course was tested with) or FIX, and every WARN or FIX comes with the exact command
to run. The exit status is 1 when something must be fixed, else 0.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("numpy", "torch", "matplotlib", "ipywidgets", "jupyterlab", "nbval")
MIN_PYTHON = (3, 10)


@dataclass
class Finding:
    status: str  # "OK", "WARN" or "FIX"
    what: str
    fix: str = ""  # the command to run, for WARN and FIX


def course_root() -> Path | None:
    """The course folder (the repository holding constraints.txt), or None for an install
    that is not an editable checkout."""
    import minidl
    root = Path(minidl.__file__).resolve().parents[1]
    return root if (root / "constraints.txt").is_file() else None


def _python() -> str:
    return shlex.quote(sys.executable)


def _install_course(root: Path | None) -> str:
    if root is None:
        return f"{_python()} -m pip install " + " ".join(PACKAGES)
    return (f"cd {shlex.quote(str(root))} && {_python()} -m pip install -c constraints.txt "
            f"-e \".[course,test]\"")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_constraints(path: Path) -> dict[str, str]:
    """{normalised package name: pinned version} from `name==version` lines."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].split(";")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_normalise(name.strip())] = version.strip()
    return pins


def _installed_version(name: str) -> str:
    return importlib.metadata.version(name)


def _kernel_specs() -> dict[str, dict]:
    """{kernel name: its kernel.json contents} as Jupyter sees them."""
    from jupyter_client.kernelspec import KernelSpecManager
    manager = KernelSpecManager()
    return {name: manager.get_kernel_spec(name).to_dict()
            for name in manager.find_kernel_specs()}


def _find_spec(name: str):
    return importlib.util.find_spec(name)


def check_python(version: tuple = tuple(sys.version_info[:3])) -> Finding:
    shown = ".".join(map(str, version))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Finding("OK", f"Python {shown} (3.10 or newer is needed)")
    return Finding("FIX", f"Python {shown} is too old: the course needs 3.10 or newer",
                   "install Python 3.11 (python.org, or conda create -n minidl python=3.11), "
                   "then in the course folder: make setup PYTHON=python3.11")


def check_packages(root: Path | None) -> list[Finding]:
    pins = read_constraints(root / "constraints.txt") if root else {}
    findings = []
    if root is None:
        findings.append(Finding("WARN", "constraints.txt not found (minidl is not installed "
                                "from the course folder), so versions are not compared",
                                "in the course folder: make setup"))
    for name in PACKAGES:
        try:
            version = _installed_version(name)
        except importlib.metadata.PackageNotFoundError:
            findings.append(Finding("FIX", f"{name} is not installed", _install_course(root)))
            continue
        pinned = pins.get(_normalise(name))
        if pinned and root and version.split("+")[0] != pinned:  # 2.13.0+cpu satisfies ==2.13.0
            findings.append(Finding(
                "WARN", f"{name} {version}, but the course is tested with {pinned} (stored "
                f"outputs may differ in the last digits)",
                f"{_python()} -m pip install -c {shlex.quote(str(root / 'constraints.txt'))} "
                f"{name}=={pinned}"))
        else:
            findings.append(Finding("OK", f"{name} {version}"))
    return findings


def check_kernel() -> Finding:
    prefix = "--sys-prefix" if sys.prefix != sys.base_prefix else "--user"
    install = (f"{_python()} -m ipykernel install {prefix} --name python3 "
               f"--display-name \"Python 3 (ipykernel)\"")
    try:
        specs = _kernel_specs()
    except ImportError:
        return Finding("FIX", "jupyter_client is not installed, so Jupyter cannot start "
                       "kernels", _install_course(course_root()))
    if "python3" not in specs:
        return Finding("FIX", "no Jupyter kernel named python3 (the notebooks ask for it)",
                       install)
    runs = specs["python3"].get("argv", [""])[0]
    if Path(runs).is_absolute() and runs != sys.executable:
        return Finding("WARN", f"the python3 kernel runs {runs}, not this Python "
                       f"({sys.executable}): if minidl is missing there, notebooks stop at "
                       f"`import minidl`", install)
    return Finding("OK", "Jupyter kernel python3")


def check_widgets() -> Finding:
    if _find_spec("jupyterlab_widgets") is None:
        return Finding("FIX", "the JupyterLab widgets extension (jupyterlab_widgets) is "
                       "missing: sliders would show as text",
                       f"{_python()} -m pip install ipywidgets jupyterlab_widgets")
    return Finding("OK", "JupyterLab widgets extension")


def check_matplotlib() -> Finding:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=(1, 1), dpi=20)
        fig.add_subplot().plot([0, 1], [1, 0])
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        if not canvas.buffer_rgba().nbytes:
            raise RuntimeError("the figure came out empty")
    except Exception as e:
        return Finding("FIX", f"matplotlib cannot render a figure ({type(e).__name__}: {e})",
                       f"{_python()} -m pip install --force-reinstall matplotlib")
    return Finding("OK", "matplotlib renders figures (Agg)")


def check_writable(folder: Path) -> Finding:
    try:
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as e:
        return Finding("FIX", f"cannot write in {folder} ({e.strerror or e}): saving notebooks "
                       f"would fail", f"cp -r {shlex.quote(str(folder))} ~/minidl-course && "
                       f"cd ~/minidl-course")
    return Finding("OK", f"can write in {folder}")


def run(root: Path | None = None) -> list[Finding]:
    """Every check, in the order they are printed."""
    return [check_python(), *check_packages(root), check_kernel(), check_widgets(),
            check_matplotlib(), check_writable(root or Path.cwd())]


def main(argv: list[str] | None = None) -> int:
    """Print the findings; return 1 if anything must be fixed, else 0."""
    if argv:
        print("usage: python -m minidl doctor   (it takes no options)")
        return 2
    root = course_root()
    print("minidl doctor: is this computer ready for the course?")
    print(f"Python: {sys.executable}; course folder: {root or 'not found'}\n")
    findings = run(root)
    for f in findings:
        print(f"{f.status:<5} {f.what}")
        if f.fix:
            print(f"      run: {f.fix}")
    to_fix = sum(f.status == "FIX" for f in findings)
    warnings = sum(f.status == "WARN" for f in findings)
    if to_fix:
        print(f"\n{to_fix} thing(s) to fix: run the command under each FIX, then run "
              f"`python -m minidl doctor` again.")
        return 1
    print("\nReady for the course" + (f" ({warnings} warning(s) above)." if warnings else "."))
    return 0
