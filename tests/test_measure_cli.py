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
    plot = tmp_path / "path.png"
    assert main(["measure", "--campaign", str(folder), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "campaign verdict: fits: all 2 frames" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


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
