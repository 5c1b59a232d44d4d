"""erfc and the normal CDF, vectorised in NumPy (NumPy has no erf; SciPy is not a dependency).

float64: the rational approximations and their coefficients are fdlibm's (Sun Microsystems,
1993, freely redistributable): error below 1 ulp in float64. Each region is evaluated only on
the elements that fall in it, so nothing overflows in a branch that is thrown away.

float32 (and float16): one formula for every x, Phi(-|x|) = phi(x) R(|x|) with R Mills' ratio
written as t S(t), t = 1 / (1 + 0.3 |x|), S a polynomial of degree 7 fitted for this (see
benchmarks/normal_tail_fit.py): relative error 2e-7 in exact arithmetic; in float32 arithmetic
below 1e-6 for |x| < 5 and 5e-6 out to |x| = 13, where float32 runs out. It is evaluated in
float32 with in-place ufuncs, no masks and no float64 copies, and it gives phi(x) on the way,
which GELU's backward needs. It keeps its relative accuracy in the far left tail, where
1 + erf(x) (torch's float32 formula) cancels to 0. At about 30 passes it is minidl's costliest
kernel, so a big array is done in two halves at once, on two threads (_in_halves).
"""
from __future__ import annotations

import os

import numpy as np

# highest degree first, as np.polyval wants
_PP = [-2.37630166566501626084e-05, -5.77027029648944159157e-03, -2.84817495755985104766e-02,
       -3.25042107247001499370e-01, 1.28379167095512558561e-01]
_QQ = [-3.96022827877536812320e-06, 1.32494738004321644526e-04, 5.08130628187576562776e-03,
       6.50222499887672944485e-02, 3.97917223959155352819e-01, 1.0]
_ERX = 8.45062911510467529297e-01
_PA = [-2.16637559486879084300e-03, 3.54783043256182359371e-02, -1.10894694282396677476e-01,
       3.18346619901161753674e-01, -3.72207876035701323847e-01, 4.14856118683748331666e-01,
       -2.36211856075265944077e-03]
_QA = [1.19844998467991074170e-02, 1.36370839120290507362e-02, 1.26171219808761642112e-01,
       7.18286544141962662868e-02, 5.40397917702171048937e-01, 1.06420880400844228286e-01, 1.0]
_RA = [-9.81432934416914548592e+00, -8.12874355063065934246e+01, -1.84605092906711035994e+02,
       -1.62396669462573470355e+02, -6.23753324503260060396e+01, -1.05586262253232909814e+01,
       -6.93858572707181764372e-01, -9.86494403484714822705e-03]
_SA = [-6.04244152148580987438e-02, 6.57024977031928170135e+00, 1.08635005541779435134e+02,
       4.29008140027567833386e+02, 6.45387271733267880336e+02, 4.34565877475229228821e+02,
       1.37657754143519042600e+02, 1.96512716674392571292e+01, 1.0]
_RB = [-4.83519191608651397019e+02, -1.02509513161107724954e+03, -6.37566443368389627722e+02,
       -1.60636384855821916062e+02, -1.77579549177547519889e+01, -7.99283237680523006574e-01,
       -9.86494292470009928597e-03]
_SB = [-2.24409524465858183362e+01, 4.74528541206955367215e+02, 2.55305040643316442583e+03,
       3.19985821950859553908e+03, 1.53672958608443695994e+03, 3.25792512996573918826e+02,
       3.03380607434824582924e+01, 1.0]


def _erf_small(x):
    """erf(x) for |x| < 0.84375: x + x R(x^2)."""
    z = x * x
    return x + x * (np.polyval(_PP, z) / np.polyval(_QQ, z))


def _erfc_large(a):
    """erfc(a) for a >= 0.84375 (0 beyond a = 28)."""
    out = np.zeros_like(a)
    mid = a < 1.25
    s = a[mid] - 1.0
    out[mid] = 1.0 - _ERX - np.polyval(_PA, s) / np.polyval(_QA, s)
    tail = ~mid & (a < 28.0)
    at = a[tail]
    s = 1.0 / (at * at)
    near = at < 1 / 0.35
    r = np.where(near, np.polyval(_RA, s) / np.polyval(_SA, s),
                 np.polyval(_RB, s) / np.polyval(_SB, s))
    out[tail] = np.exp(-at * at - 0.5625 + r) / at
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function 1 - erf(x), accurate in the tails."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    small = a < 0.84375
    out = np.empty_like(x)
    out[small] = 1.0 - _erf_small(x[small])
    big = ~small
    c = _erfc_large(a[big])
    out[big] = np.where(x[big] > 0, c, 2.0 - c)
    out[np.isnan(x)] = np.nan
    return out


# float32: S(t) = R(a) / t, highest power first (benchmarks/normal_tail_fit.py)
_MILLS_P = 0.3
_MILLS = np.array([0.090798527, -0.3994426398, 0.5259398356, -0.1419879947, 0.3258742289,
                   0.2494433645, 0.3028312284, 0.299857578], np.float32)


def _normal_cdf_pdf32(x: np.ndarray, cdf: np.ndarray, pdf: np.ndarray) -> None:
    """Phi(x) into cdf and phi(x) into pdf, float32 arrays of x's (1-d) shape, in float32."""
    a = np.abs(x, out=pdf)  # |x|, which becomes phi
    t = a + np.float32(1 / _MILLS_P)  # t = 1 / (1 + P a) = (1/P) / (1/P + a): two passes
    np.divide(np.float32(1 / _MILLS_P), t, out=t)
    q = np.multiply(t, _MILLS[0], out=cdf)
    for c in _MILLS[1:-1]:  # Horner's rule, in place: two passes per coefficient
        q += c
        q *= t
    q += _MILLS[-1]
    q *= t  # Mills' ratio R(a)
    np.square(a, out=a)
    a *= np.float32(-0.5)
    np.exp(a, out=a)
    a *= np.float32(1 / np.sqrt(2 * np.pi))  # phi(x)
    q *= a  # Phi(-|x|)
    # Phi(x) is 1 - q for x >= 0 and q for x < 0, i.e. |q - (x >= 0)|: arithmetic, not
    # np.where, which branches on every element
    q -= x >= 0
    np.abs(q, out=q)


def _in_halves(kernel, *arrays: np.ndarray) -> None:
    """kernel(*arrays) on 1-d arrays of one size that it reads and writes elementwise. A big
    size is done in two halves at once, the second on a worker thread: NumPy lets go of Python's
    lock inside its loops, so both cores work, as torch's kernels use them."""
    n = arrays[0].size
    if n < _HALVES_FROM or _worker() is None:
        kernel(*arrays)
        return
    later = _worker().submit(_with_errstate, np.geterr(), kernel, *(a[n // 2:] for a in arrays))
    kernel(*(a[:n // 2] for a in arrays))
    later.result()


def _with_errstate(err: dict, kernel, *arrays: np.ndarray) -> None:
    with np.errstate(**err):  # np.errstate is per thread: the worker takes the caller's
        kernel(*arrays)


_HALVES_FROM = 1 << 16  # elements; below this a second thread costs more than it saves
_pool: list = []  # the worker thread's executor, made on first use (None on a single core)
if hasattr(os, "register_at_fork"):  # a forked child has no worker thread: it makes its own
    os.register_at_fork(after_in_child=_pool.clear)


def _worker():
    if not _pool:
        from concurrent.futures import ThreadPoolExecutor
        _pool.append(ThreadPoolExecutor(1, "minidl") if (os.cpu_count() or 1) > 1 else None)
    return _pool[0]


def _float32_pair(kernel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """kernel(x, a, b) writing two float32 arrays, run by _in_halves on x flattened (1-d even
    for a 0-d x, so that out= always has an array); a and b in x's shape and dtype."""
    flat = x.reshape(-1)
    a, b = np.empty(flat.shape, np.float32), np.empty(flat.shape, np.float32)
    _in_halves(kernel, flat, a, b)
    return _like(a, x), _like(b, x)


def _like(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return a.reshape(x.shape).astype(x.dtype, copy=False)


def normal_cdf_pdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 and phi(x) = Phi'(x), in x's dtype (float32 arithmetic
    for float32 and float16, float64 otherwise). Phi is computed through its tail Phi(-|x|), so
    the left tail keeps its digits."""
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize <= 4:
        return _float32_pair(_normal_cdf_pdf32, x)
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * erfc(-x * np.sqrt(0.5)), normal_pdf(x)


def gelu_and_derivative(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GELU's x Phi(x) and its derivative Phi(x) + x phi(x), in x's dtype, computed as
    normal_cdf_pdf computes Phi and phi (for float32, in the same two-halves kernel)."""
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize <= 4:
        return _float32_pair(_gelu32, x)
    cdf, d = normal_cdf_pdf(x)
    return x * cdf, _add_x_times(d, x, cdf)


def _gelu32(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> None:
    _normal_cdf_pdf32(x, y, d)  # Phi into y, phi into d
    _add_x_times(d, x, y)
    y *= x


def _add_x_times(pdf: np.ndarray, x: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """Phi + x phi, in phi's buffer."""
    pdf *= x
    pdf += cdf
    return pdf


def normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), in x's dtype (float64 for integers)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    y = np.square(x.reshape(-1))  # 1-d even for a 0-d x, so that out= always has an array
    y *= -0.5
    np.exp(y, out=y)
    y *= 0.3989422804014327
    return y.reshape(x.shape)
