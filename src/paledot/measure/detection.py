"""Finding sources in a frame: background and noise that survive gradients, then detection.

Two engines do the same job and the benchmark compares them: SEP (C, fast; the default) and
photutils (``Background2D`` with sigma clipping, ``detect_sources`` + ``deblend_sources``). Both give
per-pixel background and noise maps, so scattered light or a twilight gradient does not raise false
detections. Each source gets flags: ``saturated`` (a pixel at the ceiling), ``extended`` (far larger
than the PSF: a planet's limb, rings, a galaxy), ``hot`` (all its light in one pixel: a hot pixel or a
cosmic ray), ``edge`` (touching the frame's border). This module never identifies anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._io.errors import PaledotError

ENGINES = ("sep", "photutils")
#: SExtractor's default detection filter (``default.conv``, the one SEP applies when given none): a
#: 3 x 3 pyramid, normalised, applied as a plain convolution with the threshold in units of the
#: unfiltered background noise.
SEXTRACTOR_KERNEL = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])
#: SEP's pixel stack for a frame's first try (active pixels over the threshold at once). SEP
#: links every entry of it on each extraction, so a stack as big as the frame costs 2-5 ms on a
#: megapixel frame that needs a few thousand; a frame that fills it is extracted again with room
#: for all its pixels (the same sources: the stack's size only bounds them).
PIXSTACK_FIRST = 100_000


@dataclass
class Background:
    """Background level and per-pixel noise (1 sigma) maps, in the image's units."""

    level: np.ndarray
    rms: np.ndarray
    global_rms: float
    #: the frame minus ``level``, non-finite pixels set to 0 (kept by ``detect`` for photometry)
    subtracted: np.ndarray | None = None


@dataclass
class Detection:
    """One detected source: windowed/isophotal first guess, shape, flags (0-based x, y; y up)."""

    x: float
    y: float
    flux: float
    peak: float
    area: int
    a: float
    b: float
    theta_deg: float
    snr: float
    xmin: int
    xmax: int
    ymin: int
    ymax: int
    flags: set = field(default_factory=set)
    label: int = 0  # its number in the segmentation map


def _box(shape: tuple[int, int]) -> int:
    return int(max(8, min(64, min(shape) // 4)))


def background(image: np.ndarray, mask: np.ndarray | None = None, engine: str = "sep") -> Background:
    """Background and noise maps with sigma clipping on a mesh of boxes (64 px, smaller frames less)."""
    box = _box(image.shape)
    # a sky clipped at a floor (no bias): more than 2% of pixels at the very minimum (every 4th
    # pixel each way is plenty to tell)
    few = image[::4, ::4]
    finite = few[np.isfinite(few)]
    if finite.size and np.count_nonzero(finite == finite.min()) > 0.02 * finite.size:
        return _censored_background(image, mask, box)
    if engine == "sep":
        import sep

        data = np.ascontiguousarray(image, dtype=np.float64)
        bk = sep.Background(data, mask=mask, bw=box, bh=box, fw=3, fh=3)
        level, rms, g = bk.back(), bk.rms(), float(bk.globalrms)
    elif engine == "photutils":
        from astropy.stats import SigmaClip
        from photutils.background import Background2D, MedianBackground, StdBackgroundRMS

        bk = Background2D(
            image,
            box,
            filter_size=3,
            mask=mask,
            sigma_clip=SigmaClip(sigma=3.0, maxiters=5),
            bkg_estimator=MedianBackground(),
            bkg_rms_estimator=StdBackgroundRMS(),
        )
        level, rms, g = bk.background, bk.background_rms, float(bk.background_rms_median)
    else:
        raise PaledotError(f"unknown detection engine {engine!r}: choose {' or '.join(ENGINES)}")
    if not math.isfinite(g) or g <= 0:
        positive = rms[rms > 0]
        g = float(np.median(positive)) if positive.size else 0.0
    floor = max(g * 1e-3, 1e-12)
    rms = np.asarray(rms, float)
    few = image[::7, ::7]
    if np.array_equal(few, np.round(few)):  # whole numbers: rounding alone leaves 1/sqrt(12)
        floor = max(floor, 12**-0.5)
    if float(rms.min()) < floor:  # a box of identical pixels: no zero noise anywhere
        rms = np.maximum(rms, floor)
    return Background(np.asarray(level, float), rms, g)


def _upsample(grid: np.ndarray, ny: int, nx: int) -> np.ndarray:
    """Bilinear interpolation of box-centre values onto every pixel (flat beyond the outer centres).

    Two gathers per axis rather than a matrix product: BLAS threads cost more than they save on a
    busy machine for so thin a product."""

    def weights(n: int, cells: int):
        centres = (np.arange(cells) + 0.5) * n / cells - 0.5
        pos = np.clip(np.interp(np.arange(n), centres, np.arange(cells)), 0, cells - 1)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, cells - 1)
        return i0, i1, pos - i0

    r0, r1, tr = weights(ny, grid.shape[0])
    rows = grid[r0] * (1 - tr)[:, None] + grid[r1] * tr[:, None]
    c0, c1, tc = weights(nx, grid.shape[1])
    return rows[:, c0] * (1 - tc) + rows[:, c1] * tc


def _censored_background(image: np.ndarray, mask: np.ndarray | None, box: int) -> Background:
    """Background of a frame whose sky is clipped at a floor (a camera with no bias: read noise
    below zero reads zero). Sigma clipping fails there; the median and the 50th-to-84th percentile
    spread of each box do not, since the clipped half lies below the median."""
    from scipy.ndimage import median_filter

    ny, nx = image.shape
    by, bx = max(ny // box, 1), max(nx // box, 1)
    hy, hx = ny // by, nx // bx
    work = np.where(mask, np.nanmedian(image), image) if mask is not None else image
    # every third pixel each way: a ninth of the pixels (455 per 64-px box) gives each box's spread to
    # about 5%, and the 3 x 3 median filter below to about 2%
    st = 3 if min(hy, hx) >= 24 else 1
    hy, hx = hy // st * st, hx // st * st
    cells = work[: by * hy, : bx * hx].reshape(by, hy, bx, hx)[:, ::st, :, ::st].transpose(0, 2, 1, 3)
    cells = cells.reshape(by, bx, -1)
    p50, p84 = np.percentile(cells, [50, 84.13], axis=-1)
    p50 = median_filter(p50, 3, mode="nearest")
    rms = median_filter(np.maximum(p84 - p50, 1e-12), 3, mode="nearest")
    level = _upsample(p50, ny, nx)
    rmap = _upsample(rms, ny, nx)
    few = image[::7, ::7]
    floor = 12**-0.5 if np.array_equal(few, np.round(few)) else 1e-12  # rounding's own noise
    return Background(level, np.maximum(rmap, floor), float(max(np.median(rms), floor)))


def detect(
    image: np.ndarray,
    *,
    nsigma: float = 5.0,
    min_area: int = 3,
    engine: str = "sep",
    saturation: float | None = None,
    psf_fwhm_px: float = 2.0,
    extended_area: float | None = None,
    max_sources: int = 5000,
    deblend_cont: float = 0.005,
    kernel: np.ndarray | None = None,
    independent: bool = True,
) -> tuple[list[Detection], Background, np.ndarray]:
    """Sources above ``nsigma`` times the local noise (after a matched filter), brightest first.

    Returns the detections, the background, and the segmentation map (0 = sky, k = detection k-1).
    NaN/inf pixels are masked. ``extended_area`` (px) marks bigger sources as extended (default:
    40 x the PSF core area, at least 80 px). ``deblend_cont`` is the deblending contrast (1 or more:
    no deblending, as SExtractor's DEBLEND_MINCONT 1.0). ``kernel`` replaces the matched filter (a
    Gaussian of the PSF's FWHM) by a plain convolution with that kernel, SExtractor's way (e.g.
    :data:`SEXTRACTOR_KERNEL`): the threshold is then ``nsigma`` times the unfiltered noise.
    ``independent`` False (a stretched, resized or compressed picture, whose pixels' noise is
    correlated): the matched filter's threshold is ``nsigma`` times the unfiltered noise too, not
    the filtered noise of independent pixels, which such a picture's filtered noise far exceeds.
    """
    if engine not in ENGINES:
        raise PaledotError(f"unknown detection engine {engine!r}: choose {' or '.join(ENGINES)}")
    bad = ~np.isfinite(image)
    work = np.where(bad, np.nanmedian(image), image) if bad.any() else np.asarray(image, np.float64)
    mask = bad if bad.any() else None
    bkg = background(work, mask, engine)
    sub = work - bkg.level
    if bad.any():
        sub[bad] = 0.0
    bkg.subtracted = sub
    if bkg.global_rms <= 0:  # a perfectly flat frame: nothing to find
        return [], bkg, np.zeros(image.shape, np.int32)
    sigma = max(psf_fwhm_px, 1.0) / 2.3548
    if engine == "sep":
        dets, seg = _detect_sep(sub, bkg, nsigma, min_area, sigma, max_sources, deblend_cont, kernel,
                                independent)
    else:
        dets, seg = _detect_photutils(sub, bkg, nsigma, min_area, sigma, deblend_cont, kernel, independent)
    core = math.pi * max(psf_fwhm_px, 1.0) ** 2
    limit = extended_area if extended_area is not None else max(80.0, 40.0 * core)
    ny, nx = image.shape
    for d in dets:
        if saturation is not None:
            raw = work[d.ymin : d.ymax + 1, d.xmin : d.xmax + 1]
            if (raw >= saturation - 0.5).any():
                d.flags.add("saturated")
        if d.area > limit:
            d.flags.add("extended")
        if d.xmin <= 0 or d.ymin <= 0 or d.xmax >= nx - 1 or d.ymax >= ny - 1:
            d.flags.add("edge")
        iy, ix = int(round(d.y)), int(round(d.x))
        if 1 <= iy < ny - 1 and 1 <= ix < nx - 1:
            centre = sub[iy, ix]
            ring = sub[iy - 1 : iy + 2, ix - 1 : ix + 2].sum() - centre
            if centre > 0 and ring < 0.15 * centre and "saturated" not in d.flags:
                d.flags.add("hot")
    dets.sort(key=lambda d: -d.flux)
    return dets, bkg, seg


def _gaussian_kernel(sigma: float) -> np.ndarray:
    half = max(1, int(math.ceil(2 * sigma)))
    yy, xx = np.mgrid[-half : half + 1, -half : half + 1]
    return np.exp(-0.5 * (xx**2 + yy**2) / sigma**2)


def _detect_sep(sub, bkg, nsigma, min_area, sigma, max_sources, deblend_cont=0.005, conv=None,
                independent=True):
    import sep

    kernel = _gaussian_kernel(sigma) if conv is None else np.asarray(conv, float)
    # the deblender's sub-object limit changes how blends split: one value from the first call on,
    # so a frame's sources never depend on which frames were measured before it
    sep.set_sub_object_limit(4096)
    # SEP runs ten times faster with one noise figure than with a map: use the map only when the
    # noise really varies across the frame (by more than a third: box-to-box scatter of the noise
    # estimate itself is about a tenth)
    few = bkg.rms[::16, ::16]
    lo, hi = (float(v) for v in np.percentile(few, [5, 95]))  # a box or two near a bright body aside
    # SExtractor's way (a given kernel) thresholds on the global noise figure, as it does with no
    # weight map
    uniform = conv is not None or hi <= 1.33 * lo
    err = bkg.global_rms if uniform else np.ascontiguousarray(bkg.rms)
    kernel = kernel / kernel.sum()
    if conv is None and independent:
        # our own kernel: ``nsigma`` is in units of the *filtered* image's noise, as the photutils
        # engine has it. SEP compares its filtered image (conv or matched alike) with nsigma times
        # the noise it is given, i.e. the unfiltered noise: a 5-sigma threshold there is 4-5 times
        # the filtered noise for a PSF of 2-3 px. The filtered noise is the given one times the
        # kernel's root sum of squares (for independent pixels: a picture's correlated noise is
        # judged later, by empty apertures).
        err = err * math.sqrt(float((kernel**2).sum()))
    data = np.ascontiguousarray(sub)
    for stack in (min(PIXSTACK_FIRST, data.size), data.size):
        sep.set_extract_pixstack(stack)
        try:
            objs, seg = sep.extract(data, nsigma, err=err, minarea=min_area, filter_kernel=kernel,
                                    filter_type="conv", deblend_nthresh=32, deblend_cont=deblend_cont,
                                    segmentation_map=True)
            break
        except Exception as exc:  # SEP's own limits (object count) on pathological frames
            if "pixel buffer full" in str(exc) and stack < data.size:
                continue  # room for every pixel of the frame, next
            raise PaledotError(f"source extraction failed on this frame: {exc}") from None
    out = []
    for i in range(min(len(objs), max_sources * 4)):
        o = objs[i]
        snr = float(o["flux"] / math.sqrt(max(o["npix"], 1)) / bkg.global_rms) if bkg.global_rms > 0 else 0.0
        out.append(
            Detection(
                x=float(o["x"]),
                y=float(o["y"]),
                flux=float(o["flux"]),
                peak=float(o["peak"]),
                area=int(o["npix"]),
                a=float(o["a"]),
                b=float(o["b"]),
                theta_deg=float(np.degrees(o["theta"])),
                snr=snr,
                xmin=int(o["xmin"]),
                xmax=int(o["xmax"]),
                ymin=int(o["ymin"]),
                ymax=int(o["ymax"]),
                flags={"deblended"} if o["flag"] & 1 else set(),
                label=i + 1,
            )
        )
    return out, np.asarray(seg, np.int32)


def _detect_photutils(sub, bkg, nsigma, min_area, sigma, deblend_cont=0.005, given=None, independent=True):
    from photutils.segmentation import SourceCatalog, deblend_sources, detect_sources
    from scipy.ndimage import convolve

    kernel = _gaussian_kernel(sigma) if given is None else np.asarray(given, float)
    kernel = kernel / kernel.sum()
    conv = convolve(sub, kernel, mode="constant")
    if given is None and independent:
        # the threshold in units of the filtered image's own noise (as the SEP engine's)
        threshold = nsigma * bkg.rms * math.sqrt(float((kernel**2).sum()))
    elif given is None:  # correlated noise: the unfiltered noise, as the SEP engine's
        threshold = nsigma * bkg.rms
    else:  # SExtractor's plain convolution: in units of the unfiltered noise (its global figure)
        threshold = nsigma * bkg.global_rms
    seg = detect_sources(conv, threshold, n_pixels=max(min_area, 1))
    if seg is None:
        return [], np.zeros(sub.shape, np.int32)
    blended: set[int] = set()
    if deblend_cont < 1 and (seg.n_labels > 1 or seg.areas.max() > 20):
        seg = deblend_sources(
            conv, seg, n_pixels=max(min_area, 1), n_levels=32, contrast=deblend_cont, progress_bar=False
        )
        blended = {int(v) for v in getattr(seg, "deblended_labels", [])}
    cat = SourceCatalog(sub, seg, convolved_data=conv, error=bkg.rms)
    cols = {
        name: np.atleast_1d(np.asarray(getattr(cat, name)))
        for name in ("x_centroid", "y_centroid", "segment_flux", "segment_flux_err", "max_value", "label")
    }
    area = np.atleast_1d(cat.area.value)
    a = np.atleast_1d(cat.semimajor_axis.value)
    b = np.atleast_1d(cat.semiminor_axis.value)
    theta = np.atleast_1d(cat.orientation.value)
    out = []
    for i, box in enumerate(np.atleast_1d(cat.bbox)):
        flux, err = float(cols["segment_flux"][i]), float(cols["segment_flux_err"][i])
        label = int(cols["label"][i])
        out.append(
            Detection(
                x=float(cols["x_centroid"][i]),
                y=float(cols["y_centroid"][i]),
                flux=flux,
                peak=float(cols["max_value"][i]),
                area=int(area[i]),
                a=float(a[i]),
                b=float(b[i]),
                theta_deg=float(theta[i]),
                snr=flux / err if math.isfinite(err) and err > 0 else 0.0,
                xmin=int(box.ixmin),
                xmax=int(box.ixmax - 1),
                ymin=int(box.iymin),
                ymax=int(box.iymax - 1),
                flags={"deblended"} if label in blended else set(),
                label=label,
            )
        )
    return out, np.asarray(seg.data, np.int32)
