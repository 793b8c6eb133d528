"""A shape of light on pixels (:class:`Shape`) and how fits move it by sub-pixel amounts.

A shape with a camera's optics is moved exactly (:class:`paledot.light.optics.WindowSampler`, the
renderer's own pixel-integrated PSF); any other (a body's rendered template) by a Fourier phase ramp
on its own fine grid, then summed into pixels (:class:`_Shifter`). Units: pixels, 0-based (x, y),
``image[y, x]``; a window is n x n pixels with its middle pixel ``half``. The fits themselves are
:mod:`paledot.measure.centroid`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: px: how far a fit may move a shape from where it started before the periodic transform that
#: moves it could wrap light around (a fit that wanders further is refused by its callers anyway).
_MARGIN = 3


@dataclass
class Shape:
    """A light distribution on pixels (sums to 1 over the stamp) whose centre sits at (cx, cy),
    in pixels from the stamp's first pixel centre (0-based)."""

    stamp: np.ndarray
    cx: float
    cy: float
    kind: str = "psf"
    #: the stamp is sampled this many times finer than the pixels (each pixel = q x q cells)
    oversample: int = 1
    #: a camera's optics (:class:`paledot.light.optics.Optics`): when given, fits move the exact
    #: pixel-integrated PSF (the renderer's own model) instead of resampling ``stamp``
    optics: object | None = None


def _crop(shape: Shape, reach: int) -> Shape:
    """The shape cut to whole pixels within ``reach`` px of its centre (not renormalised: a fitted
    flux stays the whole body's)."""
    q = shape.oversample
    h, w = shape.stamp.shape[0] // q, shape.stamp.shape[1] // q
    x0 = max(int(math.floor(shape.cx)) - reach, 0)
    y0 = max(int(math.floor(shape.cy)) - reach, 0)
    x1 = min(int(math.floor(shape.cx)) + reach + 2, w)
    y1 = min(int(math.floor(shape.cy)) + reach + 2, h)
    if x0 == 0 and y0 == 0 and x1 == w and y1 == h:
        return shape
    stamp = shape.stamp[y0 * q : y1 * q, x0 * q : x1 * q]
    return Shape(stamp, shape.cx - x0, shape.cy - y0, shape.kind, q)


class _Shifter:
    """Evaluates a shape shifted by (dx, dy) on an n x n window, with its x and y derivatives.

    A shape sampled ``q`` times finer than the pixels is moved on its fine grid (where it is well
    sampled, so the Fourier shift is exact to high accuracy) and then summed into pixels."""

    def __init__(self, shape: Shape, n: int, half: int):
        from scipy.fft import next_fast_len

        shape = _crop(shape, half + 4)  # light beyond the window's reach cannot matter
        q = shape.oversample
        # the canvas holds the window, the cropped shape (5 px beyond it) and a fit's move of up
        # to 3 px more without the periodic transform wrapping light into the window
        size = next_fast_len(n + 2 * (_MARGIN + 5), real=True)
        self.o = (size - n) // 2
        self.n, self.q, self.size = n, q, size
        canvas = np.zeros((size * q, size * q))
        fx, fy = shape.cx - math.floor(shape.cx), shape.cy - math.floor(shape.cy)
        x0 = (half + self.o - math.floor(shape.cx)) * q
        y0 = (half + self.o - math.floor(shape.cy)) * q
        hh, ww = shape.stamp.shape
        ys = slice(max(y0, 0), min(y0 + hh, size * q))
        xs = slice(max(x0, 0), min(x0 + ww, size * q))
        canvas[ys, xs] = shape.stamp[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
        self.base = (half + fx, half + fy)  # centre in window coordinates before any shift
        self.canvas = canvas
        if q == 1:  # moved by a phase ramp on the pixels themselves
            self.spec = np.fft.rfft2(canvas)
            self.kx = np.fft.rfftfreq(size)[None, :]
            self.ky = np.fft.fftfreq(size)[:, None]
            self._dkx, self._dky = -2j * np.pi * self.kx, -2j * np.pi * self.ky
        else:
            # summing q x q cells into a pixel is a box filter then every q-th cell: in Fourier
            # space the box's transfer times the spectrum, folded onto the pixel grid's own
            # frequencies (the aliases summed), so each move needs an inverse transform of only
            # the coarse grid (q^2 times fewer points) instead of the fine one.
            k = np.fft.fftfreq(size * q)
            if shape.kind == "psf":
                # a PSF's cells are point samples of a smooth (band-limited) pattern: the pixel is
                # its exact integral over the pixel's square (a continuous box: sinc), not the sum
                # of q x q samples, which for a core under a pixel wide errs by up to 0.013 px
                # (0.6 px Airy; 0.0005 px with the sinc, against the pattern sampled 25 times
                # finer and summed into pixels)
                box = q * np.sinc(k * q) * np.exp(1j * np.pi * k * (q - 1))
            else:  # a body's template: cells integrated by ray casting, summed as the renderer does
                box = np.exp(2j * np.pi * np.outer(k, np.arange(q))).sum(axis=1)
            self._fk = k
            self._fspec = np.fft.fft2(canvas) * box[:, None] * box[None, :] / (q * q)

    def _pixels(self, spec) -> np.ndarray:
        """Inverse transform(s) of ``spec`` (last two axes) summed into the window's pixels."""
        q, size, o, n = self.q, self.size, self.o, self.n
        fine = np.fft.irfft2(spec, (size * q, size * q))
        lead = fine.shape[:-2]
        # only the window's own cells are summed into pixels
        fine = fine[..., o * q : (o + n) * q, o * q : (o + n) * q]
        if q > 1:
            fine = fine.reshape(*lead, n, q, n, q).sum(axis=(-3, -1))
        return fine

    def at_cells(self, a: int, b: int) -> np.ndarray:
        """The shape moved by whole fine cells (a, b): exact, no interpolation. Each of the q x q
        sub-pixel phases is summed into pixels once; whole pixels are then a slice."""
        q = self.q
        key = (a % q, b % q)
        if not hasattr(self, "_binned"):
            self._binned: dict = {}
        if key not in self._binned:
            fine = np.roll(self.canvas, (key[1], key[0]), axis=(0, 1))
            if q > 1:
                fine = fine.reshape(self.size, q, self.size, q).sum(axis=(1, 3))
            self._binned[key] = fine
        coarse = self._binned[key]
        sx, sy = a // q, b // q
        y0, x0 = self.o - sy, self.o - sx
        if min(x0, y0) < 0 or max(x0, y0) + self.n > self.size:
            return np.roll(coarse, (sy, sx), axis=(0, 1))[self.o : self.o + self.n, self.o : self.o + self.n]
        return coarse[y0 : y0 + self.n, x0 : x0 + self.n]

    def _folded(self, dx: float, dy: float, derivatives: bool):
        """As :meth:`__call__` for q > 1 (moves in fine cells): the spectrum moved, box-filtered
        and folded onto the coarse grid, then one small inverse transform per output."""
        q, size, o, n = self.q, self.size, self.o, self.n
        k = self._fk
        ey = np.exp(-2j * np.pi * k * dy)
        ex = np.exp(-2j * np.pi * k * dx)
        sy = self._fspec * ey[:, None]

        def fold_y(a):
            return a.reshape(q, size, size * q).sum(axis=0)

        def fold_x(a):
            return a.reshape(size, q, size).sum(axis=1)

        # fold along y first: the x ramp then acts on q times fewer rows
        r = fold_y(sy)
        out = [fold_x(r * ex[None, :])]
        if derivatives:
            d = -2j * np.pi * q * k  # d/d(pixel) of the ramp
            out.append(fold_x(r * (ex * d)[None, :]))
            out.append(fold_x(fold_y(sy * d[:, None]) * ex[None, :]))
        pix = np.fft.ifft2(np.stack(out)).real[:, o : o + n, o : o + n]
        if not derivatives:
            return pix[0], None, None
        return pix[0], pix[1], pix[2]

    def __call__(self, cx: float, cy: float, derivatives: bool = True):
        """Shape with its centre at window coordinates (cx, cy), and d/dcx, d/dcy."""
        dx, dy = (cx - self.base[0]) * self.q, (cy - self.base[1]) * self.q
        if self.q > 1:
            return self._folded(dx, dy, derivatives)
        # the phase ramp is separable: two 1-D exponentials, not one over the whole spectrum
        s = self.spec * np.exp(-2j * np.pi * self.ky * dy) * np.exp(-2j * np.pi * self.kx * dx)
        if not derivatives:
            return self._pixels(s), None, None
        # the image and both derivatives in one batched inverse transform
        m, gx, gy = self._pixels(np.stack([s, s * self._dkx, s * self._dky]))
        return m, gx, gy


_SHIFTERS: dict[tuple[int, int, int], tuple[Shape, _Shifter]] = {}


def _shifter(shape: Shape, n: int, half: int) -> _Shifter:
    """A :class:`_Shifter` for ``shape`` on an n x n window, kept for the next fit of the same shape
    object (a frame's stars share one PSF: its transform is taken once, not once per star)."""
    if shape.optics is not None:  # the exact model; its sampler is cached by the optics module
        from ..light.optics import window_sampler

        return window_sampler(shape.optics, n, half)
    if shape.kind != "psf":  # a body's template is made for one frame: nothing to keep
        return _Shifter(shape, n, half)
    key = (id(shape), n, half)
    hit = _SHIFTERS.get(key)
    if hit is not None and hit[0] is shape:
        return hit[1]
    if len(_SHIFTERS) >= 8:
        _SHIFTERS.pop(next(iter(_SHIFTERS)))
    sh = _Shifter(shape, n, half)
    _SHIFTERS[key] = (shape, sh)
    return sh
