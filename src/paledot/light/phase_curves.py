"""Published disk-integrated phase curves: V(1, a), a body's V magnitude at 1 au from the Sun and
from the observer, as a function of phase angle a (degrees) and, for some, of its aspect.

Mercury to Neptune follow Mallama & Hilton 2018, "Computing apparent planetary magnitudes for The
Astronomical Almanac", Astronomy and Computing 25, 10-24 (arXiv:1808.01973); equation numbers below
are theirs. Each planet has a geocentric regime (the phase angles seen from Earth) and, where they
give one, a supplementary curve beyond it. The phase range over which each curve rests on
observations is :data:`OBSERVED_PHASE_DEG`; past it :func:`paledot.light.photometry.apparent_magnitude`
gives NaN rather than extrapolate (as JPL Horizons prints "n.a."), while the functions here evaluate
the equations anywhere so they can be checked against the authors' own test cases.

Pluto: V(1,0) = -1.01 (Pluto and Charon unresolved, the value JPL Horizons and The Astronomical
Almanac carry), linear phase coefficient 0.0294 mag/deg measured over 0.6-2.0 deg (Buie, Tholen &
Wasserman 1997, Icarus 125, 233, "Separate lightcurves of Pluto and Charon").

This module is pure arithmetic on angles: no ephemeris, no pixels.
"""

from __future__ import annotations

import numpy as np

#: Phase angles (deg) with observations behind each curve (Mallama & Hilton 2018, their test code's
#: limits; Buie et al. 1997 for Pluto; the existing Earth and Moon limits). NAIF id -> (lo, hi).
OBSERVED_PHASE_DEG: dict[int, tuple[float, float]] = {
    199: (0.0, 170.0),  # Mercury: 2-170 observed; the curve is flat near 0, so it is used from 0
    299: (0.0, 179.0),
    399: (0.0, 170.0),
    301: (0.0, 150.0),
    499: (0.0, 120.0),
    599: (0.0, 130.0),
    699: (0.0, 150.0),
    799: (0.0, 154.0),
    899: (0.0, 133.14),
    999: (0.0, 2.0),
}


def _poly(a: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """sum_k c_k a^(k+1): the phase polynomials of the paper (no constant term)."""
    out = np.zeros_like(a)
    for c in reversed(coeffs):
        out = (out + c) * a
    return out


def mercury_v1(phase_deg) -> np.ndarray:
    """Mercury V(1, a), Mallama & Hilton 2018 eq. 1 (sixth-order polynomial, whole phase range)."""
    a = np.asarray(phase_deg, dtype=float)
    return -0.613 + _poly(a, (6.3280e-02, -1.6336e-03, 3.3644e-05, -3.4265e-07, 1.6893e-09, -3.0334e-12))


def venus_v1(phase_deg) -> np.ndarray:
    """Venus V(1, a): eq. 3 below 163.7 deg, eq. 4 from 163.7 deg (the forward-scattering crescent
    brightens again there), Mallama & Hilton 2018.

    >>> print(f"{float(venus_v1(0.0)):.3f} {float(venus_v1(170.0)):.2f}")
    -4.384 -0.71
    """
    a = np.asarray(phase_deg, dtype=float)
    small = -4.384 + _poly(a, (-1.044e-03, 3.687e-04, -2.814e-06, 8.938e-09))
    large = 236.05828 - 2.81914 * a + 8.39034e-03 * a**2
    return np.where(a < 163.7, small, large)


def earth_v1(phase_deg) -> np.ndarray:
    """Earth V(1, a) = -3.99 - 1.060e-3 a + 2.054e-4 a^2, Mallama & Hilton 2018 eq. 5."""
    a = np.asarray(phase_deg, dtype=float)
    return -3.99 - 1.060e-3 * a + 2.054e-4 * a**2


def moon_v_mean_distance(phase_deg) -> np.ndarray:
    """The Moon's V at 384,400 km from the observer and 1 au from the Sun (Allen 1973)."""
    a = np.abs(np.asarray(phase_deg, dtype=float))
    return -12.73 + 0.026 * a + 4.0e-9 * a**4


# Mars's magnitude corrections (mag) for the effective central meridian (rotation, 0..360 deg west
# longitude) and for the areocentric longitude of the Sun Ls (orbit), every 10 deg from 0 to 350:
# Mallama 2007, Icarus 192, 404, tables 6 and 8, as adopted by Mallama & Hilton 2018 (section 5.4).
_MARS_ROTATION = (
    0.036, 0.045, 0.038, 0.023, 0.015, 0.011, 0.000, -0.012, -0.018, -0.036, -0.044, -0.059,
    -0.060, -0.055, -0.043, -0.041, -0.041, -0.036, -0.036, -0.018, -0.038, -0.011, 0.002, 0.004,
    0.018, 0.019, 0.035, 0.050, 0.035, 0.027, 0.037, 0.048, 0.025, 0.022, 0.024, 0.034,
)  # fmt: skip
_MARS_ORBIT = (
    -0.029, -0.017, -0.014, -0.006, -0.018, -0.020, -0.014, -0.030, -0.008, -0.040, -0.024, -0.037,
    -0.036, -0.032, 0.010, 0.010, -0.001, 0.044, 0.025, -0.004, -0.016, -0.008, 0.029, -0.054,
    -0.033, 0.055, 0.017, 0.052, 0.006, 0.087, 0.006, 0.064, 0.030, 0.019, -0.030, -0.017,
)  # fmt: skip
#: Ls = heliocentric J2000 ecliptic longitude of Mars + this (deg), Mallama & Hilton 2018.
MARS_LS_OFFSET_DEG = -85.0


def _periodic_table(table: tuple[float, ...], angle_deg) -> np.ndarray:
    """A 10-degree periodic table interpolated with Stirling's central-difference formula to fourth
    differences (the method of Mallama & Hilton 2018 for the Mars tables)."""
    y = np.asarray(table, dtype=float)
    n = y.size
    x = np.mod(np.asarray(angle_deg, dtype=float), 360.0) / 10.0
    k = np.floor(x).astype(int) % n
    p = x - np.floor(x)
    f = [y[(k + j) % n] for j in (-2, -1, 0, 1, 2)]
    d1 = [f[j + 1] - f[j] for j in range(4)]  # first differences around f[2]
    d2 = [d1[j + 1] - d1[j] for j in range(3)]
    d3 = [d2[j + 1] - d2[j] for j in range(2)]
    d4 = d3[1] - d3[0]
    a4 = d4 / 24.0
    a3 = (d3[0] + d3[1]) / 12.0
    a2 = d2[1] / 2.0 - a4
    a1 = (d1[1] + d1[2]) / 2.0 - a3
    return f[2] + p * (a1 + p * (a2 + p * (a3 + p * a4)))


def mars_v1(phase_deg, central_meridian_deg=None, ls_deg=None) -> np.ndarray:
    """Mars V(1, a): eq. 6 to 50 deg, eq. 7 beyond (Mallama & Hilton 2018), plus the rotation and
    orbit corrections (up to about 0.06 and 0.09 mag) when the effective central meridian (mean of
    the sub-observer and sub-solar west longitudes, deg) and Ls (deg) are given."""
    a = np.asarray(phase_deg, dtype=float)
    near = -1.601 + 2.267e-02 * a - 1.302e-04 * a**2
    far = -0.367 - 0.02573 * a + 3.445e-04 * a**2
    v = np.where(a <= 50.0, near, far)
    if central_meridian_deg is not None:
        v = v + _periodic_table(_MARS_ROTATION, central_meridian_deg)
    if ls_deg is not None:
        v = v + _periodic_table(_MARS_ORBIT, ls_deg)
    return v


def mars_effective_central_meridian(sub_observer_west_deg, sub_solar_west_deg) -> np.ndarray:
    """Mean of the sub-observer and sub-solar west longitudes (deg), taken the short way round."""
    o = np.asarray(sub_observer_west_deg, dtype=float)
    s = np.asarray(sub_solar_west_deg, dtype=float)
    cm = (o + s) / 2.0
    return np.mod(np.where(np.abs(o - s) > 180.0, cm + 180.0, cm), 360.0)


def jupiter_v1(phase_deg) -> np.ndarray:
    """Jupiter V(1, a): eq. 8 to 12 deg (the geocentric range), eq. 9 beyond (Mallama & Hilton 2018)."""
    a = np.asarray(phase_deg, dtype=float)
    near = -9.395 - 3.7e-04 * a + 6.16e-04 * a**2
    x = a / 180.0
    arg = 1.0 - 1.507 * x - 0.363 * x**2 - 0.062 * x**3 + 2.809 * x**4 - 1.876 * x**5
    with np.errstate(divide="ignore", invalid="ignore"):
        far = -9.428 - 2.5 * np.log10(arg)
    return np.where(a <= 12.0, near, far)


#: Saturn's rings term holds to this phase (deg) and this effective ring tilt (deg).
SATURN_RINGS_PHASE_LIMIT_DEG = 6.5
SATURN_RINGS_TILT_LIMIT_DEG = 27.0


def saturn_effective_tilt(sun_lat_deg, observer_lat_deg) -> np.ndarray:
    """Effective ring tilt (deg): sqrt of the product of the saturnicentric latitudes of the Sun and
    the observer, zero when they are on opposite sides of the ring plane (Mallama & Hilton 2018)."""
    prod = np.asarray(sun_lat_deg, dtype=float) * np.asarray(observer_lat_deg, dtype=float)
    return np.sqrt(np.clip(prod, 0.0, None))


def saturn_v1(phase_deg, tilt_deg=None, rings: bool = True) -> np.ndarray:
    """Saturn V(1, a). With rings (eq. 10): -8.914 - 1.825 sin B + 0.026 a - 0.378 sin B exp(-2.25 a),
    B the effective ring tilt, valid to a = 6.5 deg and B = 27 deg (NaN beyond). Globe alone: eq. 11
    to 6.5 deg, eq. 12 beyond (Mallama & Hilton 2018)."""
    a = np.asarray(phase_deg, dtype=float)
    if rings:
        if tilt_deg is None:
            raise ValueError("Saturn with rings needs the effective ring tilt")
        b = np.asarray(tilt_deg, dtype=float)
        sb = np.sin(np.radians(b))
        v = -8.914 - 1.825 * sb + 0.026 * a - 0.378 * sb * np.exp(-2.25 * a)
        ok = (a <= SATURN_RINGS_PHASE_LIMIT_DEG) & (b <= SATURN_RINGS_TILT_LIMIT_DEG)
        return np.where(ok, v, np.nan)
    near = -8.95 - 3.7e-4 * a + 6.16e-4 * a**2
    far = -8.94 + _poly(a, (2.446e-4, 2.672e-4, -1.506e-6, 4.767e-9))
    return np.where(a <= SATURN_RINGS_PHASE_LIMIT_DEG, near, far)


def uranus_v1(phase_deg, sun_lat_deg=0.0, observer_lat_deg=0.0) -> np.ndarray:
    """Uranus V(1, a) = -7.110 - 8.4e-4 f (+ 6.587e-3 a + 1.045e-4 a^2 beyond 3.1 deg), f the mean of
    the absolute planetographic latitudes (deg) of the sub-solar and sub-observer points
    (Mallama & Hilton 2018 eqs. 14-15)."""
    a = np.asarray(phase_deg, dtype=float)
    f = (np.abs(np.asarray(sun_lat_deg, dtype=float)) + np.abs(np.asarray(observer_lat_deg, dtype=float))) / 2
    v = -7.110 - 8.4e-4 * f
    return np.where(a <= 3.1, v, v + 6.587e-3 * a + 1.045e-4 * a**2)


def neptune_v1(phase_deg, year) -> np.ndarray:
    """Neptune V(1, a): V(1,0) = -6.89 before 1980, -6.89 - 0.0054 (year - 1980) to 2000, -7.00 after
    (eq. 16); beyond 1.9 deg of phase + 7.944e-3 a + 9.617e-5 a^2 (eq. 17), which rests on data
    after 2000 only: NaN for larger phases before then (Mallama & Hilton 2018)."""
    a = np.asarray(phase_deg, dtype=float)
    y = np.asarray(year, dtype=float)
    v0 = np.where(y > 2000.0, -7.00, np.where(y < 1980.0, -6.89, -6.89 - 0.0054 * (y - 1980.0)))
    far = np.where(y > 2000.0, v0 + 7.944e-3 * a + 9.617e-5 * a**2, np.nan)
    return np.where(a <= 1.9, v0, far)


def pluto_v1(phase_deg) -> np.ndarray:
    """Pluto (with Charon) V(1, a) = -1.01 + 0.0294 a (Buie, Tholen & Wasserman 1997)."""
    return -1.01 + 0.0294 * np.asarray(phase_deg, dtype=float)
