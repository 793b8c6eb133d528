"""Everything a viewer page shows, computed once in Python: :func:`build_view` turns a
:class:`~paledot.view.spec.ViewSpec` into one JSON-ready dict the page's script only draws.

Per slider step (ET s): the numbers exactly as ``paledot geometry`` prints them at that instant
(:func:`paledot.geometry.tables.table_epochs`, the same cells as the text table), each body's
size in camera pixels, the frame (a box of it as a PNG ``data:`` URI, or nothing when a server
renders it on demand), the frame's WCS and the bodies' predicted pixels, the sky chart around the
boresight. Once per page: the windows, a campaign's frames, the Moon's orbit, the claims.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from .._io.errors import PaledotError
from .._io.version import version
from ..cameras import load_camera
from ..geometry.lighttime import observe
from ..geometry.tables import OCCULTATION_COLUMNS, SITE_COLUMNS, TABLE_COLUMNS, table_epochs
from ..render.annotate import nice_number
from ..time.timescales import et_to_iso
from . import frames as fr
from . import planning, sky
from .spec import ViewSpec, step_epochs


def _pixel_cells(g, camera) -> np.ndarray:
    """Each target's apparent diameter in camera pixels (T, N), text with two decimals."""
    px = 2 * g.angular_radius.to_value("rad") / camera.pixel_scale_rad
    return np.vectorize(lambda x: f"{x:.2f}")(px)


def build_view(spec: ViewSpec, embed_frames: bool = True, progress: bool = False, stream=None) -> dict:
    """The page's data for ``spec``; ``embed_frames=False`` leaves the frames to a server (their
    box and WCS are still given: one frame is rendered per step either way)."""
    camera = load_camera(spec.camera)
    notes = list(spec.notes)
    constraint = spec.constraint if spec.constraint is not None else planning.default_constraint(spec, camera)
    win = planning.windows_of(spec, constraint)
    steps0 = step_epochs(spec)
    extra = planning.window_middles(win, steps0)
    campaign, campaign_share = np.zeros(0), math.nan
    if spec.frames:
        campaign, campaign_share = planning.campaign_epochs(win, spec.frames)
        extra += campaign.tolist()
    steps = step_epochs(spec, extra)

    g = observe(spec.observer, list(spec.targets), steps)
    notes += [n for n in g.notes if n not in notes]
    cells = table_epochs(g)
    px = _pixel_cells(g, camera)
    bar = None
    if progress:
        from .._io.progress import progress_bar

        bar = progress_bar(steps.size, "view", True, unit="frame", stream=stream or sys.stderr)
    rendered = []
    for et in steps:
        rendered.append(fr.render_at(spec, float(et), camera))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    box = fr.shown_box([f for f, _ in rendered], camera)
    bin_px = fr.binning(box)

    radius = sky.chart_radius_deg(camera)
    bodies = sky.sky_bodies(spec.observer, spec.targets, steps, g.correction)
    _, obs_pos, obs_vel, _ = g._context
    out_steps = []
    marked = np.asarray(spec.epochs)
    for j, et in enumerate(steps):
        frame, warn = rendered[j]
        info = fr.frame_info(frame, box, warn)
        for k, row in enumerate(cells[j]["targets"]):
            row["cells"] = {h: t.strip() for h, t in row["cells"].items()}
            row["cells"]["diam px"] = str(px[k, j])
        for p in cells[j]["pairs"]:
            for key in ("separation arcsec", "position angle deg"):
                p[key] = p[key].strip()
        step = {
            "et": float(et),
            "utc": cells[j]["utc"],
            "rows": cells[j]["targets"],
            "pairs": cells[j]["pairs"],
            "published": int(np.flatnonzero(marked == et)[0]) if np.any(marked == et) else None,
            "campaign": int(np.flatnonzero(campaign == et)[0]) if np.any(campaign == et) else None,
            "chart": sky.chart(frame, bodies, j, radius, obs_pos[j],
                               obs_vel[j] if g.correction.endswith("+S") else None),
            **info,
        }
        if embed_frames:
            step["frame"] = fr.data_uri(fr.png_of(fr.box_pixels(frame, box, bin_px)))
        out_steps.append(step)

    orbit = None
    if "earth" in spec.targets and "moon" in spec.targets:
        first = float(marked[0]) if marked.size else float(steps[0])
        sc = spec.scenario
        days = float(sc.orbit.get("days", sky.SIDEREAL_MONTH_D)) if sc is not None and sc.orbit \
            else sky.SIDEREAL_MONTH_D
        shown = marked if marked.size else campaign
        try:
            orbit = sky.orbit(spec.observer, first, shown, steps, days)
        except PaledotError:  # an observer placed only near its pictures: the orbit over the span
            days = (float(steps[-1]) - first) / 86400.0
            orbit = sky.orbit(spec.observer, first, shown, steps, days, step_s=min(7200.0, days * 864.0))
            notes.append(f"the Moon's orbit is drawn over {days:.2f} d only: the observer is not "
                         "known beyond the span")
        orbit["marks_label"] = "published frames" if marked.size else "campaign frames"
    columns = [h for h, _ in TABLE_COLUMNS] + [h for h, _ in (SITE_COLUMNS if g.sky is not None else
                                                          OCCULTATION_COLUMNS if g.occultation is not None
                                                          else ())]
    scale_arcsec = math.degrees(camera.pixel_scale_rad) * 3600.0
    return {
        "paledot": version(),
        "title": spec.title or f"{', '.join(spec.targets)} seen from {g.observer}",
        "observer": g.observer,
        "correction": g.correction,
        "ephemeris": list(g.meta()["ephemeris"]),
        "camera": {"name": camera.name, "title": camera.title, "columns": camera.columns,
                   "rows": camera.rows, "pixel_scale_arcsec": scale_arcsec,
                   "bar_arcsec": nice_number(box[2] * scale_arcsec / 4)},
        "targets": list(spec.targets),
        "columns": [*columns, "diam px"],
        "box": {"x0": box[0], "y0": box[1], "w": box[2], "h": box[3], "bin": bin_px},
        "span": {"start": float(spec.start), "stop": float(spec.stop), "step": spec.step,
                 "start_utc": str(et_to_iso(spec.start)[0]), "stop_utc": str(et_to_iso(spec.stop)[0])},
        "epochs": [{"et": float(e), "utc": str(et_to_iso(e)[0])} for e in marked],
        "steps": out_steps,
        "chart_radius_deg": radius,
        "windows": planning.windows_payload(win),
        "campaign": {"epochs": campaign.tolist(), "share": campaign_share} if spec.frames else None,
        "orbit": orbit,
        "claims": planning.claims_payload(spec, camera),
        "notes": notes,
        "seed": spec.seed,
        "scenario": spec.scenario.name if spec.scenario is not None else None,
        "served": not embed_frames,
    }
