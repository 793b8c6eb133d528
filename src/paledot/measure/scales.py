"""Which pixel scales a picture may have: its camera's, resized as press pictures are, or any
catalogue camera's when none is given.

A FITS or PDS frame is as recorded: its camera's scale. A press picture is often resized (twice
the size for the web, half for a thumbnail) and cropped; so with a camera its scale is the camera's
as recorded (a crop) or divided by the factor the picture's size implies (the whole frame resized
to its width and height). A crop resized as well has a scale nothing in the picture gives: then
``--scale`` must. Without a camera, every catalogue camera is tried the same way
("no camera: try the catalogue cameras ... and say which was assumed"). Each hypothesis is a
:class:`~paledot.measure.identify.ScaleHypothesis`; identification prices every one it tries.
"""

from __future__ import annotations

import math

from .identify import ScaleHypothesis

#: Two factors within this share of each other are one hypothesis.
SAME_FACTOR = 0.01


def camera_scales(camera, shape: tuple[int, int], picture: bool) -> list[ScaleHypothesis]:
    """The scales a frame of ``shape`` (ny, nx) from ``camera`` may have: as recorded for a FITS/PDS
    frame; for a picture also each resize factor, the size-implied ones first."""
    native = math.degrees(camera.pixel_scale_rad) * 3600.0
    if not picture:
        return [ScaleHypothesis(native, f"{camera.name}'s pixel scale")]
    ny, nx = shape
    factors: list[float] = []
    # as recorded, or the camera's whole frame resized to the picture's width or height. The round
    # factors of a crop (x2, x1/2 ...) are not tried: at their scales chance pairs of a press
    # picture's junk passed the chance test too often (measured on the press-picture table), so a
    # resized crop is "not identified" unless --scale gives its scale
    first = [1.0] + [f for f in (nx / camera.columns, ny / camera.rows) if abs(f * camera.rows - ny) <= 2
                     and abs(f * camera.columns - nx) <= 2]
    for f in first:
        if 0.1 <= f <= 10 and all(abs(f / g - 1) > SAME_FACTOR for g in factors):
            factors.append(f)
    return [ScaleHypothesis(native / f, f"{camera.name} as recorded" if abs(f - 1) <= SAME_FACTOR
                            else f"{camera.name} resized x{f:.3g}") for f in factors]


def catalogue_scales(shape: tuple[int, int]) -> list[ScaleHypothesis]:
    """Every catalogue camera's scales for a picture of ``shape`` (no camera given), cameras whose
    frame the picture fits at some factor only (a crop is smaller, never larger, than the frame)."""
    from ..cameras import list_cameras, load_camera

    out: list[ScaleHypothesis] = []
    for name in list_cameras():
        try:
            cam = load_camera(name)
        except Exception:  # noqa: BLE001 - a broken catalogue entry is skipped, not fatal here
            continue
        ny, nx = shape
        for h in camera_scales(cam, shape, picture=True):
            f = (math.degrees(cam.pixel_scale_rad) * 3600.0) / h.scale_arcsec
            if nx <= f * cam.columns * (1 + SAME_FACTOR) and ny <= f * cam.rows * (1 + SAME_FACTOR):
                out.append(h)
    return out


def user_scale(scale_arcsec: float) -> list[ScaleHypothesis]:
    """The one scale a user gave (``--scale``, arcsec per pixel of the picture)."""
    return [ScaleHypothesis(float(scale_arcsec), f"--scale {scale_arcsec:g} arcsec/px")]
