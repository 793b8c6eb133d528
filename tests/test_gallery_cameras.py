"""The gallery's added cameras: every parameter sourced or assumed, and each plate scale and field
checked within 2% against a published figure from a DIFFERENT source than the focal length and
pixel pitch in the file (the figure, its source and its rounding are given per case)."""

from __future__ import annotations

import math
import tomllib
from importlib.resources import files

import pytest

from paledot.cameras import _SPEC, load_camera

ADDED = ["cassini-iss-wac", "moc-na", "hirise", "mastcam-34", "junocam", "mapcam"]
URAD = 1e-6
DEG = math.pi / 180


@pytest.mark.parametrize("name", ADDED)
def test_added_camera_every_field_sourced_or_assumed_and_has_a_bias(name):
    doc = tomllib.loads(files("paledot.cameras").joinpath(f"{name}.toml").read_text())
    assert "bias_dn" in doc
    for key, (_, _, _, required) in _SPEC.items():
        if key not in doc:
            assert not required
            continue
        text = doc[key].get("source") or doc[key].get("assumed")
        assert isinstance(text, str) and len(text) > 15, (name, key)


# (camera, published pixel scale rad, where it comes from)
SCALES = [
    ("cassini-iss-wac", 60 * URAD, "JPL Cassini ISS page: 60 microradians per pixel"),
    ("moc-na", 1.4e-3 / 378.0, "MSSS / MGS: 1.4 m per pixel from 378 km altitude"),
    ("hirise", 1.0 * URAD, "Delamere et al. 2007 SPIE 6690 abstract: 1.0 microradian IFOV"),
    ("junocam", 0.6727e-3, "Hansen et al. 2017 Space Sci. Rev.: nadir pixel 0.6727 mrad"),
    # Bennu (mean diameter 0.490 km, Lauretta et al. 2019) spanned about 380 px from 12 miles.
    ("mapcam", 0.490 / (12 * 1.609344) / 380, "asteroidmission.org 2018-12-03: Bennu ~380 px from 12 miles"),
]

# (camera, pixels across, published field rad, where it comes from)
FIELDS = [
    ("cassini-iss-wac", 1024, 3.5 * DEG, "JPL Cassini ISS page: 3.5 deg field of view"),
    ("hirise", 20048, 6.0 / 300.0, "Delamere 2007: red swath 20,048 px = 6 km from 300 km"),
    ("mastcam-34", 1200, 15.0 * DEG, "MSSS Mastcam page: 34 mm lens, 15 deg square field on 1200 px"),
    ("junocam", 1648, 58.0 * DEG, "PDS JunoCam description / MSSS: 58 deg field of view"),
]


@pytest.mark.parametrize(("name", "published", "where"), SCALES)
def test_plate_scale_matches_an_independent_published_value_within_2pct(name, published, where):
    cam = load_camera(name)
    assert cam.pixel_scale_rad == pytest.approx(published, rel=0.02), where


@pytest.mark.parametrize(("name", "pixels", "published", "where"), FIELDS)
def test_field_matches_an_independent_published_value_within_2pct(name, pixels, published, where):
    cam = load_camera(name)
    half = 0.5 * pixels * cam.pixel_pitch_um * 1e-3
    field = 2 * math.atan(half / cam.focal_length_mm)
    assert field == pytest.approx(published, rel=0.02), where


def test_mastcam34_field_on_the_full_detector_agrees_with_the_camera_model():
    cam = load_camera("mastcam-34")
    assert math.degrees(cam.field_of_view_rad[1]) == pytest.approx(15.0, rel=0.02)


def test_moc_field_within_the_rounding_of_the_only_published_field():
    """The MOC mirror page gives '0.4 degree FOV' (one figure: 0.35-0.45 deg); the PDS catalog's
    '2.8 km wide at ~380 km' is 2.5% under 2048 x 1.4 m, so the published figures disagree among
    themselves by more than 2% and only the rounding bound is a fair test."""
    cam = load_camera("moc-na")
    assert 0.35 <= math.degrees(cam.field_of_view_rad[0]) <= 0.45
