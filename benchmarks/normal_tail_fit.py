"""Where the float32 normal-CDF coefficients in minidl/_special.py come from, and how good they are.

    .venv/bin/python benchmarks/normal_tail_fit.py      # needs mpmath (torch's sympy brings it)

For a >= 0, Phi(-a) = phi(a) R(a), with phi the normal density and R Mills' ratio. With
t = 1 / (1 + P a), R(a) / t is smooth on t in (0, 1] and nearly constant (1.2533 at a = 0, tending
to P as a grows), so a polynomial of low degree fits it. The fit is least squares in relative
error on Chebyshev nodes of t for a in [0, 14] (Phi(-14) = 8e-45 is already below float32's
smallest number), from 40-digit mpmath values. The script prints the coefficients (highest
power first, as in _special._MILLS) and the relative error of Phi(-a) that minidl's float32
code reaches, against mpmath.
"""
from __future__ import annotations

import numpy as np

P, DEGREE, A_MAX = 0.3, 7, 14.0


def fit(mpmath, nodes: int = 400) -> np.ndarray:
    def s(t):  # R(a) / t
        a = (1 / t - 1) / P
        return float(mpmath.exp(a * a / 2) * mpmath.sqrt(2 * mpmath.pi) * mpmath.ncdf(-a) / t)

    t_min = 1 / (1 + P * A_MAX)
    t = (1 + t_min) / 2 + (1 - t_min) / 2 * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    y = np.array([s(mpmath.mpf(v)) for v in t])
    cheb = np.polynomial.chebyshev.Chebyshev.fit(t, y, DEGREE, domain=[t_min, 1], w=1 / y)
    return cheb.convert(kind=np.polynomial.Polynomial).coef[::-1]


def main() -> None:
    import mpmath

    from minidl import _special
    mpmath.mp.dps = 40
    coefs = fit(mpmath)
    print(f"t = 1 / (1 + {P} a); R(a) / t, degree {DEGREE}, highest power first:")
    print("    " + ", ".join(f"{c:.10g}" for c in coefs))
    assert _special._MILLS_P == P
    print("minidl/_special.py has:\n    " + ", ".join(f"{c:.10g}" for c in _special._MILLS))
    a = np.linspace(0, 13, 13001).astype(np.float32)  # Phi(-13) = 6e-39: float32's normal range
    exact = np.array([float(mpmath.ncdf(-mpmath.mpf(float(v)))) for v in a])
    q = _special.normal_cdf_pdf(-a)[0].astype(np.float64)  # Phi(-a)
    rel = np.abs(q - exact) / exact
    print("relative error of minidl's float32 Phi(-a): " + ", ".join(
        f"{rel[a <= hi].max():.1e} for a <= {hi:g}" for hi in (3, 5, 8, 13)))


if __name__ == "__main__":
    main()
