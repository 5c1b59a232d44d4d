"""Shared fixtures: torch is the oracle in tests (never a dependency of minidl)."""
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# The browser test (tests/browser, `make test-browser`) needs Playwright and chromium: `make test`
# (pytest tests ...) never collects it, so a learner's test run stays browser-free. It runs with
# --browser, or when tests/browser is named on the command line.
def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="also collect tests/browser: the course in JupyterLab in chromium (make test-browser)")
    parser.addoption("--screenshots", default=None, metavar="DIR",
                     help="where the browser test puts its screenshots (default tests/browser/screenshots)")


def pytest_ignore_collect(collection_path, config):
    if collection_path.name == "browser" and collection_path.parent == Path(__file__).parent \
            and not config.getoption("--browser"):
        return True
    return None
