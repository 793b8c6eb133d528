"""`paledot render` through the command line: outputs, warnings, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from paledot.cli import main
from paledot.geometry import observe

BASE = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21T03:10",
        "--target", "earth", "--target", "moon"]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_render_writes_fits_png_and_annotated(tmp_path, capsys):
    out, png, ann = tmp_path / "f.fits", tmp_path / "f.png", tmp_path / "a.png"
    code, text, err = run(BASE + ["--out", str(out), "--png", str(png), "--annotated", str(ann)], capsys)
    assert code == 0, err
    with fits.open(out) as hdul:
        assert hdul[0].data.shape == (1032, 1024) and hdul[0].data.dtype.kind in "ui"
        h = hdul[0].header
        assert h["INSTRUME"] == "hrsc-src" and h["EXPTIME"] > 0 and h["DATE-OBS"].startswith("2023-05-21")
        assert h["CTYPE1"] == "RA---TAN" and "paledot" in h["CREATOR"]
        assert {h["BODY1"], h["BODY2"]} == {"earth", "moon"}
        assert len(hdul["BODIES"].data) == 2
    assert Image.open(png).size == (1024, 1032)
    assert Image.open(ann).mode == "RGB"
    assert "earth" in text and "km/px" in text and "wrote" in text
    assert list(tmp_path.glob("*.part")) == []


def test_same_seed_same_file_bytes(tmp_path, capsys):
    a, b = tmp_path / "a.fits", tmp_path / "b.fits"
    run(BASE + ["--out", str(a), "--seed", "5"], capsys)
    run(BASE + ["--out", str(b), "--seed", "5"], capsys)
    assert fits.getdata(a).tobytes() == fits.getdata(b).tobytes()


def test_refuses_to_overwrite_then_overwrites(tmp_path, capsys):
    out = tmp_path / "f.fits"
    assert run(BASE + ["--out", str(out)], capsys)[0] == 0
    before = out.read_bytes()
    code, _, err = run(BASE + ["--out", str(out), "--seed", "9"], capsys)
    assert code == 2 and "already exists" in err and out.read_bytes() == before
    assert run(BASE + ["--out", str(out), "--seed", "9", "--overwrite"], capsys)[0] == 0
    assert out.read_bytes() != before


def test_off_frame_target_is_warned(tmp_path, capsys):
    code, _, err = run(BASE + ["--target", "sun", "--out", str(tmp_path / "f.fits")], capsys)
    assert code == 0
    assert "paledot: warning: sun falls outside the frame" in err


def test_every_target_off_frame_is_an_error(tmp_path, capsys):
    code, _, err = run(BASE + ["--out", str(tmp_path / "f.fits"), "--pointing", "10,10"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "nothing to see in this frame: earth outside the field; moon outside the field" in err
    assert list(tmp_path.iterdir()) == []


def _camera_file(tmp_path, **changes):
    """The HRSC SRC file with fields changed (a TOML value as text) or dropped (None)."""
    import re
    from importlib.resources import files

    body = files("paledot.cameras").joinpath("hrsc-src.toml").read_text()
    for key, value in changes.items():
        table = re.compile(rf"^\[{key}\]\nvalue = [^\n]*\n(?:source|assumed)[^\n]*\n", re.MULTILINE)
        assert table.search(body), key
        replacement = "" if value is None else f"[{key}]\nvalue = {value}\nassumed = \"test\"\n"
        body = table.sub(replacement, body)
    path = tmp_path / "cam.toml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    "change,needle",
    [
        ({"pixel_pitch_um": "0.0"}, "pixel_pitch_um = 0.0 is outside the allowed range"),
        ({"focal_length_mm": "nan"}, "focal_length_mm = nan"),
        ({"read_noise_e": None}, "missing the field 'read_noise_e'"),
    ],
)
def test_bad_camera_file_is_one_line(tmp_path, capsys, change, needle):
    cam = _camera_file(tmp_path, **change)
    out = tmp_path / "f.fits"
    argv = BASE.copy()
    argv[argv.index("hrsc-src")] = str(cam)
    code, _, err = run(argv + ["--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and needle in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--exposure", "-2"], "must be a positive number"),
        (["--exposure", "0"], "must be a positive number"),
        (["--exposure", "nan"], "must be a positive number"),
        (["--exposure", "fast"], "must be 'auto' or milliseconds"),
        (["--camera", "hubble"], "unknown camera 'hubble'"),
        (["--pointing", "10,100"], "Dec within -90..90"),
        (["--stretch", "psychedelic"], "unknown stretch"),
        # two --time make a batch, whose --out is a folder: 'f.fits' was made a folder
        (["--time", "2023-05-21", "--time", "2023-05-22"], "is the folder of a batch render"),
    ],
)
def test_bad_render_input_is_one_line(tmp_path, capsys, extra, needle):
    out = tmp_path / "f.fits"
    code, _, err = run(BASE + ["--out", str(out)] + extra, capsys)
    if needle is None:  # argparse keeps the last --time: not an error, a single epoch
        assert code == 0
        return
    assert code == 2 and err.count("\n") == 1 and needle in err, err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_missing_output_folder_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "nope" / "f.fits"
    code, _, err = run(BASE + ["--out", str(out)], capsys)
    assert code == 2 and "does not exist" in err and not out.parent.exists()


def test_png_stretches_differ(tmp_path, capsys):
    for s in ("linear", "log", "asinh"):
        assert run(BASE + ["--out", str(tmp_path / f"{s}.fits"), "--png", str(tmp_path / f"{s}.png"),
                           "--stretch", s], capsys)[0] == 0
    arrays = [np.asarray(Image.open(tmp_path / f"{s}.png")) for s in ("linear", "log", "asinh")]
    assert arrays[0].mean() < arrays[2].mean() and not np.array_equal(arrays[1], arrays[2])


def test_a_night_side_filling_the_field_is_a_picture_not_nothing(tmp_path, capsys):
    """From Mars Express over Mars's night side, pointed 5 degrees off Mars's centre: the centre is
    outside the frame but the dark disk (tens of thousands of pixels across) covers all of it. That
    is a frame of something (dark ground hiding the stars), written with warnings, not refused as
    'mars outside the field'."""
    when = "2023-05-21T00:00"
    g = observe("mars express", ["mars"], when)
    ra, dec = g.ra.to_value("deg")[0, 0], g.dec.to_value("deg")[0, 0] + (5 if g.dec.value[0, 0] < 0 else -5)
    out = tmp_path / "night.fits"
    code, stdout, err = run(["render", "--observer", "mars express", "--camera", "hrsc-src", "--time", when,
                             "--target", "mars", "--exposure", "10", "--pointing", f"{ra},{dec}",
                             "--out", str(out)], capsys)
    assert code == 0, err
    assert "centre falls outside the frame" in err and "disk" in err
    assert "night side" in err
    assert out.exists() and "SNR -" in stdout and " m/px" in stdout
