"""Pointing a camera and projecting onto its detector: the camera axes for a boresight and roll,
the gnomonic projection of J2000 directions to pixels, and the TAN WCS that is exact for it.

Pixels are DESIGN.md's: ``image[y, x]``, (0, 0) the centre of the first pixel, y up (camera +Y);
with roll 0 north is up and east left (det CD < 0). Vectors J2000; angles rad. Never draws.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.wcs import WCS

from ..cameras import Camera
from ..celestial.vectors import radec
from .scene import Pointing


def camera_axes(boresight: np.ndarray, roll_rad: float) -> np.ndarray:
    """Rows X, Y, Z of the camera frame in J2000 for a boresight unit vector and a roll.

    Y (image up) is celestial north at the boresight turned toward east by ``roll``; X = Z x Y is
    image right, which is west when north is up (so the sky is not mirrored)."""
    z = boresight / np.linalg.norm(boresight)
    pole = np.array([0.0, 0.0, 1.0])
    east = np.cross(pole, z)
    if np.linalg.norm(east) < 1e-12:  # pointing at a celestial pole: take RA 0 as "north"
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(z, east)
    y = north * math.cos(roll_rad) + east * math.sin(roll_rad)
    x = np.cross(z, y)
    return np.vstack([x, y, z])


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def project(
    camera: Camera, axes: np.ndarray, vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gnomonic projection of J2000 vectors (..., 3) to (column, row, in_front) on the detector.

    Column is x, row is y (up = camera +Y = increasing row). Points behind the camera (more than
    90 degrees off the boresight) get NaN pixels."""
    cam = np.asarray(vectors) @ axes.T
    in_front = cam[..., 2] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(
            in_front, camera.focal_length_mm / (camera.pixel_pitch_um * 1e-3) / cam[..., 2], np.nan
        )
    cx, cy = camera.boresight_pixel
    return cx + cam[..., 0] * scale, cy + cam[..., 1] * scale, in_front


def boresight(pointing: Pointing, g, drawn: list[int]) -> np.ndarray:
    pos = g.position.to_value("km")[:, 0, :]
    if pointing.mode == "radec":
        ra, dec = math.radians(pointing.ra_deg), math.radians(pointing.dec_deg)
        return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    if pointing.mode == "target":
        return unit(pos[g.index(pointing.target)])
    # The midpoint of the bodies to draw, leaving out the Sun (pointing between Earth and the Sun
    # is never what "midpoint" means).
    idx = [i for i in drawn if g.targets[i].naif_id != 10] or drawn or list(range(len(g.targets)))
    return unit(unit(pos[idx]).sum(axis=0))


def build_wcs(camera: Camera, axes: np.ndarray) -> WCS:
    """A TAN WCS for the frame: exact for paledot's gnomonic camera (FITS 1-based pixels)."""
    z = axes[2]
    ra, dec = radec(z)
    east = np.array([-math.sin(ra), math.cos(ra), 0.0])
    north = np.array([-math.sin(dec) * math.cos(ra), -math.sin(dec) * math.sin(ra), math.cos(dec)])
    s = camera.pixel_pitch_um * 1e-3 / camera.focal_length_mm  # rad per pixel in the focal plane
    # x (column) +1 moves along camera +X (west at roll 0), y (row) +1 along camera +Y (north at
    # roll 0): det(CD) < 0, the sky as it is.
    cd = np.degrees(s) * np.array([[axes[0] @ east, axes[1] @ east], [axes[0] @ north, axes[1] @ north]])
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [math.degrees(float(ra)), math.degrees(float(dec))]
    cx, cy = camera.boresight_pixel
    w.wcs.crpix = [cx + 1.0, cy + 1.0]
    w.wcs.cd = cd
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (camera.columns, camera.rows)
    return w
