"""SPICE instrument kernels: paledot's text-kernel reader against SPICE's own (spiceypy), and the
real Mars Express HRSC IK, whose SRC camera is picked by NAIF name or id."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from paledot._io.errors import PaledotError
from paledot.cameras import camera_from_ik, ik_instruments, load_camera
from paledot.cameras.textkernel import parse_text_kernel, read_pool
from paledot.cli import main

spiceypy = pytest.importorskip("spiceypy")

HRSC_IK = Path(__file__).parent / "data" / "hrsc" / "MEX_HRSC_V03.TI"  # the real MEX HRSC IK
needs_ik = pytest.mark.skipif(not HRSC_IK.is_file(), reason="the real HRSC IK is not on this machine")

SYNTAX = r"""KPL/IK

Comment text with an assignment that is not data: INS-1_FOCAL_LENGTH = ( 5 )

\begindata
   INS-7_FOCAL_LENGTH  = 1.5D+2
   INS-7_LIST          = ( 1, 2 3,
                           4.5e-1   -.25
                           +6 )
   INS-7_LIST         += ( 7 8 )
   INS-7_NAME          = 'a quote '' inside'
   INS-7_LONG          = ( 'first part of a long //'
                           'string, continued' 'second item' )
   INS-7_WORDS         = 'one'
   INS-7_WORDS        += ( 'two', 'three' )
   INS-7_WHEN          = @2003-06-02T17:45:00
   INS-7_REPLACED      = 1
\begintext
More comments.
\begindata
   INS-7_REPLACED      = ( 2, 3 )
\begintext
"""


def _spice_values(name: str):
    n, kind = spiceypy.dtpool(name)
    if kind == "C":
        return list(spiceypy.gcpool(name, 0, n))
    return [float(x) for x in spiceypy.gdpool(name, 0, n)]


@pytest.fixture
def syntax_kernel(tmp_path):
    path = tmp_path / "syntax.ti"
    path.write_text(SYNTAX)
    spiceypy.ldpool(str(path))
    return path


def test_parser_reads_every_assignment_as_spice_does(syntax_kernel):
    ours = parse_text_kernel(syntax_kernel)
    assert set(ours) == {"INS-7_FOCAL_LENGTH", "INS-7_LIST", "INS-7_NAME", "INS-7_LONG", "INS-7_WORDS",
                         "INS-7_WHEN", "INS-7_REPLACED"}
    for name, values in ours.items():
        spice = _spice_values(name)
        if name == "INS-7_LONG":  # continued strings: SPICE's stpool joins them
            spice = [spiceypy.stpool(name, k, "//")[0] for k in range(2)]
        if isinstance(values[0], float):
            assert values == pytest.approx(spice, rel=1e-15, abs=1e-6), name
        else:
            assert values == spice, name
    assert ours["INS-7_LIST"] == [1.0, 2.0, 3.0, 0.45, -0.25, 6.0, 7.0, 8.0]
    assert ours["INS-7_LONG"] == ["first part of a long string, continued", "second item"]
    assert ours["INS-7_REPLACED"] == [2.0, 3.0]


@needs_ik
def test_parser_reads_the_real_hrsc_ik_as_spice_does():
    spiceypy.ldpool(str(HRSC_IK))
    ours = parse_text_kernel(HRSC_IK)
    assert len(ours) > 100
    for name, values in ours.items():
        spice = _spice_values(name)
        assert values == (pytest.approx(spice, rel=1e-15) if isinstance(values[0], float) else spice), name


@needs_ik
def test_read_pool_without_spiceypy_gives_the_same(monkeypatch):
    with_spice = read_pool(HRSC_IK)
    monkeypatch.setitem(sys.modules, "spiceypy", None)  # as if not installed
    assert read_pool(HRSC_IK) == with_spice


@needs_ik
@pytest.mark.parametrize("instrument", ["MEX_HRSC_SRC", "mex_hrsc_src", "-41220", -41220])
def test_src_from_the_real_ik_by_name_or_id(instrument):
    spiceypy.ldpool(str(HRSC_IK))
    cam = camera_from_ik(HRSC_IK, instrument=instrument)
    assert cam.focal_length_mm == spiceypy.gdpool("INS-41220_FOCAL_LENGTH", 0, 1)[0] == 988.6
    assert cam.pixel_pitch_um == pytest.approx(spiceypy.gdpool("INS-41220_PIXEL_SIZE", 0, 1)[0]) == 9.0
    assert (cam.columns, cam.rows) == (1024, 1024)
    assert cam.aperture_mm == pytest.approx(988.6 / 9.2)  # F/RATIO
    # pixel / focal length agrees with the IK's own IFOV to its printed precision
    assert cam.pixel_scale_rad == pytest.approx(spiceypy.gdpool("INS-41220_IFOV", 0, 1)[0], rel=0.02)
    assert cam.name == "mex_hrsc_src" and "MEX_HRSC_SRC (-41220)" in cam.sources["focal_length_mm"]


@needs_ik
def test_the_real_ik_lists_its_cameras():
    found = ik_instruments(HRSC_IK)
    assert found[-41220] == "MEX_HRSC_SRC" and found[-41215] == "MEX_HRSC_NADIR" and len(found) == 11


@needs_ik
def test_several_cameras_and_none_named_is_an_error_listing_them():
    with pytest.raises(PaledotError) as info:
        load_camera(str(HRSC_IK))
    text = str(info.value)
    assert "describes 11 cameras" in text and "MEX_HRSC_SRC (-41220)" in text and "\n" not in text


def test_instrument_with_a_catalogue_camera_is_an_error():
    with pytest.raises(PaledotError, match="picks a camera inside a SPICE instrument kernel"):
        load_camera("hrsc-src", instrument="MEX_HRSC_SRC")


RENDER = ["render", "--observer", "mars", "--time", "2023-05-21T03:10", "--target", "earth",
          "--target", "moon"]


@needs_ik
@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--instrument", "MEX_HRSC_XYZ"], "instrument 'MEX_HRSC_XYZ' is not in 'MEX_HRSC_V03.TI'"),
        (["--instrument", "-99999"], "instrument '-99999' is not a camera in 'MEX_HRSC_V03.TI'"),
        ([], "describes 11 cameras: name one with --instrument"),
    ],
)
def test_cli_ik_without_the_named_instrument_is_one_line(tmp_path, capsys, extra, needle):
    out = tmp_path / "f.fits"
    code = main(RENDER + ["--camera", str(HRSC_IK), "--out", str(out)] + extra)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and needle in err and "MEX_HRSC_SRC (-41220)" in err, err
    assert list(tmp_path.iterdir()) == []


@needs_ik
@pytest.mark.parametrize("instrument", ["MEX_HRSC_SRC", "-41220"])
def test_cli_renders_with_the_real_ik(tmp_path, capsys, instrument):
    out = tmp_path / "f.fits"
    code = main(RENDER + ["--camera", str(HRSC_IK), "--instrument", instrument, "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and out.exists()
    assert "MEX_HRSC_SRC" in text and "1024 x 1024 px" in text and "9.104 urad/px" in text
