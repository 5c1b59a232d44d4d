"""erfc and the normal CDF, vectorised in NumPy (NumPy has no erf; SciPy is not a dependency).

The rational approximations and their coefficients are fdlibm's (Sun Microsystems, 1993,
freely redistributable): error below 1 ulp in float64. Each region is evaluated only on the
elements that fall in it, so nothing overflows in a branch that is thrown away.
"""
from __future__ import annotations

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


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, computed through erfc so the left tail keeps
    its digits."""
    return 0.5 * erfc(-np.asarray(x, dtype=np.float64) * np.sqrt(0.5))


def normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""
    return np.exp(-0.5 * np.square(x)) * 0.3989422804014327
