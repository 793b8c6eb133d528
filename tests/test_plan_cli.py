"""The ``windows`` and ``campaign`` commands: the issue's own command lines, outputs, and one-line errors."""

from __future__ import annotations

import json

import pytest

from paledot.cli import main
from paledot.plan.campaign import covered_share
from paledot.stories.reproduce import reproduce
from paledot.stories.scenarios import load_scenario

WINDOWS = ["windows", "--observer", "mars express", "--camera", "hrsc-src", "--target", "earth",
           "--target", "moon", "--sun-elongation-min", "30", "--both-in-fov", "--start", "2023-01-01",
           "--stop", "2025-01-01"]
CAMPAIGN = ["campaign", "--observer", "mars", "--target", "earth", "--target", "moon", "--frames", "4",
            "--start", "2023-05-15", "--stop", "2023-06-03", "--sun-elongation-min", "30",
            "--compare", "mex-2023"]


def test_windows_command_of_the_issue(capsys):
    assert main(WINDOWS) == 0
    out = capsys.readouterr().out
    assert "2 window(s)" in out and "2023-06-03T19:5" in out  # Earth within 30 deg of the Sun on 3 June
    assert "closed by" in out


@pytest.mark.parametrize("fmt", ["csv", "json", "ecsv", "ics"])
def test_windows_formats(capsys, fmt):
    assert main([*WINDOWS, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert len(json.loads(out)["windows"]) == 2
    elif fmt == "ics":
        assert out.count("BEGIN:VEVENT") == 2
    else:
        assert "start_utc" in out


def test_windows_to_files_and_timeline(tmp_path, capsys):
    out, png = tmp_path / "w.ics", tmp_path / "w.png"
    assert main([*WINDOWS, "--format", "ics", "--out", str(out), "--timeline", str(png)]) == 0
    assert out.read_text().startswith("BEGIN:VCALENDAR") and png.read_bytes()[:4] == b"\x89PNG"
    assert main([*WINDOWS, "--out", str(out)]) == 2  # no silent overwrite
    assert "--overwrite" in capsys.readouterr().err


def test_campaign_command_of_the_issue_beats_esa_and_reproduces(tmp_path, capsys):
    folder = tmp_path / "plan"
    assert main([*CAMPAIGN, "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "mex-2023 63.5%" in out
    doc = json.loads((folder / "plan.json").read_text())
    esa = covered_share(list(load_scenario("mex-2023").epochs))
    assert doc["covered_share"] >= esa and doc["compare"]["mex-2023"]["covered_share"] == pytest.approx(esa)
    assert sorted(p.name for p in folder.iterdir()) == ["plan.csv", "plan.json", "plan.toml", "timeline.png"]
    result = reproduce(str(folder / "plan.toml"), tmp_path / "frames", progress=False)
    assert [v.verdict for v in result.verdicts] == ["holds"]  # the plan covers more than ESA's share
    assert result.findings.orbit_fraction >= esa


def test_campaign_json_format(tmp_path, capsys):
    assert main([*CAMPAIGN, "--format", "json", "--out", str(tmp_path / "p")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["plan"]) == 4


def test_impossible_constraints_say_which_never_held(capsys):
    args = ["windows", "--observer", "mars", "--target", "earth", "--sun-elongation-min", "179",
            "--start", "2023-01-01", "--stop", "2024-01-01"]
    assert main(args) == 0
    assert "sun_elongation(earth) > 179 deg never holds" in capsys.readouterr().out
    assert main([*args, "--format", "json"]) == 0
    assert "never holds" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change, words",
    [
        ({"--start": "2024-01-01", "--stop": "2023-01-01"}, "is not after start"),
        ({"--step": "0s"}, "step"),
        ({"--step": "-1d"}, "step"),
        ({"--start": "2640-01-01", "--stop": "2660-01-01"}, "covers"),
        ({"--camera": None}, "needs --camera"),
        ({"--sun-elongation-min": "200"}, "0-180"),
    ],
)
def test_bad_requests_are_one_line_errors(capsys, change, words):
    args = list(WINDOWS)
    for key, value in change.items():
        if key in args:
            i = args.index(key)
            if value is None:
                del args[i:i + 2]
            else:
                args[i + 1] = value
        else:
            args += [key, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("paledot: error:") and words in err and err.count("\n") == 1


def test_campaign_bad_frames(capsys, tmp_path):
    args = list(CAMPAIGN)
    args[args.index("--frames") + 1] = "0"
    assert main([*args, "--out", str(tmp_path / "x")]) == 2
    assert "frames" in capsys.readouterr().err


def test_campaign_without_windows_is_a_one_line_error(capsys, tmp_path):
    args = list(CAMPAIGN)
    args[args.index("--sun-elongation-min") + 1] = "179"
    assert main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "never holds" in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()  # nothing half written
