"""Course figures (matplotlib, imported lazily: `import minidl` never imports matplotlib).

One module per lesson topic (activations.py, graph.py, fitting.py, losses.py, training.py);
every name in a module's `__all__` is re-exported here, so notebooks call `minidl.plot.<name>`.
Importing this package also applies the course's one figure style (`_style.py`): text of at
least 10 pt at 80 px per inch, and retina PNGs in a Jupyter kernel, for every figure.
"""
from .._reexport import reexport_submodules
from . import _style

__all__ = reexport_submodules(__name__, __path__, globals())
_style.apply()
