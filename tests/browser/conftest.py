"""Fixtures of the browser test: one JupyterLab and one chromium for the whole run."""
import json
import tempfile
from pathlib import Path

import pytest

from .jupyterlab import ROOT, Lab, LabPage, launch_chromium

DEFAULT_SHOTS = ROOT / "tests" / "browser" / "screenshots"


@pytest.fixture(scope="session")
def shots(request) -> Path:
    """The screenshot folder, emptied of a previous run's pictures."""
    folder = Path(request.config.getoption("--screenshots") or DEFAULT_SHOTS).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.png"), folder / "report.json"]:
        old.unlink(missing_ok=True)
    request.config._browser_shots = folder
    return folder


@pytest.fixture(scope="session")
def report(shots):
    """Every measured value, per notebook, written to report.json at the end."""
    data: dict = {}
    yield data
    (shots / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))


@pytest.fixture(scope="session")
def lab():
    server = Lab().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `make test-browser` installs it (the browser extra)",
                    pytrace=False)
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = launch_chromium(p, profile)
        yield context
        context.close()


def pytest_terminal_summary(terminalreporter, config):
    folder = getattr(config, "_browser_shots", None)
    if folder:
        terminalreporter.write_line(f"browser test screenshots and report.json: {folder}")


@pytest.fixture(scope="session")
def jupyterlab(lab, chromium) -> LabPage:
    """JupyterLab loaded in one chromium page for the whole run."""
    page = LabPage(lab, chromium)
    yield page
    page.page.close()
