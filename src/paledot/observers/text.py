"""The short text forms of observers that the command line takes (``--observer``), and
``as_observer``, which turns any of them (or a name, or an observer object) into an observer.

``KIND:FIRST,key=value,...`` where FIRST is the body, NAIF name or file:

- ``kepler:mars,peri_alt=298,apo_alt=10107,i=86,node=0,argp=0,M=0,epoch=2023-05-15,plane=equator``
  (also ``a=`` km, ``e=``, ``peri_r=`` km, ``tp=`` periapsis time, ``gm=``, ``hyperbolic=yes``);
- ``site:mars,lat=18.44,lon=77.45,alt=0,latitude=planetocentric`` (east longitude, degrees, km);
- ``spice:MEX,kernel=a.bsp,kernel=b.tm`` (a NAIF name or id and the kernels to load);
- ``file:path.oem`` or ``file:path.csv,center=mars`` (a trajectory file; also ``oem:`` and ``csv:``);
- ``fixed:sun,x=...,y=...,z=...,vx=...,vy=...,vz=...,epoch=...,source=...`` (km, km/s).

Angles in degrees, distances in km. A value may not contain a comma. This module only parses: it
imports the observer kinds lazily, so reading a body name never loads SPICE or trajectory code.
"""

from __future__ import annotations

from .._io.errors import PaledotError
from .body import BodyCentre

KINDS = ("kepler", "site", "spice", "file", "oem", "csv", "fixed")
_KEPLER_KEYS = {
    "a": "a_km", "e": "e", "peri_alt": "periapsis_altitude_km", "apo_alt": "apoapsis_altitude_km",
    "peri_r": "periapsis_radius_km", "i": "inclination", "node": "node", "argp": "argp",
    "m": "mean_anomaly", "tp": "periapsis_time", "epoch": "epoch", "plane": "plane",
    "hyperbolic": "hyperbolic", "gm": "gm_km3_s2", "name": "name",
}
_TEXT_KEYS = {"epoch", "plane", "name", "periapsis_time"}


def _split(text: str) -> tuple[str, str, list[tuple[str, str]]]:
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise PaledotError(f"unknown observer kind {kind!r} in {text!r}: use one of {', '.join(KINDS)}")
    parts = [p.strip() for p in rest.split(",")]
    first = parts[0] if parts and "=" not in parts[0] else ""
    pairs = []
    for p in parts[1 if first else 0:]:
        if not p:
            continue
        if "=" not in p:
            raise PaledotError(f"{p!r} in {text!r} is not key=value")
        k, v = p.split("=", 1)
        pairs.append((k.strip().lower(), v.strip()))
    return kind, first, pairs


def _number(key: str, value: str) -> float:
    from .._io.validate import MAX_MAGNITUDE

    try:
        x = float(value)
    except ValueError:
        raise PaledotError(f"{key}={value!r} is not a number") from None
    if not (abs(x) <= MAX_MAGNITUDE):  # also refuses nan and inf
        raise PaledotError(f"{key}={value!r} must be a finite number (at most {MAX_MAGNITUDE:g} in size)")
    return x


def _flag(key: str, value: str) -> bool:
    v = value.lower()
    if v in ("yes", "true", "1", "on"):
        return True
    if v in ("no", "false", "0", "off"):
        return False
    raise PaledotError(f"{key}={value!r} must be yes or no")


def parse_observer(text: str, ephemeris=None):
    """An observer object from its text form (see the module text)."""
    kind, first, pairs = _split(text)
    if kind == "kepler":
        from .orbits import KeplerOrbit

        kw: dict = {}
        for k, v in pairs:
            if k not in _KEPLER_KEYS:
                raise PaledotError(f"unknown kepler key {k!r}: use {', '.join(_KEPLER_KEYS)}")
            name = _KEPLER_KEYS[k]
            if name == "hyperbolic":
                kw[name] = _flag(k, v)
            elif name in _TEXT_KEYS:
                kw[name] = v
            else:
                kw[name] = _number(k, v)
        if "epoch" not in kw:
            raise PaledotError("a kepler observer needs epoch=<time> for its elements")
        return KeplerOrbit(first or "mars", **kw)
    if kind == "site":
        from .sites import SurfaceSite

        kw = {}
        known = {"lat", "lon", "alt", "latitude", "name"}
        for k, v in pairs:
            if k not in known:
                raise PaledotError(f"unknown site key {k!r}: use {', '.join(sorted(known))}")
            kw[k] = v if k in ("latitude", "name") else _number(k, v)
        if "lat" not in kw or "lon" not in kw:
            raise PaledotError("a site needs lat= and lon= (degrees, east longitude)")
        return SurfaceSite(first or "earth", kw["lat"], kw["lon"], kw.get("alt", 0.0),
                           latitude=kw.get("latitude", "planetographic"), name=kw.get("name"))
    if kind == "spice":
        from .spacecraft import SpiceSpacecraft

        kernels = [v for k, v in pairs if k in ("kernel", "kernels")]
        other = [k for k, _ in pairs if k not in ("kernel", "kernels")]
        if other:
            raise PaledotError(f"unknown spice key {other[0]!r}: use kernel=<file> (repeatable)")
        if not first:
            raise PaledotError("spice: needs a NAIF name or id first, e.g. spice:MEX,kernel=mex.tm")
        return SpiceSpacecraft(first, kernels)
    if kind in ("file", "oem", "csv"):
        from .trajectory import TrajectoryFile

        kw = {}
        known = {"center": "center", "frame": "frame", "time_system": "time_system",
                 "interpolation": "interpolation", "degree": "degree", "name": "name"}
        for k, v in pairs:
            if k not in known:
                raise PaledotError(f"unknown file key {k!r}: use {', '.join(known)}")
            kw[known[k]] = int(_number(k, v)) if k == "degree" else v
        if not first:
            raise PaledotError(f"{kind}: needs a file name, e.g. file:mex.oem")
        return TrajectoryFile(first, **kw)
    from .fixed import FixedState

    kw = {}
    nums = {"x", "y", "z", "vx", "vy", "vz"}
    for k, v in pairs:
        if k in nums:
            kw[k] = _number(k, v)
        elif k in ("epoch", "source", "name"):
            kw[k] = v
        else:
            raise PaledotError(f"unknown fixed key {k!r}: use x, y, z, vx, vy, vz, epoch, source, name")
    if not {"x", "y", "z"} <= set(kw):
        raise PaledotError("a fixed observer needs x=, y=, z= (km, J2000, relative to the body)")
    vel = [kw[k] for k in ("vx", "vy", "vz")] if {"vx", "vy", "vz"} <= set(kw) else None
    return FixedState(first or "sun", [kw["x"], kw["y"], kw["z"]], vel, kw.get("epoch", "ET:0"),
                      source=kw.get("source", ""), name=kw.get("name", "fixed state"))


_MEX_NAMES = {"mars express", "mex", "mars-express", "marsexpress"}


def as_observer(observer, ephemeris):
    """Accept an observer object, a body name/NAIF id (its centre), "mars express" (the Kepler
    preset) or one of the text forms of :func:`parse_observer`."""
    if hasattr(observer, "state") and hasattr(observer, "name"):
        return observer
    if isinstance(observer, str):
        text = " ".join(observer.strip().lower().split())
        if text in _MEX_NAMES:
            from .orbits import mars_express

            return mars_express()
        from .probes import probe_observer

        probe = probe_observer(text, ephemeris)
        if probe is not None:
            return probe
        if ":" in text.split(",")[0] and not text.startswith(("et:", "jd")):
            return parse_observer(observer, ephemeris)
    return BodyCentre.of(observer, ephemeris)
