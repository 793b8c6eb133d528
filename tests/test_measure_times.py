"""A frame's time survives the round trip through FITS to the millisecond, whatever the exposure.

Found by the 1,000-frame run: auto exposure came out as a float32 (the rate map's type), so the
FITS writer's ET +- half the exposure became float32 too, 64 s coarse at ET 6e8: DATE-BEG and
DATE-END (and DATE-OBS, which measure read) were 21.5 s off DATE-AVG on a Venus frame of 2018, and
the Moon's predicted offset from Earth moved by 0.05 px. Oracle: astropy's own UTC <-> TDB.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from paledot.cameras import load_camera
from paledot.render import Pointing, Scene, render
from paledot.render.files import write_fits

#: The 1,000-frame run's frame 688: from Venus, 2018-10-22, auto exposure 0.55 ms (SRC, 512 px).
ET = 593523498.4883058
CAMERA = dataclasses.replace(load_camera("hrsc-src"), columns=512, rows=512)


@pytest.fixture(scope="module")
def frame():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scene = Scene(ET, "venus", ["earth", "moon"], CAMERA, Pointing(roll_deg=321.9), auto_fraction=0.948)
        return render(scene)


def _et(text: str) -> float:
    return float((Time(text, scale="utc").tdb - Time("2000-01-01T12:00:00", scale="tdb")).sec)


def test_auto_exposure_is_a_python_float(frame):
    assert type(frame.exposure_s) is float and 5e-4 < frame.exposure_s < 6e-4


@pytest.mark.parametrize("as_float32", [False, True])
def test_fits_times_bracket_the_exposure_in_float64(frame, tmp_path, as_float32):
    f = dataclasses.replace(frame, exposure_s=np.float32(frame.exposure_s)) if as_float32 else frame
    write_fits(f, tmp_path / "f.fits")
    h = fits.getheader(tmp_path / "f.fits")
    beg, avg, end = (_et(h[k]) for k in ("DATE-BEG", "DATE-AVG", "DATE-END"))
    assert abs(avg - ET) < 1e-3  # the header's 3 decimals of a second
    assert beg <= avg <= end and end - beg < float(f.exposure_s) + 2e-3


def test_measure_reads_mid_exposure(frame, tmp_path):
    pytest.importorskip("sep")
    from paledot.measure import read_observation

    long = dataclasses.replace(frame, exposure_s=1.5)  # DATE-OBS is its start, 0.75 s earlier
    write_fits(long, tmp_path / "f.fits")
    obs = read_observation(tmp_path / "f.fits")
    assert obs.meta["time_from"] == "header DATE-AVG"
    assert abs(obs.et - ET) < 1e-3


def test_a_bad_date_avg_falls_back_to_date_obs(frame, tmp_path):
    pytest.importorskip("sep")
    from paledot.measure import read_observation

    write_fits(frame, tmp_path / "f.fits")
    with fits.open(tmp_path / "f.fits", mode="update") as hdul:
        hdul[0].header["DATE-AVG"] = "not a time"
        hdul[0].header["MJD-AVG"] = "nor this"
    obs = read_observation(tmp_path / "f.fits")
    assert obs.meta["time_from"] == "header DATE-OBS" and abs(obs.et - ET) < 1e-3
    assert any("DATE-AVG 'not a time'" in w for w in obs.meta["warnings"])
    assert any("MJD-AVG" in w for w in obs.meta["warnings"])
