"""What a measurement leaves behind: a table, JSON, a DS9 region file, an annotated PNG, a FITS copy
with the solved WCS, and for a campaign the Moon's path about Earth, measured over predicted.

Pictures are drawn y up (DESIGN.md): the array is flipped only for display. Files are written
atomically by the callers (``outputs``); these functions return text or bytes.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np

from .core import Measurement
from .sky import fits_cards, pointing_lines
from .sources import Source

_COLOURS = {"earth": (90, 170, 255), "moon": (255, 210, 90)}


def measurement_json(m: Measurement) -> str:
    """The measurement as indented JSON text."""
    return json.dumps(m.to_dict(), indent=2) + "\n"


def measurement_table(m: Measurement) -> str:
    """A short human-readable report: identified bodies, comparison, verdict."""
    d = m.to_dict()
    lines = [
        f"frame     {d['frame']}",
        f"time      {d['time_utc'] + ' UTC' if d['time_utc'] else 'unknown'}",
        f"observer  {d['observer'] or 'unknown'}   camera {d['camera'] or 'unknown'}",
        f"sources   {d['n_sources']} detected",
        "",
    ]
    lines.append(
        f"  {'body':<6} {'x':>9} {'y':>9} {'x err':>7} {'y err':>7} {'CRB':>7} {'flux':>11} "
        f"{'SNR':>7}  method    flags"
    )
    for b in d["bodies"]:
        # no bound for a moments centroid: '-', not a perfect 0.0000
        crb = ("-" if b["crb_x"] is None and b["crb_y"] is None
               else f"{math.hypot(b['crb_x'] or 0, b['crb_y'] or 0) / math.sqrt(2):.4f}")
        name = b["name"] if b.get("confirmed", True) else b["name"] + "?"  # a candidate, not a finding
        flags = list(b["flags"])
        if b.get("marginal") and "marginal" not in flags:
            flags.append("marginal")
        lines.append(
            f"  {name:<6} {b['x']:>9.3f} {b['y']:>9.3f} {b['x_err']:>7.4f} {b['y_err']:>7.4f} "
            f"{crb:>7} {b['flux']:>11.1f} {b['snr'] or 0:>7.1f}  {b['method']:<9} "
            f"{','.join(flags) or '-'}"
        )
    if any(not b.get("confirmed", True) for b in d["bodies"]):
        lines.append("  (?: a candidate; nothing confirms it, see the verdict)")
    c = d["comparison"]
    rows = [
        ("separation", "separation_px", "px", None),
        ("separation", "separation_arcsec", "arcsec", "predicted_separation_arcsec"),
        ("position angle", "position_angle_deg", "deg", "predicted_position_angle_deg"),
        ("Moon - Earth", "magnitude_difference", "mag", "predicted_magnitude_difference"),
        ("Moon residual", "residual_px", "px", None),
        ("Moon residual", "residual_arcsec", "arcsec", None),
        ("roll (pair)", "roll_deg", "deg", None),
        ("scale (pair)", "scale_arcsec_per_px", "arcsec/px", None),
        ("Moon limit", "moon_upper_limit_v", "V >", None),
    ]
    lines.append("")
    for label, key, unit, pkey in rows:
        if c.get(key) is None:
            continue
        pred = f"   predicted {c[pkey]:.3f}" if pkey and c.get(pkey) is not None else ""
        lines.append(f"  {label:<15} {c[key]:>11.4f} {unit:<9}{pred}")
    lines += pointing_lines(d["pointing"], c)
    for note in d["notes"]:
        lines.append(f"  note: {note}")
    lines.append("")
    lines.append(f"verdict: {d['verdict']}")
    return "\n".join(lines) + "\n"


def sources_table(sources: list[Source]) -> str:
    """Every detected source: position, errors, fluxes, shape, flags (0-based pixels, y up)."""
    head = (
        f"{'id':>4} {'x':>9} {'y':>9} {'x_err':>7} {'y_err':>7} {'flux':>11} {'flux_err':>9} "
        f"{'aper_flux':>11} {'snr':>8} {'a':>6} {'b':>6} {'theta':>6} {'area':>5}  method    flags"
    )
    out = [head]
    for s in sources:
        out.append(
            f"{s.id:>4} {s.x:>9.3f} {s.y:>9.3f} {s.x_err:>7.4f} {s.y_err:>7.4f} {s.flux:>11.2f} "
            f"{s.flux_err:>9.2f} {s.aperture_flux:>11.2f} {s.snr:>8.1f} {s.a:>6.2f} {s.b:>6.2f} "
            f"{s.theta_deg:>6.1f} {s.area:>5d}  {s.method:<9} {','.join(s.flags) or '-'}"
        )
    return "\n".join(out) + "\n"


def sources_json(sources: list[Source]) -> str:
    return (
        json.dumps(
            {
                "pixel_convention": "0-based (x, y), image[y, x], y up (DESIGN.md)",
                "sources": [s.to_dict() for s in sources],
            },
            indent=2,
        )
        + "\n"
    )


def region_text(m: Measurement) -> str:
    """A DS9 region file (image coordinates) ringing every source, Earth and Moon labelled."""
    from regions import CirclePixelRegion, PixCoord, PointPixelRegion, Regions

    named = {k: n for n, k in m.identification.bodies.items()}
    regs = []
    for s in m.sources.sources:
        name = named.get(s.id)
        r = max(3.0, 2 * math.sqrt(max(s.a * s.b, 1.0)))
        colour = {"earth": "cyan", "moon": "yellow"}.get(
            name or "", "red" if "extended" in s.flags else "green"
        )
        regs.append(
            CirclePixelRegion(
                PixCoord(s.x, s.y), r, meta={"text": name or str(s.id)}, visual={"color": colour}
            )
        )
    wcs = m.sky_wcs
    if wcs is not None:
        for p in m.predicted:
            x, y = (float(v) for v in wcs.world_to_pixel(p.coord))
            if np.isfinite(x) and np.isfinite(y):
                regs.append(
                    PointPixelRegion(
                        PixCoord(x, y),
                        meta={"text": f"{p.name} predicted"},
                        visual={"color": "magenta", "symbol": "x"},
                    )
                )
    return Regions(regs).serialize(format="ds9")


def annotated_png(m: Measurement, size: int = 640) -> bytes:
    """A PNG around the identified bodies (or the whole frame): measured rings, predicted crosses,
    the verdict written underneath; y up as on the sky."""
    from PIL import Image, ImageDraw

    from ..render.files import font, stretch_to_8bit

    img = m.observation.image
    finite = np.isfinite(img)
    base = np.where(finite, img, np.nanmedian(img))
    pts = [(m.sources.sources[k].x, m.sources.sources[k].y) for k in m.identification.bodies.values()]
    ny, nx = img.shape
    if pts:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        half = max(24.0, 0.6 * max(max(xs) - min(xs), max(ys) - min(ys)) + 16)
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        x0, x1 = int(max(cx - half, 0)), int(min(cx + half, nx))
        y0, y1 = int(max(cy - half, 0)), int(min(cy + half, ny))
    else:
        x0, x1, y0, y1 = 0, nx, 0, ny
    cut = base[y0:y1, x0:x1]
    lo = float(np.median(cut))
    hi = float(cut.max())
    grey = stretch_to_8bit(cut, "asinh", lo=lo, hi=hi if hi > lo else lo + 1)
    scale = max(1, size // max(cut.shape))
    pic = Image.fromarray(np.flipud(grey), mode="L").convert("RGB")
    pic = pic.resize((pic.width * scale, pic.height * scale), Image.NEAREST)
    band = 56
    canvas = Image.new("RGB", (max(pic.width, 480), pic.height + band), (0, 0, 0))
    canvas.paste(pic, (0, 0))
    draw = ImageDraw.Draw(canvas)
    fnt = font(14)
    h = y1 - y0

    def to_pic(x, y):
        return (x - x0 + 0.5) * scale, (h - (y - y0 + 0.5)) * scale

    wcs = m.sky_wcs
    if wcs is not None:
        for p in m.predicted:
            px, py = to_pic(*(float(v) for v in wcs.world_to_pixel(p.coord)))
            if 0 <= px < pic.width and 0 <= py < pic.height:
                c = (255, 80, 255)
                draw.line([px - 6, py - 6, px + 6, py + 6], fill=c, width=2)
                draw.line([px - 6, py + 6, px + 6, py - 6], fill=c, width=2)
    named = {k: n for n, k in m.identification.bodies.items()}
    for s in m.sources.sources:
        px, py = to_pic(s.x, s.y)
        if not (0 <= px < pic.width and 0 <= py < pic.height):
            continue
        name = named.get(s.id)
        ring = max(10, 3 * math.sqrt(max(s.a * s.b, 1.0)) * scale)
        colour = _COLOURS.get(name or "", (255, 80, 80) if "extended" in s.flags else (110, 220, 110))
        draw.ellipse([px - ring, py - ring, px + ring, py + ring], outline=colour, width=2)
        if name:
            draw.text(
                (px + ring + 3, py - 8),
                name.title(),
                fill=colour,
                font=fnt,
                stroke_width=2,
                stroke_fill=(0, 0, 0),
            )
    if wcs is not None:
        _compass(draw, wcs, (x0 + x1) / 2, (y0 + y1) / 2, fnt)
    verdict = m.verdict
    draw.text((6, pic.height + 6), f"verdict: {verdict}"[:120], fill=(255, 255, 255), font=fnt)
    draw.text((6, pic.height + 28), _legend(m)[:120], fill=(180, 180, 180), font=fnt)
    buf = io.BytesIO()
    canvas.save(buf, format="PNG")
    return buf.getvalue()


_SKY_SOURCE = {
    "stars": "the sky solved from catalogue stars",
    "header": "the frame's own WCS",
    "pair": "roll and scale from the Earth-Moon pair, Earth pinned",
}


def _legend(m: Measurement) -> str:
    """The annotated picture's key, naming where its sky (crosses, compass) came from."""
    if m.sky_wcs is None:
        return "rings: measured   (no sky: nothing predicted is drawn)"
    return f"rings: measured   x: predicted   sky: {_SKY_SOURCE.get(m.pointing_method, 'the frame WCS')}"


def _compass(draw, wcs, x: float, y: float, fnt, origin=(40, 40), length=28) -> None:
    """North and east arrows in the picture's corner, their directions from the WCS at (x, y);
    the picture is drawn y up, so a pixel step +dy goes up the picture."""
    (ra,), (dec,) = wcs.all_pix2world([x], [y], 0)
    step = 10.0 / 3600.0
    ends = wcs.all_world2pix(
        [ra, ra, ra + step / max(math.cos(math.radians(dec)), 1e-6)], [dec, dec + step, dec], 0
    )
    px, py = ends
    for label, k in (("N", 1), ("E", 2)):
        dx, dy = px[k] - px[0], py[k] - py[0]
        norm = math.hypot(dx, dy) or 1.0
        ex, ey = origin[0] + length * dx / norm, origin[1] - length * dy / norm
        draw.line([origin, (ex, ey)], fill=(255, 255, 255), width=2)
        draw.text((ex + 3 * dx / norm - 4, ey - 3 * dy / norm - 8), label, fill=(255, 255, 255), font=fnt)


def solved_fits_bytes(m: Measurement) -> bytes:
    """The frame (y up, as FITS stores it) with the WCS solved from the stars (else from the pair,
    else the frame's own), and the measured pixels of each identified body in the header."""
    from astropy.io import fits

    from .._io.version import version

    wcs = m.solved_wcs or m.observation.wcs
    header = wcs.to_header() if wcs is not None else fits.Header()
    header["CREATOR"] = f"paledot {version()} measure"
    header["PIXCONV"] = ("0-based", "M*_X/Y: image[y, x], y up")
    header["VERDICT"] = m.verdict[:68]
    for i, (name, k) in enumerate(m.identification.bodies.items(), start=1):
        s = m.sources.sources[k]
        header[f"M{i}NAME"] = name
        header[f"M{i}_X"] = (round(s.x, 4), "measured x (0-based)")
        header[f"M{i}_Y"] = (round(s.y, 4), "measured y (0-based)")
    if m.identification.roll_deg is not None:
        header["ROLL"] = (round(m.identification.roll_deg, 5), "deg, image +y from north through east")
    for key, value, comment in fits_cards(m):
        header[key] = (value, comment)
    buf = io.BytesIO()
    fits.PrimaryHDU(np.asarray(m.observation.image, np.float32), header).writeto(buf)
    return buf.getvalue()
