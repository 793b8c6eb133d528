"""Frames in the astronomical pixel convention: the WCS read back by astropy from the written FITS is
the oracle (first row at the bottom, north up and east left at roll 0, det CD < 0)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from paledot.cli import main

TIME = "2023-05-21T03:10"
BASE = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", TIME,
        "--target", "earth", "--target", "moon"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One noiseless frame written through the CLI at roll 0 and one at roll 33 degrees."""
    folder = tmp_path_factory.mktemp("orient")
    out = {}
    for roll in (0.0, 33.0):
        paths = {k: folder / f"r{roll:g}.{k}" for k in ("fits", "png")}
        code = main(BASE + ["--no-noise", "--roll", str(roll), "--out", str(paths["fits"]),
                            "--png", str(paths["png"])])
        assert code == 0
        out[roll] = paths
    return out


def _wcs_and_bodies(path):
    with fits.open(path) as hdul:
        header = hdul[0].header
        bodies = {row["name"]: row for row in hdul["BODIES"].data}
        data = hdul[0].data.copy()
    return WCS(header), bodies, data


def test_north_is_up_and_east_left_in_the_fits(written):
    """At roll 0: (x, y+1) has a larger Dec than (x, y); (x+1, y) a smaller RA; det(CD) < 0."""
    wcs, _, _ = _wcs_and_bodies(written[0.0]["fits"])
    assert np.linalg.det(wcs.pixel_scale_matrix) < 0
    for x, y in [(0, 0), (511.5, 515.5), (1000, 20), (30, 1000)]:
        ra0, dec0 = wcs.pixel_to_world_values(x, y)
        ra_up, dec_up = wcs.pixel_to_world_values(x, y + 1)
        ra_right, dec_right = wcs.pixel_to_world_values(x + 1, y)
        assert dec_up > dec0
        d_ra = (ra_right - ra0 + 180) % 360 - 180
        assert d_ra < 0


@pytest.mark.parametrize("roll", [0.0, 33.0])
def test_bodies_table_pixels_map_through_the_wcs_within_0_01_px(written, roll):
    wcs, bodies, _ = _wcs_and_bodies(written[roll]["fits"])
    scale_deg = math.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix)))
    for name in ("earth", "moon"):
        b = bodies[name]
        sky = SkyCoord(b["ra"], b["dec"], unit="deg")
        mapped = wcs.pixel_to_world(b["x"], b["y"])
        assert mapped.separation(sky).deg / scale_deg < 0.01
        x, y = wcs.world_to_pixel(sky)
        assert math.hypot(x - b["x"], y - b["y"]) < 0.01


def test_png_shows_the_moon_where_ds9_does(written):
    """DS9 puts the FITS's first row at the bottom: the PNG is that picture, so the brightest pixel
    and the Moon fall at the same place, and north (the Moon's Dec relative to Earth) is up."""
    _, bodies, data = _wcs_and_bodies(written[0.0]["fits"])
    png = np.asarray(Image.open(written[0.0]["png"]))
    ds9 = data[::-1]  # what DS9 shows, top row first
    assert np.unravel_index(np.argmax(png), png.shape) == np.unravel_index(np.argmax(ds9), ds9.shape)
    earth, moon = bodies["earth"], bodies["moon"]
    rows = data.shape[0]
    png_row = {n: rows - 1 - round(float(b["y"])) for n, b in (("earth", earth), ("moon", moon))}
    png_col = {n: round(float(b["x"])) for n, b in (("earth", earth), ("moon", moon))}
    assert png[png_row["moon"], png_col["moon"]] > np.median(png) + 20  # the Moon is lit there
    # on the sky: north up, east left
    assert np.sign(png_row["earth"] - png_row["moon"]) == np.sign(moon["dec"] - earth["dec"])
    d_ra = (moon["ra"] - earth["ra"] + 180) % 360 - 180
    assert np.sign(png_col["earth"] - png_col["moon"]) == np.sign(d_ra)
