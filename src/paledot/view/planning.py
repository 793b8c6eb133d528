"""The plan and the story beside the frames: the windows of ``paledot windows`` for the spec's
constraint, a campaign's frames designed in them, and a scenario's claims with their verdicts.

Windows are those :func:`paledot.plan.find_windows` gives (boundaries to 1 ms) over the spec's
span; times ET s, with their UTC text as ``paledot windows`` prints it. Computes nothing itself.
"""

from __future__ import annotations

import math

import numpy as np

from ..plan.constraints import Constraint, in_field, sun_elongation
from ..plan.windows import Windows, find_windows
from ..time.timescales import et_to_iso
from .spec import ViewSpec

#: Windows kept on the page (the first ones of the span); a longer list is cut, and said so.
MAX_WINDOWS = 200


def default_constraint(spec: ViewSpec, camera) -> Constraint:
    """The constraint a page shows when none is given: every target in the field at once and, when
    the camera's file gives a Sun exclusion angle, every target clear of it."""
    c: Constraint = in_field(list(spec.targets), camera)
    if camera.sun_exclusion_deg > 0:
        for t in spec.targets:
            if t != "sun":
                c = c & sun_elongation(t, camera.sun_exclusion_deg)
    return c


def windows_of(spec: ViewSpec, constraint: Constraint) -> Windows:
    """The windows of ``constraint`` over the spec's span."""
    return find_windows(spec.observer, constraint, spec.start, spec.stop)


def windows_payload(w: Windows) -> dict:
    """The windows as the page draws them: spans (ET s and UTC), durations (s), what closes each,
    the constraint's label, and why there are none (when there are none)."""
    spans = w.spans[:MAX_WINDOWS]
    utc = et_to_iso(spans.reshape(-1), 3).reshape(-1, 2) if len(spans) else np.zeros((0, 2))
    closed = w.closed_by[:MAX_WINDOWS] if len(spans) else []
    return {
        "constraint": w.constraint.label,
        "spans": [{"start": float(a), "stop": float(b), "start_utc": str(utc[k, 0]),
                   "stop_utc": str(utc[k, 1]), "hours": (b - a) / 3600.0, "closed_by": closed[k]}
                  for k, (a, b) in enumerate(spans)],
        "cut": max(0, len(w.spans) - MAX_WINDOWS),
        "why_empty": w.why_empty(),
    }


def window_middles(w: Windows, steps: np.ndarray) -> list[float]:
    """The middle (ET s) of each kept window no step falls in: a step is added there, so clicking
    any window lands inside it."""
    out = []
    for a, b in w.spans[:MAX_WINDOWS]:
        if not np.any((steps >= a) & (steps <= b)):
            out.append(float((a + b) / 2))
    return out


def campaign_epochs(w: Windows, frames: int) -> tuple[np.ndarray, float]:
    """A campaign of ``frames`` frames in the windows (:func:`paledot.plan.campaign.design`): its
    epochs (ET s, sorted) and the share of the Moon's orbit it covers."""
    from ..plan.campaign import design

    plan = design(w, frames)
    return np.sort(plan.epochs), float(plan.share)


def claims_payload(spec: ViewSpec, camera) -> list[dict]:
    """A scenario's claims with the verdicts ``paledot reproduce`` gives them at its published
    epochs; ``epoch`` is the index (into the sorted epochs) of the frame a claim is about, or None
    for a claim about the whole sequence."""
    sc = spec.scenario
    if sc is None or not sc.claims or not spec.epochs:
        return []
    from ..stories.reproduce import assess

    et = np.asarray(spec.epochs, dtype=float)
    _, _, verdicts = assess(sc, spec.observer, et, camera)
    by_id = {c.get("id"): c for c in sc.claims}
    out = []
    for v in verdicts:
        k = by_id.get(v.id, {}).get("epoch")
        ok = isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(et)
        out.append({"id": v.id, "claim": v.claim, "source": v.source, "computed": v.computed,
                    "verdict": v.verdict, "why": v.why, "epoch": k if ok else None})
    return out


def hours(seconds: float) -> str:
    """A duration as the page writes it: '3.5 h', '2.0 d'."""
    if not math.isfinite(seconds):
        return "-"
    return f"{seconds / 3600:.1f} h" if seconds < 2 * 86400 else f"{seconds / 86400:.1f} d"
