"""pytest plugin loaded for the nbval runs (`-p tests.nbval_plugin`): every notebook kernel
starts from a clean environment with a non-interactive matplotlib backend."""
import os

os.environ.setdefault("MPLBACKEND", "agg")
