"""The command line's bad-input table: every row ends in exit status 2, exactly one line on stderr
starting ``paledot: error:``, naming the bad value, and no file written."""

from __future__ import annotations

import re

import pytest

from paledot.cli import main

GEO = ["geometry", "--observer", "mars", "--target", "earth"]
AT = ["--time", "2023-05-15"]
RENDER = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21", "--target", "earth"]

TABLE = [
    (["geometry", "--observer", "nowhere", "--target", "earth", *AT], "'nowhere'"),
    (GEO + ["--time", "2023-05-15T25:00"], "'2023-05-15T25:00'"),
    (GEO + ["--time", "2023-05-15T23:59:60"], "'2023-05-15T23:59:60': second 60 is out of range"),
    (GEO + ["--time", "2023-05-15T23:58:60.5"], "second 60.5 is out of range"),
    (GEO + ["--time", "0000-01-01"], "no year 0000"),
    (GEO + ["--time", "3000-01-01"], "3000-01-01T00:00:00 UTC is outside the ephemeris"),
    (GEO + ["--time", "1000-01-01"], "1000-01-01T00:00:00 UTC is outside the ephemeris"),
    (GEO + ["--time", "JDnan"], "'JDnan'"),
    (GEO + ["--time", "ET:1e999"], "'ET:1e999'"),
    (GEO + ["--start", "2023-05-15", "--stop", "2023-05-16", "--step", "0d"], "'0d'"),
    (GEO + ["--start", "2023-05-15", "--stop", "2023-05-16", "--step", "nand"], "'nand'"),
    (GEO + ["--start", "2023-05-15", "--stop", "2023-05-16", "--step", "-1d"], "'-1d'"),
    (GEO + ["--start", "2023-05-15", "--stop", "2023-05-16", "--chunk", "0"], "--chunk 0"),
    (GEO + [*AT, "--correction", "XYZ"], "'XYZ'"),
    (GEO + [*AT, "--ephemeris", "/nonexistent.bsp"], "'/nonexistent.bsp'"),
    (GEO + [*AT, "--ephemeris", "{tmp}/bad.csv"], "bad.csv' as an SPK file"),
    (GEO + [*AT, "--out", "/nonexistent/dir/g.csv"], "'/nonexistent/dir'"),
    (GEO + [*AT, "--out", "{tmp}/exists.csv"], "exists.csv' already exists"),
    (
        ["geometry", "--observer", "kepler:mars,a=1e300,e=0.1,epoch=2023-05-15", "--target", "earth", *AT],
        "a='1e300'",
    ),
    (
        ["geometry", "--observer", "kepler:mars,a=nan,e=0.1,epoch=2023-05-15", "--target", "earth", *AT],
        "a='nan'",
    ),
    (
        ["geometry", "--observer", "kepler:mars,a=4000,e=1.5,epoch=2023-05-15", "--target", "earth", *AT],
        "eccentricity 1.5",
    ),
    (["geometry", "--observer", "site:mars,lat=91,lon=0", "--target", "earth", *AT], "latitude 91"),
    (["geometry", "--observer", "fixed:sun,x=inf,y=0,z=0,source=s", "--target", "earth", *AT], "x='inf'"),
    (["geometry", "--observer", "file:{tmp}/bad.csv,center=mars", "--target", "earth", *AT], "header 'x,y'"),
    (["geometry", "--observer", "file:{tmp}/nan.csv", "--target", "earth", *AT], "'nan' must be a finite"),
    (
        ["geometry", "--observer", "file:{tmp}/deg.csv", "--target", "earth", *AT],
        "INTERPOLATION_DEGREE 41 is not allowed",
    ),
    (RENDER + ["--out", "{tmp}/x.fits", "--pointing", "nan,0"], "'nan,0'"),
    (RENDER + ["--out", "{tmp}/x.fits", "--pointing", "10,95"], "'10,95'"),
    (RENDER + ["--out", "{tmp}/x.fits", "--roll", "nan"], "roll nan"),
    (RENDER + ["--out", "{tmp}/x.fits", "--exposure", "nan"], "'nan' ms"),
    (RENDER + ["--out", "{tmp}/x.fits", "--exposure", "-5"], "'-5' ms"),
    (RENDER + ["--out", "{tmp}/x.fits", "--auto-fraction", "nan"], "fraction nan"),
    (RENDER + ["--out", "{tmp}/x.fits", "--stretch", "wobble"], "'wobble'"),
    (RENDER + ["--out", "/nonexistent/x.fits"], "'/nonexistent'"),
    (RENDER + ["--out", "{tmp}/x.fits", "--png", "{tmp}/x.fits"], "name the same file"),
    (
        [
            "render",
            "--observer",
            "mars",
            "--camera",
            "nosuchcam",
            "--time",
            "2023-05-21",
            "--target",
            "earth",
            "--out",
            "{tmp}/x.fits",
        ],
        "'nosuchcam'",
    ),
    (
        [
            "render",
            "--observer",
            "mars",
            "--camera",
            "{tmp}/deep.toml",
            "--time",
            "2023-05-21",
            "--target",
            "earth",
            "--out",
            "{tmp}/x.fits",
        ],
        "nests tables or arrays too deeply",
    ),
    (
        [
            "render",
            "--observer",
            "mars",
            "--camera",
            "{tmp}/nancam.toml",
            "--time",
            "2023-05-21",
            "--target",
            "earth",
            "--out",
            "{tmp}/x.fits",
        ],
        "camera file '{tmp}/nancam.toml' (camera 'hrsc-src'): focal_length_mm = nan",
    ),
    (["reproduce", "nosuch"], "'nosuch'"),
    (["reproduce", "mex-2023", "--time", "2023-05-15T23:59:60", "--out", "{tmp}/r"], "'2023-05-15T23:59:60'"),
    (["reproduce", "mex-2023", "--out", "{tmp}/exists.csv"], "exists.csv': it is a file, not a folder"),
    (
        [
            "visibility",
            "--observer",
            "mars",
            "--target",
            "earth",
            "--start",
            "2023-05-15",
            "--stop",
            "2023-05-16",
            "--step",
            "-1min",
        ],
        "'-1min'",
    ),
    (
        [
            "visibility",
            "--observer",
            "mars",
            "--target",
            "earth",
            "--around",
            "2023-05-15",
            "--window",
            "nanh",
        ],
        "'nanh'",
    ),
    # issue 24: the last wrong refusals and silent writes of the 695-command campaign
    (GEO + ["--time", "２０２３-02-30"], "cannot read time '２０２３-02-30': no such date"),
    (GEO + [*AT, "--ephemeris", "{tmp}/nan_record.bsp"], "holds a record length 10.0 days"),
    (["geometry", "--observer", "file:{tmp}/noframe.oem", "--target", "earth", *AT], "no REF_FRAME"),
    (["geometry", "--observer", "file:{tmp}/bare.csv", "--target", "earth", *AT],
     "no CENTER_NAME: say which body the states are relative to"),
    (RENDER + ["--out", "{tmp}/link.fits"], "'{tmp}/link.fits' already exists (a symbolic link)"),
    (RENDER + ["--out", "{tmp}/dangling.fits"], "'{tmp}/dangling.fits' already exists (a symbolic link)"),
    (GEO + [*AT, "--out", "{tmp}/dangling.csv"], "'{tmp}/dangling.csv' already exists (a symbolic link)"),
    (["reproduce", "mex-2023", "--out", "{tmp}/linked-folder"],
     "linked-folder' already exists (a symbolic link)"),
    (
        ["visibility", "--observer", "mars", "--target", "earth",
         "--start", "2023-05-16", "--stop", "2023-05-15"],
        "--stop '2023-05-15' must be later than --start '2023-05-16'",
    ),
    (["geometry", "--bogus"], "unknown option '--bogus' for paledot geometry"),
    (["render", "--obsrver", "mars"],
     "unknown option '--obsrver' for paledot render: did you mean --observer?"),
    (["--bogus", "geometry"], "unknown option '--bogus' for paledot:"),
]


@pytest.fixture
def folder(tmp_path):
    from importlib.resources import files

    (tmp_path / "bad.csv").write_text("x,y\n1,2\n")
    (tmp_path / "exists.csv").write_text("keep me\n")
    rows = "".join(f"{60.0 * k},{4000 + k},{k},0,0.1,1,0\n" for k in range(40))
    (tmp_path / "nan.csv").write_text(
        "# CENTER_NAME = MARS\n# REF_FRAME = J2000\net,x,y,z,vx,vy,vz\n" + rows.replace("4005,", "nan,")
    )
    (tmp_path / "deg.csv").write_text(
        "# CENTER_NAME = MARS\n# REF_FRAME = J2000\n# INTERPOLATION = LAGRANGE\n"
        "# INTERPOLATION_DEGREE = 41\net,x,y,z,vx,vy,vz\n" + rows
    )
    (tmp_path / "deep.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    cam = files("paledot.cameras").joinpath("hrsc-src.toml").read_text()
    (tmp_path / "nancam.toml").write_text(
        re.sub(r"(\[focal_length_mm\]\s*\nvalue\s*=\s*)[^\n]+", r"\1nan", cam)
    )
    _issue24_files(tmp_path, rows)
    return tmp_path


def _issue24_files(tmp_path, rows: str) -> None:
    """A kernel with a NaN coefficient, trajectories without frame or centre, and symbolic links at
    output paths (one to a file that must survive, dangling ones, one to a folder)."""
    import struct

    import spiceypy as sp
    from kernels import EARTH_OFFSET_KM, write_earth_offset

    kernel = tmp_path / "nan_record.bsp"
    write_earth_offset(sp, kernel, 737380869.0 - 14 * 86400.0)
    data = kernel.read_bytes()
    one = struct.pack("<d", EARTH_OFFSET_KM[0])
    kernel.write_bytes(data.replace(one, struct.pack("<d", float("nan")), 1))
    (tmp_path / "noframe.oem").write_text(
        "CCSDS_OEM_VERS = 2.0\nMETA_START\nOBJECT_NAME = probe\nCENTER_NAME = MARS\nTIME_SYSTEM = TDB\n"
        "META_STOP\n" + "".join(f"2023-05-15T00:{k:02d}:00 {4000 + k} {k} 0 0.1 1 0\n" for k in range(40))
    )
    (tmp_path / "bare.csv").write_text("et,x,y,z,vx,vy,vz\n" + rows)
    (tmp_path / "link.fits").symlink_to(tmp_path / "exists.csv")
    (tmp_path / "dangling.fits").symlink_to(tmp_path / "nowhere.fits")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (tmp_path / "folder").mkdir()
    (tmp_path / "linked-folder").symlink_to(tmp_path / "folder")


def _run(folder, capsys, argv) -> tuple[int, str]:
    code = main([a.replace("{tmp}", str(folder)) for a in argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv,needle", TABLE, ids=[" ".join(a)[:60] for a, _ in TABLE])
def test_bad_input_is_one_line_exit_2_naming_it(folder, capsys, argv, needle):
    before = sorted(p.name for p in folder.iterdir())
    code, err = _run(folder, capsys, argv)
    assert code == 2, (code, err)
    assert err.count("\n") == 1 and err.startswith("paledot: error: "), err
    assert needle.replace("{tmp}", str(folder)) in err, err
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written, no temporaries
    assert (folder / "exists.csv").read_text() == "keep me\n"
    assert (folder / "link.fits").is_symlink() and list((folder / "folder").iterdir()) == []


#: numpy 2's repr of a scalar (np.float64(10.0), np.True_): never part of a message.
_NUMPY_REPR = re.compile(r"\bnp\.|\bnumpy\.|float64\(|int64\(")


def test_no_numpy_repr_in_any_table_error(folder, capsys):
    """Every error the table emits, grepped at once for numpy reprs."""
    leaks = []
    for argv, _ in TABLE:
        code, err = _run(folder, capsys, argv)
        if _NUMPY_REPR.search(err):
            leaks.append(err.strip())
    assert leaks == []
