"""The camera's point-spread function on a fine grid: a polychromatic Airy pattern of its annular
aperture (7 wavelengths across the band), blurred by the camera's measured Gaussian if it has one.
Angles rad, sizes in pixels. Kernels are cached per optical design and never written to.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.signal import fftconvolve
from scipy.special import j1

from ..cameras import Camera

#: Fine-grid cells per pixel side on which the PSF convolution is done (odd, so cells centre).
CONV_OVERSAMPLE = 5


def _airy(theta_rad: np.ndarray, diameter_m: float, wavelength_m: float, obscuration: float):
    """Airy intensity (unnormalised) of an annular aperture at angle theta."""
    x = np.pi * diameter_m * theta_rad / wavelength_m
    x = np.where(x == 0, 1e-12, x)
    amp = 2 * j1(x) / x
    if obscuration > 0:
        ex = obscuration * x
        amp = (amp - obscuration**2 * 2 * j1(ex) / ex) / (1 - obscuration**2)
    return amp * amp


@lru_cache(maxsize=32)
def _psf_kernel_cached(key: tuple) -> np.ndarray:
    (aperture_mm, obscuration, center_nm, width_nm, pixel_scale, fwhm_px, osc) = key
    diameter = aperture_mm * 1e-3
    lam_max = (center_nm + width_nm / 2) * 1e-9
    diff_px = lam_max / diameter / pixel_scale  # lambda/D in pixels at the red edge
    sigma_px = fwhm_px / 2.3548200450309493
    half = int(np.clip(math.ceil(max(4.0 * diff_px, 4.0 * sigma_px, 1.0)), 1, 40))
    n = (2 * half + 1) * osc
    coords = (np.arange(n) - (n - 1) / 2) / osc  # pixels, fine-cell centres
    xx, yy = np.meshgrid(coords, coords)
    rr = np.hypot(xx, yy) * pixel_scale  # rad
    wavelengths = np.linspace(center_nm - width_nm / 2, center_nm + width_nm / 2, 7) * 1e-9
    kernel = np.mean([_airy(rr, diameter, lam, obscuration) for lam in wavelengths], axis=0)
    if sigma_px > 0:
        gauss = np.exp(-0.5 * (coords / sigma_px) ** 2)
        # separable Gaussian blur of the Airy pattern on the fine grid
        kernel = fftconvolve(kernel, gauss[None, :] / gauss.sum(), mode="same")
        kernel = fftconvolve(kernel, gauss[:, None] / gauss.sum(), mode="same")
    kernel = np.clip(kernel, 0.0, None)
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def psf_kernel(camera: Camera, oversample: int = CONV_OVERSAMPLE) -> np.ndarray:
    """The camera's PSF on a grid of ``oversample`` cells per pixel side, summing to 1.

    Polychromatic Airy pattern (7 wavelengths across the band, annular aperture) blurred by a
    Gaussian of ``psf_fwhm_px``; its side is an odd number of whole pixels times ``oversample``.
    """
    return _psf_kernel_cached(
        (
            camera.aperture_mm,
            camera.obscuration,
            camera.bandpass_center_nm,
            camera.bandpass_width_nm,
            camera.pixel_scale_rad,
            camera.psf_fwhm_px,
            oversample,
        )
    )
