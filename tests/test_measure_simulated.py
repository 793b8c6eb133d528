"""Measure on frames rendered by paledot with known truth: random epochs, observers, exposures
(saturating ones included), rolls and noise, round-tripped through FITS.

The truth of each body is its apparent RA/Dec (paledot.observe through render) put through the
frame's own WCS (``wcs.world_to_pixel``), so the checks hold whatever row order the frame uses.
The Cramer-Rao bound is computed here independently of the measurement: Fisher information from
noiseless renders with the body moved by +-0.05 px (the pointing shifted through the WCS), with
Poisson plus read noise, flux and background free.

The issue asks for 1,000 frames; the default run uses ``PALEDOT_MEASURE_FRAMES`` (200) to stay
under a minute: ``PALEDOT_MEASURE_FRAMES=1000 pytest tests/test_measure_simulated.py`` runs all.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

pytest.importorskip("sep")
pytest.importorskip("photutils")

from paledot.cameras import load_camera  # noqa: E402
from paledot.measure import measure, read_observation  # noqa: E402
from paledot.measure.identify import wcs_roll  # noqa: E402
from paledot.measure.prediction import parity  # noqa: E402
from paledot.render import Pointing, Scene, render  # noqa: E402
from paledot.render.files import write_fits  # noqa: E402

N_FRAMES = int(os.environ.get("PALEDOT_MEASURE_FRAMES", "200"))
#: What each test measured, printed when the module ends (``pytest -s`` shows it).
SUMMARY: dict = {"frames": N_FRAMES}


@pytest.fixture(scope="module", autouse=True)
def _print_summary():
    yield
    print("\nmeasure on simulated frames:", SUMMARY)


#: The SRC's optics and electronics on its central 512 x 512 pixels (a quarter of the render time).
CAMERA = dataclasses.replace(load_camera("hrsc-src"), columns=512, rows=512)
OBSERVERS = ["mars", "mars", "mars", "jupiter", "venus"]


def _truth(frame, b):
    x, y = frame.wcs.world_to_pixel(SkyCoord(b.ra_deg * u.deg, b.dec_deg * u.deg))
    return float(x), float(y)


def _shifted(scene, frame, dx, dy):
    """The same scene, noiseless, with every body moved by (dx, dy) px (pointing moved through
    the WCS the other way)."""
    cx, cy = (CAMERA.columns - 1) / 2, (CAMERA.rows - 1) / 2
    c = frame.wcs.pixel_to_world(cx - dx, cy - dy)
    roll = scene.pointing.roll_deg
    # the boresight RA/Dec moved; keep the roll measured at the new boresight equal to the old one
    s = dataclasses.replace(
        scene,
        pointing=Pointing("radec", ra_deg=float(c.ra.deg), dec_deg=float(c.dec.deg), roll_deg=roll),
        noise=False,
        exposure=frame.exposure_s,
    )
    return render(s).expected.astype(float)


def _crb(scene, frame, b):
    """Cramer-Rao bound (px, rms of x and y) for one body, from finite differences of renders."""
    h = 0.05
    base = frame.expected.astype(float)
    x, y = _truth(frame, b)
    r = int(b.diameter_px / 2 + 8)
    iy, ix = int(round(y)), int(round(x))
    sl = (slice(max(iy - r, 0), iy + r + 1), slice(max(ix - r, 0), ix + r + 1))
    cam = frame.camera
    # derivative of the whole frame model: the boresight is re-pointed so the bodies move by h px
    gx = (_shifted(scene, frame, h, 0)[sl] - _shifted(scene, frame, -h, 0)[sl]) / (2 * h)
    gy = (_shifted(scene, frame, 0, h)[sl] - _shifted(scene, frame, 0, -h)[sl]) / (2 * h)
    mu = base[sl]
    var = mu + cam.dark_current_e_per_s * frame.exposure_s + cam.read_noise_e**2
    body = mu - np.median(base)  # the body's own light (flux derivative)
    jac = np.stack([gx.ravel(), gy.ravel(), body.ravel() / max(body.sum(), 1e-9), np.ones(mu.size)], axis=1)
    fisher = jac.T @ (jac / var.ravel()[:, None])
    cov = np.linalg.inv(fisher)
    return float(math.sqrt(0.5 * (cov[0, 0] + cov[1, 1])))


def _frame_params(rng):
    year = rng.uniform(2000, 2030)
    et = (year - 2000) * 365.25 * 86400.0
    observer = OBSERVERS[rng.integers(len(OBSERVERS))]
    roll = float(rng.uniform(0, 360))
    kind = rng.uniform()
    if kind < 0.2:
        exposure, fraction = "saturate", 0.7
    else:
        exposure, fraction = "auto", float(rng.uniform(0.05, 1.0))
    return et, observer, roll, exposure, fraction


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Render, write, read back and measure N_FRAMES frames; one record per frame."""
    rng = np.random.default_rng(11)
    folder = tmp_path_factory.mktemp("frames")
    out = []
    for n in range(N_FRAMES):
        et, observer, roll, exposure, fraction = _frame_params(rng)
        scene = Scene(
            et,
            observer,
            ["earth", "moon"],
            CAMERA,
            Pointing(roll_deg=roll),
            auto_fraction=fraction,
            seed=int(rng.integers(1 << 30)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = render(scene)
            if exposure == "saturate":  # 3 to 30 times the exposure that fills the well to 70%
                scene = dataclasses.replace(scene, exposure=frame.exposure_s * float(rng.uniform(3, 30)))
                frame = render(scene)
        path = folder / f"f{n:04d}.fits"
        write_fits(frame, path)
        obs = read_observation(path, observer=observer)
        obs.camera = CAMERA  # the header names hrsc-src; this frame is its central 512 x 512
        m = measure(obs)
        rec = {"scene": scene, "frame": frame, "m": m, "bodies": {}}
        for b in frame.bodies:
            tx, ty = _truth(frame, b)
            s = m.body(b.name)
            rec["bodies"][b.name] = {
                "truth": (tx, ty),
                "snr": b.snr if b.electrons > 0 else 0.0,
                "in_frame": b.in_frame,
                "saturated": b.saturated,
                "diameter": b.diameter_px,
                "found": None if s is None else (s.x, s.y, s.x_err, s.y_err),
            }
        e, mo = rec["bodies"]["earth"], rec["bodies"]["moon"]
        rec["sep_px"] = math.hypot(e["truth"][0] - mo["truth"][0], e["truth"][1] - mo["truth"][1])
        if e["found"] and mo["found"] and rec["sep_px"] > 50 and mo["snr"] >= 20:
            obs.wcs = None  # a press picture: no WCS, roll and scale from the pair
            m2 = measure(obs, par=parity(frame.wcs))
            rec["roll_solved"] = m2.identification.roll_deg
            rec["roll_true"] = wcs_roll(frame.wcs, *e["truth"])
        out.append(rec)
    return out


def _expect(rec, name):
    """Whether a body should be found (True), must not be (False), or either will do (None): in the
    frame, bright enough, clear of the other body. A body whose centre lies just off the frame but
    whose disk still reaches into it may be found or not."""
    b = rec["bodies"][name]
    x, y = b["truth"]
    reach = b["diameter"] / 2 + 3
    edge = -reach <= x <= CAMERA.columns - 1 + reach and -reach <= y <= CAMERA.rows - 1 + reach
    if not b["in_frame"]:
        return None if edge else False
    clear = rec["sep_px"] > rec["bodies"]["earth"]["diameter"] / 2 + 8
    if name == "moon" and not clear:
        return None
    if b["snr"] >= 8:
        return True
    return None if b["snr"] >= 3 else False


def test_identification_right_in_at_least_99_5_percent(results):
    right = wrong = 0
    for rec in results:
        for name in ("earth", "moon"):
            want = _expect(rec, name)
            got = rec["bodies"][name]["found"]
            if want is None:
                continue
            at_truth = got is not None and math.dist(got[:2], rec["bodies"][name]["truth"]) < 1.5
            if want:
                ok = at_truth
            else:  # below SNR 3 the forced search at the predicted place may still find it: there only
                ok = got is None or at_truth
            right += ok
            wrong += not ok
    SUMMARY["identification"] = f"{right} right of {right + wrong}"
    assert right + wrong > 0.9 * len(results)
    assert right / (right + wrong) >= 0.995, f"{wrong} wrong of {right + wrong}"


def test_centroid_at_snr_50_within_0_05_px_and_1_5_crb(results):
    errs, crbs = [], []
    for rec in results:
        for name in ("earth", "moon"):
            b = rec["bodies"][name]
            if b["found"] is None or b["snr"] < 50 or b["saturated"] or not _expect(rec, name):
                continue
            if len(crbs) < 40:  # the bound costs four renders: forty bodies pin it
                crbs.append(_crb(rec["scene"], rec["frame"], rec["frame"].body(name)))
                errs.append(math.dist(b["found"][:2], b["truth"]) / math.sqrt(2))
    assert len(errs) >= 10
    errs, crbs = np.array(errs), np.array(crbs)
    rms_err = math.sqrt(np.mean(errs**2))
    rms_crb = math.sqrt(np.mean(crbs**2))
    SUMMARY["centroid_snr50"] = f"{len(errs)} bodies, rms {rms_err:.4f} px, rms CRB {rms_crb:.4f} px"
    assert rms_err <= 0.05, f"rms per-axis error {rms_err:.4f} px"
    assert rms_err <= 1.5 * rms_crb, f"rms error {rms_err:.4f} px vs rms CRB {rms_crb:.4f} px"


def test_roll_from_the_pair_within_0_1_degree(results):
    """Pairs over 50 px apart with the Moon at SNR >= 20 (below that its centroid noise alone,
    about 0.1 px, turns the pair by 0.1 degree at 50 px)."""
    diffs = [((r["roll_solved"] - r["roll_true"] + 180) % 360 - 180) for r in results if "roll_solved" in r]
    assert len(diffs) >= 10
    SUMMARY["roll"] = f"{len(diffs)} pairs, worst {max(abs(d) for d in diffs):.4f} deg"
    assert max(abs(d) for d in diffs) <= 0.1, f"worst roll error {max(abs(d) for d in diffs):.3f} deg"


def test_saturated_earth_within_0_2_px(results):
    errs = [
        math.dist(r["bodies"]["earth"]["found"][:2], r["bodies"]["earth"]["truth"])
        for r in results
        if r["bodies"]["earth"]["saturated"] and r["bodies"]["earth"]["found"] and _expect(r, "earth")
    ]
    assert len(errs) >= 5
    SUMMARY["saturated_earth"] = f"{len(errs)} frames, worst {max(errs):.4f} px"
    assert max(errs) <= 0.2, f"worst saturated Earth {max(errs):.3f} px"


def test_round_trip_verdict_fits_with_residual_within_its_uncertainty(results):
    """Every frame with the Moon at SNR >= 50 fits; the Moon's offset from Earth matches the
    prediction within 3 sigma of the stated uncertainty (noise alone: the noiseless residual is
    pinned under 0.05 px in test_measure_mex2023)."""
    judged = [
        r["m"]
        for r in results
        if r["m"].comparison.get("residual_px") is not None
        and r["bodies"]["moon"]["snr"] >= 50
        and not r["bodies"]["earth"]["saturated"]
    ]
    assert len(judged) >= 5
    SUMMARY["round_trip"] = (
        f"{len(judged)} frames, worst residual {max(m.comparison['residual_px'] for m in judged):.4f} px"
    )
    assert all(m.verdict == "fits" for m in judged)
    for m in judged:
        c = m.comparison
        assert c["residual_px"] < 3 * math.sqrt(2) * c["separation_px_err"] + 0.01, c["residual_px"]


def test_no_moon_invented_below_the_noise(results):
    faint = [
        r
        for r in results
        if r["bodies"]["moon"]["in_frame"]
        and r["bodies"]["moon"]["snr"] < 3
        and r["bodies"]["earth"]["found"]
    ]
    SUMMARY["moon_below_noise"] = f"{len(faint)} frames, none invented"
    for r in faint:
        found = r["bodies"]["moon"]["found"]
        if found is not None:  # the forced search at the predicted place reaches below SNR 3: there only
            assert math.dist(found[:2], r["bodies"]["moon"]["truth"]) < 1.5
            continue
        # an upper limit, or (predicted on Earth's own image) the plain statement that it is there
        assert r["m"].verdict.startswith(("Moon not found: upper limit V >", "Moon not separable"))
