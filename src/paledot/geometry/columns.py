"""The columns of a geometry table, defined once for every output: ``Geometry.to_table()`` (QTable),
ECSV, CSV, JSON and the text table all take their names, units and values from :func:`columns`.

One row per (epoch, target), epoch-major. Which columns appear depends on the observer: the
occultation pair (``occulted`` none/partial/full, ``limb_height``) for an observer on or around a
body, and ``azimuth``/``elevation``/``sun_up`` from a surface site. Pairs of targets add, on every
row of their epoch, ``separation_<a>_<b>`` and ``position_angle_<a>_<b>`` (of b from a). Values are
plain numpy arrays in the edge units named here (deg, arcsec, km, km/s, s, mag). No physics here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_DEG = 180.0 / np.pi
_ARCSEC = _DEG * 3600.0
OCCULTATION_NAMES = np.array(["none", "partial", "full"])


@dataclass(frozen=True)
class Column:
    """One column: table name, CSV name (with its unit), astropy unit string, kind, and how to get
    its (T, N) values (or (N,) for per-epoch columns) from a Geometry."""

    name: str
    csv: str
    unit: str | None
    kind: str  # "float", "str", "bool"
    values: Callable
    per_epoch: bool = False
    description: str = ""


def _f(name: str, unit: str | None, scale: float, get: Callable, description: str = "",
       suffix: str | None = None) -> Column:
    csv = name if suffix is None else f"{name}_{suffix}"
    return Column(name, csv, unit, "float", (lambda g: get(g) * scale) if scale != 1.0 else get,
                  description=description)


def columns(g, pairs: bool = True) -> list[Column]:
    """The columns of geometry ``g``, in output order (``utc`` and ``time`` are added by writers)."""
    from ..celestial.vectors import norm, radec

    disk = lambda key: (lambda g: g._disk[key])  # noqa: E731
    cols = [
        Column("et", "et", "s", "float", lambda g: g.t, per_epoch=True,
               description="TDB seconds past J2000"),
        Column("target", "target", None, "str",
               lambda g: np.repeat(np.array(g.target_names)[:, None], g.t.size, axis=1)),
        _f("x", "km", 1.0, lambda g: g._position[..., 0], "apparent position, J2000", "km"),
        _f("y", "km", 1.0, lambda g: g._position[..., 1], "apparent position, J2000", "km"),
        _f("z", "km", 1.0, lambda g: g._position[..., 2], "apparent position, J2000", "km"),
        _f("range", "km", 1.0, lambda g: norm(g._position), "apparent distance", "km"),
        _f("range_rate", "km / s", 1.0, lambda g: g._range_rate, "d(range)/dt", "km_s"),
        _f("light_time", "s", 1.0, lambda g: g._light_time, "one-way light time", "s"),
        _f("ra", "deg", _DEG, lambda g: radec(g._position)[0], "apparent right ascension, J2000", "deg"),
        _f("dec", "deg", _DEG, lambda g: radec(g._position)[1], "apparent declination, J2000", "deg"),
        _f("angular_diameter", "arcsec", 2 * _ARCSEC, lambda g: g._angular_radius,
           "from the equatorial radius", "arcsec"),
        _f("phase_angle", "deg", _DEG, lambda g: g._phase, "Sun-target-observer angle", "deg"),
        _f("illuminated_fraction", None, 1.0, lambda g: (1.0 + np.cos(g._phase)) / 2.0,
           "lit fraction of the disk's area, sphere"),
        _f("sun_elongation", "deg", _DEG, lambda g: g._sun_elongation, "Sun-observer-target angle", "deg"),
        _f("magnitude", "mag", 1.0, lambda g: g._magnitude, "apparent V magnitude (NaN: no phase curve)",
           "v"),
        _f("surface_brightness", "mag / arcsec2", 1.0, lambda g: g._surface_brightness,
           "mean V surface brightness of the sunlit disk (Horizons S-brt)", "mag_arcsec2"),
        _f("sub_observer_lon", "deg", _DEG, disk("sub_observer_lon"),
           "planetocentric east longitude of the sub-observer point", "deg"),
        _f("sub_observer_lat", "deg", _DEG, disk("sub_observer_lat"),
           "planetocentric latitude of the sub-observer point", "deg"),
        _f("sub_solar_lon", "deg", _DEG, disk("sub_solar_lon"),
           "planetocentric east longitude of the sub-solar point", "deg"),
        _f("sub_solar_lat", "deg", _DEG, disk("sub_solar_lat"),
           "planetocentric latitude of the sub-solar point", "deg"),
        _f("north_pole_pa", "deg", _DEG, disk("north_pole_pa"),
           "position angle of the target's north pole, J2000", "deg"),
        _f("bright_limb_pa", "deg", _DEG, disk("bright_limb_pa"),
           "position angle of the bright limb's midpoint, J2000", "deg"),
    ]
    if g.occultation is not None:
        cols.append(Column("occulted", "occulted", None, "str",
                           lambda g: OCCULTATION_NAMES[g.occultation.state],
                           description=f"hidden by {g.occultation.occulter}: none, partial or full"))
        cols.append(_f("limb_height", "deg", _DEG, lambda g: g.occultation._height,
                       f"target centre's angle above {g.occultation.occulter}'s limb (horizon from a site)",
                       "deg"))
    if g.sky is not None:
        cols.append(_f("azimuth", "deg", _DEG, lambda g: g.sky._azimuth, "from north through east", "deg"))
        cols.append(_f("elevation", "deg", _DEG, lambda g: g.sky._elevation, "geometric, no refraction",
                       "deg"))
        cols.append(Column("sun_up", "sun_up", None, "bool", lambda g: g.sky.sun_up, per_epoch=True,
                           description="the Sun's upper limb above the horizon"))
    if pairs:
        names = g.target_names
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                a, b = names[i], names[j]
                cols.append(Column(f"separation_{a}_{b}", f"separation_{a}_{b}_arcsec", "arcsec", "float",
                                   lambda g, i=i, j=j: g._separation(i, j) * _ARCSEC, per_epoch=True,
                                   description=f"angle between {a} and {b}"))
                cols.append(Column(f"position_angle_{a}_{b}", f"position_angle_{a}_{b}_deg", "deg", "float",
                                   lambda g, i=i, j=j: g._pair_position_angle(i, j) * _DEG, per_epoch=True,
                                   description=f"position angle of {b} from {a}, J2000"))
    return cols


def flat(g, col: Column, sl: slice = slice(None)) -> np.ndarray:
    """A column's values for epochs ``sl``, one per (epoch, target) row, epoch-major."""
    v = np.asarray(col.values(g))
    n_t = len(g.targets)
    if col.per_epoch:
        return np.repeat(v[sl], n_t)
    return v[:, sl].T.reshape(-1)


def geometry_qtable(g):
    """The QTable of ``Geometry.to_table()``."""
    import astropy.units as u
    from astropy.coordinates import Latitude, Longitude
    from astropy.table import QTable
    from astropy.time import Time

    table = QTable(meta=g.meta())
    utc = g.time.utc
    rows = np.repeat(np.arange(g.t.size), len(g.targets))
    # A fresh UTC Time (no cached TDB offsets) written as ISO with microseconds: ECSV keeps it exact
    table["time"] = Time(utc.jd1[rows], utc.jd2[rows], format="jd", scale="utc", precision=6)
    table["time"].format = "isot"
    for col in columns(g):
        v = flat(g, col)
        if col.name == "ra":
            table[col.name] = Longitude(v * u.deg)
        elif col.name == "dec":
            table[col.name] = Latitude(v * u.deg)
        elif col.unit is not None:
            table[col.name] = v * u.Unit(col.unit)
        else:
            table[col.name] = v
        if col.description:
            table[col.name].info.description = col.description
    return table


def pairs_qtable(g):
    """One row per (epoch, target pair): separation (arcsec) and position angle (deg) of the second."""
    import astropy.units as u
    from astropy.table import QTable, vstack

    from ..time.timescales import et_to_iso

    table = QTable(names=("utc", "et", "target_a", "target_b", "separation", "position_angle"),
                   dtype=(str, float, str, str, float, float))
    if len(g.targets) < 2:
        return table
    utc = et_to_iso(g.t, precision=3)
    parts = []
    for i in range(len(g.targets)):
        for j in range(i + 1, len(g.targets)):
            part = QTable()
            part["utc"] = utc
            part["et"] = g.t * u.s
            part["target_a"] = [g.target_names[i]] * g.t.size
            part["target_b"] = [g.target_names[j]] * g.t.size
            part["separation"] = g._separation(i, j) * _ARCSEC * u.arcsec
            part["position_angle"] = g._pair_position_angle(i, j) * _DEG * u.deg
            parts.append(part)
    return vstack(parts)
