"""Small vector helpers on arrays of 3-vectors (last axis), faster than their numpy.linalg cousins
for the (N, 3) shapes the engine uses everywhere. Pure arithmetic: no units, no frames."""

from __future__ import annotations

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot product over the last axis."""
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2]


def norm(a: np.ndarray) -> np.ndarray:
    """Row-wise Euclidean length over the last axis."""
    return np.sqrt(dot(a, a))


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product over the last axis (broadcasting like numpy)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    # each component written into its place (no np.stack of three temporaries); same arithmetic
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    np.subtract(np.multiply(a1, b2), a2 * b1, out=out[..., 0])
    np.subtract(np.multiply(a2, b0), a0 * b2, out=out[..., 1])
    np.subtract(np.multiply(a0, b1), a1 * b0, out=out[..., 2])
    return out


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (rad) between vectors on the last axis, accurate at 0 and pi."""
    return np.arctan2(norm(cross(a, b)), dot(a, b))


def radec(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Right ascension in [0, 2pi) and declination (rad) of J2000 vectors (last axis)."""
    x, y, z = vec[..., 0], vec[..., 1], vec[..., 2]
    ra = np.mod(np.arctan2(y, x), 2 * np.pi)
    dec = np.arctan2(z, np.hypot(x, y))
    return ra, dec


def position_angle(ra1, dec1, ra2, dec2) -> np.ndarray:
    """Position angle (rad, [0, 2pi)) of point 2 seen from point 1, north through east."""
    dra = ra2 - ra1
    y = np.sin(dra) * np.cos(dec2)
    x = np.cos(dec1) * np.sin(dec2) - np.sin(dec1) * np.cos(dec2) * np.cos(dra)
    return np.mod(np.arctan2(y, x), 2 * np.pi)
