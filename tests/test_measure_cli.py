"""``paledot measure`` end to end: frames rendered by ``paledot render``, measured back from FITS."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

pytest.importorskip("sep")
pytest.importorskip("regions")

from paledot.cli import main  # noqa: E402
from paledot.geometry import observe  # noqa: E402


def _render(path, time, roll=30, exposure="3"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(
            [
                "render",
                "--observer",
                "mars",
                "--camera",
                "hrsc-src",
                "--time",
                time,
                "--target",
                "earth",
                "--target",
                "moon",
                "--roll",
                str(roll),
                "--exposure",
                exposure,
                "--out",
                str(path),
            ]
        )
    assert rc == 0


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    p = tmp_path_factory.mktemp("cli") / "f.fits"
    _render(p, "2023-05-21T03:10")
    return p


def test_table_says_fits(frame, capsys):
    assert main(["measure", str(frame)]) == 0
    out = capsys.readouterr().out
    assert "verdict: fits" in out and "earth" in out and "moon" in out


def test_json_gives_bodies_in_wcs_pixels(frame, capsys):
    assert main(["measure", str(frame), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "fits"
    w = WCS(fits.getheader(frame))
    g = observe("mars", ["earth", "moon"], "2023-05-21T03:10")
    for b in d["bodies"]:
        i = g.index(b["name"])
        sky = SkyCoord(g.ra.to_value("deg")[i, 0] * u.deg, g.dec.to_value("deg")[i, 0] * u.deg)
        x, y = w.world_to_pixel(sky)
        assert abs(b["x"] - float(x)) < 0.1 and abs(b["y"] - float(y)) < 0.1
        assert set(b) >= {"x_err", "y_err", "flux", "crb_x", "method"}


def test_sources_lists_without_identifying(frame, capsys):
    assert main(["measure", str(frame), "--sources", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["sources"]) == 2
    assert {"x", "y", "x_err", "flux", "a", "b", "theta_deg", "flags"} <= set(d["sources"][0])


def test_outputs_region_png_and_solved_wcs(frame, tmp_path, capsys):
    reg, png, sol = tmp_path / "f.reg", tmp_path / "f.png", tmp_path / "s.fits"
    args = ["measure", str(frame), "--region", str(reg), "--annotated", str(png), "--solved-fits", str(sol)]
    assert main(args) == 0
    capsys.readouterr()
    from regions import Regions

    regs = Regions.read(str(reg), format="ds9")
    assert {r.meta.get("text") for r in regs} >= {"earth", "moon"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the WCS solved from the pair alone agrees with the frame's own at both bodies
    own, solved = WCS(fits.getheader(frame)), WCS(fits.getheader(sol))
    g = observe("mars", ["earth", "moon"], "2023-05-21T03:10")
    for i in range(2):
        sky = SkyCoord(g.ra.to_value("deg")[i, 0] * u.deg, g.dec.to_value("deg")[i, 0] * u.deg)
        assert np.hypot(*np.subtract(own.world_to_pixel(sky), solved.world_to_pixel(sky))) < 0.1
    assert main(args) == 2  # no overwriting unasked
    assert "already exists" in capsys.readouterr().err


def test_campaign_one_verdict_and_a_plot(tmp_path, capsys):
    folder = tmp_path / "campaign"
    folder.mkdir()
    for t in ("2023-05-15T14:08", "2023-05-21T03:10"):
        _render(folder / f"{t[:10]}.fits", t, roll=10)
    # pictures made from the frames (as ``reproduce`` leaves them) are not frames of their own
    from PIL import Image

    for name in ("2023-05-15.png", "2023-05-15-annotated.png", "montage.png"):
        Image.new("L", (64, 64)).save(folder / name)
    plot = tmp_path / "path.png"
    assert main(["measure", "--campaign", str(folder), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "campaign verdict: fits: all 2 frames" in out
    assert "3 picture(s) beside the FITS/PDS frames passed over" in out
    rows = out[out.index("frame "):out.index("campaign verdict")].splitlines()[1:]
    assert [r.split()[0] for r in rows if r] == ["2023-05-15.fits", "2023-05-21.fits"]
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_a_folder_of_pictures_alone_measures_every_picture(tmp_path):
    from PIL import Image

    from paledot.measure.campaign import frame_files

    for name in ("b.jpg", "a.png", "notes.txt"):
        if name.endswith("txt"):
            (tmp_path / name).write_text("x")
        else:
            Image.new("L", (8, 8)).save(tmp_path / name)
    frames, skipped = frame_files(tmp_path)
    assert [p.name for p in frames] == ["a.png", "b.jpg"] and skipped == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["measure", "/no/such/frame.fits"], "does not exist"),
        (["measure"], "give a FRAME"),
        (["measure", "x.fits", "--nsigma", "0"], "--nsigma"),
        (["measure", "--campaign", "/no/such/dir"], "does not exist"),
    ],
)
def test_errors_are_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_press_picture_cropped_resized_stretched(tmp_path):
    """A press picture: cropped, enlarged 2x, asinh-stretched to 8 bits, no WCS, no camera. Earth
    and the Moon are still found, and the pair gives the roll and the (new) scale."""
    from PIL import Image

    from paledot.measure import measure, read_observation
    from paledot.measure.identify import wcs_roll, wcs_scale
    from paledot.measure.prediction import parity
    from paledot.render import Pointing, Scene, render
    from paledot.render.files import stretch_to_8bit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = render(
            Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", Pointing(roll_deg=63), seed=5)
        )
    truth = {
        b.name: np.array(f.wcs.world_to_pixel(SkyCoord(b.ra_deg * u.deg, b.dec_deg * u.deg)), float)
        for b in f.bodies
    }
    lo = np.minimum(truth["earth"], truth["moon"]).astype(int) - 40
    hi = np.maximum(truth["earth"], truth["moon"]).astype(int) + 40
    cut = f.dn[lo[1] : hi[1], lo[0] : hi[0]]
    grey = stretch_to_8bit(cut, "asinh")
    pic = Image.fromarray(np.flipud(grey)).resize((grey.shape[1] * 2, grey.shape[0] * 2), Image.BICUBIC)
    p = tmp_path / "press.png"
    pic.save(p)
    obs = read_observation(p, time="2023-05-21T03:10", observer="mars")
    m = measure(obs, par=parity(f.wcs))
    assert obs.stretched and obs.wcs is None and obs.camera is None
    for name in ("earth", "moon"):
        s = m.body(name)
        expect = (truth[name] - lo + 0.5) * 2 - 0.5  # the crop's pixel centres, enlarged 2x
        # without a camera these are light centres: a gibbous Earth's sits ~0.2 radius sunward
        assert np.hypot(s.x - expect[0], s.y - expect[1]) < 0.5 * f.body(name).diameter_px * 2 / 2 + 1, name
    assert m.identification.scale_arcsec == pytest.approx(wcs_scale(f.wcs, *truth["earth"]) / 2, rel=0.01)
    roll = wcs_roll(f.wcs, *truth["earth"])
    # Earth's and the Moon's light centres shift by different amounts: about half a degree here
    assert abs((m.identification.roll_deg - roll + 180) % 360 - 180) < 1.0


@pytest.mark.parametrize(
    "method, wcs, words",
    [("stars", object(), "catalogue stars"), ("header", object(), "frame's own WCS"),
     ("pair", object(), "Earth-Moon pair"), ("none", None, "no sky")],
)
def test_annotated_key_names_where_the_sky_came_from(method, wcs, words):
    from types import SimpleNamespace

    from paledot.measure.products import _legend

    assert words in _legend(SimpleNamespace(sky_wcs=wcs, pointing_method=method))
