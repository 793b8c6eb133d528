"""Detector truth: every camera has a bias, the DN sky carries the read noise its camera file states,
and the electrons product keeps negative noise. The oracle is the analytic noise of the camera file:
sigma_DN^2 = (read_noise^2 + dark electrons) / gain^2 + 1/12 (rounding to whole DN)."""

from __future__ import annotations

import math
import tomllib
import warnings
from importlib.resources import files

import numpy as np
import pytest

from paledot.cameras import list_cameras, load_camera
from paledot.render import Pointing, RenderWarning, Scene, render

TIME = "2023-05-21T03:10"


@pytest.mark.parametrize("name", sorted(list_cameras()))
def test_every_catalogue_camera_states_its_bias(name):
    doc = tomllib.loads(files("paledot.cameras").joinpath(f"{name}.toml").read_text())
    entry = doc["bias_dn"]
    assert isinstance(entry["value"], (int, float)) and entry["value"] >= 0
    assert entry.get("source") or len(entry.get("assumed", "")) > 20  # a reason, not a placeholder
    cam = load_camera(name)
    sigma_dn = cam.read_noise_e / cam.gain_e_per_dn
    # the offset keeps the sky at least 7 read-noise sigmas clear of the converter's zero
    assert cam.bias_dn >= 7 * sigma_dn


def _sky(camera_name: str, seed: int = 4):
    """A frame of empty sky (pointed 90 degrees from Earth) at the camera's shortest exposure."""
    cam = load_camera(camera_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene(TIME, "mars", ["earth"], cam, Pointing.parse("0,89"),
                             exposure=cam.exposure_min_s, seed=seed))
    return cam, frame


# cameras whose read noise is at least 1 DN, where rounding adds exactly 1/12 DN^2 (Sheppard)
@pytest.mark.parametrize("name", ["hrsc-src", "generic-ccd", "mastcam-100", "messenger-mdis-nac",
                                  "voyager-iss-nac"])
def test_dn_sky_has_the_camera_files_read_noise_within_3_percent(name):
    cam, frame = _sky(name)
    dark_e = cam.dark_current_e_per_s * frame.exposure_s
    expected = math.sqrt((cam.read_noise_e**2 + dark_e) / cam.gain_e_per_dn**2 + 1 / 12)
    sky = frame.dn.astype(np.float64)
    assert sky.std() == pytest.approx(expected, rel=0.03)
    assert sky.mean() == pytest.approx(cam.bias_dn + dark_e / cam.gain_e_per_dn, abs=0.05 * expected)
    assert np.count_nonzero(frame.dn == 0) == 0  # nothing clipped at the converter's zero


def test_hrsc_sky_sigma_is_10_dn_not_clipped():
    """The review's case: the SRC file's 20 e- at 2 e-/DN is 10 DN of sky noise."""
    cam, frame = _sky("hrsc-src", seed=11)
    assert frame.dn.astype(np.float64).std() == pytest.approx(10.0, rel=0.03)


def test_electrons_product_keeps_negative_noise():
    cam, frame = _sky("hrsc-src")
    e = frame.electrons
    dark_e = cam.dark_current_e_per_s * frame.exposure_s
    assert e.min() < -3 * cam.read_noise_e
    assert float(e.mean()) == pytest.approx(dark_e, abs=0.05 * cam.read_noise_e)
    assert float(np.mean(e < 0)) == pytest.approx(0.5, abs=0.02)  # dark ~ 0: half the sky below zero
