"""Reading frames for measurement: FITS, pictures (flipped into y-up), a real HRSC SRC PDS3 product.

Oracles: ISIS's own test of the SRC product (mean 40.6, standard deviation 568.86 over its pixels),
the product's PDS3 label as printed, and arrays written here with a marker at a known place.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

pytest.importorskip("pdr")

from paledot._io.errors import PaledotError  # noqa: E402
from paledot.measure import read_observation  # noqa: E402
from paledot.time.timescales import et_to_iso  # noqa: E402

# A real HRSC SRC PDS3 product (5 lines of a Deimos frame, 2006): see data/hrsc/README.md.
HRSC = Path(__file__).parent / "data" / "hrsc" / "h2862_0006_sr2_cropped.img"


@pytest.fixture(scope="module")
def hrsc():
    if not HRSC.exists():
        pytest.skip("the HRSC SRC test product is not available")
    return read_observation(HRSC)


def test_hrsc_src_pixels_match_isis_figures(hrsc):
    img = hrsc.image
    assert img.shape == (5, 1008)
    assert img.mean() == pytest.approx(40.6, abs=0.05)  # ISIS prints one decimal
    assert img.std(ddof=1) == pytest.approx(568.86, abs=0.005)  # ISIS: sample standard deviation


def test_hrsc_src_label_time_exposure_and_camera(hrsc):
    assert et_to_iso(np.array([hrsc.et]), precision=3)[0] == "2006-04-04T03:42:28.928"
    assert hrsc.exposure_s == pytest.approx(27.216e-3)
    assert hrsc.camera is not None and hrsc.camera.name == "hrsc-src"
    assert hrsc.observer == "mars express"
    assert hrsc.meta["camera_from"] == "label DETECTOR_ID MEX_HRSC_SRC"


def test_hrsc_src_first_line_is_the_top_row(hrsc, tmp_path):
    raw = HRSC.read_bytes()
    first_line = np.frombuffer(raw[3212 : 3212 + 2016], dtype=">i2")
    assert np.array_equal(hrsc.image[-1], first_line.astype(float))  # y up: line 1 at the top


def test_pds_label_pointing_past_the_end_is_refused(tmp_path):
    if not HRSC.exists():
        pytest.skip("no HRSC product")
    raw = HRSC.read_bytes()
    bad = tmp_path / "past_eof.img"
    bad.write_bytes(raw.replace(b"^IMAGE = 3213 <BYTES>", b"^IMAGE = 9213 <BYTES>", 1))
    with pytest.raises(PaledotError, match="past the end|file has only|no readable IMAGE"):
        read_observation(bad)


def test_truncated_pds_product_is_refused(tmp_path):
    if not HRSC.exists():
        pytest.skip("no HRSC product")
    bad = tmp_path / "cut.img"
    bad.write_bytes(HRSC.read_bytes()[:5000])
    with pytest.raises(PaledotError):
        read_observation(bad)


def _marker():
    img = np.zeros((40, 60), np.uint8)
    img[2, 5] = 200  # near the top-left of the picture as displayed
    return img


@pytest.mark.parametrize("suffix", [".png", ".tif", ".jpg"])
def test_picture_top_left_lands_at_high_y(tmp_path, suffix):
    p = tmp_path / f"m{suffix}"
    Image.fromarray(_marker()).save(p, quality=100) if suffix == ".jpg" else Image.fromarray(_marker()).save(
        p
    )
    obs = read_observation(p)
    assert obs.image.shape == (40, 60)
    y, x = np.unravel_index(np.argmax(obs.image), obs.image.shape)
    assert (x, y) == (5, 40 - 1 - 2)
    assert obs.stretched and obs.saturation == 255


def test_sixteen_bit_and_colour_pictures(tmp_path):
    img16 = np.zeros((30, 30), np.uint16)
    img16[3, 4] = 60000
    p16 = tmp_path / "d16.png"
    Image.fromarray(img16).save(p16)
    o16 = read_observation(p16)
    assert o16.image.max() == 60000 and not o16.stretched and o16.saturation == 65535
    rgb = np.zeros((30, 30, 3), np.uint8)
    rgb[3, 4] = (30, 60, 90)
    prgb = tmp_path / "c.png"
    Image.fromarray(rgb).save(prgb)
    orgb = read_observation(prgb)
    assert orgb.image[30 - 1 - 3, 4] == pytest.approx(60.0)


def test_fits_with_and_without_wcs(tmp_path):
    data = np.arange(20 * 30, dtype=np.float32).reshape(20, 30)
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [10.0, 20.0]
    w.wcs.crpix = [15.0, 10.0]
    w.wcs.cd = [[-1e-4, 0], [0, 1e-4]]
    h = w.to_header()
    h["DATE-OBS"] = "2023-05-21T03:10:00"
    h["EXPTIME"] = 0.5
    fits.PrimaryHDU(data, h).writeto(tmp_path / "w.fits")
    fits.PrimaryHDU(data).writeto(tmp_path / "n.fits")
    a = read_observation(tmp_path / "w.fits")
    b = read_observation(tmp_path / "n.fits", time="2023-05-21T03:10", observer="mars")
    assert a.wcs is not None and b.wcs is None
    assert np.array_equal(a.image, data)  # FITS rows are taken as they are: row 1 at the bottom
    assert a.exposure_s == 0.5 and et_to_iso(np.array([a.et]))[0].startswith("2023-05-21T03:10:00")
    assert b.et == pytest.approx(a.et) and b.observer == "mars" and b.meta["time_from"] == "option --time"


def test_header_time_wins_over_the_option(tmp_path):
    h = fits.Header()
    h["DATE-OBS"] = "2023-05-21T03:10:00"
    fits.PrimaryHDU(np.zeros((20, 20), np.float32), h).writeto(tmp_path / "t.fits")
    obs = read_observation(tmp_path / "t.fits", time="2000-01-01")
    assert et_to_iso(np.array([obs.et]))[0].startswith("2023-05-21")


@pytest.mark.parametrize(
    "maker, message",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"SIMPLE  =                    T" + b" " * 50), "cannot read"),
        (lambda p: fits.PrimaryHDU(np.zeros((3, 4, 5, 6), np.float32)).writeto(p), "not a 2-D image"),
        (lambda p: fits.PrimaryHDU(np.full((20, 20), np.nan, np.float32)).writeto(p), "no finite pixel"),
        (lambda p: p.write_bytes(b"hello, not a frame at all"), "cannot tell what kind"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, maker, message):
    p = tmp_path / (
        "bad.fits" if "2-D" in message or "finite" in message or "read" in message else "bad.dat0"
    )
    maker(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(PaledotError, match=message) as err:
            read_observation(p)
    assert "\n" not in str(err.value)


def test_truncated_fits_is_refused(tmp_path):
    full = tmp_path / "full.fits"
    fits.PrimaryHDU(np.ones((100, 100), np.float32)).writeto(full)
    cut = tmp_path / "cut.fits"
    cut.write_bytes(full.read_bytes()[:4000])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(PaledotError):
            read_observation(cut)


def test_truncated_png_is_refused(tmp_path):
    full = tmp_path / "full.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200), dtype=np.uint8)).save(full)
    cut = tmp_path / "cut.png"
    cut.write_bytes(full.read_bytes()[:3000])
    with pytest.raises(PaledotError, match="cannot read"):
        read_observation(cut)
