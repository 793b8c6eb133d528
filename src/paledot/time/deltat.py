"""TT - UT1 (Delta T) before 1962, where no measured UT1 exists: the cubic splines of Stephenson,
Morrison and Hohenkerk (2016, Proc. R. Soc. A 472: 20160404), 2020 revision (Morrison, Stephenson,
Hohenkerk and Zawilski 2021, Proc. R. Soc. A 477: 20200776), Table S15 as published by HM Nautical
Almanac Office (astro.ukho.gov.uk/nao/lvm/Table-S15.2020.txt), the rows from 1500 to 1962.

Between knots ``y0`` and ``y1`` (decimal years TT), ``Delta T = a0 + a1 t + a2 t^2 + a3 t^3`` s
with ``t = (y - y0) / (y1 - y0)``. Their uncertainty is about 0.1 s around 1900, a second around
1800 and tens of seconds around 1600 (the paper's own estimate); JPL Horizons uses a table of its
own that differs by 0.03 s at 1900. From 1962 on paledot takes UT1 from the IERS tables instead
(:mod:`paledot.celestial.earth`).
"""

from __future__ import annotations

import numpy as np

#: (y0, y1, a0, a1, a2, a3): knots in decimal years, coefficients in seconds.
_S15 = np.array([
    (1500.0, 1600.0, 292.343, -192.841, -6.572, 16.197),
    (1600.0, 1650.0, 109.127, -78.697, 10.505, 3.018),
    (1650.0, 1720.0, 43.952, -68.089, 38.333, -2.127),
    (1720.0, 1800.0, 12.068, 2.507, 41.731, -37.939),
    (1800.0, 1810.0, 18.367, -3.481, -1.126, 1.918),
    (1810.0, 1820.0, 15.678, 0.021, 4.629, -3.812),
    (1820.0, 1830.0, 16.516, -2.157, -6.806, 3.25),
    (1830.0, 1840.0, 10.804, -6.018, 2.944, -0.096),
    (1840.0, 1850.0, 7.634, -0.416, 2.658, -0.539),
    (1850.0, 1855.0, 9.338, 1.642, 0.261, -0.883),
    (1855.0, 1860.0, 10.357, -0.486, -2.389, 1.558),
    (1860.0, 1865.0, 9.04, -0.591, 2.284, -2.477),
    (1865.0, 1870.0, 8.255, -3.456, -5.148, 2.72),
    (1870.0, 1875.0, 2.371, -5.593, 3.011, -0.914),
    (1875.0, 1880.0, -1.126, -2.314, 0.269, -0.039),
    (1880.0, 1885.0, -3.21, -1.893, 0.152, 0.563),
    (1885.0, 1890.0, -4.388, 0.101, 1.842, -1.438),
    (1890.0, 1895.0, -3.884, -0.531, -2.474, 1.871),
    (1895.0, 1900.0, -5.017, 0.134, 3.138, -0.232),
    (1900.0, 1905.0, -1.977, 5.715, 2.443, -1.257),
    (1905.0, 1910.0, 4.923, 6.828, -1.329, 0.72),
    (1910.0, 1915.0, 11.142, 6.33, 0.831, -0.825),
    (1915.0, 1920.0, 17.479, 5.518, -1.643, 0.262),
    (1920.0, 1925.0, 21.617, 3.02, -0.856, 0.008),
    (1925.0, 1930.0, 23.789, 1.333, -0.831, 0.127),
    (1930.0, 1935.0, 24.418, 0.052, -0.449, 0.142),
    (1935.0, 1940.0, 24.164, -0.419, -0.022, 0.702),
    (1940.0, 1945.0, 24.426, 1.645, 2.086, -1.106),
    (1945.0, 1950.0, 27.05, 2.499, -1.232, 0.614),
    (1950.0, 1953.0, 28.932, 1.127, 0.22, -0.277),
    (1953.0, 1956.0, 30.002, 0.737, -0.61, 0.631),
    (1956.0, 1959.0, 30.76, 1.409, 1.282, -0.799),
    (1959.0, 1962.0, 32.652, 1.577, -1.115, 0.507),
    (1962.0, 1965.0, 33.621, 0.868, 0.406, 0.199),
])

#: First and last decimal year the table covers.
FIRST_YEAR, LAST_YEAR = float(_S15[0, 0]), float(_S15[-1, 1])

_DAY_S = 86400.0


def delta_t(tt) -> np.ndarray:
    """TT - UT1 (s) at TT seconds past J2000 (arrays), from the table; epochs outside 1500-1965
    are clamped to its ends (paledot calls it only before 1962)."""
    tt = np.atleast_1d(np.asarray(tt, dtype=np.float64))
    year = np.clip(2000.0 + tt / _DAY_S / 365.25, FIRST_YEAR, LAST_YEAR)
    row = np.clip(np.searchsorted(_S15[:, 0], year, side="right") - 1, 0, len(_S15) - 1)
    y0, y1, a0, a1, a2, a3 = _S15[row].T
    t = (year - y0) / (y1 - y0)
    return a0 + t * (a1 + t * (a2 + t * a3))
