"""The viewer's HTML: one self-contained page, the data of :func:`paledot.view.data.build_view` as a
JSON block, the script and style of ``assets/`` inlined. It loads nothing: no CDN, no font, no
request of any kind when opened from disk (a served page asks its own server for frames only).
"""

from __future__ import annotations

import html
import json
import math
from importlib.resources import files


def asset(name: str) -> str:
    """The text of a packaged asset (``viewer.js``, ``viewer.css``)."""
    return files("paledot.view").joinpath("assets", name).read_text(encoding="utf-8")


def _json(data: dict) -> str:
    """The data as JSON safe inside a ``<script>`` block (no ``</``), NaN written as null."""

    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(data), separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def page_html(data: dict) -> str:
    """The whole page for ``data`` (see :mod:`paledot.view.data`)."""
    e = html.escape
    cam = data["camera"]
    notes = "".join(f"<li>{e(n)}</li>" for n in data["notes"])
    source = (f"scenario {e(data['scenario'])}; " if data["scenario"] else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="paledot {e(data['paledot'])}">
<title>paledot view: {e(data['title'])}</title>
<style>
{asset('viewer.css')}
</style></head><body>
<header><h1>{e(data['title'])}</h1>
<div class="sub">{source}observer {e(data['observer'])} · camera {e(cam['title'])} · correction
{e(data['correction'])} · ephemeris {e(', '.join(data['ephemeris']))} · {e(data['span']['start_utc'])}
to {e(data['span']['stop_utc'])} UTC every {e(data['span']['step'])} · paledot {e(data['paledot'])}
</div></header>
<div id="controls">
<button id="first" title="first step (Home)">|◀</button>
<button id="prev-mark" title="previous frame time (Page Up)">◀◀</button>
<button id="prev" title="one step back (←)">◀</button>
<button id="play" title="play / pause (space)">▶ play</button>
<button id="next" title="one step on (→)">▶</button>
<button id="next-mark" title="next frame time (Page Down)">▶▶</button>
<button id="last" title="last step (End)">▶|</button>
<input id="slider" type="range" min="0" max="0" step="1" value="0" aria-label="time">
<span id="utc"></span>
<label class="src"><input id="show-labels" type="checkbox" checked> labels</label>
<label class="src" title="display only: the canvas pixels stay paledot's"><input id="brighten"
type="checkbox"> brighten x5</label>
<div id="stepinfo"></div>
</div>
<main>
<section class="panel" id="frame-panel"><h2>The frame ({e(cam['title'])}, rendered by paledot)</h2>
<div class="framebox"><canvas id="frame"></canvas><svg id="frame-overlay"></svg></div>
<div id="frame-caption"></div><div id="frame-claims"></div></section>
<section class="panel" id="sky-panel"><h2>The sky around the boresight</h2><svg id="sky"></svg>
<div class="src">Radius {data['chart_radius_deg']:.1f} deg; Hipparcos stars to V 8.5 (the brightest
300 at most), green: the frame's field. North up, east left.</div></section>
<section class="panel" id="numbers-panel"><h2>The numbers, as paledot geometry prints them</h2>
<table id="numbers"></table><div id="pairs"></div>
<div class="src">range km, AU, million miles; range rate km/s; light time in minutes; apparent RA/Dec
(J2000) deg; diameter arcsec; phase, Sun elongation deg; sunlit %; V magnitude; diam px: in
{e(cam['title'])} pixels ({cam['pixel_scale_arcsec']:.4g} arcsec each).</div></section>
<section class="panel wide" id="timeline-panel"><h2>Windows (paledot windows), the frames' times and the
slider's instant (red)</h2><svg id="timeline"></svg><div id="window-list"></div></section>
<section class="panel" id="orbit-panel"><h2>The Moon around Earth, seen from {e(data['observer'])}</h2>
<svg id="orbit"></svg><div id="orbit-caption"></div></section>
<section class="panel" id="claims-panel" style="grid-column: span 2"><h2>Published claims and their
verdicts (click one to see its frame)</h2><ul id="claims"></ul></section>
</main>
<footer><p>Keys: <kbd>←</kbd> <kbd>→</kbd> step, <kbd>Home</kbd> <kbd>End</kbd>, <kbd>Page Up</kbd>
<kbd>Page Down</kbd> the frames' times, <kbd>space</kbd> play. Frames: seed {data['seed']}; pixels
as paledot's PNG (black at the median, white at the brightest pixel, asinh), north up at roll 0.</p>
<ul>{notes}</ul></footer>
<script id="paledot-data" type="application/json">{_json(data)}</script>
<script>
{asset('viewer.js')}
</script>
</body></html>
"""
