"""How accurate are the float32 activations of (c)? minidl's and torch's, against float64.

    .venv/bin/python benchmarks/accuracy.py

For each activation: the largest absolute error of y and of dy/dx over float32 inputs from
-1e4 to 1e4 (dense in [-30, 30]), and the largest relative error of y where the true value
is at least 1e-30, which is where a formula that cancels (1 - e, 1 + erf) loses the tail.
The references are written elementwise in float64 with Python's `math` module, independent
of minidl and of torch.
"""
from __future__ import annotations

import math

import numpy as np

from activations import NAMES, SELU_ALPHA, SELU_SCALE


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _elu(x: float, alpha: float = 1.0) -> tuple[float, float]:
    return (x, 1.0) if x > 0 else (alpha * math.expm1(x), alpha * math.exp(x))


def _tanh_derivative(x: float) -> float:  # sech^2 x, without cancelling 1 - tanh^2
    e = math.exp(-2 * abs(x))
    return 4 * e / (1 + e) ** 2


def reference(name: str, x: float) -> tuple[float, float]:
    """(f(x), f'(x)) in float64."""
    if name == "relu":
        return max(x, 0.0), float(x > 0)
    if name == "leaky_relu":
        return (x, 1.0) if x > 0 else (0.01 * x, 0.01)
    if name == "sigmoid":
        s = _sigmoid(x)
        return s, s * (1 - s)
    if name == "tanh":
        return math.tanh(x), _tanh_derivative(x)
    if name == "softplus":
        return max(x, 0.0) + math.log1p(math.exp(-abs(x))), _sigmoid(x)
    if name == "elu":
        return _elu(x)
    if name == "selu":
        y, d = _elu(x, SELU_ALPHA)
        return SELU_SCALE * y, SELU_SCALE * d
    if name == "gelu":
        cdf = 0.5 * math.erfc(-x / math.sqrt(2))
        return x * cdf, cdf + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    if name == "silu":
        s = _sigmoid(x)
        return x * s, s * (1 + x * (1 - s))
    raise ValueError(name)


def inputs() -> np.ndarray:
    wide = np.geomspace(1e-6, 1e4, 4001)
    return np.concatenate([np.linspace(-30, 30, 120001), wide, -wide]).astype(np.float32)


def run_minidl(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import minidl
    xt = minidl.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):  # underflow in the far tails is expected
        y = getattr(minidl.functional, name)(xt)
        y.backward(np.ones_like(x))
    return y.data, xt.grad.data


def run_torch(name: str, x: np.ndarray, torch) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.from_numpy(x.copy()).requires_grad_()
    y = getattr(torch.nn.functional, name)(xt)
    y.backward(torch.ones_like(xt))
    return y.detach().numpy(), xt.grad.numpy()


def errors(got: tuple[np.ndarray, np.ndarray], ref: tuple[np.ndarray, np.ndarray]) -> tuple:
    (y, dx), (y_ref, dx_ref) = got, ref
    y, dx = y.astype(np.float64), dx.astype(np.float64)
    tail = np.abs(y_ref) >= 1e-30
    return (np.abs(y - y_ref).max(), np.abs(dx - dx_ref).max(),
            (np.abs(y - y_ref)[tail] / np.abs(y_ref[tail])).max())


def main() -> None:
    try:
        import torch
    except ImportError:
        torch = None
    x = inputs()
    print(f"float32 activations on {x.size:,} points in [-1e4, 1e4] against float64 references")
    print(f"    {'':<12}{'max |Δy|':>22}{'max |Δdx|':>22}{'max |Δy|/|y| (|y| ≥ 1e-30)':>30}")
    print(f"    {'activation':<12}" + f"{'minidl':>11}{'torch':>11}" * 2
          + f"{'minidl':>15}{'torch':>15}")
    for name in NAMES:
        ref = tuple(np.array(v) for v in zip(*(reference(name, float(v)) for v in x)))
        md = errors(run_minidl(name, x), ref)
        tc = errors(run_torch(name, x, torch), ref) if torch else (np.nan,) * 3
        print(f"    {name:<12}" + "".join(f"{a:>11.1e}{b:>11.1e}" for a, b in zip(md[:2], tc[:2]))
              + f"{md[2]:>15.1e}{tc[2]:>15.1e}")


if __name__ == "__main__":
    main()
