"""Fuzzing every text reader: a valid result (every number finite) or a PaledotError, never anything
else (see tests/fuzzing.py for the profiles: ``make test`` runs the fast one, ``make fuzz`` the long).

Inputs are valid texts broken the ways a hostile or careless user breaks them: numbers swapped for
NaN, infinities, overflowing or malformed values; fields dropped, doubled, emptied or truncated;
lines deleted or repeated; times with impossible or edge components. ``@example`` rows are inputs
that once crashed paledot (the issue's findings), kept as regression cases.
"""

from __future__ import annotations

import itertools
import os
import tempfile

import numpy as np
from fuzzing import FUZZ, assert_finite, outcome
from hypothesis import example, given
from hypothesis import strategies as st

from paledot.celestial.ephemeris import default_ephemeris
from paledot.time.timescales import MAX_ABS_ET, parse_step, to_et

_DIR = tempfile.mkdtemp(prefix="paledot-fuzz-")
_COUNTER = itertools.count()

# Values that have broken parsers before, or may.
NASTY = [
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e300",
    "-1e300",
    "1e30",
    "1e-320",
    "0",
    "-0",
    "-1",
    "1",
    "",
    " ",
    "abc",
    "1,5",
    "1.2.3",
    "0x10",
    "1_000",
    "٣",
    "1e",
    "e5",
    "+",
    "-",
    ".",
    "9" * 400,
    "2023-13-45",
    "23:59:60",
    "\x00",
    "\t",
    "'",
    '"',
    "[",
    "{",
    "=",
    "#",
    "2023-05-15T23:59:60",
    "0000-01-01T00:00:00",
    "1e308",
    "-1e308",
    "4.9e-324",
    "True",
    "None",
]

token = st.one_of(
    st.sampled_from(NASTY),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=12),
)


def _mutate(text: str, data) -> str:
    """Apply a few random edits to ``text``: replace a whitespace/comma-separated token, drop,
    duplicate or swap a line, cut the text short, or insert junk."""
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["token", "token", "token", "drop", "dup", "swap", "cut", "junk"]))
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        if kind == "token":
            sep = "," if "," in lines[i] else (" = " if " = " in lines[i] else " ")
            parts = lines[i].split(sep)
            j = data.draw(st.integers(0, len(parts) - 1))
            parts[j] = data.draw(token)
            lines[i] = sep.join(parts)
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap" and len(lines) > 1:
            k = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        elif kind == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
            del lines[i + 1 :]
        else:
            lines[i] = lines[i] + data.draw(st.text(max_size=8))
    return "\n".join(lines)


def _write(suffix: str, text: str) -> str:
    path = os.path.join(_DIR, f"f{next(_COUNTER) % 64}{suffix}")
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
        fh.write(text)
    return path


# --- time strings ---------------------------------------------------------------------------------
def _iso(y, mo, d, h, mi, s, sep, z):
    return f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}{z}"


two = st.integers(0, 99).map(lambda v: f"{v:02d}")
iso_times = st.builds(
    _iso,
    st.integers(0, 9999).map(lambda v: f"{v:04d}"),
    two,
    two,
    two,
    two,
    st.one_of(two, st.floats(0, 99.999999, allow_nan=False).map(lambda v: f"{v:09.6f}")),
    st.sampled_from(["T", " "]),
    st.sampled_from(["", "Z"]),
)
jd_times = st.builds(
    lambda p, v: f"{p}{v}",
    st.sampled_from(["JD", "JDTDB", "jd ", "JD+", "ET:", "et: "]),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(NASTY)),
)
time_text = st.one_of(
    iso_times, jd_times, st.text(max_size=30), st.builds(lambda d: d, st.dates().map(lambda x: x.isoformat()))
)


def _check_times(text):
    et = outcome("time strings", lambda: to_et(text))
    if et is not None:
        assert_finite("time strings", et)
        assert np.all(np.abs(et) <= MAX_ABS_ET)


@FUZZ
@given(time_text)
@example("2023-05-15T23:59:60")  # issue 15: became the next midnight
@example("0000-01-01")  # issue 15: year 0000 accepted
@example("2016-12-31T23:59:60.999999")
@example("JD nan")
@example("ET:1e999")
def test_fuzz_time_strings(text):
    _check_times(text)


step_text = st.one_of(
    st.builds(lambda v, u: f"{v}{u}", token, st.sampled_from(["s", "min", "h", "d", "x", ""])),
    st.text(max_size=12),
)


@FUZZ
@given(step_text)
@example("1e999d")
@example("0s")
def test_fuzz_step_strings(text):
    step = outcome("step strings", lambda: parse_step(text))
    if step is not None:
        assert_finite("step strings", step)
        assert step > 0


# --- observer text forms --------------------------------------------------------------------------
OBSERVER_FORMS = [
    "kepler:mars,peri_alt=298,apo_alt=10107,i=86,node=0,argp=0,M=0,epoch=2023-05-15,plane=equator",
    "kepler:earth,a=42164,e=0.001,i=0.1,epoch=2023-05-15T00:00,plane=j2000",
    "kepler:sun,peri_r=1.5e8,e=1.5,hyperbolic=yes,epoch=2023-05-15,plane=ecliptic",
    "kepler:moon,peri_alt=100,e=0.2,tp=2023-05-15T01:00,epoch=2023-05-15",
    "site:mars,lat=18.44,lon=77.45,alt=0,latitude=planetocentric",
    "site:earth,lat=-33.9,lon=18.4,alt=0.1",
    "fixed:sun,x=1.5e10,y=0,z=0,vx=10,vy=0,vz=0,epoch=2023-05-15,source=fuzz",
    "fixed:earth,x=1e6,y=2e6,z=-3e5,source=fuzz",
    "file:/nonexistent/trajectory.oem,center=mars",
]
EPOCHS = to_et(["2023-05-15", "2023-05-21T03:10"])


def _observer_case(text):
    from paledot.observers.text import parse_observer

    def run():
        obs = parse_observer(text)
        return obs.state(default_ephemeris(), EPOCHS)

    state = outcome("observer text", run)
    if state is not None:
        assert_finite("observer text", *state)


observer_text = st.one_of(
    st.builds(
        lambda base, data: _mutate(base.replace(",", "\n"), data).replace("\n", ","),
        st.sampled_from(OBSERVER_FORMS),
        st.data(),
    ),
    st.builds(
        lambda k, rest: f"{k}:{rest}",
        st.sampled_from(["kepler", "site", "fixed", "file", "csv", "x"]),
        st.text(max_size=40).filter(lambda s: "spice" not in s),
    ),
)


@FUZZ
@given(observer_text)
@example("kepler:mars,a=1e300,e=0.1,epoch=2023-05-15")  # issue 15: OverflowError
@example("kepler:mars,a=1e30,e=0.999999999,epoch=2023-05-15")
@example("kepler:mars,a=4000,e=0.1,M=1e300,epoch=2023-05-15")
@example("fixed:sun,x=1e300,y=1e300,z=1e300,vx=1e300,vy=0,vz=0,source=s")
@example("kepler:sun,peri_r=1.5e8,e=1e30,hyperbolic=yes,epoch=2023-05-15")
def test_fuzz_observer_text(text):
    _observer_case(text)


# --- camera TOML ----------------------------------------------------------------------------------
def _camera_template() -> str:
    from importlib.resources import files

    return files("paledot.cameras").joinpath("hrsc-src.toml").read_text()


CAMERA = _camera_template()


def _camera_case(text):
    from paledot.cameras import _from_text

    def run():
        cam = _from_text(text, "fuzz.toml")
        return cam, cam.pixel_scale_rad, cam.field_of_view_rad, cam.collecting_area_m2

    got = outcome("camera TOML", run)
    if got is not None:
        assert_finite("camera TOML", *got[1:])


deep = st.integers(1, 5000).map(lambda n: "x = " + "[" * n + "]" * n + "\n")
deep_tables = st.integers(1, 3000).map(lambda n: "[" + ".".join(["a"] * n) + "]\n")


@FUZZ
@given(st.one_of(st.builds(_mutate, st.just(CAMERA), st.data()), deep, deep_tables, st.text(max_size=80)))
@example("x = " + "[" * 3000 + "]" * 3000)  # issue 15: RecursionError
@example("x = " + "{a=" * 2000 + "1" + "}" * 2000)
@example(CAMERA.replace("value = 974.5", "value = " + "9" * 400))  # make fuzz: OverflowError
@example(CAMERA.replace("value = 1024", "value = " + "9" * 400))
def test_fuzz_camera_toml(text):
    _camera_case(text)


# --- trajectory files -----------------------------------------------------------------------------
def _samples(n=12):
    from paledot.observers.orbits import KeplerOrbit

    orbit = KeplerOrbit(
        "mars", periapsis_altitude_km=300, apoapsis_altitude_km=10000, inclination=86, epoch="2023-05-15"
    )
    et = to_et("2023-05-15")[0] + 120.0 * np.arange(n)
    pos, vel = orbit.relative_state(et)
    return et, pos, vel


_ET, _POS, _VEL = _samples()


def _oem_text() -> str:
    from paledot.time.timescales import et_to_iso

    stamps = et_to_iso(_ET, precision=3)
    lines = [
        "CCSDS_OEM_VERS = 2.0",
        "META_START",
        "OBJECT_NAME = FUZZ",
        "CENTER_NAME = MARS",
        "REF_FRAME = EME2000",
        "TIME_SYSTEM = UTC",
        "INTERPOLATION = HERMITE",
        "INTERPOLATION_DEGREE = 5",
        "USEABLE_START_TIME = " + stamps[0],
        "META_STOP",
    ]
    lines += [
        f"{s} " + " ".join(f"{x:.6f}" for x in (*p, *v)) for s, p, v in zip(stamps, _POS, _VEL, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _csv_text() -> str:
    rows = [
        "# CENTER_NAME = MARS",
        "# REF_FRAME = J2000",
        "# INTERPOLATION = LAGRANGE",
        "# INTERPOLATION_DEGREE = 5",
        "et,x,y,z,vx,vy,vz",
    ]
    rows += [",".join(repr(float(x)) for x in (t, *p, *v)) for t, p, v in zip(_ET, _POS, _VEL, strict=True)]
    return "\n".join(rows) + "\n"


OEM, CSV = _oem_text(), _csv_text()


def _trajectory_case(reader, suffix, text):
    from paledot.observers.trajectory import TrajectoryFile

    path = _write(suffix, text)

    def run():
        traj = TrajectoryFile(path)
        lo, hi = traj.span
        q = np.array([lo, 0.5 * (lo + hi), hi, lo + 0.37 * (hi - lo)])
        return traj.relative_state(q)

    state = outcome(reader, run)
    if state is not None:
        assert_finite(reader, *state)


@FUZZ
@given(st.builds(_mutate, st.just(OEM), st.data()))
@example(OEM.replace("INTERPOLATION_DEGREE = 5", "INTERPOLATION_DEGREE = 61"))  # issue 15: 7.5e7 km off
@example(OEM.replace("INTERPOLATION_DEGREE = 5", "INTERPOLATION_DEGREE = 1e400"))
@example(OEM.replace(f"{_POS[3][0]:.6f}", "nan", 1))
@example(OEM.replace(f"{_POS[3][0]:.6f}", "1e308", 1))
def test_fuzz_oem(text):
    _trajectory_case("trajectory OEM", ".oem", text)


@FUZZ
@given(st.builds(_mutate, st.just(CSV), st.data()))
@example(CSV.replace("INTERPOLATION_DEGREE = 5", "INTERPOLATION_DEGREE = 41"))  # issue 15: 96 km off
@example(CSV.rsplit(",", 1)[0] + "\n")  # issue 15: IndexError on a short row
@example(CSV.replace(repr(float(_POS[2][1])), "inf", 1))  # issue 15: non-finite state out
@example(CSV.replace(repr(float(_POS[2][1])), "1e308", 1))
def test_fuzz_csv(text):
    _trajectory_case("trajectory CSV", ".csv", text)
