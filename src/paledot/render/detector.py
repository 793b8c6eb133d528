"""The detector: light on the pixels in, recorded electrons and DN out.

:class:`Light` collects the electron rate (e-/s per pixel) that every source puts on the detector,
as stamps, and remembers where it fell. Bodies add their PSF-convolved stamps here, and point
sources (stars) add theirs the same way, before :func:`record` turns the expected electrons into a
frame: dark current, photon noise, read noise, full-well saturation, gain, bias and quantisation.

How the noise is drawn, exactly and fast: a sum of independent Poisson variables is Poisson, so a
pixel's Poisson(dark + signal) is drawn as Poisson(dark) everywhere plus Poisson(signal) only where
a source put light (the stamps). Poisson(dark) over a uniform frame is drawn as what it is, a
Poisson process: the total count ~ Poisson(N dark) scattered uniformly over the N pixels, which
costs nothing when dark << 1 (milliseconds of exposure), and ``Generator.poisson`` per pixel
otherwise. Read noise is one float32 standard normal per pixel (numpy's ziggurat). No Gaussian
approximation of Poisson counts is made anywhere. Arrays are ``image[y, x]`` (DESIGN.md).
This module knows nothing of the sky.
"""

from __future__ import annotations

import threading

import numpy as np

from ..cameras import Camera

#: Below this mean dark count per pixel, dark counts are scattered (cost ~ N x dark draws);
#: above it, drawn per pixel.
SPARSE_DARK_LIMIT = 0.25


class Light:
    """Electron rate (e-/s) on each pixel of a detector, built from stamps, float32."""

    def __init__(self, rows: int, columns: int):
        self.rate = np.zeros((rows, columns), dtype=np.float32)
        self.boxes: list[tuple[int, int, int, int]] = []  # (row0, row1, col0, col1), on the detector

    def add(self, stamp: np.ndarray, row0: int, col0: int, scale: float = 1.0) -> None:
        """Add ``scale`` x ``stamp`` with its first pixel at (row0, col0), cutting what falls off."""
        h, w = stamp.shape
        r1, c1 = max(row0, 0), max(col0, 0)
        r2, c2 = min(row0 + h, self.rate.shape[0]), min(col0 + w, self.rate.shape[1])
        if r1 < r2 and c1 < c2:
            self.rate[r1:r2, c1:c2] += stamp[r1 - row0 : r2 - row0, c1 - col0 : c2 - col0] * scale
            self.boxes.append((r1, r2, c1, c2))

    def to_electrons(self, exposure_s: float) -> np.ndarray:
        """The rate turned into expected electrons, in place and only where light fell (the rest
        of the frame is zero and stays untouched, so its memory is never even written)."""
        self.boxes = _disjoint_boxes(self.boxes)
        for r1, r2, c1, c2 in self.boxes:
            self.rate[r1:r2, c1:c2] *= np.float32(exposure_s)
        return self.rate


def _disjoint_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Overlapping boxes merged into their bounding boxes until none overlap."""
    out = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]:
                    out[i] = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return out


def record(
    camera: Camera,
    expected: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
    dark_e: float,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(electrons float32, DN) recorded for ``expected`` source electrons per pixel (float32, zero
    outside ``boxes``) and ``dark_e`` mean dark electrons per pixel. ``rng`` None: no noise (the
    expected electrons plus dark, saturated and quantised).

    Electrons keep their negative read noise; DN are ``rint(e / gain + bias)`` clipped to the
    converter's range; both saturate at full well."""
    shape = expected.shape
    regions = _disjoint_boxes(boxes)
    well = np.float32(camera.full_well_e)
    if rng is None:
        electrons = expected + np.float32(dark_e)
    else:
        electrons = rng.standard_normal(shape, dtype=np.float32)
        electrons *= np.float32(camera.read_noise_e)
        _add_dark_counts(electrons, dark_e, rng)
        for r1, r2, c1, c2 in regions:
            # far above full well it saturates anyway; the cap keeps the draw in range
            lam = np.minimum(expected[r1:r2, c1:c2], 1e3 * camera.full_well_e)
            electrons[r1:r2, c1:c2] += rng.poisson(lam).astype(np.float32)
    # Saturation: where sources put light, and everywhere only if the sky itself can get there.
    if rng is None or dark_e + 8 * np.sqrt(dark_e + camera.read_noise_e**2) + 8 >= camera.full_well_e:
        np.minimum(electrons, well, out=electrons)
    else:
        for r1, r2, c1, c2 in regions:
            np.minimum(electrons[r1:r2, c1:c2], well, out=electrons[r1:r2, c1:c2])
    dn = np.multiply(electrons, np.float32(1.0 / camera.gain_e_per_dn), out=_scratch(shape))
    dn += np.float32(camera.bias_dn)
    np.rint(dn, out=dn)
    np.clip(dn, 0, camera.max_dn, out=dn)
    return electrons, dn.astype(np.uint16 if camera.bit_depth <= 16 else np.uint32)


_WORK = threading.local()


def _scratch(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 work array of ``shape`` kept per thread between frames: a fresh frame-sized
    temporary would cost a page fault per 4 kB page each time (about as long as the arithmetic)."""
    buf = getattr(_WORK, "buf", None)
    if buf is None or buf.shape != shape:
        buf = _WORK.buf = np.empty(shape, dtype=np.float32)
    return buf


def _add_dark_counts(electrons: np.ndarray, dark_e: float, rng: np.random.Generator) -> None:
    """Add independent Poisson(dark_e) counts to every pixel of ``electrons`` (in place)."""
    if dark_e <= 0:
        return
    n = electrons.size
    if dark_e < SPARSE_DARK_LIMIT:
        # A Poisson process over the frame: Poisson(n dark) events, each on a uniformly chosen
        # pixel, give every pixel an independent Poisson(dark) count.
        hits = rng.integers(0, n, size=rng.poisson(n * dark_e))
        np.add.at(electrons.reshape(-1), hits, np.float32(1.0))
    else:
        electrons += rng.poisson(dark_e, size=electrons.shape).astype(np.float32)
