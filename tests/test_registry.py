"""The registry (tests/registry.py) is complete: every public function of minidl.functional and
every module class of minidl.nn has a row (or is listed with the test that covers it), so a
new activation cannot be added without the tests that every activation gets."""
import inspect

import minidl.functional as F
from minidl import nn

from .registry import ACTIVATIONS, registered_functions, registered_modules


def test_every_public_function_of_functional_is_registered():
    public = set(F.__all__)
    assert public == {n for n, v in vars(F).items() if inspect.isfunction(v)
                      and not n.startswith("_") and v.__module__ == F.__name__}, \
        "minidl.functional.__all__ is out of date"
    assert public - registered_functions() == set(), "add a row to tests/registry.py"
    assert registered_functions() - public == set(), "tests/registry.py names a missing function"


def test_every_module_of_nn_is_registered():
    modules = {n for n, v in vars(nn).items() if inspect.isclass(v) and issubclass(v, nn.Module)
               and not n.startswith("_")}
    assert modules - registered_modules() == set(), "add a row to tests/registry.py"
    assert registered_modules() - modules == set(), "tests/registry.py names a missing module"


def test_every_default_activation_has_a_module_or_says_why_not():
    for name, row in ACTIVATIONS.items():
        if not row.variant and row.module is None:
            assert not row.differentiable, f"{name}: add its nn module to the registry row"
