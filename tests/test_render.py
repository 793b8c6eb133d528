"""Rendering: sub-pixel exact disks, flux conservation, centroids, the WCS, GalSim, and the 2023 frames."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest

from paledot._io.errors import PaledotError
from paledot.cameras import load_camera
from paledot.light.photometry import SURFACE_LAWS, photon_rate_from_magnitude
from paledot.render import (
    Pointing,
    RenderWarning,
    Scene,
    camera_axes,
    draw_body,
    psf_kernel,
    render,
)

SRC = load_camera("hrsc-src")
MEX_TIMES = ["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49", "2023-06-02T15:00"]


# The SRC with a 100x longer focal length: a 300-pixel disk then subtends 0.03 mrad, so perspective
# (which at the SRC's own scale really does move a 300-pixel crescent's terminator by ~0.5%) is
# negligible and the orthographic area formula is the right oracle for the sampling.
NARROW = replace(SRC, focal_length_mm=SRC.focal_length_mm * 100, sources={})


def _synthetic(diameter_px, phase_deg, col_off=0.0, row_off=0.0, law="uniform", psf=None, pole=(0, 90),
               camera=SRC):
    """A sphere straight ahead of the camera, sized and lit as asked; returns the DrawnBody."""
    axes = camera_axes(np.array([1.0, 0.0, 0.0]), 0.0)
    dist = 1e9
    radius = dist * math.sin(diameter_px / 2 * camera.pixel_scale_rad)
    # Offset the body by a fraction of a pixel through the camera's own X/Y axes.
    offset = axes[0] * col_off * camera.pixel_scale_rad - axes[1] * row_off * camera.pixel_scale_rad
    center = dist * (axes[2] + offset)
    view = -center / np.linalg.norm(center)
    a = math.radians(phase_deg)
    side = np.cross(view, axes[2] + np.array([0, 0, 1.0]))
    side /= np.linalg.norm(side)
    sun = view * math.cos(a) + side * math.sin(a)
    return draw_body(camera, axes, center, (radius, radius, radius), pole, sun, SURFACE_LAWS[law], psf)


@pytest.mark.parametrize("diameter", [0.3, 1.0, 4.9, 30.0, 300.0])
@pytest.mark.parametrize("phase", [0.0, 45.0, 90.0, 150.0])
def test_lit_area_is_the_analytic_area_within_half_a_percent(diameter, phase):
    """The sunlit part of a sphere's disk has area pi r^2 (1 + cos a) / 2: the ray casting finds it."""
    drawn = _synthetic(diameter, phase, camera=NARROW)
    expected = math.pi * (diameter / 2) ** 2 * (1 + math.cos(math.radians(phase))) / 2
    assert drawn.lit_area_px == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("diameter", [0.3, 4.9, 300.0])
@pytest.mark.parametrize("phase", [0.0, 90.0, 150.0])
def test_noiseless_frame_conserves_flux(diameter, phase):
    """Frame sum = predicted electrons (photometry x aperture x throughput x exposure), within 0.5%."""
    drawn = _synthetic(diameter, phase, law="lommel-seeliger", psf=psf_kernel(SRC))
    assert drawn.stamp.sum() == pytest.approx(1.0, rel=1e-9)
    # and through the whole renderer with the real 2023 scene:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene(MEX_TIMES[1], "mars", ["earth", "moon"], SRC, noise=False))
    expected = sum(
        photon_rate_from_magnitude(b.magnitude, SRC.bandpass_center_nm, SRC.bandpass_width_nm)
        * SRC.collecting_area_m2 * SRC.throughput * frame.exposure_s
        for b in frame.bodies
    )
    assert float(frame.expected.sum(dtype=np.float64)) == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("diameter", [0.5, 4.9, 40.0])
@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.37, -0.21), (-0.49, 0.13)])
def test_full_disk_centroid_within_0_02_px(diameter, offset):
    drawn = _synthetic(diameter, 0.0, *offset, law="lambert", psf=psf_kernel(SRC))
    rows, cols = np.indices(drawn.stamp.shape)
    c = (drawn.stamp * (cols + drawn.col0)).sum()
    r = (drawn.stamp * (rows + drawn.row0)).sum()
    cx, cy = drawn.center
    assert abs(c - cx) < 0.02 and abs(r - cy) < 0.02
    assert abs(cx - (SRC.boresight_pixel[0] + offset[0])) < 1e-6


def test_terminator_faces_the_sun():
    """At 90 degrees phase the lit half is on the Sun's side: the light's centroid moves that way."""
    drawn = _synthetic(40.0, 90.0, law="lambert")
    rows, cols = np.indices(drawn.stamp.shape)
    c = (drawn.stamp * (cols + drawn.col0)).sum()
    cx, _ = drawn.center
    assert abs(c - cx) > 3  # well off centre toward the lit side
    assert drawn.lit_area_px == pytest.approx(math.pi * 20**2 / 2, rel=5e-3)


def test_oblate_outline_follows_the_pole():
    """Saturn-like flattening seen equator-on: the disk is wider along the equator than pole-to-pole."""
    axes = camera_axes(np.array([1.0, 0.0, 0.0]), 0.0)
    dist = 1e8
    a = dist * math.sin(30 * SRC.pixel_scale_rad)
    c = 0.9 * a
    drawn = draw_body(SRC, axes, dist * axes[2], (a, a, c), (0.0, 90.0), None, SURFACE_LAWS["uniform"], None)
    lit = drawn.stamp > 0
    height = lit.any(axis=1).sum()
    width = lit.any(axis=0).sum()
    assert width > height  # pole is celestial north = image up: flattened vertically
    assert drawn.lit_area_px == pytest.approx(math.pi * 30 * 27, rel=5e-3)


@pytest.mark.parametrize("diameter", [1.0, 6.0, 20.0, 80.0])
def test_matches_galsim_uniform_disk_with_gaussian_psf(diameter):
    """Per-pixel difference under 1% of the peak (GalSim TopHat x Gaussian, drawn with its pixel)."""
    galsim = pytest.importorskip("galsim")

    # A huge aperture makes diffraction negligible, leaving the camera's Gaussian blur.
    cam = replace(SRC, aperture_mm=1e5, obscuration=0.0, psf_fwhm_px=1.8, sources={})
    drawn = _synthetic(diameter, 0.0, 0.23, -0.31, law="uniform", psf=psf_kernel(cam))
    ny, nx = drawn.stamp.shape
    img = galsim.ImageD(nx, ny, scale=1.0)
    img.setOrigin(drawn.col0, drawn.row0)
    profile = galsim.Convolve(galsim.TopHat(radius=diameter / 2), galsim.Gaussian(fwhm=1.8))
    profile.drawImage(img, center=galsim.PositionD(*drawn.center))
    ref = img.array / img.array.sum()
    assert np.abs(drawn.stamp - ref).max() < 0.01 * ref.max()


def test_wcs_maps_predicted_pixels_back_to_radec_within_0_05_px():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        for pointing in (Pointing(), Pointing("target", target="earth", roll_deg=33.0)):
            frame = render(Scene(MEX_TIMES[0], "mars", ["earth", "moon"], SRC, pointing, noise=False))
            for b in frame.bodies:
                ra, dec = frame.wcs.pixel_to_world_values(b.column, b.row)  # 0-based pixels
                cosd = math.cos(math.radians(dec))
                err_deg = math.hypot((ra - b.ra_deg) * cosd, dec - b.dec_deg)
                assert math.radians(err_deg) / SRC.pixel_scale_rad < 0.05


def test_north_up_east_left():
    """With roll 0 north is up (larger row, the astronomical convention) and east is left (smaller column)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene(MEX_TIMES[0], "mars", ["earth", "moon"], SRC, noise=False))
    earth, moon = frame.body("earth"), frame.body("moon")
    d_ra = (moon.ra_deg - earth.ra_deg) * math.cos(math.radians(earth.dec_deg))
    d_dec = moon.dec_deg - earth.dec_deg
    assert np.sign(moon.column - earth.column) == -np.sign(d_ra)
    assert np.sign(moon.row - earth.row) == np.sign(d_dec)


@pytest.mark.parametrize("time", MEX_TIMES)
def test_2023_src_frames_match_the_published_picture(time):
    frame = render(Scene(time, "mars", ["earth", "moon"], SRC))
    earth, moon = frame.body("earth"), frame.body("moon")
    km_per_px = earth.range_km * SRC.pixel_scale_rad
    assert 4 <= earth.diameter_px <= 6
    assert 2500 <= km_per_px <= 2800
    sep = math.hypot(earth.column - moon.column, earth.row - moon.row)
    assert 50 <= sep <= 200
    assert moon.electrons < earth.electrons and moon.magnitude > earth.magnitude
    assert earth.in_frame and moon.in_frame and frame.meta["warnings"] == []
    assert earth.peak_electrons == pytest.approx(0.7 * SRC.full_well_e, rel=0.01)  # auto exposure
    assert moon.snr > 5


def test_same_seed_same_bytes_and_different_seed_differs():
    a = render(Scene(MEX_TIMES[2], "mars", ["earth", "moon"], SRC, seed=7))
    b = render(Scene(MEX_TIMES[2], "mars", ["earth", "moon"], SRC, seed=7))
    c = render(Scene(MEX_TIMES[2], "mars", ["earth", "moon"], SRC, seed=8))
    assert a.dn.tobytes() == b.dn.tobytes() and a.dn.tobytes() != c.dn.tobytes()


def test_noise_has_the_expected_statistics():
    frame = render(Scene(MEX_TIMES[2], "mars", ["earth", "moon"], SRC, seed=3))
    dark_e = SRC.dark_current_e_per_s * frame.exposure_s
    background = frame.electrons[:300, :300]
    assert background.std() == pytest.approx(math.sqrt(SRC.read_noise_e**2 + dark_e), rel=0.02)


def test_saturation_clips_at_full_well():
    frame = render(Scene(MEX_TIMES[0], "mars", ["earth", "moon"], SRC, exposure=0.05))
    assert frame.electrons.max() <= SRC.full_well_e
    assert frame.dn.max() == min(SRC.max_dn, round(SRC.full_well_e / SRC.gain_e_per_dn + SRC.bias_dn))


def test_target_off_frame_is_warned_not_dropped():
    with pytest.warns(RenderWarning, match="outside the frame"):
        frame = render(Scene(MEX_TIMES[0], "mars", ["earth", "moon"], SRC, Pointing.parse("10,10")))
    assert [b.name for b in frame.bodies] == ["earth", "moon"]
    assert not frame.body("earth").in_frame


def test_target_behind_camera_is_warned():
    earth_dir = render(Scene(MEX_TIMES[0], "mars", ["earth"], SRC, noise=False)).body("earth")
    anti = Pointing("radec", ra_deg=(earth_dir.ra_deg + 180) % 360, dec_deg=-earth_dir.dec_deg)
    with pytest.warns(RenderWarning, match="behind the camera"):
        render(Scene(MEX_TIMES[0], "mars", ["earth"], SRC, anti))


@pytest.mark.parametrize("exposure", [-1.0, 0.0, float("nan"), "soon"])
def test_bad_exposure(exposure):
    with pytest.raises(PaledotError, match="exposure"):
        render(Scene(MEX_TIMES[0], "mars", ["earth"], SRC, exposure=exposure))


@pytest.mark.parametrize("diameter", [40.0, 3000.0])
def test_body_cut_by_the_frame_edge_keeps_its_true_share_of_light(diameter):
    """A uniform disk centred on the detector's left edge puts half its light on the detector, and
    a disk larger than the frame is cast only where it can land, at bounded cost."""
    axes = camera_axes(np.array([1.0, 0.0, 0.0]), 0.0)
    dist = 1e9
    radius = dist * math.sin(diameter / 2 * SRC.pixel_scale_rad)
    # move the centre from the boresight column to column -0.5 (the detector's left edge)
    shift = -(SRC.boresight_pixel[0] + 0.5) * SRC.pixel_scale_rad
    center = dist * (axes[2] + axes[0] * math.tan(shift))
    drawn = draw_body(SRC, axes, center, (radius,) * 3, (0, 90), None, SURFACE_LAWS["uniform"], None)
    rows, cols = np.indices(drawn.stamp.shape)
    on_detector = (cols + drawn.col0 >= 0) & (rows + drawn.row0 >= 0) & (rows + drawn.row0 < SRC.rows)
    share = drawn.stamp[on_detector].sum()
    expected = 0.5 if diameter < SRC.rows else None
    if expected is not None:
        assert share == pytest.approx(expected, rel=5e-3)
    else:  # the frame sees a vertical strip of a huge disk: its area over the disk's area
        assert 0 < share < 0.5
        assert drawn.stamp.shape[0] <= SRC.rows + 10 and drawn.stamp.shape[1] <= SRC.columns + 10
