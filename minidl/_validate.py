"""Input checks shared by the public functions: each error names the function, what it
expected, what it got and the likely fix."""
from __future__ import annotations

import numpy as np

from .errors import IndexValueError, RuntimeValueError
from .tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def as_tensor(x, fn: str, name: str = "input", floating: bool = True) -> Tensor:
    """Return `x` as a Tensor; numbers and lists become float32 (as torch.tensor does). With
    floating=True integer data becomes float32 too, as torch's sigmoid or tanh give."""
    if type(x) is Tensor and x.data.dtype.kind == "f":  # the usual case, first
        return x
    if isinstance(x, Tensor):
        return x if not floating or x.data.dtype.kind == "f" else Tensor(x.data.astype(np.float32))
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (bool, int, float, list, tuple, np.number, np.bool_)):
        arr = np.asarray(x)
        if arr.dtype == np.float64 or (floating and arr.dtype.kind in "iub"):
            arr = arr.astype(np.float32)
    elif type(x).__module__.split(".")[0] == "torch":
        raise TypeError(f"{fn}(): {name} is a torch.Tensor, but minidl works on minidl tensors. "
                        f"Convert it with minidl.tensor(t.detach().numpy()), or call the torch "
                        f"function instead.")
    else:
        raise TypeError(f"{fn}(): expected {name} to be a minidl Tensor, a NumPy array or a "
                        f"number, but got {type(x).__name__}.")
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{fn}(): expected {name} to hold numbers, but got dtype {arr.dtype}.")
    if floating and arr.dtype.kind in "iub":
        arr = arr.astype(np.float32)
    return Tensor(arr)


def check_reduction(fn: str, reduction: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        options = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{fn}(): reduction must be one of {options}, but got {reduction!r}.")


def check_dim(fn: str, x: Tensor, dim: int) -> int:
    n = max(x.ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise IndexValueError(f"{fn}(): dim={dim!r} is out of range for an input of shape "
                         f"{x.shape}; use a dim between {-n} and {n - 1} "
                         f"(dim=-1, the last axis, is the class axis for (N, C) logits).")
    return int(dim)


def check_same_shape(fn: str, x: Tensor, target: Tensor) -> None:
    xs, ts = x.shape, target.shape
    if xs == ts:
        return
    hint = "Make both the same shape."
    if len(xs) == 2 and xs[1] == 1 and ts == xs[:1]:
        hint = (f"They would broadcast to ({xs[0]}, {xs[0]}), comparing every prediction "
                f"with every target. Use target.reshape(-1, 1) or input.reshape(-1).")
    elif len(ts) == 2 and ts[1] == 1 and xs == ts[:1]:
        hint = (f"They would broadcast to ({xs[0]}, {xs[0]}), comparing every prediction "
                f"with every target. Use input.reshape(-1, 1) or target.reshape(-1).")
    raise RuntimeValueError(f"{fn}(): input and target must have the same shape, but input has "
                            f"shape {xs} and target has shape {ts}. {hint}")


def check_class_targets(fn: str, x: Tensor, target, ignore_index: int = -100,
                        probabilities: bool = False) -> tuple:
    """Targets for nll_loss / cross_entropy: integer class indices of shape (N,), each in
    [0, C) or equal to ignore_index. Returns them, with ignored ones pointing at class 0, and
    the mask of the samples that count (None when all do). With probabilities=True a float
    target of the input's shape (class probabilities) is accepted: then (None, None)."""
    t = target.data if isinstance(target, Tensor) else target
    if type(t) is not np.ndarray:
        t = as_tensor(target, fn, "target", floating=False).data
    shape, kind = x.data.shape, t.dtype.kind
    if kind not in "iu" or t.shape != shape[:-1] or len(shape) not in (1, 2):
        if probabilities and kind == "f" and t.shape == shape and len(shape) in (1, 2):
            return None, None
        _explain_bad_targets(fn, shape, t)
    n_classes = shape[-1]
    # argmin/argmax and item(), not min/max: cheaper on a batch
    if t.size and ((low := t.item(t.argmin())) < 0 or (high := t.item(t.argmax())) >= n_classes
                   or low <= ignore_index <= high):
        return _ignore(fn, t, n_classes, ignore_index)
    return t, None


def _ignore(fn: str, t: np.ndarray, n_classes: int, ignore_index: int) -> tuple:
    """check_class_targets for targets with ignored or out-of-range labels."""
    keep = t != ignore_index
    bad = t[((t < 0) | (t >= n_classes)) & keep]
    if bad.size:
        label = bad.min() if bad.min() < 0 else bad.max()
        skip = f" If {label} marks samples to skip, pass ignore_index={label}."
        raise IndexValueError(f"{fn}(): target contains the label {label}, but the input has "
                              f"{n_classes} classes, so labels must be in [0, {n_classes - 1}]. "
                              f"Check the number of output units or relabel the classes from "
                              f"0.{skip if label < 0 else ''}")
    return np.where(keep, t, 0), keep


def _explain_bad_targets(fn: str, shape: tuple, t: np.ndarray) -> None:
    """Raise the error that says what is wrong with these targets and how to fix them."""
    if len(shape) not in (1, 2):
        raise RuntimeValueError(
            f"{fn}(): expected input of shape (N, C) (or (C,) for one sample), but got shape "
            f"{shape}. Flatten extra axes: input.reshape(-1, C).")
    if t.dtype.kind in "fb":
        if t.shape == shape:  # cross_entropy reads these as probabilities before it gets here
            raise RuntimeValueError(
                f"{fn}(): target has the same shape as the input {shape}, so it looks one-hot "
                f"encoded (or like probabilities), but {fn} expects class indices of shape "
                f"{shape[:-1]}. Convert it with target.argmax(dim=-1), or use cross_entropy, "
                f"which also takes class probabilities.")
        raise RuntimeValueError(
            f"{fn}(): target must hold integer class indices (dtype int64), but got dtype "
            f"{t.dtype}. Convert it with target.long() or np.asarray(target, dtype=np.int64).")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): target must hold integer class indices, got dtype {t.dtype}.")
    if t.shape == shape and fn == "cross_entropy":
        raise RuntimeValueError(
            f"cross_entropy(): target has the same shape as the input {shape} but holds "
            f"integers (dtype {t.dtype}), so it looks one-hot encoded. A target of the input's "
            f"shape is read as class probabilities, which must be floats (torch says "
            f"\"Expected floating point type\"): pass target.float(), or class indices "
            f"target.argmax(dim=-1).")
    expected = shape[:-1]
    hint = ""
    if t.shape == expected + (1,):
        hint = " Squeeze it: target.reshape(-1)."
    elif t.shape == shape:
        hint = " If it is one-hot, convert it with target.argmax(dim=-1)."
    raise RuntimeValueError(f"{fn}(): target must have shape {expected} (one class index per "
                            f"sample) for input of shape {shape}, but got shape {t.shape}.{hint}")
