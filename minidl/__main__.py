"""Command line: `python -m minidl doctor` checks this computer for the course."""
from __future__ import annotations

import sys

USAGE = "usage: python -m minidl doctor   (check this computer for the course)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["doctor"]:
        from . import doctor
        return doctor.main(args[1:])
    print(USAGE)
    return 0 if args[:1] in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main())
