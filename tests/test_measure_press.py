"""Measure on press pictures: right, or an honest "cannot judge" — never "fits" on noise.

The pictures are paledot's own renders degraded as press pictures are (``press_pictures``: colour,
stretch, crop, resize, JPEG at quality 70-90, a landscape or a limb and rings in the field, labels
burnt in), with the truth kept: where Earth's and the Moon's centres fall, and the Moon's SNR on
the saved picture. Each case of the issue is here in every mode (no camera, the right camera, a
wrong one); then a seeded table of 250 pictures; then archive pictures with no Earth in them.

"Honest" (``_check_honest``): every body named as confirmed lies at its truth; a verdict is given
only with Earth confirmed at its truth; "fits" only with both bodies at their truth. A candidate
(named, unconfirmed) may be wrong, since the verdict then says nothing confirms it; so may a Moon
flagged marginal (SNR 3 to 5, its chance of being noise stated), counted in the table.
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sep")
pytest.importorskip("PIL")

import press_pictures as P  # noqa: E402

from paledot.measure import measure, read_observation  # noqa: E402

#: A wrong camera for each scenario: another catalogue camera, of another scale.
WRONG = {"msl-2014": "hrsc-src", "cassini-2013-wac": "mastcam-34", "voyager-1990": "cassini-iss-wac",
         "mex-2023": "voyager-iss-nac"}


def _measure(pp: P.PressPicture, camera: str | None, scale: float | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs = read_observation(pp.path, time=pp.time, observer=pp.observer, camera=camera)
        return measure(obs, scale_arcsec=scale)


def _off(m, pp: P.PressPicture, name: str) -> float | None:
    """Distance (px) of the body named ``name`` from its truth; None when not named."""
    s = m.body(name)
    if s is None:
        return None
    truth = pp.earth_xy if name == "earth" else pp.moon_xy
    return math.inf if truth is None else math.hypot(s.x - truth[0], s.y - truth[1])


def _tol(pp: P.PressPicture, name: str) -> float:
    """How near a named body must be: 2 px (2.5 for the Moon, a phased, stretched dot), times the
    resize factor when enlarged."""
    return (2.0 if name == "earth" else 2.5) * max(1.0, pp.scale)


def _check_honest(m, pp: P.PressPicture) -> None:
    confirmed = m.comparison.get("confirmed", False)
    for name in ("earth", "moon"):
        off = _off(m, pp, name)
        marginal = name == "moon" and m.body("moon") is not None and "marginal" in m.body("moon").flags
        if confirmed and off is not None and not marginal:  # a marginal Moon says it may be noise
            assert off <= _tol(pp, name), (name, off, m.verdict, pp.path.name, pp.notes)
    if m.verdict_given:
        assert pp.has_earth and confirmed, (m.verdict, pp.path.name, pp.notes)
        assert (_off(m, pp, "earth") or math.inf) <= _tol(pp, "earth"), (m.verdict, pp.notes)
    if m.verdict.startswith("fits"):  # a marginal Moon is stated as such: it may be the noise
        assert _off(m, pp, "moon") is not None and _off(m, pp, "moon") <= _tol(pp, "moon")
    for name, sig in m.comparison.get("significance", {}).items():  # never a body on noise
        assert sig is not None and sig >= (5.0 if name == "earth" else 3.0), (name, sig, m.verdict)


# --- the cases, each in every mode -------------------------------------------------------
#: (kind, seed, mode, resize): the rover's picture is its camera's whole frame enlarged 2x (as the
#: 3200-px press JPEG of a 1600-px Mastcam frame); the others are crops at the recorded scale.
CASES = [("rover", 3, "whole", 2.0), ("ringed", 5, "round", 1.0), ("ray", 7, "round", 1.0),
         ("orbit", 9, "round", 1.0)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("press")


@pytest.mark.parametrize("kind, seed, mode, resize", CASES)
def test_each_case_right_or_honest_in_every_mode(folder, kind, seed, mode, resize):
    pp = P.make(kind, seed, folder, mode=mode, resize=resize, labels=True)
    results = {}
    for which, cam in (("none", None), ("right", pp.camera), ("wrong", WRONG[pp.scenario])):
        m = _measure(pp, cam)
        _check_honest(m, pp)
        results[which] = m
    # giving the right camera never makes the answer worse than giving none
    none, right = results["none"], results["right"]
    if none.comparison.get("confirmed") and none.body("earth") is not None:
        assert right.comparison.get("confirmed") and _off(right, pp, "earth") <= _tol(pp, "earth")
    # with the right camera Earth is named where it is (a candidate at least), never elsewhere
    off = _off(right, pp, "earth")
    assert off is not None and off <= _tol(pp, "earth"), right.verdict


def test_rover_picture_with_the_right_camera_fits_with_the_moon_found(folder):
    """The rover's twilight picture, terrain along the bottom, Earth and the Moon 9 px apart at
    the camera's scale, enlarged 2x: with the right camera both are found and it fits."""
    pp = P.make("rover", 3, folder, mode="whole", resize=2.0, labels=True)
    m = _measure(pp, pp.camera)
    assert m.verdict.startswith(("fits", "marginal fit")), m.verdict
    assert m.comparison["assumed"] == "mastcam-34 resized x2"
    assert "textured ground or rings" in m.comparison["evidence"]["mask"]


def test_no_camera_names_the_camera_it_assumed(folder):
    """Without a camera, the catalogue is tried: the rover's whole frame enlarged 2x is matched
    to Mastcam-34 enlarged 2x, and the verdict says the camera was assumed."""
    pp = P.make("rover", 3, folder, mode="whole", resize=2.0, labels=False)
    m = _measure(pp, None)
    _check_honest(m, pp)
    if m.verdict_given:
        assert "camera assumed: mastcam-34" in m.verdict, m.verdict
    else:
        assert "no camera" in m.verdict or "not identified" in m.verdict


def test_an_upper_limit_brighter_than_the_prediction_is_called_a_contradiction():
    """A frame where the Moon should be seen and is not: the verdict says so, not a plain limit."""
    from paledot.measure.evidence import NoiseModel
    from paledot.measure.identify import Identification
    from paledot.measure.judging import Evidence, judge
    from paledot.measure.sky_mask import SkyMask

    class Pred:
        magnitude = 3.0

    comp = {"verdict": "Moon not found: upper limit V > 4.50", "moon_upper_limit_v": 4.5, "notes": []}
    ident = Identification(bodies={"earth": 0}, confirmed=True)

    class Srcs:
        sources = [object()]

    class Obs:
        camera, stretched = object(), False

    ev = Evidence(SkyMask(np.zeros((4, 4), bool)), NoiseModel(2.0, 1.0, 100, 0.0), [50.0], [], "camera")
    judge(comp, Srcs(), ident, {"moon": Pred()}, ev, Obs())
    assert comp["verdict"].startswith("off: the Moon is not found, yet predicted at V 3.00")
    assert comp["verdict_given"]
    comp = {"verdict": "Moon not found: upper limit V > 2.50", "moon_upper_limit_v": 2.5, "notes": []}
    judge(comp, Srcs(), ident, {"moon": Pred()}, ev, Obs())
    assert comp["verdict"].startswith("Moon not found: upper limit V > 2.50")  # consistent: a limit


# --- the table ------------------------------------------------------------------------------
N_EARTH, N_EMPTY = 200, 50


def _row(args):
    i, folder = args
    kind = list(P.KINDS)[i % 4]
    earth = i < N_EARTH
    pp = P.make(kind, 1000 + i, Path(folder), earth=earth)
    m = _measure(pp, pp.camera)
    try:
        _check_honest(m, pp)
        dishonest = ""
    except AssertionError as exc:
        dishonest = str(exc)[:300]
    sig = m.comparison.get("significance", {})
    moon = m.body("moon")
    return {
        "name": pp.path.name, "notes": pp.notes, "earth": earth, "given": m.verdict_given,
        "dishonest": dishonest,
        "verdict": m.verdict, "e_off": _off(m, pp, "earth"), "m_off": _off(m, pp, "moon"),
        "e_tol": _tol(pp, "earth"), "m_tol": _tol(pp, "moon"), "moon_snr": pp.moon_snr,
        "moon_sig": sig.get("moon"), "marginal": moon is not None and "marginal" in (moon.flags or [])
        or (sig.get("moon") or 99) < 5, "block": pp.moon_in_earth_block,
        "sep": math.dist(pp.earth_xy, pp.moon_xy) if earth else 0.0, "earth_snr": pp.earth_snr,
        "marginal_fit": m.verdict.startswith("marginal fit"),
        "scale_known": pp.notes[0].startswith(("whole", "round x1.00")),
    }


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("press-table")
    jobs = [(i, str(folder)) for i in range(N_EARTH + N_EMPTY)]
    import multiprocessing as mp

    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(_row, jobs, chunksize=8))


def test_table_every_answer_honest(table):
    assert not [(r["name"], r["dishonest"]) for r in table if r["dishonest"]]


def test_table_no_verdict_on_a_picture_without_earth(table):
    empty = [r for r in table if not r["earth"]]
    assert len(empty) == N_EMPTY
    assert not [r for r in empty if r["given"]], [(r["name"], r["verdict"]) for r in empty if r["given"]]


def test_table_earth_right(table):
    """Earth named at its place (confirmed, or as the candidate the verdict says is unconfirmed)
    wherever it is significant on the saved picture (SNR 5, the naming threshold, or more)."""
    with_earth = [r for r in table if r["earth"] and r["earth_snr"] >= 5]
    assert len(with_earth) >= 150
    right = [r for r in with_earth if r["e_off"] is not None and r["e_off"] <= r["e_tol"]]
    share = len(right) / len(with_earth)
    wrong = [(r["name"], r["notes"], r["verdict"][:60]) for r in with_earth if r not in right]
    assert share >= EARTH_RIGHT, (share, wrong)


#: The share of pictures with Earth significant where it is named at its place: 99% (198 of 200)
#: today, the issue's goal. The two misses: a narrow-angle look shrunk to half, Earth at SNR 10 on
#: the scattered-light ray; a ringed-planet crop shrunk to half, a ring's saturated piece left on
#: the sky.
EARTH_RIGHT = 0.99


def test_table_moon_found_down_to_snr_3_and_flagged_marginal_under_5(table):
    """Where the picture's scale can be known (its camera's frame resized whole, or cropped at the
    recorded scale), the Moon apart from Earth's own image and JPEG macroblocks, and its SNR on the
    saved picture 3 or more: it is found at its place; below 5 it is flagged marginal."""
    judged = [r for r in table if r["earth"] and r["scale_known"] and r["moon_snr"] >= 3 and not r["block"]
              and r["sep"] >= 4]
    assert len(judged) >= 20
    found = [r for r in judged if r["m_off"] is not None and r["m_off"] <= r["m_tol"]]
    missed = [(r["name"], r["notes"], round(r["moon_snr"], 1), r["verdict"][:70])
              for r in judged if r not in found]
    assert len(found) / len(judged) >= MOON_FOUND, missed
    for r in table:
        if r["moon_sig"] is not None and r["moon_sig"] < 5:
            assert r["marginal"], r


#: The share of those pictures where the Moon is found: all, as the issue asks (27 of 27). The
#: Moon's SNR is the larger-noise one of ``press_pictures._moon_snr``: white noise, or the scatter
#: of the same aperture around Earth at the Moon's separation. By white noise alone two Moons 6-7 px
#: from Earth in the narrow-angle look's ray were at 3.3-3.4; at their separation Earth's JPEG
#: ringing and the ray make them 1.7-1.9, and measure's own search says 2.0 and 0.1.
MOON_FOUND = 1.0


def test_table_marginal_moons_are_rarely_noise(table):
    """A Moon flagged marginal states its chance of being noise (a few per cent at most): over the
    table, at most 1 in 10 of the marginal ones is off its place."""
    marginal = [r for r in table if r["earth"] and r["m_off"] is not None and r["marginal_fit"]]
    wrong = [r for r in marginal if r["m_off"] > r["m_tol"]]
    assert len(wrong) <= max(1, len(marginal) // 10), [(r["name"], r["verdict"][:60]) for r in wrong]


# --- no camera: the right camera or scale, or "cannot" -------------------------------------------
@pytest.mark.parametrize("i", range(16))
def test_no_camera_finds_the_camera_or_says_it_cannot(folder, i):
    kind = list(P.KINDS)[i % 4]
    pp = P.make(kind, 2000 + i, folder, mode="whole" if i % 2 else "round", resize=None)
    m = _measure(pp, None)
    _check_honest(m, pp)
    if m.verdict_given:
        assert "camera assumed:" in m.verdict
        from paledot.cameras import load_camera

        cam = load_camera(pp.camera)
        true_scale = math.degrees(cam.pixel_scale_rad) * 3600 / pp.scale
        assert m.identification.assumed_scale_arcsec == pytest.approx(true_scale, rel=0.02)
    else:
        assert m.verdict.startswith(("not identified", "Earth not found")), m.verdict


# --- archive pictures with no Earth in them -------------------------------------------------------
def _archive():
    out = []
    try:
        import skimage

        data = Path(skimage.__file__).parent / "data"
        out += [data / n for n in ("hubble_deep_field.jpg", "moon.png", "rocket.jpg") if (data / n).exists()]
    except ImportError:
        pass
    sep = Path(__file__).parent / "data" / "sep" / "image.fits"
    if sep.exists():
        out.append(sep)
    return out


@pytest.mark.parametrize("path", _archive(), ids=lambda p: p.name)
@pytest.mark.parametrize("camera", [None, "hrsc-src", "mastcam-34"])
def test_archive_pictures_without_earth_are_never_judged(path, camera):
    """Real pictures packages ship (scikit-image's Hubble Deep Field, its lunar surface and rocket
    launch, SEP's CCD frame), measured as if Mars Express had taken them on 2023-05-21: no verdict,
    and the line says Earth was not found or not identified."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs = read_observation(path, time="2023-05-21T03:10", observer="mars", camera=camera)
        m = measure(obs)
    assert not m.verdict_given, m.verdict
    assert m.verdict.startswith(("Earth not found", "not identified")), m.verdict
    assert not m.comparison.get("confirmed")


def test_cli_exit_3_without_a_verdict_and_scale_option(folder, capsys):
    from paledot.cli import main

    pp = P.make("orbit", 9, folder, mode="round", resize=1.0, labels=False)
    args = ["measure", str(pp.path), "--time", pp.time, "--observer", pp.observer]
    cam = __import__("paledot.cameras", fromlist=["load_camera"]).load_camera(pp.camera)
    scale = math.degrees(cam.pixel_scale_rad) * 3600
    assert main(args + ["--scale", f"{scale:.6f}"]) == 0
    assert "verdict: fits" in capsys.readouterr().out
    assert main(args + ["--scale", f"{scale * 1.7:.6f}"]) == 3  # a wrong scale: no pair, no verdict
    assert "verdict: not identified" in capsys.readouterr().out
    assert main(args + ["--scale", "-2"]) == 2
    assert "--scale -2.0 must be a positive pixel scale" in capsys.readouterr().err
