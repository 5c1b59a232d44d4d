"""`python -m minidl doctor`: every failing branch (by monkeypatch) prints FIX or WARN with the
exact command, and the exit status is 1 exactly when something must be fixed."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from minidl import __main__ as cli
from minidl import doctor

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


@pytest.fixture
def healthy(monkeypatch):
    """A machine where everything is in place, whatever this one looks like."""
    pins = doctor.read_constraints(ROOT / "constraints.txt")
    monkeypatch.setattr(doctor, "_installed_version", lambda name: pins[name])
    monkeypatch.setattr(doctor, "_kernel_specs",
                        lambda: {"python3": {"argv": [PY, "-m", "ipykernel_launcher"]}})
    monkeypatch.setattr(doctor, "_find_spec", lambda name: object())


def statuses(findings):
    return {f.status for f in findings}


def test_the_course_root_is_found_from_the_package():
    assert doctor.course_root() == ROOT


def test_read_constraints_normalises_names_and_skips_comments(tmp_path):
    path = tmp_path / "constraints.txt"
    path.write_text("# pins\nJupyter_Client==8.10.0\nnumpy == 2.4.6  # tested\n"
                    "torch==2.13.0 ; python_version >= '3.10'\n\npytest>=7\n")
    assert doctor.read_constraints(path) == {"jupyter-client": "8.10.0", "numpy": "2.4.6",
                                             "torch": "2.13.0"}


def test_a_healthy_machine_passes(healthy, capsys):
    assert doctor.main([]) == 0
    out = capsys.readouterr().out
    assert "FIX" not in out and "WARN" not in out and out.strip().endswith("Ready for the course.")
    for name in doctor.PACKAGES:
        assert f"OK    {name} " in out


def test_old_python_must_be_fixed():
    finding = doctor.check_python((3, 9, 18))
    assert finding.status == "FIX" and "3.9.18 is too old" in finding.what
    assert "make setup PYTHON=python3.11" in finding.fix
    assert doctor.check_python((3, 10, 0)).status == "OK"


def test_missing_package_must_be_fixed_with_the_course_install(healthy, monkeypatch, capsys):
    def version(name):
        if name == "nbval":
            raise importlib.metadata.PackageNotFoundError(name)
        return doctor.read_constraints(ROOT / "constraints.txt")[name]

    monkeypatch.setattr(doctor, "_installed_version", version)
    assert doctor.main([]) == 1
    out = capsys.readouterr().out
    assert "FIX   nbval is not installed\n" in out
    assert f"      run: cd {ROOT} && {PY} -m pip install -c constraints.txt -e \".[course,test]\"" \
        in out
    assert "1 thing(s) to fix" in out


def test_other_version_is_a_warning_with_the_pin(healthy, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_installed_version",
                        lambda name: "1.0.0" if name == "numpy" else
                        doctor.read_constraints(ROOT / "constraints.txt")[name] + "+cpu")
    assert doctor.main([]) == 0
    out = capsys.readouterr().out
    pinned = doctor.read_constraints(ROOT / "constraints.txt")["numpy"]
    assert f"WARN  numpy 1.0.0, but the course is tested with {pinned}" in out
    assert f"run: {PY} -m pip install -c {ROOT / 'constraints.txt'} numpy=={pinned}" in out
    assert out.count("WARN") == 1  # 2.13.0+cpu counts as 2.13.0
    assert "(1 warning(s) above)" in out


def test_without_constraints_versions_are_not_compared(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_installed_version", lambda name: "0.1")
    findings = doctor.check_packages(None)
    assert findings[0].status == "WARN" and "constraints.txt not found" in findings[0].what
    assert statuses(findings[1:]) == {"OK"}


def test_missing_kernel_must_be_fixed(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_kernel_specs", lambda: {"ir": {"argv": ["R"]}})
    finding = doctor.check_kernel()
    assert finding.status == "FIX" and "no Jupyter kernel named python3" in finding.what
    assert finding.fix.startswith(f"{PY} -m ipykernel install ")
    assert finding.fix.endswith('--name python3 --display-name "Python 3 (ipykernel)"')


def test_kernel_running_another_python_is_a_warning(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_kernel_specs",
                        lambda: {"python3": {"argv": ["/opt/other/bin/python", "-m", "x"]}})
    finding = doctor.check_kernel()
    assert finding.status == "WARN" and "runs /opt/other/bin/python" in finding.what
    monkeypatch.setattr(doctor, "_kernel_specs", lambda: {"python3": {"argv": ["python"]}})
    assert doctor.check_kernel().status == "OK"  # "python" is resolved by Jupyter itself


def test_missing_jupyter_client_must_be_fixed(monkeypatch):
    def no_jupyter():
        raise ImportError("No module named 'jupyter_client'")

    monkeypatch.setattr(doctor, "_kernel_specs", no_jupyter)
    finding = doctor.check_kernel()
    assert finding.status == "FIX" and "jupyter_client is not installed" in finding.what


def test_the_real_kernel_lookup_finds_python3():
    assert "python3" in doctor._kernel_specs()


def test_missing_widgets_extension_must_be_fixed(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_find_spec", lambda name: None)
    finding = doctor.check_widgets()
    assert finding.status == "FIX" and "jupyterlab_widgets" in finding.what
    assert finding.fix == f"{PY} -m pip install ipywidgets jupyterlab_widgets"


def test_broken_matplotlib_must_be_fixed(monkeypatch):
    from matplotlib.backends import backend_agg

    def broken(self):
        raise OSError("libfreetype.so.6: cannot open shared object file")

    assert doctor.check_matplotlib().status == "OK"
    monkeypatch.setattr(backend_agg.FigureCanvasAgg, "draw", broken)
    finding = doctor.check_matplotlib()
    assert finding.status == "FIX" and "OSError: libfreetype.so.6" in finding.what
    assert "--force-reinstall matplotlib" in finding.fix


def test_read_only_folder_must_be_fixed(tmp_path, monkeypatch):
    assert doctor.check_writable(tmp_path).status == "OK"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    finding = doctor.check_writable(tmp_path)
    assert finding.status == "FIX" and "Permission denied" in finding.what
    assert finding.fix == f"cp -r {tmp_path} ~/minidl-course && cd ~/minidl-course"
    missing = doctor.check_writable(tmp_path / "gone")
    assert missing.status == "FIX"


def test_cli_usage(capsys):
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["doctor", "--fix"]) == 2
    assert "usage: python -m minidl doctor" in capsys.readouterr().out


def test_python_m_minidl_doctor_runs():
    done = subprocess.run([PY, "-m", "minidl", "doctor"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.startswith("minidl doctor: is this computer ready for the course?")
    assert "OK    Python" in done.stdout
    assert done.returncode == (1 if "\nFIX" in done.stdout else 0), done.stdout
