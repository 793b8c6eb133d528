"""The whole measurement of one frame: sources, identification, template refit, comparison."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from astropy.wcs import WCS

from ..time.timescales import et_to_iso
from .centroid import light_offset
from .comparison import compare
from .embedded import add_embedded
from .identify import Identification, identify, solved_wcs, wcs_scale
from .judging import judge, look_for_moon, prepare
from .others import identify_others
from .pointing import PointingSolution, Refusal
from .prediction import PredictedBody, body_shapes, predict
from .reading import Observation
from .sky import apply_star_solution, frame_pointing, pointing_dict
from .sky_mask import mask_structure
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
    #: the pointing solved from catalogue stars (a PointingSolution), or None
    pointing: object | None = None
    #: how the sky was fixed: "stars", "pair", "header" or "none", and why (JSON ``pointing``)
    pointing_method: str = "none"
    pointing_reason: str = ""

    @property
    def sky_wcs(self) -> WCS | None:
        """The sky this measurement trusts: the stars' solution, else the frame's WCS, else the pair's."""
        if self.pointing is not None:
            return self.pointing.wcs
        return self.observation.wcs or self.solved_wcs

    @property
    def verdict(self) -> str:
        return self.comparison.get("verdict", "")

    @property
    def verdict_given(self) -> bool:
        """True when the frame could be judged ("fits", "off", or a body found on evidence)."""
        return bool(self.comparison.get("verdict_given", self.verdict.startswith(("fits", "off"))))

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
                "significance": self.comparison.get("significance", {}).get(name),
                "marginal": "marginal" in s.flags
                or (self.comparison.get("significance", {}).get(name) or 99) < 5,
                "confirmed": bool(self.comparison.get("confirmed", False)),
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
            "verdict_given": self.verdict_given,
            "n_sources": len(self.sources.sources),
            "pointing": pointing_dict(self.pointing, self.pointing_method, self.pointing_reason),
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
    nsigma: float = 4.0,
    correction: str = "LT+S",
    par: int | None = None,
    sip_degree: int = 0,
    scale_arcsec: float | None = None,
) -> Measurement:
    """Find Earth and the Moon in ``obs``, measure them and compare with the prediction.

    Needs ``obs.et`` and ``obs.observer`` to identify anything; without them it lists sources
    and says so. ``par`` is the parity assumed when the frame has no WCS (default -1, DESIGN's).
    With 3 or more catalogue stars the pointing is solved from them (``paledot.measure.pointing``;
    ``sip_degree`` adds a distortion polynomial) and that sky replaces the frame's WCS.
    ``scale_arcsec`` (arcsec per pixel) is the picture's scale when no camera says it; with neither,
    the catalogue cameras are tried (``paledot.measure.scales``). A verdict stands only on evidence
    (``paledot.measure.judging``): ``comparison["verdict_given"]`` says whether one could be given.
    """
    targets = [t.lower() for t in targets]
    recorded = obs
    # a picture's terrain, limb and rings are not sky: neither background nor detections see them
    obs, structure = mask_structure(obs)
    # sources keep their detection centroids until we know who they are: only the identified
    # bodies get a model fit (their own image, or the PSF), which keeps a frame under 50 ms
    srcs = find_sources(obs, engine=engine, nsigma=nsigma, fit=False)
    notes: list[str] = []
    if obs.et is None or obs.observer is None:
        missing = " and ".join(x for x, v in (("time", obs.et), ("observer", obs.observer)) if v is None)
        notes.append(f"no {missing} known: sources listed, nothing identified (give --time/--observer)")
        verb = "are" if " and " in missing else "is"
        comp = {"verdict": f"not identified: the frame's {missing} {verb} unknown", "notes": []}
        return Measurement(recorded, srcs, Identification(), [], comp, None, notes)
    predicted = predict(obs.observer, targets, obs.et, correction)
    fwhm = source_fwhm(obs)
    add_embedded(obs, srcs, fwhm)  # a point on a picture's ray or glow, out of the ray's segment
    # what is sky (no star solve on a glyph), how noisy it is, each source's significance, the
    # pixel scales to test
    ev = prepare(obs, srcs, fwhm, scale_arcsec, structure)
    # the sky from the stars when they solve it; else the header's WCS (or none)
    star_sol = frame_pointing(obs, srcs.sources, predicted, correction, par, sip_degree, srcs)
    if obs.stretched and isinstance(star_sol, PointingSolution) and star_sol.n_stars < PICTURE_MIN_STARS:
        # a stretched picture's junk matched a few catalogue stars by chance too often: its sky
        # from stars needs more of them
        star_sol = Refusal(f"{star_sol.n_stars} catalogue stars matched on an 8-bit picture: at least "
                           f"{PICTURE_MIN_STARS} are needed there")
    sky_wcs = star_sol.wcs if isinstance(star_sol, PointingSolution) else obs.wcs
    if sky_wcs is not None:
        _flag_catalogue_stars(srcs.sources, obs, predicted, correction, sky_wcs)
    cam_scale = math.degrees(obs.camera.pixel_scale_rad) * 3600 if obs.camera is not None else None
    ident = identify(
        srcs.sources, predicted, wcs=sky_wcs, par=par, stretched=obs.stretched, snr=ev.snr,
        scales=None if sky_wcs is not None else ev.scales, shape=obs.shape, echo=ev.echo,
    )
    pred = {p.name: p for p in predicted}
    look_for_moon(obs, srcs, ident, pred, ev, sky_wcs, fwhm)
    # the scale the pair was matched at (a resized picture's, an assumed camera's) is the scale
    cam_scale = ident.assumed_scale_arcsec or scale_arcsec or cam_scale
    for k in ident.bodies.values():  # without a camera, a Gaussian fit: the light centre
        s = srcs.sources[k]
        if "saturated" in s.flags or obs.camera is not None or s.method in ("forced", "peak"):
            continue  # with a camera, the body's own image below; a forced Moon (or a point found
            # on a ray) stays where found: its segment is not its own
        f = fit_source(obs, srcs.background, srcs.segmentation, s.label, s.x, s.y, srcs.psf, fwhm)
        if f is not None and math.hypot(f.x - s.x, f.y - s.y) < 3 + 2 * s.a and f.measures_light:
            update_source(s, f)
    solved = _solve(obs, srcs, ident, pred)
    frame_wcs = sky_wcs if sky_wcs is not None else solved
    sky_from = "header" if obs.wcs is not None else "pair"
    sky_from = "stars" if isinstance(star_sol, PointingSolution) else sky_from
    identify_others(srcs, ident, predicted, frame_wcs, sky_from, obs.stretched)
    if obs.camera is not None and "earth" in ident.bodies and frame_wcs is not None:
        # then each body's own image, to find its centre, not its light centre (phase, size):
        # rendered once, noiseless, on cells a third of a pixel wide at the sub-pixel phase its
        # light centre implies. There the PSF (about 1.7 px) is sampled above Nyquist, so the fit
        # moves it by Fourier phase exactly and sums it into pixels only after the move: rendering
        # again at the fitted phase changed no fit by more than 1e-4 px on 200 simulated frames,
        # saturated ones included
        where = {name: (srcs.sources[k].x, srcs.sources[k].y) for name, k in ident.bodies.items()}
        shapes = body_shapes(
            obs.camera, obs.observer, predicted, obs.et, frame_wcs, where, dict.fromkeys(ident.bodies, 3)
        )
        for name, k in ident.bodies.items():
            if name not in shapes:
                continue
            s = srcs.sources[k]
            if s.method in ("forced", "peak"):
                continue
            sh = shapes[name]
            # the disk and the PSF's core and first rings: a wider window only adds the
            # neighbours' wings (the Moon beside a saturated Earth)
            diam = pred[name].diameter_arcsec / 3600 / math.degrees(obs.camera.pixel_scale_rad)
            half = int(math.ceil(diam / 2 + 2 * fwhm + 4))
            ox, oy = light_offset(sh)  # from the light centre to the body's centre
            f = fit_source(
                obs, srcs.background, srcs.segmentation, s.label, s.x - ox, s.y - oy, sh, fwhm, half, True
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
    scale = wcs_scale(sky_wcs, obs.shape[1] / 2, obs.shape[0] / 2) if sky_wcs is not None else cam_scale
    comp = compare(
        srcs,
        ident,
        predicted,
        wcs=sky_wcs,
        pixel_scale_arcsec=scale,
        stretched=obs.stretched,
        psf_npix=psf_npix,
        blend_px=2 * fwhm + 1,
    )
    method, reason = apply_star_solution(star_sol, comp, srcs, ident, predicted, obs.wcs, solved)
    if isinstance(star_sol, PointingSolution):
        solved = star_sol.wcs
    judge(comp, srcs, ident, pred, ev, obs)
    stars = star_sol if method == "stars" else None
    return Measurement(recorded, srcs, ident, predicted, comp, solved, notes, stars, method, reason)


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


#: Catalogue stars a stretched 8-bit picture's sky needs (a frame's need is the solver's own).
PICTURE_MIN_STARS = 6

#: A detection this close (px) to a catalogue star's predicted place is that star.
STAR_MATCH_PX = 2.0


def _flag_catalogue_stars(sources, obs: Observation, predicted, correction: str, wcs=None) -> None:
    """Flag (``star HIP n``) the detections that sit on a Hipparcos star's apparent place, so a star is
    never taken for Earth or the Moon; a detection on a body's own predicted place stays a body."""
    from .prediction import catalogue_stars

    wcs = wcs if wcs is not None else obs.wcs
    x, y, hip = catalogue_stars(obs.observer, obs.et, wcs, obs.image.shape, correction)
    if not x.size:
        return
    bx, by = wcs.all_world2pix([p.ra_deg for p in predicted], [p.dec_deg for p in predicted], 0)
    for s in sources:
        d = np.hypot(x - s.x, y - s.y)
        k = int(np.argmin(d))
        on_body = np.any(np.hypot(np.asarray(bx) - s.x, np.asarray(by) - s.y) < 3 * STAR_MATCH_PX)
        if d[k] < STAR_MATCH_PX and not on_body:
            s.flags.append(f"star HIP {int(hip[k])}")
