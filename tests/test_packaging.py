"""The spine: import stays NumPy-only, environment.yml agrees with the pins, make lab is safe."""
import json
import re
import subprocess
import sys
from pathlib import Path

from minidl.doctor import read_constraints

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    return read_constraints(ROOT / "constraints.txt")


def test_import_minidl_is_numpy_only():
    code = ("import sys, minidl; bad = [m for m in ('torch', 'matplotlib', 'ipywidgets', 'scipy') "
            "if m in sys.modules]; print(bad)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def test_environment_yml_matches_constraints():
    env = (ROOT / "environment.yml").read_text()
    pinned = pins()
    conda = dict(re.findall(r"^\s+- ([A-Za-z0-9_.-]+)=([0-9][^\s]*)$", env, re.M))
    conda.pop("python")
    assert conda, "environment.yml lists no pinned packages"
    for name, version in conda.items():
        assert pinned.get(name) == version, f"{name}: environment.yml {version} vs constraints {pinned.get(name)}"
    assert f"torch=={pinned['torch']}" in env
    assert "-e ." in env
    pyproject = (ROOT / "pyproject.toml").read_text()
    for extra in ("course", "test"):
        deps = re.search(rf"^{extra} = \[(.*)\]$", pyproject, re.M).group(1)
        for dep in re.findall(r'"([A-Za-z0-9_.-]+)', deps):
            key = dep.lower().replace("_", "-")
            assert key in pinned, f"{dep} (extra {extra}) is not pinned in constraints.txt"
            assert key in conda or key == "torch", f"{dep} missing from environment.yml"


def test_make_lab_binds_localhost_with_token_auth():
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if "jupyter lab" in l)
    assert "--ServerApp.ip=127.0.0.1" in line
    assert "IdentityProvider.token" not in line and "ServerApp.token" not in line
    assert "disable_check_xsrf" not in line and "0.0.0.0" not in line


def test_jupyterlab_news_prompt_is_off():
    settings = ROOT / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    text = settings.read_text()
    assert '"fetchNews": "false"' in text and '"checkForUpdates": false' in text
    assert "JUPYTERLAB_SETTINGS_DIR" in (ROOT / "Makefile").read_text()


def test_notebooks_name_their_kernel():
    for nb in sorted(ROOT.glob("*/[0-9][0-9]*_*.ipynb")):
        meta = json.loads(nb.read_text())["metadata"]
        assert meta.get("kernelspec", {}).get("name") == "python3", nb


def test_readme_example_prints_what_it_says():
    text = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    claimed = re.search(r"print\(loss, x.grad\)\s+# (.*)", code).group(1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == claimed.strip()


def test_test_markers_live_in_cell_tags_not_in_learner_code():
    for nb in sorted(ROOT.glob("*/[0-9][0-9]*_*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            assert "NBVAL_" not in "".join(cell["source"]), f"{nb.name} cell {i}: use a cell tag"


def test_every_lesson_links_the_glossary_and_states_its_time():
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        first = "".join(json.loads(nb.read_text())["cells"][0]["source"])
        if nb.name.startswith("00_"):
            continue
        assert "GLOSSARY.md" in first, nb.name
        assert re.search(r"\d+ min", first), nb.name


def test_lesson_00_checks_the_floors_pyproject_declares():
    cells = json.loads((ROOT / "notebooks" / "00_getting_started.ipynb").read_text())["cells"]
    code = next("".join(c["source"]) for c in cells if "MINIMUM = {" in "".join(c["source"]))
    minimum = dict(re.findall(r'"(\w+)": "([0-9.]+)"', code.split("\n")[0]))
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name, version in minimum.items():
        floors = set(re.findall(rf'"{name}>=([0-9.]+)"', pyproject))
        def major_minor(v):
            return tuple(int(part) for part in (v.split(".") + ["0"])[:2])
        assert floors and {major_minor(f) for f in floors} == {major_minor(version)}, \
            (name, version, floors)


def test_every_lesson_states_the_time_the_stated_method_gives():
    """A lesson's "about N minutes" is tools/lesson_time.py's estimate, and 20-40 (00: >= 15)."""
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import lesson_time
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        first = "".join(json.loads(nb.read_text())["cells"][0]["source"])
        stated = int(re.search(r"about (\d+) minutes", first).group(1))
        estimate = lesson_time.measure(nb)["minutes"]
        assert abs(stated - estimate) <= 1.5, (nb.name, stated, round(estimate))
        assert (15 if nb.name.startswith("00_") else 20) <= estimate <= 40, (nb.name, estimate)


def test_glossary_links_point_at_lessons_that_exist():
    text = (ROOT / "GLOSSARY.md").read_text()
    links = re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", text)
    assert len(links) >= 13
    for link in links:
        assert (ROOT / link).exists(), link
