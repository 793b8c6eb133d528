"""The campaign's own hint for rendering its plan must work, and never delete the plan."""

from __future__ import annotations

import shlex

from paledot.cli import main

CAMPAIGN = ["campaign", "--observer", "mars", "--target", "earth", "--target", "moon", "--frames", "2",
            "--start", "2023-05-15", "--stop", "2023-05-20", "--sun-elongation-min", "30",
            "--camera", "hrsc-src"]


def test_hinted_reproduce_command_renders_the_plan(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(CAMPAIGN) == 0
    out = capsys.readouterr().out
    hint = out.split("render it: ", 1)[1].split(")", 1)[0]
    argv = shlex.split(hint)
    assert argv[:2] == ["paledot", "reproduce"]
    assert main(argv[1:] + ["--quiet"]) == 0, capsys.readouterr().err
    plan = tmp_path / "paledot-out" / "plan"
    assert (plan / "plan.toml").is_file() and (plan / "plan.csv").is_file()
    frames = tmp_path / "paledot-out" / "plan-frames"
    assert len(list(frames.glob("frame-*.fits"))) == 2


def test_reproduce_refuses_a_folder_holding_its_scenario_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(CAMPAIGN) == 0
    capsys.readouterr()
    for extra in ([], ["--overwrite"]):
        code = main(["reproduce", "paledot-out/plan/plan.toml", "--quiet"] + extra)
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1 and "lies inside the output folder" in err and "--out" in err
        assert (tmp_path / "paledot-out" / "plan" / "plan.toml").is_file()


def test_campaign_table_names_the_orbit_angle_not_a_phase(tmp_path, capsys):
    """'Moon phase (deg)' read as the lit phase (new, full...); it is the Moon's place on its orbit."""
    assert main(CAMPAIGN + ["--out", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "Moon orbit angle (deg)" in out and "Moon phase" not in out
    assert "no least time between frames" in out  # a body centre: was 'frames at least 0 h apart'


def test_mex2023_note_says_what_visibility_shows():
    """The note said 'Earth clear of Mars for most of every orbit'; the command it names finds Earth
    clear the whole time (a consistency check of the words against paledot's own search)."""
    from paledot.geometry.visibility import visible_spans
    from paledot.stories.scenarios import load_scenario

    assert "never hidden by Mars" in load_scenario("mex-2023").observer_note
    v = visible_spans("mars express", "earth", "2023-05-14", "2023-06-04", "2min")
    assert v.visible_seconds == v.stop - v.start


def test_timeline_draws_short_windows(tmp_path, capsys):
    """304 windows of ~1.4 h over 13 months: the 'all together' row came out empty (each bar
    under a pixel wide)."""
    import io

    import numpy as np
    from PIL import Image

    png = tmp_path / "t.png"
    assert main(["windows", "--observer", "site:mars,lat=-4.59,lon=137.44", "--camera", "mastcam-100",
                 "--target", "earth", "--target", "moon", "--elevation-min", "5", "--sun-below", "10",
                 "--separation-min", "3", "--separation-unit", "px", "--start", "2026-11-25",
                 "--stop", "2028-01-01", "--timeline", str(png)]) == 0
    assert "304 window(s)" in capsys.readouterr().out
    rgb = np.asarray(Image.open(io.BytesIO(png.read_bytes())).convert("RGB")).astype(int)
    green = (abs(rgb[..., 0] - 0x2A) < 8) & (abs(rgb[..., 1] - 0x7F) < 8) & (abs(rgb[..., 2] - 0x3F) < 8)
    columns = np.unique(np.nonzero(green)[1])
    assert columns.size > 150  # ~one drawn column per window, however short
