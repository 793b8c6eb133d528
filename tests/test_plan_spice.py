"""Window boundaries against SPICE's geometry finder (spiceypy GF) on DE440.

- ``gfsep``: Earth's Sun elongation and the Earth-Moon separation seen from the Mars barycentre over
  two years (paledot's "mars" observer is the barycentre, as DE440 has no Mars-centre segment);
- ``gfoclt``: Earth hidden by Mars from an orbiter the test writes as a two-body (type 5) SPK from
  the same elements paledot propagates, with a PCK of the same IAU constants and radii.
Every window found by one is found by the other, and the boundaries agree within 1 second.
"""

from __future__ import annotations

import numpy as np
import pytest

from paledot import Ephemeris, to_et
from paledot.orbits import KeplerOrbit
from paledot.plan import find_windows, not_occulted, separation, sun_elongation

TWO_YEARS = ("2023-01-01", "2025-01-01")
CRAFT_ID, CRAFT_NAME = -999012, "PALEDOT PLAN CRAFT"
AGREE_S = 1.0


def _cnfine(sp, lo, hi):
    cell = sp.cell_double(2)
    sp.wninsd(lo, hi, cell)
    return cell


def _spans(sp, cell) -> np.ndarray:
    return np.array([sp.wnfetd(cell, k) for k in range(sp.wncard(cell))]).reshape(-1, 2)


def _span_et(start, stop):
    return float(to_et(start)[0]), float(to_et(stop)[0])


def _gfsep(sp, a, b, relate, deg, lo, hi, step_s):
    out = sp.cell_double(20000)
    sp.gfsep(a, "POINT", "NULL", b, "POINT", "NULL", "LT+S", "MARS BARYCENTER", relate,
             np.radians(deg), 0.0, step_s, 20000, _cnfine(sp, lo, hi), out)
    return out


def _agree(ours: np.ndarray, ref: np.ndarray) -> float:
    assert ours.shape == ref.shape, f"paledot found {len(ours)} windows, SPICE {len(ref)}"
    return float(np.abs(ours - ref).max()) if ref.size else 0.0


def test_sun_elongation_windows_match_gfsep(spice):
    lo, hi = _span_et(*TWO_YEARS)
    ours = find_windows("mars", sun_elongation("earth", 30), lo, hi).spans
    ref = _spans(spice, _gfsep(spice, "SUN", "EARTH", ">", 30, lo, hi, 5 * 86400.0))
    assert len(ref) >= 2  # Earth passes behind the Sun (conjunction) in the span
    assert _agree(ours, ref) < AGREE_S


def test_two_centuries_of_sun_elongation_windows_match_gfsep(spice):
    lo, hi = _span_et("1950-01-01", "2150-01-01")
    ours = find_windows("mars", sun_elongation("earth", 30), lo, hi).spans
    ref = _spans(spice, _gfsep(spice, "SUN", "EARTH", ">", 30, lo, hi, 5 * 86400.0))
    assert len(ref) > 90  # one window per synodic period (2.1 years)
    assert _agree(ours, ref) < AGREE_S


@pytest.mark.parametrize("limits", [(0.06, None), (0.03, 0.09), (None, 0.02)])
def test_earth_moon_separation_windows_match_gfsep(spice, limits):
    lo_deg, hi_deg = limits
    lo, hi = _span_et(*TWO_YEARS)
    ours = find_windows("mars", separation("earth", "moon", min=lo_deg, max=hi_deg), lo, hi).spans
    cells = []
    if lo_deg is not None:
        cells.append(_gfsep(spice, "EARTH", "MOON", ">", lo_deg, lo, hi, 86400.0))
    if hi_deg is not None:
        cells.append(_gfsep(spice, "EARTH", "MOON", "<", hi_deg, lo, hi, 86400.0))
    ref = cells[0] if len(cells) == 1 else spice.wnintd(cells[0], cells[1])
    ref = _spans(spice, ref)
    assert len(ref) >= 10  # the Moon's month makes many windows
    assert _agree(ours, ref) < AGREE_S


def test_a_nine_hour_separation_window_a_daily_scan_misses_is_found(spice):
    """2020-2040 from Mars: the Earth-Moon separation tops 0.40639 deg for ~9.3 h once (Sept 2035)."""
    lo, hi = _span_et("2020-01-01", "2040-01-01")
    ours = find_windows("mars", separation("earth", "moon", min=0.40639), lo, hi).spans
    ref = _spans(spice, _gfsep(spice, "EARTH", "MOON", ">", 0.40639, lo, hi, 86400.0))
    assert len(ref) == 1 and 9.0 * 3600 < ref[0, 1] - ref[0, 0] < 9.6 * 3600
    assert _agree(ours, ref) < AGREE_S
    # A plain daily scan sees nothing.
    day = np.arange(lo, hi, 86400.0)
    ctx_leaf = separation("earth", "moon", min=0.40639)
    from paledot.plan import Context

    assert not ctx_leaf.holds(Context("mars"), day).any()


@pytest.fixture(scope="module")
def orbiter(spice, iau_kernels, tmp_path_factory):
    """A Mars-Express-sized polar orbit written as a two-body SPK (type 5) from paledot's elements."""
    from kernels import write_names

    eph = Ephemeris([iau_kernels["mars"]])
    orbit = KeplerOrbit("mars", epoch="2023-05-15", periapsis_altitude_km=298, apoapsis_altitude_km=10107,
                        inclination=86, node=90, argp=30, plane="equator", name="plan craft")
    epoch = float(to_et("2023-05-15")[0])
    pos, vel = orbit.relative_state(np.array([epoch]))
    folder = tmp_path_factory.mktemp("plan")
    path = str(folder / "craft.bsp")
    handle = spice.spkopn(path, "paledot plan test", 0)
    lo, hi = _span_et("2022-12-01", "2025-02-01")
    spice.spkw05(handle, CRAFT_ID, 499, "J2000", lo, hi, "two-body", orbit.elements.mu, 1,
                 [np.concatenate((pos[0], vel[0]))], [epoch])
    spice.spkcls(handle)
    write_names(folder / "craft.tf", {CRAFT_NAME: CRAFT_ID})
    spice.furnsh(path)
    spice.furnsh(str(folder / "craft.tf"))
    yield eph, orbit
    spice.unload(path)


def _nearest(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    ref = np.sort(ref)
    k = np.clip(np.searchsorted(ref, x), 1, ref.size - 1)
    return np.minimum(np.abs(x - ref[k - 1]), np.abs(x - ref[k]))


def _gfoclt(sp, cnfine, step):
    hidden = sp.cell_double(100000)
    sp.gfoclt("ANY", "MARS", "ELLIPSOID", "IAU_MARS", "EARTH", "ELLIPSOID", "IAU_EARTH", "LT",
              CRAFT_NAME, step, cnfine, hidden)
    return hidden


def test_occultation_windows_match_gfoclt(spice, orbiter):
    """Earth wholly clear of Mars over two years (an orbit every 6.7 h: thousands of boundaries)
    against the complement of gfoclt's ANY occultation with a 20-minute step. paledot also finds
    grazing occultations of a minute or two that this step steps over; gfoclt run again with a
    5 s step around each of those must find it too."""
    eph, orbit = orbiter
    lo, hi = _span_et(*TWO_YEARS)
    ours = find_windows(orbit, not_occulted("earth"), lo, hi, ephemeris=eph, correction="LT").spans
    cn = _cnfine(spice, lo, hi)
    ref = _spans(spice, spice.wndifd(cn, _gfoclt(spice, cn, 1200.0)))
    ob, rb = ours.ravel(), ref.ravel()
    rb, ob = rb[(rb > lo) & (rb < hi)], ob[(ob > lo) & (ob < hi)]
    assert rb.size > 1000
    assert _nearest(rb, ob).max() < AGREE_S  # every GF boundary is one of ours
    extra = ob[_nearest(ob, rb) > AGREE_S]
    assert extra.size < 0.2 * ob.size
    fine_cn = spice.cell_double(2 * extra.size + 10)
    for x in extra:
        spice.wninsd(float(x) - 1800.0, float(x) + 1800.0, fine_cn)
    fine = _spans(spice, _gfoclt(spice, fine_cn, 5.0)).ravel()
    fine_windows = _spans(spice, fine_cn).ravel()
    fine = fine[_nearest(fine, fine_windows) > 1.0]  # not the confinement's own ends
    assert _nearest(extra, fine).max() < AGREE_S  # each of ours is a real occultation edge
    # ...and near them GF's fine search finds nothing paledot lacks.
    assert _nearest(fine, ob).max() < AGREE_S
