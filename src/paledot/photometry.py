"""Photometry: how bright the Sun, Earth and Moon are, in V and in a camera's band, and how light is
spread over a resolved disk.

Sources
- Sun: V = -26.76 at 1 au (Willmer 2018, ApJS 236, 47); total solar irradiance 1361 W m^-2 at 1 au
  (Kopp & Lean 2011, GRL 38, L01706); spectrum shape a 5772 K black body (IAU 2015 Resolution B3
  nominal effective temperature). The black body is a stand-in for the real solar spectrum: in a
  broad visible band it is good to a few per cent.
- Earth: V(1, a) = -3.99 - 1.060e-3 a + 2.054e-4 a^2, a in degrees, valid to 170 degrees (Mallama &
  Hilton 2018, "Computing apparent planetary magnitudes for The Astronomical Almanac", Astronomy and
  Computing 25, 10).
- Moon: V = -12.73 + 0.026 |a| + 4e-9 a^4 at the mean Earth-Moon distance (384,400 km) and 1 au
  from the Sun (Allen, Astrophysical Quantities, 3rd ed. 1973, the lunar phase law the Almanac
  tradition uses); scaled by inverse squares to other distances.
Reflected light is taken to have the Sun's colour, so a body's photon rate in any band is the Sun's
rate in that band scaled by 10^(-0.4 (V_body - V_sun)). Earth is bluer and the Moon redder than the
Sun by ~0.1-0.3 mag across a broad visible band; that colour term is left out and said here.

Resolved surface laws (used only for how flux spreads over the disk; totals come from the
magnitudes): Lambert (radiance ~ cos i) for Earth, Lommel-Seeliger (~ cos i / (cos i + cos e)) for
the Moon and airless bodies. This module never touches pixels or files.
"""

from __future__ import annotations

import numpy as np

#: Astronomical unit, km (IAU 2012 Resolution B2).
AU_KM = 149_597_870.7
SUN_V_1AU = -26.76
SOLAR_IRRADIANCE_W_M2 = 1361.0
SUN_TEFF_K = 5772.0
MOON_MEAN_DISTANCE_KM = 384_400.0

_H = 6.62607015e-34  # J s (exact, SI 2019)
_C = 299_792_458.0  # m/s (exact)
_K = 1.380649e-23  # J/K (exact)
_SIGMA = 5.670374419e-8  # W m^-2 K^-4


def solar_spectral_irradiance(wavelength_nm: np.ndarray) -> np.ndarray:
    """Solar spectral irradiance at 1 au, W m^-2 nm^-1: a 5772 K black body scaled to 1361 W m^-2."""
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    radiance = 2 * _H * _C**2 / lam**5 / np.expm1(_H * _C / (lam * _K * SUN_TEFF_K))  # W m^-3 sr^-1
    total_radiance = _SIGMA * SUN_TEFF_K**4 / np.pi  # W m^-2 sr^-1
    return SOLAR_IRRADIANCE_W_M2 * radiance / total_radiance * 1e-9


def solar_photon_rate(center_nm: float, width_nm: float, samples: int = 401) -> float:
    """Photons per second per m^2 from the Sun at 1 au inside a top-hat band (centre, full width)."""
    if not (np.isfinite(center_nm) and np.isfinite(width_nm)) or width_nm <= 0 or center_nm <= 0:
        from .errors import PaledotError

        raise PaledotError(f"band centre {center_nm} nm and width {width_nm} nm must be positive")
    lo = max(center_nm - width_nm / 2, 1.0)
    lam = np.linspace(lo, center_nm + width_nm / 2, samples)
    photons = solar_spectral_irradiance(lam) * (lam * 1e-9) / (_H * _C)  # ph s^-1 m^-2 nm^-1
    return float(np.trapezoid(photons, lam))


def earth_v(phase_deg: np.ndarray) -> np.ndarray:
    """Earth's V(1, a): magnitude at 1 au from Sun and observer (Mallama & Hilton 2018)."""
    a = np.asarray(phase_deg, dtype=float)
    return -3.99 - 1.060e-3 * a + 2.054e-4 * a**2


def moon_v_mean_distance(phase_deg: np.ndarray) -> np.ndarray:
    """The Moon's V at 384,400 km from the observer and 1 au from the Sun (Allen 1973)."""
    a = np.abs(np.asarray(phase_deg, dtype=float))
    return -12.73 + 0.026 * a + 4.0e-9 * a**4


#: Largest phase angle (deg) at which each published phase curve is used (NAIF id -> deg).
PHASE_CURVE_LIMIT_DEG = {399: 170.0, 301: 150.0}


def apparent_magnitude(naif_id: int, sun_distance_km, observer_distance_km, phase_rad) -> np.ndarray:
    """Apparent V magnitude of a body at the given distances (km) and phase angle (rad).

    Earth (399), the Moon (301) and the Sun (10); NaN for bodies without a phase curve here.
    Earth's curve is used to 170 degrees of phase, the Moon's to 150 degrees (beyond, thin
    crescents are poorly measured): NaN past those.
    """
    r = np.asarray(sun_distance_km, dtype=float)
    d = np.asarray(observer_distance_km, dtype=float)
    a = np.degrees(np.asarray(phase_rad, dtype=float))
    if naif_id == 10:
        return SUN_V_1AU + 5 * np.log10(d / AU_KM)
    if naif_id == 399:
        v = earth_v(a) + 5 * np.log10((r / AU_KM) * (d / AU_KM))
        return np.where(a <= PHASE_CURVE_LIMIT_DEG[399], v, np.nan)
    if naif_id == 301:
        v = moon_v_mean_distance(a) + 5 * np.log10((r / AU_KM) * (d / MOON_MEAN_DISTANCE_KM))
        return np.where(a <= PHASE_CURVE_LIMIT_DEG[301], v, np.nan)
    return np.full(np.broadcast(r, d, a).shape, np.nan)


def photon_rate_from_magnitude(v_mag, center_nm: float, width_nm: float) -> np.ndarray:
    """Photons s^-1 m^-2 in the band from a body of V magnitude ``v_mag`` with the Sun's colour."""
    return solar_photon_rate(center_nm, width_nm) * 10 ** (-0.4 * (np.asarray(v_mag) - SUN_V_1AU))


#: Resolved-disk laws: radiance as a function of cos(incidence) and cos(emission), unnormalised.
SURFACE_LAWS = {
    "lambert": lambda mu0, mu: mu0,
    "lommel-seeliger": lambda mu0, mu: mu0 / (mu0 + mu),
    "uniform": lambda mu0, mu: np.ones_like(mu0),
}
#: Which law each body uses by default (NAIF id -> law); the rest use Lommel-Seeliger.
DEFAULT_LAW = {
    399: "lambert",
    10: "uniform",
    599: "lambert",
    699: "lambert",
    799: "lambert",
    899: "lambert",
    299: "lambert",
}


def surface_law(naif_id: int, name: str | None = None):
    """The radiance law for a body (or the named one): f(cos_incidence, cos_emission)."""
    key = name or DEFAULT_LAW.get(naif_id, "lommel-seeliger")
    if key not in SURFACE_LAWS:
        from .errors import PaledotError

        raise PaledotError(f"unknown surface law {key!r}: choose one of {', '.join(SURFACE_LAWS)}")
    return SURFACE_LAWS[key]
