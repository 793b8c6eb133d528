"""The whole measurement of one frame: sources, identification, template refit, comparison."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from astropy.wcs import WCS

from ..timescales import et_to_iso
from .comparison import compare
from .identify import Identification, identify, solved_wcs, wcs_scale
from .prediction import PredictedBody, body_shapes, predict
from .reading import Observation
from .sources import SourceList, find_sources, fit_source, source_fwhm, update_source


@dataclass
class Measurement:
    """One measured frame: every source, who is who, the prediction, the comparison and a WCS
    solved from the pair (or None)."""

    observation: Observation
    sources: SourceList
    identification: Identification
    predicted: list[PredictedBody]
    comparison: dict
    solved_wcs: WCS | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return self.comparison.get("verdict", "")

    def body(self, name: str):
        """The Source identified as ``name``, or None."""
        k = self.identification.bodies.get(name)
        return None if k is None else self.sources.sources[k]

    def to_dict(self) -> dict:
        """JSON-ready: identified bodies (0-based x, y, DESIGN convention), comparison, verdict."""
        obs = self.observation
        bodies = []
        for name, k in self.identification.bodies.items():
            s = self.sources.sources[k]
            d = {
                "name": name,
                **{
                    key: s.to_dict()[key]
                    for key in (
                        "x",
                        "y",
                        "x_err",
                        "y_err",
                        "crb_x",
                        "crb_y",
                        "flux",
                        "flux_err",
                        "aperture_flux",
                        "aperture_flux_err",
                        "snr",
                        "method",
                        "flags",
                    )
                },
                "source_id": s.id,
            }
            bodies.append(d)
        return {
            "frame": obs.path,
            "time_utc": et_to_iso(np.array([obs.et]))[0] if obs.et is not None else None,
            "observer": obs.observer,
            "camera": obs.camera.name if obs.camera is not None else None,
            "pixel_convention": "0-based (x, y), image[y, x], y up (DESIGN.md)",
            "bodies": bodies,
            "comparison": {k: _clean(v) for k, v in self.comparison.items()},
            "verdict": self.verdict,
            "n_sources": len(self.sources.sources),
            "notes": self.notes + self.comparison.get("notes", []),
        }


def _clean(v):
    if isinstance(v, float):
        return round(v, 6) if math.isfinite(v) else None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def measure(
    obs: Observation,
    targets: list[str] | tuple[str, ...] = ("earth", "moon"),
    *,
    engine: str = "sep",
    nsigma: float = 5.0,
    correction: str = "LT+S",
    par: int | None = None,
) -> Measurement:
    """Find Earth and the Moon in ``obs``, measure them and compare with the prediction.

    Needs ``obs.et`` and ``obs.observer`` to identify anything; without them it lists sources
    and says so. ``par`` is the parity assumed when the frame has no WCS (default -1, DESIGN's).
    """
    targets = [t.lower() for t in targets]
    # sources keep their detection centroids until we know who they are: only the identified
    # bodies get a model fit (their own image, or the PSF), which keeps a frame under 50 ms
    srcs = find_sources(obs, engine=engine, nsigma=nsigma, fit=False)
    notes: list[str] = []
    if obs.et is None or obs.observer is None:
        missing = " and ".join(x for x, v in (("time", obs.et), ("observer", obs.observer)) if v is None)
        notes.append(f"no {missing} known: sources listed, nothing identified (give --time/--observer)")
        comp = {"verdict": f"not identified: the frame's {missing} is unknown", "notes": []}
        return Measurement(obs, srcs, Identification(), [], comp, None, notes)
    predicted = predict(obs.observer, targets, obs.et, correction)
    cam_scale = math.degrees(obs.camera.pixel_scale_rad) * 3600 if obs.camera is not None else None
    ident = identify(srcs.sources, predicted, wcs=obs.wcs, pixel_scale_arcsec=cam_scale, par=par)
    pred = {p.name: p for p in predicted}
    fwhm = source_fwhm(obs)
    for k in ident.bodies.values():  # first a PSF (or Gaussian) fit: the light centre
        s = srcs.sources[k]
        f = fit_source(obs, srcs.background, srcs.segmentation, s.label, s.x, s.y, srcs.psf, fwhm)
        if f is not None and math.hypot(f.x - s.x, f.y - s.y) < 3 + 2 * s.a:
            update_source(s, f)
    solved = _solve(obs, srcs, ident, pred)
    frame_wcs = obs.wcs if obs.wcs is not None else solved
    if obs.camera is not None and "earth" in ident.bodies and frame_wcs is not None:
        # then each body's own image: its centre, not its light centre (phase, size)
        shapes: dict = {}
        for step in range(2):  # render at the measured phase, fit, once more at the refined phase
            where = {name: (srcs.sources[k].x, srcs.sources[k].y) for name, k in ident.bodies.items()}
            # a saturated body is fitted on its wings, far from where it was rendered: finer cells
            fine = {name: 3 for name, k in ident.bodies.items() if "saturated" in srcs.sources[k].flags}
            shapes = body_shapes(obs.camera, obs.observer, predicted, obs.et, frame_wcs, where, fine)
            for name, k in ident.bodies.items():
                s = srcs.sources[k]
                if name not in shapes:
                    continue
                # the disk and the PSF's core and first rings: a wider window only adds the
                # neighbours' wings (the Moon beside a saturated Earth)
                diam = pred[name].diameter_arcsec / 3600 / math.degrees(obs.camera.pixel_scale_rad)
                half = int(math.ceil(diam / 2 + 2 * fwhm + 4))
                f = fit_source(
                    obs,
                    srcs.background,
                    srcs.segmentation,
                    s.label,
                    s.x,
                    s.y,
                    shapes[name],
                    fwhm,
                    half,
                    search=step == 0,
                )
                if f is not None and math.hypot(f.x - s.x, f.y - s.y) < 3 + diam / 2:
                    update_source(s, f)
        if not shapes:
            notes.append(
                "the frame's WCS is mirrored relative to paledot's renderer: bodies fitted with the PSF"
            )
        else:
            solved = _solve(obs, srcs, ident, pred)
    psf_npix = (
        1.0 / float((srcs.psf.stamp**2).sum()) if srcs.psf is not None else 4 * math.pi * (2.0 / 2.3548) ** 2
    )
    scale = wcs_scale(obs.wcs, obs.shape[1] / 2, obs.shape[0] / 2) if obs.wcs is not None else cam_scale
    comp = compare(
        srcs,
        ident,
        predicted,
        wcs=obs.wcs,
        pixel_scale_arcsec=scale,
        stretched=obs.stretched,
        psf_npix=psf_npix,
        blend_px=2 * fwhm + 1,
    )
    return Measurement(obs, srcs, ident, predicted, comp, solved, notes)


def _solve(obs: Observation, srcs: SourceList, ident: Identification, pred: dict) -> WCS | None:
    """A WCS from the pair (roll and scale solved), Earth on its measured pixel; None without a pair."""
    if "earth" not in ident.bodies or "moon" not in ident.bodies:
        return None
    e = srcs.sources[ident.bodies["earth"]]
    m = srcs.sources[ident.bodies["moon"]]
    from .identify import pixel_angle, sky_offset

    sep, pa = sky_offset(pred["earth"], pred["moon"])
    ident.roll_deg = (pa - pixel_angle(m.x - e.x, m.y - e.y, ident.parity)) % 360.0
    ident.scale_arcsec = sep / math.hypot(m.x - e.x, m.y - e.y)
    return solved_wcs(e.x, e.y, pred["earth"], ident.roll_deg, ident.scale_arcsec, ident.parity, obs.shape)
