"""Course figures (matplotlib, imported lazily: `import minidl` never imports matplotlib).

One module per lesson topic (activations.py, graph.py, fitting.py, losses.py, training.py);
every name in a module's `__all__` is re-exported here, so notebooks call `minidl.plot.<name>`.
"""
import importlib as _importlib
import pkgutil as _pkgutil

__all__: list[str] = []
for _info in _pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        _module = _importlib.import_module(f".{_info.name}", __name__)
        for _name in getattr(_module, "__all__", ()):
            globals()[_name] = getattr(_module, _name)
            __all__.append(_name)
