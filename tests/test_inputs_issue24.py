"""Issue 24: the last wrong refusals and silent writes of a 695-command bad-input campaign.

Good inputs that were refused are run here and checked against an independent answer (SPICE for a
user's kernel, the same trajectory with ISO epochs, ASCII digits); the bad ones are rows of the
command line's bad-input table (``test_fuzz_cli_table.py``) and, where a row cannot say it all
(what a link pointed to, every subcommand), tests below.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from paledot.cli import main
from paledot.time.timescales import to_et

GEO = ["geometry", "--observer", "mars", "--target", "earth"]
RENDER = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21", "--target", "earth"]
MAS_DEG = 1.0 / 3600.0 / 1000.0


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _rows(capsys, argv: list[str]) -> list[dict]:
    """The JSON rows of a geometry command that must succeed."""
    code, out, err = _run(capsys, argv + ["--format", "json"])
    assert code == 0, err
    return json.loads(out)["rows"]


def _one_line_error(capsys, argv: list[str], needle: str) -> str:
    code, _, err = _run(capsys, argv)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("paledot: error: "), err
    assert needle in err, err
    return err


def _same_geometry(a: list[dict], b: list[dict]) -> None:
    """Row by row: positions within 1 cm, angles within 1e-9 deg (numbers from the same states)."""
    assert len(a) == len(b) and a
    for ra, rb in zip(a, b, strict=True):
        assert ra["utc"] == rb["utc"] and ra["target"] == rb["target"]
        for key in ("x_km", "y_km", "z_km", "range_km"):
            assert abs(ra[key] - rb[key]) < 1e-5, (key, ra[key], rb[key])
        for key in ("ra_deg", "dec_deg", "phase_angle_deg"):
            assert abs(ra[key] - rb[key]) < 1e-9, (key, ra[key], rb[key])


# --- a user's SPK: type 2, records of 10 days -----------------------------------------------------
def test_type2_kernel_with_10_day_records_is_accepted_and_agrees_with_spice(spice, tmp_path, capsys):
    from kernels import write_earth_offset

    path = tmp_path / "earth_offset.bsp"
    write_earth_offset(spice, path, float(to_et("2023-05-01")[0]))
    argv = GEO + ["--time", "2023-05-15T12:00", "--time", "2023-05-20T03:17:09"]
    ours = _rows(capsys, argv + ["--ephemeris", str(path)])
    de440 = _rows(capsys, argv)
    spice.furnsh(str(path))
    try:
        for row, plain in zip(ours, de440, strict=True):
            ref = np.array(spice.spkpos("EARTH", row["et"], "J2000", "LT+S", "MARS BARYCENTER")[0])
            got = np.array([row["x_km"], row["y_km"], row["z_km"]])
            cos = np.dot(got, ref) / np.linalg.norm(got) / np.linalg.norm(ref)
            assert math.degrees(math.acos(min(cos, 1.0))) < MAS_DEG
            assert abs(np.linalg.norm(got) - np.linalg.norm(ref)) < 1e-3  # km
            # and the kernel's Earth really replaced DE440's (thousands of km apart)
            assert abs(row["range_km"] - plain["range_km"]) > 100.0
    finally:
        spice.unload(str(path))


# --- trajectory files: ET epochs, numpy reprs, no metadata -----------------------------------------
def _states(et: np.ndarray, t0: float) -> np.ndarray:
    """A made-up orbit about Mars: 10,000 km, 8 h period, slightly inclined (km, km/s)."""
    w = 2 * math.pi / 28800.0
    p = w * (et - t0)
    pos = 1e4 * np.stack([np.cos(p), np.sin(p), 0.1 * np.sin(p)], axis=1)
    vel = 1e4 * w * np.stack([-np.sin(p), np.cos(p), 0.1 * np.cos(p)], axis=1)
    return np.hstack([pos, vel])


@pytest.fixture(scope="module")
def trajectories(tmp_path_factory):
    """The same 4 h of states as CSVs with UTC, ET, numpy-repr ET epochs, and one with no metadata."""
    folder = tmp_path_factory.mktemp("traj")
    first = np.datetime64("2023-05-14T22:00:00")
    utc = [str(first + np.timedelta64(120 * k, "s")) for k in range(120)]
    et = to_et(utc)
    states = _states(et, float(et[0]))
    meta = "# CENTER_NAME = MARS\n# REF_FRAME = J2000\n"
    header = "x,y,z,vx,vy,vz\n"
    body = {
        "utc": [f"{u}," + ",".join(repr(float(v)) for v in s) for u, s in zip(utc, states, strict=True)],
        "et": [",".join(repr(float(v)) for v in (e, *s)) for e, s in zip(et, states, strict=True)],
        "repr": [",".join(repr(np.float64(v)) for v in (e, *s)) for e, s in zip(et, states, strict=True)],
    }
    (folder / "utc.csv").write_text(meta + "utc," + header + "\n".join(body["utc"]) + "\n")
    (folder / "et.csv").write_text(meta + "et," + header + "\n".join(body["et"]) + "\n")
    (folder / "repr.csv").write_text(meta + "et," + header + "\n".join(body["repr"]) + "\n")
    (folder / "bare.csv").write_text("et," + header + "\n".join(body["et"]) + "\n")
    assert "np.float64(" in (folder / "repr.csv").read_text()
    return folder


AT_TWO = ["--time", "2023-05-15T00:00", "--time", "2023-05-15T01:23:45.5"]


def _trajectory_rows(capsys, spec: str) -> list[dict]:
    return _rows(capsys, ["geometry", "--observer", spec, "--target", "earth", "--target", "moon", *AT_TWO])


def test_csv_with_et_epochs_gives_the_geometry_of_the_same_csv_in_utc(trajectories, capsys):
    utc = _trajectory_rows(capsys, f"file:{trajectories / 'utc.csv'}")
    et = _trajectory_rows(capsys, f"file:{trajectories / 'et.csv'}")
    _same_geometry(et, utc)
    mars = _rows(capsys, GEO + AT_TWO)  # and it is an orbit 10,000 km from Mars, not Mars itself
    assert all(abs(a["range_km"] - b["range_km"]) > 1.0 for a, b in zip(et[::2], mars, strict=True))


def test_csv_numbers_written_as_numpy_reprs_are_read_as_written(trajectories, capsys):
    """'np.float64(737380869.1852839)' (a script's repr() under numpy 2) was 'not a number'."""
    _same_geometry(_trajectory_rows(capsys, f"file:{trajectories / 'repr.csv'}"),
                   _trajectory_rows(capsys, f"file:{trajectories / 'et.csv'}"))


def test_csv_without_metadata_takes_its_centre_from_the_observer_text(trajectories, capsys):
    """center=mars on a CSV with no comment lines was 'REF_FRAME None is not supported'."""
    _same_geometry(_trajectory_rows(capsys, f"file:{trajectories / 'bare.csv'},center=mars"),
                   _trajectory_rows(capsys, f"file:{trajectories / 'et.csv'}"))
    spec = f"file:{trajectories / 'bare.csv'},center=mars,frame=B1950"
    _one_line_error(capsys, ["geometry", "--observer", spec, "--target", "earth", *AT_TWO],
                    "REF_FRAME 'B1950' is not supported: use one of")


# --- Unicode digits: one rule for --time and --step -------------------------------------------------
@pytest.mark.parametrize("typed,ascii_text", [
    ("２０２３-05-15", "2023-05-15"),  # full-width
    ("٢٠٢٣-٠٥-١٥T١٢:٠٠", "2023-05-15T12:00"),  # Arabic-Indic
    ("2023-１３５T06:３０", "2023-135T06:30"),  # day of year
    ("JD２４６００８０.５", "JD2460080.5"),
])
def test_unicode_digits_in_a_time_read_as_ascii_digits(capsys, typed, ascii_text):
    assert _rows(capsys, GEO + ["--time", typed]) == _rows(capsys, GEO + ["--time", ascii_text])


def test_unicode_digits_in_start_stop_and_step_read_alike(capsys):
    typed = _rows(capsys, GEO + ["--start", "２０２３-05-15", "--stop", "２０２３-05-16", "--step", "１２h"])
    assert typed == _rows(capsys, GEO + ["--start", "2023-05-15", "--stop", "2023-05-16", "--step", "12h"])
    assert len(typed) == 3


def test_a_bad_time_in_unicode_digits_is_quoted_as_typed(capsys):
    _one_line_error(capsys, GEO + ["--time", "２０２３-05-15T25:00"], "'２０２３-05-15T25:00'")


# --- symbolic links at output paths -----------------------------------------------------------------
def test_render_refuses_a_link_to_a_file_without_overwrite(tmp_path, capsys):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.fits"
    link.symlink_to(target)
    _one_line_error(capsys, RENDER + ["--out", str(link)], f"{str(link)!r} already exists (a symbolic link)")
    assert link.is_symlink() and target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.fits", "precious.txt"]


def test_overwrite_replaces_the_link_never_the_file_it_points_to(tmp_path, capsys):
    from astropy.io import fits

    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.fits"
    link.symlink_to(target)
    code, out, err = _run(capsys, RENDER + ["--out", str(link), "--overwrite"])
    assert code == 0, err
    assert not link.is_symlink() and link.is_file() and target.read_text() == "keep me\n"
    with fits.open(link) as hdul:
        assert hdul[0].data.shape == (1032, 1024)


def test_a_dangling_link_is_an_existing_output(tmp_path, capsys):
    link = tmp_path / "g.csv"
    link.symlink_to(tmp_path / "elsewhere" / "g.csv")
    argv = GEO + ["--time", "2023-05-15", "--format", "csv", "--out", str(link)]
    _one_line_error(capsys, argv, f"{str(link)!r} already exists (a symbolic link): pass --overwrite")
    assert link.is_symlink()
    code, _, err = _run(capsys, argv + ["--overwrite"])
    assert code == 0, err
    assert not link.is_symlink() and link.read_text().startswith("utc,")
    assert not (tmp_path / "elsewhere").exists()


def test_a_folder_swap_replaces_a_link_to_a_folder_not_the_folder(tmp_path):
    from paledot._io.errors import PaledotError
    from paledot._io.outputs import check_folder_destination, replace_folder

    real = tmp_path / "real"
    real.mkdir()
    (real / "old.txt").write_text("old\n")
    link = tmp_path / "out"
    link.symlink_to(real)
    with pytest.raises(PaledotError, match="already exists"):
        check_folder_destination(link, overwrite=False)
    check_folder_destination(link, overwrite=True)
    replace_folder(link, lambda tmp: (tmp / "new.txt").write_text("new\n"), overwrite=True)
    assert not link.is_symlink() and sorted(p.name for p in link.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in real.iterdir()) == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "real"]  # no temporaries left


# --- errors in the user's own words ---------------------------------------------------------------
def test_stop_before_start_quotes_both_as_typed(capsys):
    err = _one_line_error(capsys, ["visibility", "--observer", "mars", "--target", "earth",
                                   "--start", "2023-05-16T06:00", "--stop", "2023-135"],
                          "--stop '2023-135' must be later than --start '2023-05-16T06:00'")
    assert "ET" not in err


def _subcommands() -> list[str]:
    import argparse

    from paledot.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _subcommands())
def test_an_unknown_option_is_named_before_missing_arguments(capsys, command):
    _one_line_error(capsys, [command, "--bogus"], f"unknown option '--bogus' for paledot {command}")
    _one_line_error(capsys, [command, "--bogus=3"], f"unknown option '--bogus' for paledot {command}")


def test_known_options_and_their_abbreviations_still_work(capsys):
    _one_line_error(capsys, ["geometry"], "the following arguments are required: --observer, --target")
    code, _, err = _run(capsys, ["geometry", "--obs", "mars", "--targ", "earth", "--time", "2023-05-15"])
    assert code == 0, err
    _one_line_error(capsys, GEO + ["--time", "2023-05-15", "--overwite"], "did you mean --overwrite?")


def test_a_bad_camera_value_names_the_file_it_came_from(tmp_path, capsys):
    from importlib.resources import files

    text = files("paledot.cameras").joinpath("hrsc-src.toml").read_text()
    start = text.index("[exposure_min_s]\nvalue = ")
    end = text.index("\n", start + len("[exposure_min_s]\nvalue = "))
    cam = tmp_path / "my camera.toml"
    cam.write_text(text[:start] + "[exposure_min_s]\nvalue = 5000.0" + text[end:])
    argv = RENDER.copy()
    argv[argv.index("hrsc-src")] = str(cam)
    _one_line_error(capsys, argv + ["--out", str(tmp_path / "f.fits")],
                    f"camera file {str(cam)!r} (camera 'hrsc-src'): exposure_min_s 5000.0 exceeds")


def test_a_message_never_shows_a_numpy_repr():
    from paledot._io.errors import PaledotError

    text = str(PaledotError(f"length {np.float64(10.0)!r}, JD {np.float64(-np.inf)!r}, {np.int64(3)!r}, "
                            f"{np.bool_(True)!r}, kept: np.float64(abc)"))
    assert text == "length 10.0, JD -inf, 3, True, kept: np.float64(abc)"
