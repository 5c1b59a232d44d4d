"""pytest plugin for the nbval runs (`-p tests.nbval_plugin`): every notebook kernel starts with
outbound network refused (tests/offline/sitecustomize.py), so the notebook suite is also the
proof that the course runs offline. Figures use the kernel's own inline backend, as in
JupyterLab (an MPLBACKEND=agg here would make every figure vanish from the outputs)."""
import os
from pathlib import Path

GUARD = str(Path(__file__).with_name("offline"))


def offline_env(env: dict) -> dict:
    """`env` with the network guard on PYTHONPATH."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (GUARD, env.get("PYTHONPATH", "")) if p)
    return env


def pytest_configure(config):
    os.environ.update(offline_env(os.environ))
