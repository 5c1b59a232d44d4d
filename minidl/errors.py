"""Error types that a torch user's `except` catches: where torch raises RuntimeError or
IndexError, minidl raises one of these, which are also the ValueError / TypeError that
minidl raised before (so `except ValueError` keeps working)."""


class RuntimeValueError(ValueError, RuntimeError):
    """A bad shape or value, where torch raises RuntimeError."""


class IndexValueError(ValueError, IndexError):
    """A dim or label out of range, where torch raises IndexError."""


class RuntimeTypeError(TypeError, RuntimeError):
    """A dtype that torch refuses with RuntimeError."""
