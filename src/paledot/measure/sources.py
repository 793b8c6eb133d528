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

from ..errors import PaledotError
from .centroid import CentroidFit, Shape, fit_gaussian, fit_shape, psf_shape
from .detection import Background, Detection, detect
from .reading import Observation

#: At most this many sources (brightest first) get a model fit; the rest keep detection centroids.
MAX_FITTED = 60


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
) -> SourceList:
    """Detect and measure every source in ``obs`` (brightest first)."""
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
    )
    psf = psf_shape(obs.camera) if obs.camera is not None else None
    sources: list[Source] = []
    for k, d in enumerate(dets):
        fitres: CentroidFit | None = None
        if fit and k < max_fitted and "extended" not in d.flags and "hot" not in d.flags:
            fitres = fit_source(obs, bkg, seg, d.label, d.x, d.y, psf, fwhm)
        sources.append(_source(k, d, fitres, bkg))
    _photometry(obs, bkg, sources, fwhm)
    return SourceList(sources, bkg, seg, dets, psf)


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
    exclude = _others(seg, label)
    if shape is not None:
        return fit_shape(
            obs.image,
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
        obs.image,
        x,
        y,
        noise_rms=bkg.rms,
        gain=obs.gain,
        sigma_guess=fwhm / 2.3548,
        saturation=obs.saturation,
        exclude=exclude,
    )


def _source(k: int, d: Detection, f: CentroidFit | None, bkg: Background) -> Source:
    if f is not None and math.hypot(f.x - d.x, f.y - d.y) < 3 + d.a * 2:
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
