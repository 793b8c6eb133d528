"""Command-line and package conventions: help everywhere, extras refused at once, negative
pointings, --format for cameras and render, licence and typing markers."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

import pytest

import paledot
from paledot.cli import _parser, main
from paledot.render import Pointing, Scene

ROOT = Path(__file__).resolve().parents[1]


def _actions(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a}", h) for a, h in _actions(sub))
        elif not isinstance(action, argparse._HelpAction):
            yield "/".join(action.option_strings) or action.dest, action.help


def test_every_option_of_every_command_has_help():
    missing = [name for name, text in _actions(_parser()) if not text]
    assert not missing, f"options without help: {missing}"


@pytest.mark.parametrize("command", [["demo"], ["reproduce", "mex-2023"]])
def test_commands_needing_matplotlib_refuse_at_once_naming_the_extra(monkeypatch, capsys, tmp_path, command):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as after a plain pip install
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "paledot[report]" in err and "matplotlib" in err
    assert not any(tmp_path.iterdir())  # nothing was computed or written


def test_negative_pointing_is_read(monkeypatch):
    seen = {}
    monkeypatch.setattr("paledot.cli.render._cmd_render",
                        lambda args: seen.setdefault("p", args.pointing) and 0)
    main(["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21T03:10",
          "--target", "earth", "--pointing", "-57.5,-21.7", "--out", "x.fits"])
    assert seen["p"] == "-57.5,-21.7"
    p = Pointing.parse(seen["p"])
    assert p.ra_deg == pytest.approx(302.5) and p.dec_deg == -21.7


def test_scene_takes_a_pointing_string():
    scene = Scene("2023-05-21T03:10", "mars", ["earth"], "hrsc-src", pointing="earth")
    assert scene.pointing.target == "earth"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_cameras_format(capsys, fmt):
    assert main(["cameras", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        names = [c["name"] for c in json.loads(out)]
    else:
        names = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert "hrsc-src" in names


def test_render_json_summary_has_no_machine_paths(capsys, tmp_path):
    out = tmp_path / "f.fits"
    assert main(["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21T03:10",
                 "--target", "earth", "--target", "moon", "--out", str(out), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in doc["bodies"]] == ["earth", "moon"] and doc["files"][0] == "f.fits"
    assert str(tmp_path) not in json.dumps(doc)


def test_long_commands_take_quiet():
    for cmd in (["geometry", "--observer", "mars", "--target", "earth", "--time", "now", "-q"],
                ["visibility", "--observer", "mex", "--target", "earth", "--around", "2023-05-15", "-q"],
                ["reproduce", "--list", "-q"], ["demo", "-q"]):
        assert _parser().parse_args(cmd).quiet


def test_package_is_typed_and_licensed():
    assert (Path(paledot.__file__).parent / "py.typed").exists()
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"  # an SPDX expression, as setuptools >= 77 wants
    readme = (ROOT / "README.md").read_text()
    assert "shared/DESIGN.md" not in readme and (ROOT / "docs" / "ARCHITECTURE.md").exists()


def test_version_is_read_lazily(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("paledot ")


def test_scene_exposure_takes_a_quantity():
    import astropy.units as u

    from paledot import PaledotError

    assert Scene("2023-05-21T03:10", "mars", ["earth"], "hrsc-src", exposure=3.024 * u.ms).exposure == \
        pytest.approx(0.003024)
    with pytest.raises(PaledotError, match="wrong unit"):
        Scene("2023-05-21T03:10", "mars", ["earth"], "hrsc-src", exposure=3 * u.m)


def test_shell_completion_script(capsys):
    pytest.importorskip("shtab")
    with pytest.raises(SystemExit):
        main(["--print-completion", "bash"])
    script = capsys.readouterr().out
    assert "geometry" in script and "--deflection" in script


def test_shell_completion_without_shtab_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "shtab", None)
    assert main(["--print-completion", "bash"]) == 2
    assert "paledot[completion]" in capsys.readouterr().err
