"""Campaign design: the covered share against the claims module's swept arc and ESA's four 2023 dates,
the designed K = 4 plan for May-June 2023 (checked with SPICE), optimality against brute force,
spacing, and the plan as a scenario."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paledot import PaledotError, observe, to_et
from paledot.plan import find_windows, sun_elongation
from paledot.plan.campaign import _choose, covered_share, design, largest_gap
from paledot.stories.claims import orbit_fraction
from paledot.stories.scenarios import load_scenario

ESA = list(load_scenario("mex-2023").epochs)


def test_covered_share_of_esa_dates_is_the_claims_swept_arc():
    """63.5%: the claims module's measure (hourly vectors, swept angle first to last) and ESA's
    'more than half of the Moon's orbit'."""
    et = to_et(ESA)
    dense = np.linspace(et[0], et[-1], int((et[-1] - et[0]) / 3600) + 1)
    swept = orbit_fraction(observe("earth", "moon", dense, correction="NONE").position.to_value("km")[0])
    share = covered_share(ESA)
    assert abs(share - swept) < 1e-6
    assert 0.5 < share and round(share, 3) == 0.635


@pytest.fixture(scope="module")
def may_june():
    w = find_windows("mars", sun_elongation("earth", 30) & sun_elongation("moon", 30),
                     "2023-05-15", "2023-06-03")
    return w, design(w, 4)


def test_designed_four_frames_cover_at_least_esas_share(may_june):
    _, plan = may_june
    assert len(plan.epochs) == 4
    assert plan.share >= covered_share(ESA)
    assert abs(plan.share - covered_share(plan.epochs)) < 1e-3  # same measure, own plane


def test_designed_epochs_meet_the_constraint_by_spice(spice, may_june):
    """Earth's and the Moon's Sun elongation from the Mars barycentre at each epoch, by spkpos."""
    _, plan = may_june
    for et in plan.epochs:
        sun = spice.spkpos("SUN", float(et), "J2000", "LT+S", "MARS BARYCENTER")[0]
        for body in ("EARTH", "MOON"):
            v = spice.spkpos(body, float(et), "J2000", "LT+S", "MARS BARYCENTER")[0]
            assert np.degrees(spice.vsep(v, sun)) > 30.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), k=st.integers(2, 4), spacing=st.sampled_from([0.0, 5.0]))
def test_greedy_bisection_matches_brute_force(seed, k, spacing):
    """The smallest largest gap over all K-subsets of 14 random candidates, found exhaustively."""
    rng = np.random.default_rng(seed)
    p = np.sort(rng.uniform(0, 1, 14))
    tt = rng.permutation(np.arange(14.0) * 3.0)  # times; spacing 5 forbids some pairs
    best = np.inf
    for combo in itertools.combinations(range(14), k):
        times = np.sort(tt[list(combo)])
        if spacing and np.any(np.diff(times) < spacing):
            continue
        best = min(best, largest_gap(p[list(combo)] * 2 * np.pi) / (2 * np.pi))
    chosen = _choose(p, tt, k, spacing)
    if not np.isfinite(best):
        return
    # Greedy assumes the time spacing does not bind (it checks, and may give up): allow that.
    if chosen is None:
        assert spacing > 0
        return
    got = largest_gap(p[chosen] * 2 * np.pi) / (2 * np.pi)
    if spacing == 0:
        assert got <= best + 1e-6
    else:
        assert got >= best - 1e-6 and np.all(np.diff(np.sort(tt[chosen])) >= spacing - 1e-9)


def test_one_frame_per_orbit_for_an_orbiter():
    w = find_windows("mars express", sun_elongation("earth", 30), "2023-05-15", "2023-05-17")
    plan = design(w, 5)
    period = w.context.orbit_period_s
    assert plan.min_spacing_s == pytest.approx(period)
    assert np.all(np.diff(np.sort(plan.epochs)) >= period - 1e-6)


def test_no_window_or_too_many_frames_are_one_line_errors():
    w = find_windows("mars", sun_elongation("earth", 179), "2023-05-15", "2023-06-03")
    with pytest.raises(PaledotError, match="never holds"):
        design(w, 4)
    w = find_windows("mars", sun_elongation("earth", 30), "2023-05-15", "2023-05-16")
    with pytest.raises(PaledotError, match="apart"):
        design(w, 4, min_spacing_s=12 * 3600.0)
    with pytest.raises(PaledotError, match="frames"):
        design(w, 0)


def test_plan_is_a_scenario(may_june, tmp_path):
    _, plan = may_june
    plan.compare["mex-2023"] = (covered_share(ESA), to_et(ESA))
    path = tmp_path / "plan.toml"
    path.write_text(plan.scenario_toml("plan", "hrsc-src", ["earth", "moon"], "mars"))
    sc = load_scenario(str(path))
    assert np.allclose(to_et(list(sc.epochs)), np.sort(plan.epochs), atol=1e-3)
    assert sc.claims[0]["kind"] == "orbit_fraction_more_than"
    assert sc.claims[0]["fraction"] == pytest.approx(covered_share(ESA))
