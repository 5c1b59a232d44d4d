"""Print constraints.txt with NumPy and matplotlib pinned to the floors pyproject.toml declares.

    python tools/oldest_constraints.py > .venv-oldest/constraints.txt

`make test-oldest` installs the course with these pins in a second environment and runs the unit
tests there, so the floors we declare are floors we test."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORED = ("numpy", "matplotlib")


def floors(pyproject: str) -> dict[str, str]:
    """{'numpy': '2.0.0', ...}: the `>=` floor of each FLOORED package wherever it is declared."""
    found = {}
    for name in FLOORED:
        versions = set(re.findall(rf'"{name}>=([0-9.]+)"', pyproject))
        if len(versions) != 1:
            raise SystemExit(f"oldest_constraints: expected one floor for {name} in pyproject.toml, "
                             f"found {sorted(versions) or 'none'}")
        found[name] = versions.pop()
    return found


def main() -> None:
    pins = floors((ROOT / "pyproject.toml").read_text())
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name = re.split(r"[=<>~!]", line, maxsplit=1)[0].strip().lower()
        print(f"{name}=={pins[name]}" if name in pins else line)


if __name__ == "__main__":
    main()
