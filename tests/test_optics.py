"""The optics module (light/optics.py) against independent oracles: GalSim's Airy pattern drawn with
its pixel, the analytic encircled energy of an Airy pattern, flux conservation, and the centroid of
a pixel-integrated star fitted with the same model at every sub-pixel phase, for every catalogue
camera."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import j0, j1

from paledot.cameras import list_cameras, load_camera
from paledot.light import optics

CAMERAS = list_cameras()


def _galsim_stamp(opt: optics.Optics, n: int, dx: float, dy: float) -> np.ndarray:
    """GalSim's drawing of the same optics (equal-flux Airy patterns at the same wavelengths, the
    Gaussian blur) convolved with its 1 x 1 px pixel (method "auto"), offset (dx, dy) px from the
    centre of an n x n image (odd n: the centre pixel)."""
    galsim = pytest.importorskip("galsim")
    gsp = galsim.GSParams(maxk_threshold=1e-5)
    prof = galsim.Sum([galsim.Airy(lam_over_diam=lod, obscuration=opt.obscuration, flux=w, gsparams=gsp)
                       for lod, w in zip(opt.lam_over_d_px, opt.weights, strict=True)])
    if opt.sigma_px > 0:
        prof = galsim.Convolve(prof, galsim.Gaussian(sigma=opt.sigma_px, gsparams=gsp), gsparams=gsp)
    img = prof.drawImage(nx=n, ny=n, scale=1.0, offset=(dx, dy), method="auto")
    return img.array.astype(float)  # [y, x], y up as ours


@pytest.mark.parametrize("name", CAMERAS)
def test_flux_per_pixel_matches_galsim_to_a_thousandth(name):
    cam = load_camera(name)
    opt = optics.camera_optics(cam)
    for x, y in ((100.0, 200.0), (100.3, 199.7), (50.49, 80.25)):
        stamp, x0, y0 = optics.point_stamp(cam, x, y)
        n = stamp.shape[0]
        h = (n - 1) // 2
        ref = _galsim_stamp(opt, n, x - (x0 + h), y - (y0 + h))
        # ours holds the whole flux (far wings folded back in); GalSim's only what lands on the stamp
        assert abs(ref.sum() - 1.0) < 0.02
        assert np.max(np.abs(stamp - ref)) < 1e-3, (name, x, y, np.max(np.abs(stamp - ref)))


@pytest.mark.parametrize("name", CAMERAS)
def test_stamp_sums_to_one_and_is_the_model_at_every_phase(name):
    cam = load_camera(name)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(10, 500, 40), rng.uniform(10, 500, 40)
    stamps, x0, y0 = optics.point_stamps(cam, x, y)
    assert np.all(np.abs(stamps.sum(axis=(1, 2)) - 1.0) < 1e-6)
    assert np.all(stamps > -1e-9)
    h = (stamps.shape[-1] - 1) // 2
    assert np.all(np.abs(x - (x0 + h)) <= 0.5) and np.all(np.abs(y - (y0 + h)) <= 0.5)
    # symmetric optics: a point on a pixel centre gives a stamp symmetric under flips and transposes
    s = optics.pixel_psf(cam)
    assert np.allclose(s, s[::-1, :], atol=1e-12) and np.allclose(s, s.T, atol=1e-12)
    # moving by one whole pixel moves the stamp by one pixel (consistent at the phase boundary)
    a = optics.pixel_psf(cam, 0.5, 0.0)
    b = optics.pixel_psf(cam, -0.5, 0.0)
    assert np.allclose(a[:, 1:], b[:, :-1], atol=1e-6)


@pytest.mark.parametrize("obscuration", [0.0, 0.3])
def test_otf_is_the_pupil_autocorrelation(obscuration):
    """The closed-form OTF against a brute-force overlap of a sampled annular pupil with itself."""
    n = 801
    u = (np.arange(n) - (n - 1) / 2) / ((n - 1) / 2)  # pupil radii
    xx, yy = np.meshgrid(u, u)
    r = np.hypot(xx, yy)
    pupil = (r <= 1) & (r >= obscuration)
    area = pupil.sum()
    for shift_frac in (0.1, 0.35, 0.6, 0.9):
        s = int(round(shift_frac * (n - 1)))  # shift in samples: 2 * shift_frac pupil radii
        overlap = (pupil[:, s:] & pupil[:, : n - s]).sum() / area
        uu = s / (n - 1)  # frequency over cutoff: shift over pupil diameter
        assert optics.pupil_otf(np.array([uu]), obscuration)[0] == pytest.approx(overlap, abs=3e-3)
    assert optics.pupil_otf(np.array([0.0, 1.0, 1.2]), obscuration) == pytest.approx([1.0, 0.0, 0.0])


def test_encircled_energy_of_an_unobstructed_airy_pattern():
    """EE(r) = 1 - J0(x)^2 - J1(x)^2, x = pi r / (lambda / D), of the model's optical part."""
    lod = 0.6  # px
    opt = optics.Optics((lod,), (1.0,))
    r = np.array([0.1, 0.3, 0.61, 1.0, 1.7, 2.5, 4.0])  # px
    x = math.pi * r / lod
    analytic = 1.0 - j0(x) ** 2 - j1(x) ** 2
    assert np.max(np.abs(optics.encircled_energy(opt, r) - analytic)) < 1e-6


def test_fine_kernel_summed_into_pixels_is_the_point_stamp():
    """The kernel for resolved disks: a point at a cell centre, convolved with it and summed into
    pixels, is the pixel-integrated point stamp (the same model at the disk's cells)."""
    cam = load_camera("junocam")  # the most undersampled camera
    osc = 5
    k = optics.disk_kernel(cam, osc, half=6)
    assert k.shape == (13 * osc, 13 * osc) and abs(k.sum() - 1.0) < 1e-9
    # the kernel's wings are cut at its edge (not folded in) and it is scaled to sum to 1: compare
    # with the point stamp over a wider grid, cut and scaled alike
    wide = optics.pixel_psf(cam, half=20)[14:-14, 14:-14]
    summed = k.reshape(13, osc, 13, osc).sum(axis=(1, 3))
    assert np.max(np.abs(summed - wide / wide.sum())) < 1e-3  # the two fold different far wings
    # a point two cells right of the centre cell: the kernel moved by two cells, summed
    shifted = np.roll(k, 2, axis=1).reshape(13, osc, 13, osc).sum(axis=(1, 3))
    moved = optics.pixel_psf(cam, 2 / osc, 0.0, half=20)[14:-14, 14:-14] / wide.sum()
    assert np.max(np.abs(shifted - moved)[:, 1:-1]) < 1e-3


def test_jitter_and_blur_widen_the_stamp():
    cam = load_camera("cassini-iss-wac")
    sharp = optics.camera_optics(cam)
    jit = optics.camera_optics(cam, jitter_px=0.7)
    a, b = optics.pixel_psf(sharp, half=8), optics.pixel_psf(jit, half=8)
    assert b[8, 8] < 0.7 * a[8, 8] and abs(b.sum() - 1) < 1e-9
    # a Gaussian alone of sigma s, pixel-integrated: the centre pixel is erf(1/(2 sqrt2 s))^2
    gauss = optics.Optics((1e-6,), (1.0,), 0.0, 0.7, 0.0)
    centre = optics.pixel_psf(gauss, half=8)[8, 8]
    assert centre == pytest.approx(math.erf(0.5 / (math.sqrt(2) * 0.7)) ** 2, rel=1e-6)


@pytest.mark.parametrize("name", CAMERAS)
def test_star_centroid_bias_over_pixel_phase(name):
    """A star drawn by the model and fitted by the same model lands where it was put: the bias
    peak-to-peak over a grid of sub-pixel phases is under 0.005 px in x and in y."""
    cam = load_camera(name)
    image = np.zeros((64, 64))
    phases = np.linspace(-0.5, 0.5, 6)
    bias_x, bias_y = [], []
    for fx in phases:
        for fy in phases[::2]:
            x, y = 31.0 + fx, 32.0 + fy
            image[:] = 0.0
            optics.add_points(image, cam, [x], [y], [1000.0])
            gx, gy, flux = optics.fit_point(image, cam, round(x) + 0.2, round(y) - 0.2)
            bias_x.append(gx - x)
            bias_y.append(gy - y)
            assert flux == pytest.approx(1000.0, rel=1e-3)
    assert np.ptp(bias_x) < 0.005 and np.ptp(bias_y) < 0.005, (name, np.ptp(bias_x), np.ptp(bias_y))
    assert max(np.max(np.abs(bias_x)), np.max(np.abs(bias_y))) < 0.005
