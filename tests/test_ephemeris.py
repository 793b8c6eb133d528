"""Ephemeris loading: DE440 by default, user SPKs on top (later wins), coverage errors, bad files."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import Ephemeris, OutOfRangeError, UnknownBodyError, observe, to_et
from paledot.celestial.vectors import angle_between

MAS = np.radians(1.0 / 3600.0 / 1000.0)
OFFSET_KM = np.array([0.4, -0.25, 0.1])  # a made-up Mars centre offset from its barycentre


def _write_mars_centre_kernel(sp, path, first_et, last_et, data_type):
    """An SPK with Mars (499) relative to its barycentre (4): a constant offset, type 2 or 3."""
    handle = sp.spkopn(str(path), "paledot test", 0)
    intlen = (last_et - first_et) / 4
    n, degree = 4, 2
    if data_type == 2:
        record = np.concatenate([[c, 0.0, 0.0] for c in OFFSET_KM])
        sp.spkw02(handle, 499, 4, "J2000", first_et, last_et, "mars centre", intlen, n, degree,
                  np.tile(record, n), first_et)
    else:
        record = np.concatenate([[c, 0.0, 0.0] for c in OFFSET_KM] + [[0.0, 0.0, 0.0]] * 3)
        sp.spkw03(handle, 499, 4, "J2000", first_et, last_et, "mars centre", intlen, n, degree,
                  np.tile(record, n), first_et)
    sp.spkcls(handle)


@pytest.mark.parametrize("data_type", [2, 3])
def test_user_kernel_gives_mars_centre_and_matches_spice(spice, tmp_path, data_type):
    first, last = to_et(["2023-01-01", "2024-01-01"])
    path = tmp_path / f"mars_centre_{data_type}.bsp"
    _write_mars_centre_kernel(spice, path, first, last, data_type)
    eph = Ephemeris([path])
    assert eph.resolve("mars").naif_id == 499 and eph.resolve("mars").note == ""

    et = np.linspace(first + 10, last - 10, 50)
    g = observe("mars", ["earth", "moon"], et, ephemeris=eph)
    assert g.notes == ()
    spice.furnsh(str(path))
    try:
        for i, tgt in enumerate(["EARTH", "MOON"]):
            ref = np.array([spice.spkpos(tgt, e, "J2000", "LT+S", "MARS")[0] for e in et])
            ours = g.position.to_value("km")[i]
            assert angle_between(ours, ref).max() < MAS
            assert np.abs(np.linalg.norm(ours, axis=1) - np.linalg.norm(ref, axis=1)).max() < 1e-3
    finally:
        spice.unload(str(path))
    # And the centre really is offset from the barycentre by the kernel's vector.
    bary = observe("mars barycenter", "earth", et, correction="NONE").position.to_value("km")[0]
    centre = observe("mars", "earth", et, correction="NONE", ephemeris=eph).position.to_value("km")[0]
    assert np.allclose(bary - centre, OFFSET_KM, atol=1e-6)


def test_outside_a_short_kernel_names_its_span(spice, tmp_path):
    first, last = to_et(["2023-01-01", "2024-01-01"])
    path = tmp_path / "short.bsp"
    _write_mars_centre_kernel(spice, path, first, last, 2)
    eph = Ephemeris([path])
    with pytest.raises(OutOfRangeError, match="covers 2023-01-01 to 2024-01-01"):
        observe("mars", "earth", ["2025-06-01"], ephemeris=eph)


def test_de440_span_is_named_when_exceeded():
    with pytest.raises(OutOfRangeError, match=r"1549-12-31 to 2650-01-25"):
        observe("earth", "moon", ["2700-01-01"])


def test_light_time_epoch_outside_coverage_is_caught():
    """An observation just inside the span whose light-time epoch falls outside it is an error."""
    start = Ephemeris().coverage(301)[0]
    with pytest.raises(OutOfRangeError):
        observe("neptune", "moon", np.array([start + 60.0]))


def test_body_without_any_segment_is_unknown(tmp_path):
    eph = Ephemeris()
    with pytest.raises(UnknownBodyError, match="did you mean"):
        eph.resolve("plutoo")


def test_positions_are_the_spice_geometric_states(spice, random_et):
    """The raw Chebyshev evaluation is bit-close to SPICE's spkgeo: positions and velocities."""
    eph = Ephemeris()
    for naif in (399, 301, 4, 10, 199):
        pos, vel = eph.state(naif, random_et[:200])
        for i, e in enumerate(random_et[:200]):
            ref, _ = spice.spkgeo(naif, e, "J2000", 0)
            assert np.abs(pos[i] - ref[:3]).max() < 1e-6
            assert np.abs(vel[i] - ref[3:]).max() < 1e-12


def test_results_do_not_depend_on_batch_size(random_et):
    """Whole, chunked and one-by-one evaluation give bit-identical geometry (chunks and Dask agree)."""
    et = random_et[:37]
    whole = observe("mars", ["earth", "moon"], et).position.to_value("km")
    pieces = np.concatenate(
        [observe("mars", ["earth", "moon"], et[i:i + 5]).position.to_value("km") for i in range(0, 37, 5)],
        axis=1,
    )
    single = np.concatenate(
        [observe("mars", ["earth", "moon"], et[i:i + 1]).position.to_value("km") for i in range(37)], axis=1
    )
    assert np.array_equal(whole, pieces) and np.array_equal(whole, single)


@pytest.mark.parametrize("corr", ["LT+S", "CN", "CN+S"])
def test_converged_light_time_does_not_depend_on_the_batch(random_et, corr):
    """CN stops per epoch (SPKLTC's own test), so one-by-one and whole batches agree bit for bit."""
    et = random_et[:23]
    whole = observe("moon", ["earth", "sun"], et, correction=corr).position.to_value("km")
    single = np.concatenate(
        [observe("moon", ["earth", "sun"], et[i:i + 1], correction=corr).position.to_value("km")
         for i in range(et.size)], axis=1)
    assert np.array_equal(whole, single)
