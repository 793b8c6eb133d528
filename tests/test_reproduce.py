"""`paledot reproduce mex-2023`: open every output and check it as a person would."""

from __future__ import annotations

import csv
import math
import re

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from paledot import observe
from paledot.cli import main
from paledot.stories.claims import orbit_fraction
from paledot.stories.reproduce import reproduce
from paledot.stories.scenarios import load_scenario
from paledot.time.timescales import time_grid

VERDICTS = ("holds", "looks like a typo", "does not hold")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "mex-2023"
    return reproduce("mex-2023", out, progress=False)


def test_writes_every_promised_file(run):
    names = {p.name for p in run.folder.iterdir()}
    for expected in ("montage.png", "sequence.gif", "orbit.png", "geometry.csv", "facts.md", "report.html"):
        assert expected in names
    assert len([n for n in names if n.endswith(".fits")]) == 4
    assert len([n for n in names if n.endswith("-annotated.png")]) == 4
    assert not [n for n in run.folder.parent.iterdir() if n.name.endswith((".part", ".old"))]


def test_frames_decode_with_earth_and_moon(run):
    for fits_path in sorted(run.folder.glob("frame-*.fits")):
        with fits.open(fits_path) as hdul:
            data = hdul[0].data
            assert data.shape == (1032, 1024)
            bodies = {row["name"]: row for row in hdul["BODIES"].data}
            assert set(bodies) == {"earth", "moon"}
            e = bodies["earth"]
            # the brightest pixel of the frame sits on Earth's predicted position
            r, c = np.unravel_index(np.argmax(data), data.shape)
            assert math.hypot(c - e["x"], r - e["y"]) < 2.5
        png = Image.open(fits_path.with_suffix(".png"))
        assert png.size == (1024, 1032)


def _panels(img: Image.Image) -> int:
    """Count panels along the montage's middle row: runs of columns that are not background."""
    a = np.asarray(img.convert("RGB")).astype(int)
    row = a[a.shape[0] // 2]
    background = np.array([12, 12, 16])
    is_panel = np.abs(row - background).sum(axis=1) > 0
    edges = np.diff(is_panel.astype(int))
    return int((edges == 1).sum() + (1 if is_panel[0] else 0))


def test_montage_has_four_panels(run):
    assert _panels(Image.open(run.folder / "montage.png")) == 4


def test_gif_has_one_frame_per_six_hours_and_one_per_published_epoch(run):
    sc = load_scenario("mex-2023")
    expected = time_grid(sc.sequence["start"], sc.sequence["stop"], "6h").size
    gif = Image.open(run.folder / "sequence.gif")
    assert gif.n_frames == expected + 4 == 77  # none of the four published times is on the grid
    held = []
    for i in range(gif.n_frames):
        gif.seek(i)
        held.append(gif.info["duration"] > 500)
    assert sum(held) == 4


def test_html_is_self_contained_with_fact_table_and_images(run):
    text = (run.folder / "report.html").read_text()
    assert '<table class="facts">' in text and '<table class="claims">' in text
    assert len(re.findall(r"src='data:image/(png|gif);base64,", text)) == 3
    markup = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "data:", text)
    assert "http" not in markup and "<script" not in markup and "<link" not in markup
    assert re.findall(r"src='([^']*)'", markup) == ["data:"] * 3
    assert "distance to Earth (km)" in text and "Earth / Moon brightness" in text


def test_every_claim_has_a_verdict(run):
    sc = load_scenario("mex-2023")
    assert [v.id for v in run.verdicts] == [c["id"] for c in sc.claims]
    assert all(v.verdict in VERDICTS or v.verdict.startswith("off by") for v in run.verdicts)
    facts = (run.folder / "facts.md").read_text()
    for v in run.verdicts:
        assert v.claim in facts and f"**{v.verdict}**" in facts
    by_id = {v.id: v.verdict for v in run.verdicts}
    assert by_id["187-miles"] == "looks like a typo"
    assert by_id["sun-dot"] == "does not hold" and by_id["on-mars"] == "does not hold"
    assert by_id["half-orbit"] == "holds" and by_id["distance-range"] == "holds"


def test_numbers_agree_with_the_geometry_engine_and_the_published_span(run):
    sc = load_scenario("mex-2023")
    g = observe("mars", "earth", list(sc.epochs))
    rng = g.range.to_value("km")[0]
    assert np.array_equal(run.findings.earth_range_km, rng)
    assert np.all((np.round(rng / 1e6) >= 279) & (np.round(rng / 1e6) <= 301))
    rows = list(csv.DictReader(x for x in (run.folder / "geometry.csv").open() if not x.startswith("#")))
    assert [float(r["range_km"]) for r in rows if r["target"] == "earth"] == list(rng)
    facts = (run.folder / "facts.md").read_text()
    assert f"{rng[0]:,.0f}" in facts


def test_covered_fraction_comes_from_the_geometry(run, spice):
    """Recompute the swept angle independently from SPICE's Earth->Moon vectors."""
    sc = load_scenario("mex-2023")
    et0, et1 = spice.str2et(sc.epochs[0]), spice.str2et(sc.epochs[-1])
    vecs = np.array(
        [spice.spkpos("MOON", e, "J2000", "NONE", "EARTH")[0] for e in np.linspace(et0, et1, 200)]
    )
    normal = np.cross(vecs[0], vecs[50])
    normal /= np.linalg.norm(normal)
    ang = 0.0
    for a, b in zip(vecs[:-1], vecs[1:], strict=True):
        ang += math.atan2(np.dot(np.cross(a, b), normal), np.dot(a, b))
    assert run.findings.orbit_fraction == pytest.approx(ang / (2 * math.pi), abs=0.005)
    from importlib.resources import files

    text = files("paledot.stories.scenarios").joinpath("mex-2023.toml").read_text()
    shown = f"{run.findings.orbit_fraction:.0%}"
    assert shown not in text and f"{run.findings.orbit_fraction:.2f}" not in text  # not typed in


def test_orbit_fraction_of_a_known_circle():
    t = np.linspace(0, 0.3 * 2 * math.pi, 40)
    v = np.stack([np.cos(t), np.sin(t), np.zeros_like(t)], axis=1) * 384400.0
    assert orbit_fraction(v) == pytest.approx(0.3, abs=1e-12)


def test_second_run_refuses_then_overwrite_replaces(run, capsys):
    folder = str(run.folder)
    code = main(["reproduce", "mex-2023", "--out", folder, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and folder in err and "already exists" in err
    marker = run.folder / "old-marker.txt"
    marker.write_text("from the first run")
    code = main(
        [
            "reproduce",
            "mex-2023",
            "--out",
            folder,
            "--quiet",
            "--overwrite",
            "--time",
            "2023-05-15T14:08",
            "--time",
            "2023-05-21T03:10",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "report.html" in out and "Claims:" in out
    assert not marker.exists()  # the whole folder was replaced, not merged
    assert len(list(run.folder.glob("*.fits"))) == 2
    assert not [p for p in run.folder.parent.iterdir() if p.name.endswith((".part", ".old"))]


def test_unknown_scenario_lists_the_known_ones(capsys):
    assert main(["reproduce", "mex-1999"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'mex-1999'" in err and "mex-2023" in err and err.count("\n") == 1


def test_list_shows_scenarios_with_one_line_each(capsys):
    assert main(["reproduce", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    from paledot.stories.scenarios import list_scenarios

    assert len(lines) == len(list_scenarios()) and any(line.startswith("mex-2023") for line in lines)


def test_mex_2003_resolves_earth_from_published_cruise_figures(tmp_path):
    result = reproduce("mex-2003", tmp_path / "mex-2003", progress=False)
    f = result.findings
    assert 165 < f.earth_diameter_px[0] < 180  # 75 km/px gives about 170 px (FU Berlin)
    assert f.earth_range_km[0] == pytest.approx(8.0e6, rel=1e-3)  # the placement's own distance
    by_id = {v.id: v for v in result.verdicts}
    assert by_id["scale"].verdict == "holds"
    assert by_id["earth-180-px"].verdict.startswith("off by")  # 180 px is more than 8 million km gives
    assert {p.name for p in result.folder.iterdir()} >= {"montage.png", "report.html", "facts.md"}
    with fits.open(next(result.folder.glob("frame-1-*.fits"))) as hdul:
        # 2% of the peak: with the Blue Marble surface, dark oceans sit far below bright ice
        lit = hdul[0].data > hdul[0].data.max() * 0.02
        assert lit.sum() > 0.5 * math.pi * 80**2  # a resolved gibbous Earth, not a dot


def test_epoch_order_does_not_change_the_findings(tmp_path):
    sc = load_scenario("mex-2023")
    backwards = reproduce("mex-2023", tmp_path / "b", epochs=list(sc.epochs)[::-1], progress=False)
    assert backwards.findings.orbit_fraction == pytest.approx(0.635, abs=0.01)
    assert {v.id: v.verdict for v in backwards.verdicts}["half-orbit"] == "holds"
    text = (tmp_path / "b" / "report.html").read_text()
    assert "given by the user" in text and "sequence.gif" not in backwards.files


def test_distance_claim_does_not_hold_for_the_wrong_epochs(tmp_path):
    """Far from the published dates, the published distance span must not 'hold'."""
    r = reproduce("mex-2023", tmp_path / "w", epochs=["2022-12-08", "2022-12-08T06:00"], progress=False)
    verdict = {v.id: v for v in r.verdicts}["distance-range"]
    assert verdict.verdict.startswith("off by") and "cannot explain" in verdict.why


def test_out_below_a_file_is_refused_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["reproduce", "mex-2023", "--out", str(blocker / "sub"), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_mex_2003_refuses_user_epochs_with_one_line(capsys):
    assert main(["reproduce", "mex-2003", "--time", "2003-07-02T22:00", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--time cannot replace them" in err
