"""The camera's point-spread function on the renderer's fine grid, from the one optics model
(:mod:`paledot.light.optics`): a polychromatic Airy pattern of its annular aperture, blurred by the
camera's Gaussian if it has one, integrated exactly over each fine cell. Sizes in pixels. Kernels
are cached per optical design and never written to.
"""

from __future__ import annotations

import numpy as np

from ..cameras import Camera
from ..light import optics

#: Fine-grid cells per pixel side on which the PSF convolution is done (odd, so cells centre).
CONV_OVERSAMPLE = 5


def kernel_half(camera: Camera) -> int:
    """Half-side (whole pixels) of the fine-grid kernel: three times the core and first rings
    (4 lambda/D at the band's red edge plus 4 sigma of the blur), at least 8 px, at most 40
    (:func:`paledot.light.optics.default_half`, the reach of a star's stamp too), so that a
    saturated body fitted by its wings sees the same halo at any sampling; the kernel is cut there
    and scaled to sum to 1."""
    return optics.default_half(optics.camera_optics(camera))


def psf_kernel(camera: Camera, oversample: int = CONV_OVERSAMPLE) -> np.ndarray:
    """The camera's PSF integrated over square cells of 1/``oversample`` px, on a grid of an odd
    number of whole pixels times ``oversample`` cells a side, centred on the middle cell (odd
    ``oversample``) and summing to 1: convolving a body's fine-cell image with it and summing cells
    into pixels gives the pixel-integrated image (:func:`paledot.light.optics.disk_kernel`)."""
    return optics.disk_kernel(camera, oversample, kernel_half(camera))
