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

from .._io.errors import PaledotError
from ..celestial.corrections import C_KM_S
from ..celestial.orientation import rotation_model
from ..celestial.vectors import dot, norm
from .request import SUN_ID, _blocks


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


def face(g) -> dict[str, np.ndarray]:
    """The face a :class:`~paledot.geometry.core.Geometry` ``g`` sees of each target: sub-observer
    and sub-solar lon/lat and pole and bright-limb position angles, (T, N) rad; NaN for a target
    without a rotation model (and the sub-solar point of the Sun)."""
    keys = ("sub_observer_lon", "sub_observer_lat", "sub_solar_lon", "sub_solar_lat",
            "north_pole_pa", "bright_limb_pa")
    out = {k: np.full(g._light_time.shape, np.nan) for k in keys}
    to_sun = g._illumination[2]
    for i, r in enumerate(g.targets):
        los = g._position[i]
        if r.naif_id != SUN_ID:
            out["bright_limb_pa"][i] = sky_position_angle(los, to_sun[i])
        try:
            model = rotation_model(r.body)
        except PaledotError:  # no IAU model for this body in paledot: NaN, said in the docstring
            continue
        for b in _blocks(g.t.size):
            emit = g._emission_epochs(i)[b]
            matrix, _ = model.matrix(emit)
            out["north_pole_pa"][i, b] = sky_position_angle(los[b], matrix[:, 2, :])
            sub_obs, sub_sun, toward_obs = matrix, matrix, -los[b]
            if g.correction != "NONE":
                # As SPICE's SUBPNT and SUBSLR: the light we see left the point itself, not the
                # centre, so the body is turned to the epoch of that point's own light time.
                delay = _surface_delay(matrix, los[b], -los[b], r)
                sub_obs = model.matrix(emit + delay)[0]
                if not g.correction.endswith("+S"):
                    # and the centre has moved on by then (SUBPNT's LT and CN; with +S SPICE
                    # keeps the apparent direction of the centre, as here)
                    velocity = g._emission_state(i)[1][b]
                    toward_obs = -(los[b] + velocity * delay[:, None])
                if r.naif_id != SUN_ID:
                    sub_sun = model.matrix(emit + _surface_delay(matrix, los[b], to_sun[i, b], r))[0]
            out["sub_observer_lon"][i, b], out["sub_observer_lat"][i, b] = lon_lat(sub_obs, toward_obs)
            if r.naif_id != SUN_ID:
                out["sub_solar_lon"][i, b], out["sub_solar_lat"][i, b] = lon_lat(sub_sun, to_sun[i, b])
    return out


def _surface_delay(matrix, los, direction, target) -> np.ndarray:
    """How much later (s) light left the surface point in ``direction`` (J2000) from the target's
    centre than the centre itself, for an observer along ``los`` (observer to centre, km)."""
    unit = direction / norm(direction)[:, None]
    body = np.einsum("nij,nj->ni", matrix, unit)
    point = unit * _ellipsoid_radius(target.body.radii_km, body)[:, None]
    return (norm(los) - norm(los + point)) / C_KM_S


def _ellipsoid_radius(radii_km, unit: np.ndarray) -> np.ndarray:
    """Distance (km) from an ellipsoid's centre to its surface along body-fixed unit vectors."""
    a, b, c = radii_km
    return 1.0 / np.sqrt((unit[:, 0] / a) ** 2 + (unit[:, 1] / b) ** 2 + (unit[:, 2] / c) ** 2)
