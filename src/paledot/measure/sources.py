"""From an Observation to a list of measured sources: detect, then centroid and photometer each.

A source's position comes from the best model available: a body's own rendered image (``template``)
for a source identified as that body, the camera's PSF (``psf``) when the camera is known, a 2-D
Gaussian (``gaussian``) otherwise; extended sources keep their isophotal moments (``moments``).
Aperture photometry (SEP's exact-overlap circles) sums each source. Pixels are 0-based (x, y), y up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .._io.errors import PaledotError
from .centroid import CentroidFit, Shape, _shifter, fit_gaussian, fit_shape, fit_shapes, psf_shape, star_shape
from .detection import SEXTRACTOR_KERNEL, Background, Detection, detect
from .reading import Observation

#: At most this many sources (brightest first) get a model fit; the rest keep detection centroids.
MAX_FITTED = 60
#: How sources are centroided: a model fit (PSF or Gaussian), or SExtractor's windowed position.
CENTROIDS = ("model", "windowed")
#: SExtractor's ``default.sex`` as the catalogue beside SEP's test frame was made with
#: (DETECT_THRESH 1.5, DETECT_MINAREA 5, FILTER_NAME default.conv, DEBLEND_MINCONT 1.0, i.e. no
#: deblending; BACK_SIZE 64 and BACK_FILTERSIZE 3 are paledot's own background for such a frame),
#: with windowed centroids (XWIN_IMAGE, YWIN_IMAGE): ``find_sources(obs, **SEXTRACTOR)``.
SEXTRACTOR = {
    "nsigma": 1.5,
    "min_area": 5,
    "deblend_cont": 1.0,
    "kernel": SEXTRACTOR_KERNEL,
    "centroid": "windowed",
}


@dataclass
class Source:
    """A measured source (image units for fluxes; pixels 0-based, y up; theta from +x toward +y)."""

    id: int
    x: float
    y: float
    x_err: float
    y_err: float
    crb_x: float
    crb_y: float
    flux: float
    flux_err: float
    aperture_flux: float
    aperture_flux_err: float
    aperture_radius: float
    snr: float
    peak: float
    area: int
    a: float
    b: float
    theta_deg: float
    method: str
    flags: list[str] = field(default_factory=list)
    chi2_red: float = float("nan")
    label: int = 0

    @property
    def pointlike(self) -> bool:
        return not ({"extended", "hot"} & set(self.flags))

    def to_dict(self) -> dict:
        return {
            k: (
                round(v, 6)
                if isinstance(v, float) and math.isfinite(v)
                else (None if isinstance(v, float) else v)
            )
            for k, v in asdict(self).items()
        }


@dataclass
class SourceList:
    """The detections of one frame with the background they were found on."""

    sources: list[Source]
    background: Background
    segmentation: np.ndarray
    detections: list[Detection]
    psf: Shape | None


def source_fwhm(obs: Observation) -> float:
    """Expected FWHM of a point source, px: the camera's Airy core and blur, else 2 px."""
    cam = obs.camera
    if cam is None:
        return 2.0
    lam = (cam.bandpass_center_nm + cam.bandpass_width_nm / 2) * 1e-9
    diff = 1.03 * lam / (cam.aperture_mm * 1e-3) / cam.pixel_scale_rad
    return float(max(math.hypot(diff, cam.psf_fwhm_px), 1.0))


def find_sources(
    obs: Observation,
    *,
    engine: str = "sep",
    nsigma: float = 4.0,
    min_area: int = 3,
    fit: bool = True,
    max_fitted: int = MAX_FITTED,
    deblend_cont: float = 0.005,
    kernel: np.ndarray | None = None,
    centroid: str = "model",
) -> SourceList:
    """Detect and measure every source in ``obs`` (brightest first).

    ``centroid="model"`` fits the camera's PSF (a Gaussian without a camera) to the brightest
    ``max_fitted`` sources; ``"windowed"`` gives every source SExtractor's windowed position.
    ``deblend_cont`` and ``kernel`` go to :func:`detect`; :data:`SEXTRACTOR` sets all of them as
    SExtractor's default configuration has them."""
    if centroid not in CENTROIDS:
        raise PaledotError(f"unknown centroid method {centroid!r}: choose {' or '.join(CENTROIDS)}")
    ny, nx = obs.image.shape
    if min(ny, nx) < 16:
        raise PaledotError(f"the frame is {nx} x {ny} pixels: too small to measure (at least 16 x 16)")
    fwhm = source_fwhm(obs)
    dets, bkg, seg = detect(
        obs.image,
        nsigma=nsigma,
        min_area=min_area,
        engine=engine,
        saturation=obs.saturation,
        psf_fwhm_px=fwhm,
        deblend_cont=deblend_cont,
        kernel=kernel,
        independent=not obs.stretched,  # a stretched picture's noise is correlated
    )
    psf = psf_shape(obs.camera) if obs.camera is not None else None
    fits: list[CentroidFit | None] = [None] * len(dets)
    if centroid == "windowed":
        fits = _windowed(obs, bkg, dets)
    for k, d in enumerate(dets):
        if (
            centroid == "model"
            and fit
            and k < max_fitted
            and "extended" not in d.flags
            and "hot" not in d.flags
        ):
            fits[k] = fit_source(obs, bkg, seg, d.label, d.x, d.y, psf, fwhm)
    if centroid == "model" and fit:
        _refit_blends(obs, bkg, seg, dets, fits, psf, fwhm)
    sources = [_source(k, d, fits[k], bkg) for k, d in enumerate(dets)]
    _photometry(obs, bkg, sources, fwhm)
    return SourceList(sources, bkg, seg, dets, psf)


#: SExtractor's windowed centroid: the window's radius in sigmas (WINPOS_NSIG).
_WIN_NSIG = 4.0


def _windowed(obs: Observation, bkg: Background, dets: list[Detection]) -> list[CentroidFit | None]:
    """SExtractor's windowed positions (XWIN_IMAGE, YWIN_IMAGE) by its own recipe, with SEP's ports
    of its routines: the Kron radius within 6 a, FLUX_AUTO in 2.5 Kron radii, the half-light radius
    r50 within 6 a (normalised by FLUX_AUTO), then a Gaussian window of sigma 2 r50 / 2.35 moved
    from the isophotal centre until it stops (SExtractor's XWIN to 1e-4 px). Errors as SExtractor's
    ERRX2WIN: 4 sum(w^2 var dx^2) / sum(w I)^2 over the window, var the background noise plus the
    source's own photon noise when the gain is known. A source whose window cannot be sized keeps
    its isophotal centre."""
    if not dets:
        return []
    import sep

    sub = bkg.subtracted
    if sub is None:
        sub = np.nan_to_num(obs.image - bkg.level)
    sub = np.ascontiguousarray(sub, dtype=np.float64)
    bad = ~np.isfinite(obs.image)
    mask = bad if bad.any() else None
    x = np.array([d.x for d in dets])
    y = np.array([d.y for d in dets])
    a = np.array([max(d.a, 1e-3) for d in dets])
    b = np.array([max(d.b, 1e-3) for d in dets])
    # an ellipse's angle is defined modulo 180 degrees: SEP wants it within +-90
    theta = (np.radians([d.theta_deg for d in dets]) + math.pi / 2) % math.pi - math.pi / 2
    kron, _ = sep.kron_radius(sub, x, y, a, b, theta, 6.0, mask=mask)
    auto, auto_err, _ = sep.sum_ellipse(
        sub, x, y, a, b, theta, np.maximum(2.5 * kron, 1e-3), err=bkg.global_rms, subpix=1, mask=mask
    )
    r50, _ = sep.flux_radius(sub, x, y, 6.0 * a, 0.5, normflux=auto, subpix=5, mask=mask)
    # a Kron aperture with no light (FLUX_AUTO 0) gives r50 = 0 and a window of zero width: SExtractor
    # (and SEP) then still move the centre, to where its catalogue says, so this does too
    sig = 2.0 / 2.35 * np.asarray(r50, float)
    ok = np.isfinite(sig) & (sig >= 0)
    xw, yw = x.copy(), y.copy()
    if ok.any():
        xw[ok], yw[ok], _ = sep.winpos(sub, x[ok], y[ok], sig[ok], mask=mask)
    ny, nx = sub.shape
    out: list[CentroidFit | None] = []
    for k in range(len(dets)):
        if not ok[k]:
            out.append(None)
            continue
        sk = max(sig[k], 0.5)  # px: the errors of a zero-width window as those of a half-pixel one
        r = _WIN_NSIG * sk
        x0, x1 = max(int(math.floor(xw[k] - r)), 0), min(int(math.ceil(xw[k] + r)) + 1, nx)
        y0, y1 = max(int(math.floor(yw[k] - r)), 0), min(int(math.ceil(yw[k] + r)) + 1, ny)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dx, dy = xx - xw[k], yy - yw[k]
        inside = dx**2 + dy**2 <= r * r
        w = np.exp(-0.5 * (dx**2 + dy**2) / sk**2) * inside
        img = sub[y0:y1, x0:x1]
        var = bkg.rms[y0:y1, x0:x1] ** 2 + (np.clip(img, 0, None) / obs.gain if obs.gain else 0.0)
        norm = float((w * img).sum())
        if not norm > 0:
            out.append(None)
            continue
        ex = 2.0 * math.sqrt(float((w**2 * var * dx**2).sum())) / norm
        ey = 2.0 * math.sqrt(float((w**2 * var * dy**2).sum())) / norm
        flux = float(auto[k])
        out.append(
            CentroidFit(
                x=float(xw[k]),
                y=float(yw[k]),
                flux=flux,
                background=0.0,
                x_err=ex,
                y_err=ey,
                flux_err=float(auto_err[k]),
                crb_x=float("nan"),
                crb_y=float("nan"),
                chi2_red=float("nan"),
                n_pixels=int(inside.sum()),
                n_masked_saturated=0,
                method="windowed",
                converged=True,
                sigma_x=float(sig[k]),
                sigma_y=float(sig[k]),
            )
        )
    return out


def _others(seg: np.ndarray, label: int) -> tuple[np.ndarray, int] | None:
    if seg is None or label <= 0:
        return None
    return seg, label


def fit_source(
    obs,
    bkg,
    seg,
    label,
    x,
    y,
    shape: Shape | None,
    fwhm: float,
    half: int | None = None,
    search: bool = False,
) -> CentroidFit | None:
    """Fit one source at (x, y): with ``shape`` if given, else a Gaussian."""
    return _fit(obs.image, obs, bkg, seg, label, x, y, shape, fwhm, half, search)


def _fit(image, obs, bkg, seg, label, x, y, shape, fwhm, half=None, search=False):
    exclude = _others(seg, label)
    if shape is not None:
        return fit_shape(
            image,
            x,
            y,
            shape,
            noise_rms=bkg.rms,
            gain=obs.gain,
            saturation=obs.saturation,
            exclude=exclude,
            half=half,
            search=search,
        )
    return fit_gaussian(
        image,
        x,
        y,
        noise_rms=bkg.rms,
        gain=obs.gain,
        sigma_guess=fwhm / 2.3548,
        saturation=obs.saturation,
        exclude=exclude,
    )


#: Refits of a blend's members, each on the frame less its neighbours' latest fitted light.
BLEND_PASSES = 2


def _refit_blends(obs, bkg, seg, dets, fits, psf, fwhm) -> None:
    """Blended neighbours fitted together, in effect: each model-fitted source whose window a fitted
    neighbour's light reaches is refitted (in place in ``fits``) on the frame less every other
    source's fitted model, :data:`BLEND_PASSES` times round (Gauss-Seidel: each refit sees the
    others' latest). Its neighbours' own pixels stay left out, as in the first fit; their wings
    spilling into its pixels, which pulled it by up to 3.7 of its sigmas for two stars 1.5 FWHM
    apart, are taken out (their photon noise is not added to its weights). Saturated sources keep
    their first fit (the subtraction would unclip their ceiling)."""
    # the fit's window: fit_shape's for the PSF, fit_gaussian's for a Gaussian
    half = int(max(4, math.ceil(max(psf.stamp.shape) / 2) + 1 if psf else math.ceil(4 * fwhm / 2.3548)))
    stamps = {k: _stamp(f, psf) for k, f in enumerate(fits) if f is not None}
    stamps = {k: v for k, v in stamps.items() if v is not None}

    def reached(k):
        """Whether the neighbours' light in its window could move it by a fifth of its error (a
        light-centre estimate of their pull)."""
        f = fits[k]
        ix, iy = int(round(f.x)), int(round(f.y))
        px = py = 0.0
        for j, (st, y0, x0) in stamps.items():
            ys, ye = max(iy - half, y0), min(iy + half + 1, y0 + st.shape[0])
            xs, xe = max(ix - half, x0), min(ix + half + 1, x0 + st.shape[1])
            if j == k or ye <= ys or xe <= xs:
                continue
            part = st[ys - y0 : ye - y0, xs - x0 : xe - x0]
            yy, xx = np.mgrid[ys:ye, xs:xe]
            px += float((part * (xx - f.x)).sum())
            py += float((part * (yy - f.y)).sum())
        return math.hypot(px, py) / max(f.flux, 1e-30) > 0.2 * math.hypot(f.x_err, f.y_err)

    todo = [k for k in stamps if "saturated" not in dets[k].flags and reached(k)]
    if not todo:
        return
    work = np.array(obs.image, dtype=float)
    for st, y0, x0 in stamps.values():
        _add(work, st, y0, x0, -1.0)
    for _ in range(BLEND_PASSES):
        for k in todo:
            _add(work, *stamps[k], 1.0)  # its own light back
            x, y = fits[k].x, fits[k].y
            f = _fit(work, obs, bkg, seg, dets[k].label, x, y, psf, fwhm)
            if f is not None and math.isfinite(f.x_err) and math.hypot(f.x - x, f.y - y) < 1.5:
                fits[k] = f
                stamps[k] = _stamp(f, psf) or stamps[k]
            _add(work, *stamps[k], -1.0)


def _stamp(f: CentroidFit, psf: Shape | None):
    """A fitted source's model light (no background) as (stamp, y0, x0): its Gaussian, or the PSF."""
    ix, iy = int(round(f.x)), int(round(f.y))
    if f.method == "psf" and psf is not None:
        h = int(max(4, math.ceil(max(psf.stamp.shape) / 2) + 1))  # fit_shape's window
        m, _, _ = _shifter(psf, 2 * h + 1, h)(f.x - ix + h, f.y - iy + h, derivatives=False)
        return f.flux * m, iy - h, ix - h
    sx, sy, th = f.sigma_x, f.sigma_y, f.theta
    if not (f.method == "gaussian" and sx > 0 and sy > 0 and math.isfinite(th)):
        return None
    r = int(math.ceil(4 * max(sx, sy)))
    yy, xx = np.mgrid[iy - r : iy + r + 1, ix - r : ix + r + 1]
    u = (xx - f.x) * math.cos(th) + (yy - f.y) * math.sin(th)
    v = (yy - f.y) * math.cos(th) - (xx - f.x) * math.sin(th)
    return f.flux / (2 * math.pi * sx * sy) * np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2)), iy - r, ix - r


def _add(image: np.ndarray, stamp: np.ndarray, y0: int, x0: int, sign: float) -> None:
    """image[y0:, x0:] += sign * stamp, the part within the frame."""
    ny, nx = image.shape
    ys, xs = max(y0, 0), max(x0, 0)
    ye, xe = min(y0 + stamp.shape[0], ny), min(x0 + stamp.shape[1], nx)
    if ye > ys and xe > xs:
        image[ys:ye, xs:xe] += sign * stamp[ys - y0 : ye - y0, xs - x0 : xe - x0]


#: px: a star whose PSF fit failed keeps its detection centroid, with at least this uncertainty: the
#: pixel-phase bias an isophotal centroid of an undersampled star carries (measured on rendered
#: frames: up to 0.09 px either way for a PSF of 0.6 px FWHM, 0.07 px for 1.2 px).
DETECTION_BIAS_PX = 0.1
#: px: a deblended star's uncertainty is at least this: its neighbour's wings share its window
#: (their own pixels are left out of the fit, their light spilling into its pixels is not).
BLEND_FLOOR_PX = 0.05
#: A star's PSF fit that lands further than this (px) from its detection centroid is refused.
STAR_MOVE_PX = 1.0
#: A frame's solved pixel scale may differ from its camera's by this fraction at most for the
#: camera's PSF to be fitted to its stars (a binned or resized frame has another PSF in pixels).
STAR_SCALE_TOLERANCE = 0.05


def star_refiner(obs: Observation, srcs: SourceList):
    """The ``refine`` hook of :func:`paledot.measure.pointing.solve_pointing` for ``obs``: each
    matched star fitted with the camera's PSF (:func:`refine_stars`). None when the frame's stars
    cannot be fitted so: no camera, or a stretched (8-bit, non-linear) picture."""
    if obs.camera is None or obs.stretched:
        return None
    cam_scale = math.degrees(obs.camera.pixel_scale_rad) * 3600.0
    cache: dict = {}

    def refine(indices: list[int], scale_arcsec: float) -> bool:
        if abs(scale_arcsec / cam_scale - 1.0) > STAR_SCALE_TOLERANCE:
            return False
        if "shape" not in cache:
            cache["shape"] = star_shape(obs.camera)
        return refine_stars(obs, srcs, indices, cache["shape"]) > 0

    return refine


def refine_stars(obs: Observation, srcs: SourceList, indices: list[int], shape: Shape) -> int:
    """Replace the detection centroids of the sources ``indices`` (stars) by fits of the camera's
    PSF ``shape`` (on the renderer's fine grid: :func:`~paledot.measure.centroid.star_shape`) with a
    local flat background; the uncertainty is the fit's (its Cramer-Rao bound, scaled up by the
    reduced chi-square when above 1). An undersampled star's isophotal centroid is pulled toward its
    pixel's centre by up to a tenth of a pixel; the fit of the pixel-integrated PSF at the fitted
    phase is not. Saturated stars are fitted on their unsaturated pixels (the clipped core left
    out), so their own Fisher matrix weighs them down; deblended ones with their neighbours' pixels
    left out and an uncertainty of at least :data:`BLEND_FLOOR_PX`. A star whose fit fails or wanders
    keeps its detection centroid with an uncertainty of at least :data:`DETECTION_BIAS_PX` (weighed
    down, not dropped: it may be what makes the match complete). Returns how many were fitted."""
    fwhm = source_fwhm(obs)
    todo = [k for k in dict.fromkeys(indices) if srcs.sources[k].method != "psf"]
    # no grid search for a clipped core (a body's remedy): a star's detection centroid starts within
    # 0.2 px, and saturated stars of rendered frames came out the same without it (0.002-0.004 px
    # rms, pulls 0.8-1.7) at 30% less time; the stars are fitted together (one model evaluation a step)
    points = [(srcs.sources[k].x, srcs.sources[k].y, _others(srcs.segmentation, srcs.sources[k].label))
              for k in todo]
    fits = fit_shapes(obs.image, points, shape, noise_rms=srcs.background.rms, gain=obs.gain,
                      saturation=obs.saturation, half=int(max(4, math.ceil(2 * fwhm + 1))), search=False)
    n_fit = 0
    for k, f in zip(todo, fits, strict=True):
        s = srcs.sources[k]
        ok = (
            f is not None
            and f.converged
            and f.flux > 0
            and math.hypot(f.x - s.x, f.y - s.y) < STAR_MOVE_PX
            and math.isfinite(f.x_err)
        )
        if not ok:
            s.x_err, s.y_err = max(s.x_err, DETECTION_BIAS_PX), max(s.y_err, DETECTION_BIAS_PX)
            continue
        update_source(s, f)
        if "deblended" in s.flags:
            s.x_err, s.y_err = max(s.x_err, BLEND_FLOOR_PX), max(s.y_err, BLEND_FLOOR_PX)
        n_fit += 1
    return n_fit


def _source(k: int, d: Detection, f: CentroidFit | None, bkg: Background) -> Source:
    # a windowed centroid stands wherever its window settles (a blend's, off its isophotal centre)
    # a fit is kept where it stayed near its source and measured its light
    if f is not None and (f.method == "windowed" or (math.hypot(f.x - d.x, f.y - d.y) < 3 + d.a * 2
                                                      and f.measures_light)):
        x, y, xe, ye, cx, cy = f.x, f.y, f.x_err, f.y_err, f.crb_x, f.crb_y
        flux, ferr, method, chi2 = f.flux, f.flux_err, f.method, f.chi2_red
    else:
        err = math.sqrt(max(d.a * d.b, 0.25)) / max(d.snr, 1.0)
        x, y, xe, ye, cx, cy = d.x, d.y, err, err, float("nan"), float("nan")
        flux, ferr, method, chi2 = d.flux, d.flux / max(d.snr, 1e-9), "moments", float("nan")
    return Source(
        id=k,
        x=x,
        y=y,
        x_err=xe,
        y_err=ye,
        crb_x=cx,
        crb_y=cy,
        flux=flux,
        flux_err=ferr,
        aperture_flux=float("nan"),
        aperture_flux_err=float("nan"),
        aperture_radius=float("nan"),
        snr=flux / ferr if ferr > 0 else float("nan"),
        peak=d.peak,
        area=d.area,
        a=d.a,
        b=d.b,
        theta_deg=d.theta_deg,
        method=method,
        flags=sorted(d.flags),
        chi2_red=chi2,
        label=d.label,
    )


def update_source(s: Source, f: CentroidFit) -> None:
    """Replace a source's position and flux by a better fit (e.g. its body's template)."""
    s.x, s.y, s.x_err, s.y_err, s.crb_x, s.crb_y = f.x, f.y, f.x_err, f.y_err, f.crb_x, f.crb_y
    s.flux, s.flux_err, s.method, s.chi2_red = f.flux, f.flux_err, f.method, f.chi2_red
    s.snr = f.flux / f.flux_err if f.flux_err > 0 else float("nan")


def _photometry(obs: Observation, bkg: Background, sources: list[Source], fwhm: float) -> None:
    """Circular-aperture sums (SEP's exact-overlap ``sum_circle``) on the background-subtracted
    frame, radius 2 FWHM or 2.5 x the source's RMS size, whichever is larger; errors from the noise
    map and, when the gain is known, the source's own photon noise."""
    if not sources:
        return
    import sep

    bad = ~np.isfinite(obs.image)
    sub = bkg.subtracted
    if sub is None:
        sub = np.where(bad, 0.0, obs.image - bkg.level) if bad.any() else obs.image - bkg.level
    sub = np.ascontiguousarray(sub)
    x = np.array([s.x for s in sources])
    y = np.array([s.y for s in sources])
    r = np.array([max(2.0 * fwhm, 2.5 * math.sqrt(max(s.a * s.b, 0.0)), 2.0) for s in sources])
    flux, err, _ = sep.sum_circle(
        sub,
        x,
        y,
        r,
        err=np.ascontiguousarray(bkg.rms),
        gain=obs.gain or None,
        mask=bad if bad.any() else None,
    )
    for s, f, e, rr in zip(sources, flux, err, r, strict=True):
        s.aperture_flux, s.aperture_flux_err, s.aperture_radius = float(f), float(e), float(rr)
