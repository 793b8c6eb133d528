"""Photometry: how bright the Sun, the planets, Pluto and the Moon are, in V and in a camera's band,
and how light is spread over a resolved disk.

Sources
- Sun: V = -26.76 at 1 au (Willmer 2018, ApJS 236, 47); total solar irradiance 1361 W m^-2 at 1 au
  (Kopp & Lean 2011, GRL 38, L01706); spectrum shape a 5772 K black body (IAU 2015 Resolution B3
  nominal effective temperature). The black body is a stand-in for the real solar spectrum: in a
  broad visible band it is good to a few per cent.
- Mercury to Neptune (Earth included): Mallama & Hilton 2018, "Computing apparent planetary
  magnitudes for The Astronomical Almanac", Astronomy and Computing 25, 10 -- Venus's two phase
  regimes, Mars's rotation and season corrections, Jupiter's two ranges, Saturn's rings from the
  ring tilt seen from the Sun and the observer, Uranus's sub-latitude term, Neptune's secular
  brightening; Pluto from Buie, Tholen & Wasserman 1997. The curves live in :mod:`phase_curves`.
- Moon: V = -12.73 + 0.026 |a| + 4e-9 a^4 at the mean Earth-Moon distance (384,400 km) and 1 au
  from the Sun (Allen, Astrophysical Quantities, 3rd ed. 1973, the lunar phase law the Almanac
  tradition uses); scaled by inverse squares to other distances.
Reflected light is taken to have the Sun's colour, so a body's photon rate in any band is the Sun's
rate in that band scaled by 10^(-0.4 (V_body - V_sun)). Earth is bluer and the Moon redder than the
Sun by ~0.1-0.3 mag across a broad visible band; that colour term is left out and said here.

Resolved surface laws (used only for how flux spreads over the disk; totals come from the
magnitudes, so each law is scaled to the geometric albedo the magnitude implies, see
:func:`geometric_albedo`): Lambert (radiance ~ cos i) for Earth, Venus and the giant planets,
Lommel-Seeliger (~ cos i / (cos i + cos e)) for the Moon, Mercury, Mars, Pluto and airless bodies.
Saturn's rings are in its magnitude but not in its drawn shape: their light is spread over the
globe's disk (Saturn is a few pixels across in the cameras paledot models).
This module never touches pixels or files.
"""

from __future__ import annotations

import numpy as np

from . import phase_curves

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
        from .._io.errors import PaledotError

        raise PaledotError(f"band centre {center_nm} nm and width {width_nm} nm must be positive")
    lo = max(center_nm - width_nm / 2, 1.0)
    lam = np.linspace(lo, center_nm + width_nm / 2, samples)
    photons = solar_spectral_irradiance(lam) * (lam * 1e-9) / (_H * _C)  # ph s^-1 m^-2 nm^-1
    return float(np.trapezoid(photons, lam))


def earth_v(phase_deg: np.ndarray) -> np.ndarray:
    """Earth's V(1, a): magnitude at 1 au from Sun and observer (Mallama & Hilton 2018)."""
    return phase_curves.earth_v1(phase_deg)


moon_v_mean_distance = phase_curves.moon_v_mean_distance

#: Largest phase angle (deg) at which each published phase curve is used (NAIF id -> deg).
PHASE_CURVE_LIMIT_DEG = {k: hi for k, (_, hi) in phase_curves.OBSERVED_PHASE_DEG.items()}
#: Bodies with a brightness model here (NAIF ids): the Sun, the planets, Pluto and the Moon.
MODELLED = frozenset({10, *phase_curves.OBSERVED_PHASE_DEG})
#: Mean obliquity of the ecliptic at J2000 (IAU 2006), rad: for Mars's Ls.
_OBLIQUITY_J2000 = np.radians(84381.406 / 3600.0)
_YEAR_S = 365.25 * 86400.0


def has_photometry(naif_id: int) -> bool:
    """Whether paledot can say how bright the body is (and so draw it)."""
    return int(naif_id) in MODELLED


def _latitude_deg(vectors: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Planetocentric latitude (deg) of the directions ``vectors`` (N, 3) over an equator of ``pole``."""
    u = vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.degrees(np.arcsin(np.clip(np.einsum("...i,...i->...", u, pole), -1.0, 1.0)))


def _planetographic(lat_deg: np.ndarray, naif_id: int) -> np.ndarray:
    """Planetocentric -> planetographic latitude (deg) on the body's IAU ellipsoid."""
    from ..celestial.bodies import BODIES

    a, _, c = BODIES[naif_id].radii_km
    return np.degrees(np.arctan(np.tan(np.radians(lat_deg)) * (a / c) ** 2))


def _mars_aspect(et, to_sun, to_observer) -> tuple[np.ndarray, np.ndarray]:
    """Mars's effective central meridian and Ls (deg) for its magnitude corrections.

    West longitudes of the sub-observer and sub-solar points from the IAU 2015 rotation model at the
    epoch the light left Mars; Ls from the heliocentric J2000 ecliptic longitude + (-85 deg), the
    approximation of Mallama & Hilton 2018."""
    from ..celestial.corrections import C_KM_S
    from ..celestial.orientation import MODELS

    emit = et - np.linalg.norm(to_observer, axis=-1) / C_KM_S
    m, _ = MODELS[499].matrix(emit)

    def west(v):
        b = np.einsum("nij,nj->ni", m, v)
        return np.mod(-np.degrees(np.arctan2(b[:, 1], b[:, 0])), 360.0)

    cm = phase_curves.mars_effective_central_meridian(west(to_observer), west(to_sun))
    helio = -to_sun  # Sun -> Mars, J2000 equatorial
    ce, se = np.cos(_OBLIQUITY_J2000), np.sin(_OBLIQUITY_J2000)
    lon = np.degrees(np.arctan2(helio[:, 1] * ce + helio[:, 2] * se, helio[:, 0]))
    return cm, np.mod(lon + phase_curves.MARS_LS_OFFSET_DEG, 360.0)


def _need(naif_id: int, **arrays) -> None:
    missing = [k for k, v in arrays.items() if v is None]
    if missing:
        from .._io.errors import PaledotError

        raise PaledotError(
            f"the magnitude of NAIF {naif_id} depends on its aspect: give {', '.join(missing)}"
        )


def apparent_magnitude(
    naif_id: int,
    sun_distance_km,
    observer_distance_km,
    phase_rad,
    *,
    target_to_sun=None,
    target_to_observer=None,
    et=None,
    rings: bool = True,
) -> np.ndarray:
    """Apparent V magnitude of a body at the given distances (km) and phase angle (rad).

    The Sun (10), Mercury to Neptune (199-899, Mallama & Hilton 2018), Pluto (999, Buie et al. 1997),
    Earth and the Moon (301, Allen 1973); NaN for other bodies and past the phase angles each curve
    rests on (:data:`PHASE_CURVE_LIMIT_DEG`). Mars, Saturn and Uranus depend on their aspect, and
    Mars and Neptune on the date: give ``target_to_sun`` and ``target_to_observer`` ((N, 3) km,
    J2000, from the body's centre) and ``et`` (N,) for them. Saturn includes its rings unless
    ``rings`` is False; with rings, the published law holds to 6.5 deg of phase (NaN beyond).
    """
    r = np.asarray(sun_distance_km, dtype=float)
    d = np.asarray(observer_distance_km, dtype=float)
    a = np.degrees(np.asarray(phase_rad, dtype=float))
    if naif_id == 10:
        return SUN_V_1AU + 5 * np.log10(d / AU_KM)
    if naif_id == 301:
        v = moon_v_mean_distance(a) + 5 * np.log10((r / AU_KM) * (d / MOON_MEAN_DISTANCE_KM))
        return np.where(a <= PHASE_CURVE_LIMIT_DEG[301], v, np.nan)
    if naif_id not in phase_curves.OBSERVED_PHASE_DEG:
        return np.full(np.broadcast(r, d, a).shape, np.nan)
    if naif_id in (499, 699, 799):
        _need(naif_id, target_to_sun=target_to_sun, target_to_observer=target_to_observer, et=et)
    if naif_id in (499, 899):
        _need(naif_id, et=et)
    if naif_id == 199:
        v1 = phase_curves.mercury_v1(a)
    elif naif_id == 299:
        v1 = phase_curves.venus_v1(a)
    elif naif_id == 399:
        v1 = phase_curves.earth_v1(a)
    elif naif_id == 499:
        cm, ls = _mars_aspect(
            np.atleast_1d(et), np.atleast_2d(target_to_sun), np.atleast_2d(target_to_observer)
        )
        v1 = phase_curves.mars_v1(a, cm.reshape(np.shape(a)), ls.reshape(np.shape(a)))
    elif naif_id == 599:
        v1 = phase_curves.jupiter_v1(a)
    elif naif_id in (699, 799):
        from ..celestial.orientation import MODELS

        pole = MODELS[naif_id].pole(et)
        sun_lat = _latitude_deg(np.atleast_2d(target_to_sun), pole).reshape(np.shape(a))
        obs_lat = _latitude_deg(np.atleast_2d(target_to_observer), pole).reshape(np.shape(a))
        if naif_id == 699:
            tilt = phase_curves.saturn_effective_tilt(sun_lat, obs_lat)
            v1 = phase_curves.saturn_v1(a, tilt, rings=rings)
        else:
            v1 = phase_curves.uranus_v1(a, _planetographic(sun_lat, 799), _planetographic(obs_lat, 799))
    elif naif_id == 899:
        year = 2000.0 + np.asarray(et, dtype=float) / _YEAR_S
        v1 = phase_curves.neptune_v1(a, year.reshape(np.shape(a)))
    else:  # 999
        v1 = phase_curves.pluto_v1(a)
    v = v1 + 5 * np.log10((r / AU_KM) * (d / AU_KM))
    lo, hi = phase_curves.OBSERVED_PHASE_DEG[naif_id]
    return np.where((a >= lo) & (a <= hi), v, np.nan)


def geometric_albedo(naif_id: int) -> float:
    """Geometric albedo implied by a body's V(1, 0): p = 10^(-0.4 (V(1,0) - V_sun)) (au / R)^2, R the
    mean radius (Saturn: its globe, from the globe-only law). The resolved surface law the renderer
    draws carries this albedo: the disk's integrated light equals the published magnitude."""
    from ..celestial.bodies import BODIES

    v10 = {
        199: phase_curves.mercury_v1(0.0),
        299: phase_curves.venus_v1(0.0),
        399: phase_curves.earth_v1(0.0),
        499: phase_curves.mars_v1(0.0),
        599: phase_curves.jupiter_v1(0.0),
        699: phase_curves.saturn_v1(0.0, rings=False),
        799: phase_curves.uranus_v1(0.0),
        899: phase_curves.neptune_v1(0.0, 2020.0),
        999: phase_curves.pluto_v1(0.0),
        301: moon_v_mean_distance(0.0) + 5 * np.log10(AU_KM / MOON_MEAN_DISTANCE_KM),
    }
    if naif_id not in v10:
        from .._io.errors import PaledotError

        raise PaledotError(f"NAIF {naif_id}: paledot has no magnitude law, so no implied albedo")
    a, b, c = BODIES[naif_id].radii_km
    # Equal-area radius of the disk seen equator-on (a c) for an oblate planet.
    radius = np.sqrt(a * c)
    return float(10 ** (-0.4 * (float(v10[naif_id]) - SUN_V_1AU)) * (AU_KM / radius) ** 2)


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
        from .._io.errors import PaledotError

        raise PaledotError(f"unknown surface law {key!r}: choose one of {', '.join(SURFACE_LAWS)}")
    return SURFACE_LAWS[key]
