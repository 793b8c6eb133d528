"""Which face of a target we see: sub-observer and sub-solar points, the position angles of its
north pole and of its bright limb (JPL Horizons quantities 14, 15, 17 and the limb angle).

Conventions (stated everywhere these numbers leave the package):
- latitudes and longitudes are **planetocentric**, longitude **east-positive** in [0, 360) deg,
  in the body-fixed frame of the IAU rotation model (``orientation``, pck00011) at the epoch the
  light left the point itself: the direction of the observer (or the Sun) from the target's
  centre, as SPICE's SUBPNT/SUBSLR ``INTERCEPT/ELLIPSOID`` define them (within 5 mas of them; with
  stellar aberration SUBSLR also aberrates the Sun by the surface's spin, up to 0.4 arcsec more).
  IAU *planetographic* coordinates differ: latitude is geodetic (the ellipsoid normal), and
  longitude is west-positive for bodies that spin prograde (Mars, Jupiter, ...), east-positive for
  retrograde ones and for the Sun, Earth and Moon. :func:`planetographic` converts.
- position angles are measured from celestial north through east in the J2000 (ICRF) equator, as
  every position angle in paledot; Horizons measures them from the true-of-date north, which
  turns by the precession since 2000 (about 0.3 deg by 2023 near the ecliptic).
- the bright limb's position angle is that of the Sun's direction from the target's centre
  projected on the sky: the midpoint of the lit limb.

Inputs are J2000 vectors (km) and rotation matrices (J2000 -> body); angles out in radians. This
module never reads an ephemeris.
"""

from __future__ import annotations

import numpy as np

from ..celestial.vectors import dot


def lon_lat(matrix: np.ndarray, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planetocentric east longitude in [0, 2 pi) and latitude (rad) of J2000 directions ``vec``
    (N, 3) in the body frame given by ``matrix`` (N, 3, 3, J2000 -> body)."""
    body = np.einsum("nij,nj->ni", matrix, vec)
    lon = np.mod(np.arctan2(body[:, 1], body[:, 0]), 2 * np.pi)
    lat = np.arctan2(body[:, 2], np.hypot(body[:, 0], body[:, 1]))
    return lon, lat


def sky_position_angle(line_of_sight: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Position angle (rad, [0, 2 pi), north through east) of ``vec`` (N, 3) projected on the sky
    plane of a target seen along ``line_of_sight`` (N, 3, observer to target), J2000."""
    x, y, z = line_of_sight[:, 0], line_of_sight[:, 1], line_of_sight[:, 2]
    ra = np.arctan2(y, x)
    dec = np.arctan2(z, np.hypot(x, y))
    sa, ca, sd, cd = np.sin(ra), np.cos(ra), np.sin(dec), np.cos(dec)
    east = np.stack((-sa, ca, np.zeros_like(ra)), axis=-1)
    north = np.stack((-sd * ca, -sd * sa, cd), axis=-1)
    return np.mod(np.arctan2(dot(vec, east), dot(vec, north)), 2 * np.pi)


def planetographic(lon: np.ndarray, lat: np.ndarray, radii_km,
                   prograde: bool) -> tuple[np.ndarray, np.ndarray]:
    """IAU planetographic (longitude, latitude) in rad of a point on the ellipsoid at planetocentric
    (``lon`` east, ``lat``): geodetic latitude; longitude west-positive for a prograde spinner."""
    a, _, c = radii_km
    lat_g = np.arctan2(np.tan(lat) * (a * a) / (c * c), 1.0) if a != c else np.asarray(lat)
    lat_g = np.where(np.abs(lat) >= np.pi / 2, lat, lat_g)
    lon_g = np.mod(-lon, 2 * np.pi) if prograde else lon
    return lon_g, lat_g
