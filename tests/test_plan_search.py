"""The window search: short windows and gaps against analytic boundaries, the & | ~ algebra against
a brute-force dense scan, impossible constraint sets, bad spans, and the output formats."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from astropy.table import Table
from hypothesis import given, settings
from hypothesis import strategies as st

from paledot import PaledotError, et_to_iso, to_et
from paledot.plan import Context, Threshold, find_windows, separation, sun_elongation
from paledot.plan.constraints import Quantity
from paledot.plan.search import MIN_WINDOW_S, TOL_S

DAY = 86400.0


@dataclass(frozen=True)
class Bump(Quantity):
    """A Lorentzian bump of height ``height`` and half-width ``width`` (s) centred at ``centre`` (ET):
    above level L it holds for ``centre +- width * sqrt(height / L - 1)``, exactly."""

    centre: float = 0.0
    width: float = 1.0
    height: float = 2.0

    def value(self, sky):
        return self.height / (1.0 + ((sky.t - self.centre) / self.width) ** 2)

    def step_s(self, ctx):
        return DAY


START = float(to_et("2023-01-01")[0])
CTX = Context("mars")


@settings(max_examples=60, deadline=None)
@given(
    offset=st.floats(0.5, 29.5),
    duration=st.floats(MIN_WINDOW_S * 1.01, 12 * 3600.0),
    width_days=st.floats(1.0, 10.0),
)
def test_short_windows_and_gaps_between_daily_samples_are_found_to_a_millisecond(offset, duration,
                                                                                width_days):
    """A window (and, negated, a gap) of 1 s to 12 h anywhere in 30 days, daily scan step: the top
    of a hump days wide (as the Moon's month makes them) that barely crosses the limit."""
    centre = START + offset * DAY
    half = duration / 2
    width = width_days * DAY
    q = Bump("bump", "", 1.0, 1.0, centre, width, 1.0 + (half / width) ** 2)
    c = Threshold(q, True, 1.0)
    w = find_windows(CTX, c, START, START + 30 * DAY)
    assert w.spans.shape == (1, 2)
    assert np.abs(w.spans[0] - [centre - half, centre + half]).max() < TOL_S
    gaps = find_windows(CTX, ~c, START, START + 30 * DAY).spans
    assert gaps.shape == (2, 2)
    assert abs(gaps[0, 1] - (centre - half)) < TOL_S and abs(gaps[1, 0] - (centre + half)) < TOL_S


def _dense_check(constraint, lo, hi, spans, step=1800.0):
    """Brute force: on a dense grid, 'holds' equals 'inside a window' except within 1 s of an edge."""
    t = np.arange(lo + 1.0, hi, step)
    holds = constraint.holds(CTX, t)
    inside = np.zeros(t.size, dtype=bool)
    for a, b in spans:
        inside |= (t >= a) & (t <= b)
    edge = np.zeros(t.size, dtype=bool)
    for x in spans.ravel():
        edge |= np.abs(t - x) < 1.0
    assert np.array_equal(holds[~edge], inside[~edge])


@pytest.mark.parametrize("combine", ["and", "or", "not", "nested"])
def test_combinations_match_a_dense_scan(combine):
    lo, hi = START, START + 365 * DAY
    a = sun_elongation("earth", 35)
    b = separation("earth", "moon", min=0.06)
    c = separation("earth", "moon", max=0.03)
    constraint = {"and": a & b, "or": a | b, "not": ~b, "nested": (a & ~b) | c}[combine]
    w = find_windows(CTX, constraint, lo, hi)
    assert len(w) > 3
    _dense_check(constraint, lo, hi, w.spans)
    assert np.all(np.diff(w.spans.ravel()) >= 0)  # sorted, disjoint


def test_impossible_constraint_set_is_an_empty_table_naming_what_never_held():
    c = sun_elongation("earth", 179) & separation("earth", "moon", min=0.01)
    w = find_windows("mars", c, "2023-01-01", "2024-01-01")
    assert len(w) == 0 and len(w.to_table()) == 0
    assert w.never_held == ["sun_elongation(earth) > 179 deg"]
    assert "sun_elongation(earth) > 179 deg never holds" in w.to_text()
    # Each holds sometimes, never together.
    both = sun_elongation("earth", 30) & ~sun_elongation("earth", 20)
    w = find_windows("mars", both, "2023-01-01", "2024-01-01")
    assert len(w) == 0 and "never all together" in w.never_held[0]
    assert json.loads(w.to_json())["windows"] == []


@pytest.mark.parametrize(
    "args, words",
    [
        (("2024-01-01", "2023-01-01"), "is not after start"),
        (("2023-01-01", "2023-01-01"), "is not after start"),
        (("2640-01-01", "2660-01-01"), "covers"),
    ],
)
def test_bad_spans_are_one_line_errors(args, words):
    with pytest.raises(PaledotError) as err:
        find_windows("mars", sun_elongation("earth", 30), *args)
    assert words in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("step", ["0s", "-1d", 0.0, float("nan")])
def test_zero_or_negative_step_is_refused(step):
    with pytest.raises(PaledotError, match="step"):
        find_windows("mars", sun_elongation("earth", 30), "2023-01-01", "2023-02-01", step=step)


@pytest.fixture(scope="module")
def windows():
    return find_windows("mars", sun_elongation("earth", 30) & separation("earth", "moon", min=0.06),
                        "2023-01-01", "2023-07-01")


def test_table_columns_and_closers(windows):
    t = windows.to_table()
    assert len(t) == len(windows) > 3
    assert set(t["closed_by"]) <= {"sun_elongation(earth) > 30 deg", "separation(earth,moon) > 0.06 deg",
                                   "search end"}
    # The tightest value inside each window never breaks its limit.
    assert np.all(t["sun_elongation_earth_deg"].value >= 30 - 1e-6)
    assert np.all(t["separation_earth_moon_deg"].value >= 0.06 - 1e-6)
    assert np.allclose(t["duration"].to_value("s"), windows.durations)


def test_ecsv_and_json_read_back(windows):
    t = Table.read(windows.to_ecsv(), format="ascii.ecsv")
    assert np.allclose(t["start_et"], windows.spans[:, 0], rtol=0, atol=1e-6)
    doc = json.loads(windows.to_json())
    assert len(doc["windows"]) == len(windows)
    assert doc["boundary_tolerance_s"] == TOL_S


def test_icalendar_follows_rfc5545(windows):
    text = windows.to_ics()
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(x.encode()) <= 75 for x in lines)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    unfolded = text.replace("\r\n ", "").split("\r\n")
    starts = [x for x in unfolded if x.startswith("DTSTART:")]
    assert len(starts) == len(windows) == text.count("BEGIN:VEVENT")
    first = et_to_iso(windows.spans[0, 0], 0)[0]  # to the second, UTC
    assert starts[0] == "DTSTART:" + first.replace("-", "").replace(":", "") + "Z"


def test_timeline_is_a_png(windows):
    png = windows.timeline_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


CURIOSITY = "site:mars,lat=-4.59,lon=137.44"


def test_surface_site_windows_match_the_sites_module_on_a_dense_scan():
    """At Gale crater: Earth 10 deg up with the Sun 6 deg below the horizon, against
    ``paledot.sites.sky`` (itself checked against SPICE) every 10 minutes."""
    from paledot.plan import elevation, sun_below
    from paledot.sites import sky

    c = elevation("earth", 10) & sun_below(6)
    w = find_windows(CURIOSITY, c, "2023-03-01", "2023-04-01")
    assert 25 < len(w) <= 32  # one evening window a sol
    t = np.arange(w.start + 1, w.stop, 600.0)
    s = sky(w.context.observer, ["earth", "sun"], t)
    el = s.elevation.to_value("deg")
    holds = (el[0] > 10) & (el[1] < -6)
    inside = np.zeros(t.size, dtype=bool)
    for a, b in w.spans:
        inside |= (t >= a) & (t <= b)
    near = np.zeros(t.size, dtype=bool)
    for x in w.spans.ravel():
        near |= np.abs(t - x) < 1.0
    assert np.array_equal(holds[~near], inside[~near])


@pytest.mark.parametrize("which", ["phase", "fraction", "magnitude", "range", "snr"])
def test_photometric_and_range_constraints_match_geometry_on_a_dense_scan(which):
    from paledot import observe
    from paledot.cameras import load_camera
    from paledot.plan import illuminated_fraction, magnitude, phase_angle, range_km, snr

    cam = load_camera("hrsc-src")
    c, value, ok = {
        "phase": (phase_angle("moon", max_deg=40), "phase", lambda v: v < 40),
        "fraction": (illuminated_fraction("moon", min=0.9), "fraction", lambda v: v > 0.9),
        "magnitude": (magnitude("earth", faintest=-1.5), "mag", lambda v: v < -1.5),
        "range": (range_km("earth", max=2.0e8), "range", lambda v: v < 2.0e8),
        "snr": (snr("earth", cam, 0.0005, 300.0), "snr", None),
    }[which]
    target = c.leaves()[0].quantity.target
    w = find_windows("mars", c, "2023-01-01", "2025-01-01")
    assert len(w) >= 1
    t = np.arange(w.start + 1, w.stop, 6 * 3600.0)
    if which == "snr":
        holds = c.holds(CTX, t)  # the estimate itself; its inputs (magnitudes) are checked below
    else:
        g = observe("mars", [target], t)
        v = {"phase": g.phase_angle.to_value("deg")[0], "fraction": g.illuminated_fraction.value[0],
             "mag": g.magnitude.value[0], "range": g.range.to_value("km")[0]}[value]
        holds = ok(v)
    inside = np.zeros(t.size, dtype=bool)
    for a, b in w.spans:
        inside |= (t >= a) & (t <= b)
    assert np.array_equal(holds, inside)


def test_a_user_step_gives_the_same_windows():
    c = sun_elongation("earth", 30) & separation("earth", "moon", min=0.06)
    derived = find_windows("mars", c, "2023-01-01", "2023-07-01").spans
    fine = find_windows("mars", c, "2023-01-01", "2023-07-01", step="6h").spans
    assert derived.shape == fine.shape and np.abs(derived - fine).max() < TOL_S


def test_margins_compose_as_min_max_and_minus():
    a, b = sun_elongation("earth", 30), separation("earth", "moon", min=0.06)
    t = START + np.arange(0, 200) * 86400.0
    ma, mb = a.margin(CTX, t), b.margin(CTX, t)
    assert np.array_equal((a & b).margin(CTX, t), np.minimum(ma, mb))
    assert np.array_equal((a | b).margin(CTX, t), np.maximum(ma, mb))
    assert np.array_equal((~a).margin(CTX, t), -ma)
    assert (~~a) is a
