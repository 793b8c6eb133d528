"""How a measurement fixes its sky: the pointing solved from the frame's stars (guessed from
what the frame says), each body's place against that sky, how wrong the frame's own WCS was, and
how all of it is reported (JSON block, table lines, FITS cards). The solver is
:mod:`paledot.measure.pointing`. Pixels 0-based (x, y), y up (DESIGN.md).
"""

from __future__ import annotations

import math

from astropy.wcs import WCS

from .pointing import (
    SCALE_FACTOR,
    SCALE_FACTOR_NO_WCS,
    PointingSolution,
    Refusal,
    rounded,
    solve_pointing,
)


def frame_pointing(
    obs,
    sources,
    predicted,
    correction: str = "LT+S",
    par: int | None = None,
    sip_degree: int = 0,
    source_list=None,
):
    """Solve ``obs``'s pointing from the stars among ``sources`` (a list of Source), guessing from
    what the frame says: its WCS (centre, scale, parity), else the camera's scale around the
    predicted Earth (the frame is taken to show it; parity ``par`` or DESIGN's -1); ``sip_degree``
    as in :func:`solve_pointing`. With ``source_list`` (the :class:`SourceList` that ``sources``
    belong to) and a known camera, the matched stars are fitted with the camera's PSF and the
    pointing fitted again on those positions (:func:`paledot.measure.sources.star_refiner`; the
    sources change in place). Returns a :class:`PointingSolution` or a :class:`Refusal`."""
    from .identify import wcs_scale
    from .prediction import parity as wcs_parity
    from .sources import star_refiner

    rows, cols = obs.shape
    if obs.et is None or obs.observer is None:
        return Refusal("no time or observer: the stars' apparent places are unknown")
    if obs.wcs is not None:
        (ra,), (dec,) = obs.wcs.all_pix2world([(cols - 1) / 2.0], [(rows - 1) / 2.0], 0)
        guess, scale = (float(ra), float(dec)), wcs_scale(obs.wcs, (cols - 1) / 2.0, (rows - 1) / 2.0)
        radius, p, factor = None, wcs_parity(obs.wcs), SCALE_FACTOR
    elif obs.camera is not None:
        earth = next((b for b in predicted if b.name == "earth"), None) or (
            predicted[0] if predicted else None
        )
        if earth is None:
            return Refusal("no WCS and no predicted body to look around")
        scale = math.degrees(obs.camera.pixel_scale_rad) * 3600.0
        guess = (earth.ra_deg, earth.dec_deg)
        # the frame's centre lies within its half-diagonal of a body it shows
        factor = SCALE_FACTOR_NO_WCS
        radius = 0.5 * math.hypot(cols, rows) * scale * factor / 3600.0
        p = par if par is not None else -1
    else:
        return Refusal("no WCS and no camera: the pixel scale is unknown, pointing not solved from stars")
    if not (math.isfinite(scale) and scale > 0 and all(math.isfinite(g) for g in guess)):
        return Refusal("the frame's WCS gives no usable centre or scale")
    cam = obs.camera
    axis = cam.boresight_pixel if cam is not None and (cam.rows, cam.columns) == (rows, cols) else None
    avoid = [(b.ra_deg, b.dec_deg, b.diameter_arcsec / 7200.0 + 3 * scale / 3600.0) for b in predicted]
    sol = solve_pointing(
        sources,
        obs.observer,
        float(obs.et),
        (rows, cols),
        centre_guess=guess,
        scale_guess_arcsec=scale,
        parity=p,
        search_radius_deg=radius,
        optical_axis=axis,
        correction=correction,
        avoid=avoid,
        sip_degree=sip_degree,
        scale_factor=factor,
        refine=star_refiner(obs, source_list) if source_list is not None else None,
    )
    if isinstance(sol, PointingSolution):
        n_psf = sum(sources[m.source].method == "psf" for m in sol.matches)
        if n_psf:
            sol.notes.append(
                f"{n_psf} of the {sol.n_stars} stars placed by a fit of the camera's PSF, the rest by "
                "their detection centroids"
                if n_psf < sol.n_stars
                else f"the {n_psf} stars placed by fits of the camera's PSF"
            )
    return sol


def body_residuals(sol: PointingSolution, srcs, ident, predicted) -> dict:
    """Each identified body's measured place minus its predicted place on the star-solved sky:
    {name: {dx_px, dy_px, px, arcsec, sigma_px}} (sigma: the centroid's and the solution's)."""
    out = {}
    pred = {p.name: p for p in predicted}
    for name, k in ident.bodies.items():
        if name not in pred:
            continue
        s = srcs.sources[k]
        (px,), (py,) = sol.wcs.all_world2pix([pred[name].ra_deg], [pred[name].dec_deg], 0)
        dx, dy = s.x - float(px), s.y - float(py)
        sig = math.hypot(math.hypot(s.x_err, s.y_err) / math.sqrt(2), sol.position_err_px(s.x, s.y))
        out[name] = {
            "dx_px": dx,
            "dy_px": dy,
            "px": math.hypot(dx, dy),
            "arcsec": math.hypot(dx, dy) * sol.scale_arcsec,
            "sigma_px": sig,
        }
    return out


def header_error(sol: PointingSolution, header_wcs: WCS, shape: tuple[int, int]) -> dict:
    """How far the frame's own WCS was from the star-solved one at the frame's centre: offset of
    the centre (arcsec and px), roll error (deg, header minus solved) and scale ratio."""
    from .identify import sep_pa, wcs_roll, wcs_scale

    rows, cols = shape
    fx, fy = (cols - 1) / 2.0, (rows - 1) / 2.0
    (ra,), (dec,) = header_wcs.all_pix2world([fx], [fy], 0)
    off = sep_pa(sol.ra_deg, sol.dec_deg, float(ra), float(dec))[0]
    droll = (wcs_roll(header_wcs, fx, fy) - sol.roll_deg + 180.0) % 360.0 - 180.0
    return {
        "centre_offset_arcsec": off,
        "centre_offset_px": off / sol.scale_arcsec,
        "roll_error_deg": droll,
        "scale_ratio": wcs_scale(header_wcs, fx, fy) / sol.scale_arcsec,
    }


def pointing_dict(sol: PointingSolution | None, method: str, reason: str) -> dict:
    """The JSON ``pointing`` block: ``method`` ("stars", "pair", "header", "none"), the star
    solution's figures when there is one, and ``reason`` when stars did not solve it."""
    d = sol.to_dict() if sol is not None else {}
    d["method"] = method
    if sol is not None and getattr(sol, "header", None):
        d["header_error"] = {k: rounded(v) for k, v in sol.header.items()}
    if reason:
        d["reason"] = reason
    return d


def apply_star_solution(
    star_sol, comp: dict, srcs, ident, predicted, header_wcs, pair_wcs
) -> tuple[str, str]:
    """Fold the star solution into a comparison (``comp``, changed in place): each body's residual
    from its predicted place on the star-solved sky (``body_residuals``), a body off by more than
    3 sigma + the position tolerance named in the verdict. Returns (method, reason)."""
    from .comparison import POSITION_TOLERANCE_PX

    if not isinstance(star_sol, PointingSolution):
        reason = star_sol.reason
        notes = comp.setdefault("notes", [])
        if header_wcs is not None:
            # the reason is on the pointing line (and JSON pointing.reason): not repeated here
            notes.append(
                "no star solution: the frame's own WCS places the sky, so only the Moon's offset from "
                "Earth is tested (roll and scale also solved from the pair)"
            )
            return "header", reason
        if pair_wcs is not None:  # the comparison's own note says the roll came from the pair
            return "pair", reason
        return "none", reason
    if header_wcs is not None:
        star_sol.header = header_error(star_sol, header_wcs, srcs.background.rms.shape)
    res = body_residuals(star_sol, srcs, ident, predicted)
    comp["body_residuals"] = {n: {k: rounded(v) for k, v in r.items()} for n, r in res.items()}
    comp.setdefault("notes", []).append(
        f"sky solved from {star_sol.n_stars} catalogue stars ({star_sol.rms_px:.3f} px rms): "
        "each body's place is tested against the ephemeris, not only the Moon's offset from Earth"
    )
    problems = [
        f"{n.title()} is {r['px']:.2f} px ({r['arcsec']:.2f} arcsec) from its predicted place on the "
        "star-solved sky"
        for n, r in res.items()
        if r["px"] > 3 * r["sigma_px"] + POSITION_TOLERANCE_PX
    ]
    if problems:
        v = comp.get("verdict", "")
        comp["verdict"] = (
            "off: " + "; ".join(problems) if v == "fits" else (v + "; " if v else "") + "; ".join(problems)
        )
    return "stars", ""


def pointing_lines(d: dict, comparison: dict | None = None) -> list[str]:
    """The table's pointing lines from the JSON ``pointing`` block (see :func:`pointing_dict`) and,
    with stars, each body's place against the ephemeris (the comparison's ``body_residuals``)."""
    method = d.get("method", "none")
    if method != "stars":
        how = {
            "pair": "roll and scale from the Earth-Moon pair",
            "header": "the frame's own WCS (roll and scale also from the pair)",
            "none": "no sky solution",
        }.get(method, method)
        return [f"  pointing        {how}" + (f" (stars: {d['reason']})" if d.get("reason") else "")]
    out = [
        f"  pointing        solved from {d['n_stars']} catalogue stars, rms {d['rms_px']:.3f} px "
        f"({d['rms_arcsec']:.3f} arcsec)",
        f"  centre RA/Dec   {d['ra_deg']:.6f} {d['dec_deg']:+.6f} deg   "
        f"+/- {d['centre_err_arcsec']:.3f} arcsec",
        f"  roll (stars)    {d['roll_deg']:11.5f} deg       +/- {d['roll_err_deg']:.5f}",
        f"  scale (stars)   {d['scale_arcsec_per_px']:11.6f} arcsec/px "
        f"+/- {d['scale_err_arcsec_per_px']:.6f}",
    ]
    for name, r in ((comparison or {}).get("body_residuals") or {}).items():
        out.append(
            f"  {name.title() + ' vs sky':<15} {r['px']:11.4f} px        ({r['arcsec']:.3f} arcsec; "
            f"dx {r['dx_px']:+.3f} dy {r['dy_px']:+.3f}, sigma {r['sigma_px']:.3f} px)"
        )
    h = d.get("header_error")
    if h:
        out.append(
            f"  header was off  {h['centre_offset_px']:.2f} px at the centre, "
            f"roll {h['roll_error_deg']:+.4f} deg, scale x{h['scale_ratio']:.5f}"
        )
    return out


def fits_cards(m) -> list[tuple[str, object, str]]:
    """FITS header cards describing how a measurement's sky was solved (for the solved copy)."""
    cards: list[tuple[str, object, str]] = [
        ("PNTSOLVE", m.pointing_method, "sky from: stars, pair, header, none")
    ]
    sol = m.pointing
    if sol is not None:
        cards += [
            ("PNTNSTAR", sol.n_stars, "catalogue stars matched (Hipparcos 2)"),
            ("PNTRMS", round(sol.rms_px, 5), "[pix] rms residual of the matched stars"),
            ("PNTRMSAS", round(sol.rms_arcsec, 5), "[arcsec] the same in arcsec"),
            ("PNTROLL", round(sol.roll_deg, 6), "[deg] roll at the centre, N through E"),
            ("PNTROLLE", round(sol.roll_err_deg, 7), "[deg] its 1-sigma uncertainty"),
            ("PNTSCALE", round(sol.scale_arcsec, 7), "[arcsec/pix] solved pixel scale"),
            ("PNTCENTE", round(sol.centre_err_arcsec, 5), "[arcsec] centre 1-sigma uncertainty"),
        ]
    return cards
