"""Re-export every topic module of a package, so `minidl.plot.<name>` works for any name in
`minidl/plot/<topic>.py`'s `__all__` (and the same for `minidl.widgets`)."""
from __future__ import annotations

import importlib
import pkgutil


def reexport_submodules(package: str, path, namespace: dict) -> list[str]:
    """Import each public submodule of `package` and copy its `__all__` names into `namespace`."""
    names: list[str] = []
    for info in pkgutil.iter_modules(path):
        if not info.name.startswith("_"):
            module = importlib.import_module(f".{info.name}", package)
            for name in getattr(module, "__all__", ()):
                namespace[name] = getattr(module, name)
                names.append(name)
    return names
