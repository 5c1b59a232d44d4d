"""ipywidgets explorers (imported lazily). One module per lesson topic; every name in a
module's `__all__` is re-exported here, so notebooks call `minidl.widgets.<name>`.
"""
from .._reexport import reexport_submodules

__all__ = reexport_submodules(__name__, __path__, globals())
