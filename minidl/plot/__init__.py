"""Course figures (matplotlib, imported lazily: `import minidl` never imports matplotlib).

One module per lesson topic (activations.py, graph.py, fitting.py, losses.py, training.py);
every name in a module's `__all__` is re-exported here, so notebooks call `minidl.plot.<name>`.
"""
from .._reexport import reexport_submodules

__all__ = reexport_submodules(__name__, __path__, globals())
