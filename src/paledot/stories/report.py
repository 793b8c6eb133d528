"""Reports: the montage, the animation, the orbit plot, the fact sheet and the self-contained HTML.

Everything here draws what other modules computed; nothing here computes the sky. Pictures are
built with Pillow (pixel-exact frames) and matplotlib (the orbit plot), and every file is written
atomically by the caller's folder swap (``outputs.replace_folder``) or by ``outputs`` writers.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..render.files import annotated_image, font, for_display, stretch_to_8bit
from ..render.frame import Frame
from .claims import Findings, Verdict

AU_KM = 149_597_870.7
MILE_KM = 1.609344
C_KM_S = 299_792.458
BACKGROUND = (12, 12, 16)
#: Display black point in read-noise sigmas above the sky: at 5 sigma one pixel in 3.5 million
#: is above it, so noise never passes for stars.
BLACK_SIGMA = 5.0
TEXT = (235, 235, 235)
DIM = (170, 170, 180)


def montage(
    frames: Sequence[Frame],
    labels: Sequence[str],
    title: str,
    crop_px: int = 200,
    scale: int = 3,
    stretch: str = "asinh",
    white_fraction: float = 1.0,
    inset_px: int = 13,
    inset_scale: int = 9,
) -> Image.Image:
    """The frames side by side, each cropped around its bodies' midpoint, dated, with a scale bar,
    an N/E compass and each body ringed and named; in a corner of each, an unsaturated, linear,
    enlarged inset of Earth (``inset_px`` square, ``inset_scale`` times) so its phase shows."""
    panels = []
    for frame, label in zip(frames, labels, strict=True):
        inside = [b for b in frame.bodies if b.in_frame]
        cx = np.mean([b.column for b in inside]) if inside else frame.camera.columns / 2
        cy = np.mean([b.row for b in inside]) if inside else frame.camera.rows / 2
        r0, c0 = int(round(cy - crop_px / 2)), int(round(cx - crop_px / 2))
        r0 = min(max(r0, 0), frame.camera.rows - crop_px)
        c0 = min(max(c0, 0), frame.camera.columns - crop_px)
        side = crop_px * scale
        inset_side = inset_px * inset_scale
        inset_box = (side - inset_side - 14, side - inset_side - 40, side - 4, side - 4)
        earth = next((b for b in frame.bodies if b.name == "earth" and b.in_frame), None)
        if earth is not None and earth.diameter_px > inset_px / 2:
            earth = None  # resolved: its phase shows in the panel, an inset would cut a patch of it
        img = annotated_image(
            frame,
            stretch,
            crop=(r0, c0, crop_px, crop_px),
            scale=scale,
            white_fraction=white_fraction,
            black_sigma=BLACK_SIGMA if white_fraction < 1 else 0.0,
            time_label=label,
            reserve=(inset_box,) if earth is not None else (),
        )
        if earth is not None:
            _earth_inset(img, frame, earth, inset_px, inset_scale, inset_box)
        panels.append(img)
    gap = 12
    width = sum(p.width for p in panels) + gap * (len(panels) + 1)
    cam = frames[0].camera
    insets = any(b.name == "earth" and b.in_frame and b.diameter_px <= inset_px / 2
                 for f in frames for b in f.bodies)
    caption = _montage_caption(frames, cam, crop_px, scale, stretch, white_fraction,
                               inset_px if insets else 0, inset_scale)
    # the sheet is as tall as its words need: a one-panel sheet (600 px) wraps the caption to
    # seven lines and its title would run off the edge at 34 pt (both were cut off)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    size = 34
    while size > 20 and measure.textlength(title, font=font(size)) > width - 2 * gap:
        size -= 2
    title_lines = _wrap_lines(measure, title, width - 2 * gap, font(size))
    top = 14 + len(title_lines) * (size + 6) + 14
    cap_font = font(18)
    cap_lines = _wrap_lines(measure, caption, width - 2 * gap, cap_font)
    height = max(p.height for p in panels) + top + 8 + len(cap_lines) * (18 + 4) + gap
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for k, line in enumerate(title_lines):
        draw.text((gap, 14 + k * (size + 6)), line, fill=TEXT, font=font(size))
    x = gap
    for p in panels:
        sheet.paste(p, (x, top))
        x += p.width + gap
    _wrapped_text(draw, (gap, top + panels[0].height + 8), caption, width - 2 * gap, cap_font, DIM)
    return sheet


def _montage_caption(frames, cam, crop_px, scale, stretch, white_fraction, inset_px, inset_scale) -> str:
    return (
        f"Simulated {cam.title}, {crop_px} x {crop_px} px crops enlarged {scale}x (each square is one "
        f"detector pixel), {_orientation(frames)}; {stretch} stretch"
        + (
            f", white at {white_fraction:.0%} of the brightest pixel so the Moon shows (Earth burns out), "
            f"black {BLACK_SIGMA:g} sigma above the sky so noise never passes for stars"
            if white_fraction < 1
            else ""
        )
        + (f". Insets: Earth's {inset_px} x {inset_px} px enlarged {inset_scale}x, linear from the sky to "
           "its brightest pixel (the stretch clips nothing); the circle is its whole disk, the light "
           "leans to the sunlit side (the PSF blurs the phase at this scale)" if inset_px else "")
        + ". Made with paledot from DE440 and published camera data."
    )


def _orientation(frames: Sequence[Frame]) -> str:
    rolls = {round(float(f.meta.get("roll_deg", 0.0)), 3) for f in frames}
    if rolls == {0.0}:
        return "north up and east left as on the sky (compass in each panel)"
    return "image up turned from north toward east by the roll (compass in each panel)"


def _earth_inset(img: Image.Image, frame: Frame, earth, inset_px: int, inset_scale: int, box) -> None:
    """Earth's neighbourhood, linear from the sky median to Earth's brightest pixel, enlarged."""
    half = inset_px // 2
    x, y = int(round(earth.column)), int(round(earth.row))
    y0, x0 = max(y - half, 0), max(x - half, 0)
    cut = frame.dn[y0 : y0 + inset_px, x0 : x0 + inset_px].astype(np.float64)
    lo, hi = float(np.median(frame.dn)), float(cut.max())
    grey = stretch_to_8bit(cut, "linear", lo=lo, hi=hi)
    small = Image.fromarray(np.ascontiguousarray(for_display(grey)), mode="L").convert("RGB")
    small = small.resize((small.width * inset_scale, small.height * inset_scale), Image.NEAREST)
    left, top, right, bottom = box
    draw = ImageDraw.Draw(img)
    draw.rectangle([left, top, right, bottom], fill=(0, 0, 0), outline=(90, 170, 255), width=2)
    px, py = int(right - 5 - small.width), int(bottom - 5 - small.height)
    img.paste(small, (px, py))
    # Earth's whole disk where it is predicted: the light sits toward the sunlit side within it.
    cx = px + (earth.column - x0 + 0.5) * inset_scale
    cy = py + (y0 + cut.shape[0] - 0.5 - earth.row) * inset_scale
    r = earth.diameter_px / 2 * inset_scale
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(90, 170, 255), width=1)
    draw.text((left + 6, top + 6), f"Earth {earth.illuminated_fraction:.0%} lit", fill=(90, 170, 255),
              font=font(16))
    if earth.saturated:  # at the inset's foot, outlined: beside the phase it ran past the box
        draw.text((left + 6, bottom - 24), "SATURATED", fill=(255, 120, 90), font=font(16),
                  stroke_width=2, stroke_fill=(0, 0, 0))


def _wrap_lines(draw: ImageDraw.ImageDraw, text: str, max_width: float, fnt) -> list[str]:
    """``text`` broken at spaces into lines that fit ``max_width`` pixels."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=fnt) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _wrapped_text(draw: ImageDraw.ImageDraw, xy, text: str, max_width: float, fnt, fill) -> None:
    """Draw text broken into lines that fit ``max_width`` pixels."""
    x, y = xy
    for line in _wrap_lines(draw, text, max_width, fnt):
        draw.text((x, y), line, fill=fill, font=fnt)
        y += int(getattr(fnt, "size", 18)) + 4


def sequence_gif(
    frames: Sequence[Frame],
    labels: Sequence[str],
    highlight: Sequence[str | None],
    crop_px: int = 360,
    stretch: str = "asinh",
    ms_per_frame: int = 110,
    ms_highlight: int = 1400,
) -> bytes:
    """An animated GIF, one image per frame, cropped around Earth, highlighted frames framed in
    orange with their caption held longer."""
    images, durations = [], []
    for frame, label, mark in zip(frames, labels, highlight, strict=True):
        earth = next((b for b in frame.bodies if b.name == "earth"), frame.bodies[0])
        r0 = int(round(earth.row - crop_px / 2))
        c0 = int(round(earth.column - crop_px / 2))
        r0 = min(max(r0, 0), frame.camera.rows - crop_px)
        c0 = min(max(c0, 0), frame.camera.columns - crop_px)
        # A fixed, hard stretch for every frame: Earth burns out so the Moon, ~100x fainter, shows.
        hi = frame.camera.full_well_e / frame.camera.gain_e_per_dn * 0.05 + frame.camera.bias_dn
        # Black at BLACK_SIGMA read-noise sigmas above the bias: no noise pixel shows (so no fake
        # star field, and the GIF compresses) while the Moon, a hundred sigma up, is plain to see.
        lo = frame.camera.bias_dn + BLACK_SIGMA * frame.camera.read_noise_e / frame.camera.gain_e_per_dn
        cut = frame.dn[r0 : r0 + crop_px, c0 : c0 + crop_px]
        grey = for_display(stretch_to_8bit(cut, stretch, lo=lo, hi=hi))
        img = Image.fromarray(np.ascontiguousarray(grey), mode="L").convert("RGB")
        img = img.resize((crop_px * 2, crop_px * 2), Image.NEAREST)
        draw = ImageDraw.Draw(img)
        draw.text((10, 8), label, fill=TEXT, font=font(22), stroke_width=2, stroke_fill=(0, 0, 0))
        moon = next((b for b in frame.bodies if b.name == "moon"), None)
        for b, colour in ((earth, (90, 170, 255)), (moon, (255, 210, 90))):
            if b is None:
                continue
            x, y = (b.column - c0 + 0.5) * 2, (r0 + crop_px - 0.5 - b.row) * 2
            if 0 <= x < img.width and 0 <= y < img.height:
                ring = max(b.diameter_px + 8, 14)
                draw.ellipse([x - ring, y - ring, x + ring, y + ring], outline=colour, width=2)
        if mark:  # the same time as the label: the frame is at the published epoch exactly
            draw.rectangle([0, 0, img.width - 1, img.height - 1], outline=(255, 140, 0), width=8)
            draw.text(
                (10, img.height - 40),
                mark,
                fill=(255, 170, 60),
                font=font(22),
                stroke_width=2,
                stroke_fill=(0, 0, 0),
            )
        images.append(img.quantize(colors=64, method=Image.Quantize.MEDIANCUT))
        durations.append(ms_highlight if mark else ms_per_frame)
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return buf.getvalue()


def orbit_plot(
    offsets_arcsec: np.ndarray,
    observed_arcsec: np.ndarray,
    observed_labels: Sequence[str],
    covered_mask: np.ndarray,
    fraction: float,
    earth_radius_arcsec: float,
    pixel_arcsec: float,
    title: str,
    observed_label: str = "Moon at the frames' times",
) -> bytes:
    """The Moon's apparent path around Earth (east left, north up, arcsec), the observed positions
    and the arc between the first and last of them, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.4), dpi=110)
    fig.patch.set_facecolor("white")
    x, y = offsets_arcsec[:, 0], offsets_arcsec[:, 1]
    ax.plot(x, y, color="0.6", lw=1.2, label="the Moon's path over one sidereal month")
    if len(observed_arcsec) > 1:  # one frame spans no arc ('0% of the orbit' in the legend)
        ax.plot(
            np.where(covered_mask, x, np.nan),
            np.where(covered_mask, y, np.nan),
            color="tab:orange",
            lw=4,
            alpha=0.85,
            label=f"arc spanned by the frames: {fraction:.0%} of the orbit",
        )
    ax.add_patch(plt.Circle((0, 0), earth_radius_arcsec, color="tab:blue", zorder=5))
    ax.annotate("Earth", (0, 0), xytext=(8, -16), textcoords="offset points", color="tab:blue", fontsize=11)
    ax.scatter(
        observed_arcsec[:, 0],
        observed_arcsec[:, 1],
        s=60,
        color="black",
        zorder=6,
        label=observed_label,
    )
    for (px, py), label in zip(observed_arcsec, observed_labels, strict=True):
        ax.annotate(label, (px, py), xytext=(7, 7), textcoords="offset points", fontsize=10)
    ax.set_aspect("equal")
    lim_x = 1.15 * np.nanmax(np.abs(x))
    lim_y = max(1.3 * np.nanmax(np.abs(y)), 0.4 * lim_x)
    ax.set_xlim(lim_x, -lim_x)  # east to the left, as on the sky
    ax.set_ylim(-lim_y, lim_y)
    ax.set_xlabel("east of Earth (arcsec)  ←  east")
    ax.set_ylabel("north of Earth (arcsec)")
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=12)
    ax.text(
        0.02,
        0.02,
        f"1 SRC pixel = {pixel_arcsec:.2f} arcsec; Earth drawn to scale",
        transform=ax.transAxes,
        fontsize=9,
        color="0.3",
    )
    ax.legend(loc="upper right", fontsize=9)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def fact_rows(
    f: Findings,
    km_per_px: np.ndarray,
    earth_arcsec: np.ndarray,
    moon_arcsec: np.ndarray,
    separation_px: np.ndarray,
) -> list[tuple[str, list[str]]]:
    """The fact table: (quantity, one value per epoch)."""
    rng = f.earth_range_km
    ratio = 10 ** (0.4 * (f.moon_v - f.earth_v))
    return [
        ("distance to Earth (km)", [f"{x:,.0f}" for x in rng]),
        ("distance (million miles)", [f"{x / MILE_KM / 1e6:.2f}" for x in rng]),
        ("distance (AU)", [f"{x / AU_KM:.4f}" for x in rng]),
        ("light travel time (min)", [f"{x / C_KM_S / 60:.2f}" for x in rng]),
        ("image scale (km per pixel)", [f"{x:,.0f}" for x in km_per_px]),
        ("Earth across (pixels)", [f"{x:.2f}" for x in f.earth_diameter_px]),
        ("Earth across (arcsec)", [f"{x:.2f}" for x in earth_arcsec]),
        ("Moon across (pixels)", [f"{x:.2f}" for x in f.moon_diameter_px]),
        ("Moon across (arcsec)", [f"{x:.2f}" for x in moon_arcsec]),
        ("Earth-Moon separation (pixels)", [f"{x:.1f}" for x in separation_px]),
        ("Earth at 100 m is as big as (mm)", [f"{x * 1e5:.2f}" for x in f.earth_diameter_rad]),
        ("Earth / Moon brightness", [f"{x:.0f}x" for x in ratio]),
        ("Earth's V magnitude", [f"{x:.2f}" for x in f.earth_v]),
        ("Moon's V magnitude", [f"{x:.2f}" for x in f.moon_v]),
        ("Sun elongation of Earth (deg)", [f"{x:.1f}" for x in f.sun_elongation_deg]),
    ]


def facts_markdown(title: str, f: Findings, rows, verdicts: Sequence[Verdict], notes: Sequence[str]) -> str:
    head = "| quantity | " + " | ".join(e[:16].replace("T", " ") for e in f.epochs_utc) + " |"
    lines = [
        f"# {title}",
        "",
        "Computed by paledot from first principles (DE440, IAU radii, published "
        "phase curves and camera data).",
        "",
        head,
        "|---|" + "---:|" * len(f.epochs_utc),
    ]
    lines += [f"| {name} | " + " | ".join(vals) + " |" for name, vals in rows]
    share = ([f"Share of the Moon's orbit spanned by the frames: **{f.orbit_fraction:.1%}** "
              f"({f.orbit_fraction * 360:.0f} degrees).", ""] if len(f.epochs_utc) > 1 else [])
    lines += [
        "",
        *share,  # one frame spans nothing: '0.0% (0 degrees)' said nothing
        "## Claims checked",
        "",
        "| claim | source | computed | verdict | why |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {v.claim} | {v.source} | {v.computed} | **{v.verdict}** | {v.why} |" for v in verdicts]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


_CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
  color:#222;background:#fafafa}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
.claims td,.claims th{text-align:left} .src{color:#777;font-size:0.85em}
tr.holds .verdict{color:#17803d;font-weight:bold} tr.does .verdict{color:#b3261e;font-weight:bold}
tr.looks .verdict,tr.off .verdict{color:#b35c00;font-weight:bold}
figure{margin:1.5em 0} img{max-width:100%;border:1px solid #ddd;background:#000}
figcaption{color:#555;font-size:0.9em}
"""


def report_html(
    title: str,
    summary: str,
    f: Findings,
    rows,
    verdicts: Sequence[Verdict],
    images: Sequence[tuple[str, bytes, str]],
    notes: Sequence[str],
    credit: str,
) -> str:
    """One self-contained page: images embedded as data URIs, no external links or scripts."""
    e = html.escape
    head = "".join(f"<th>{e(x[:16].replace('T', ' '))} UTC</th>" for x in f.epochs_utc)
    body_rows = "".join(
        f"<tr><th>{e(name)}</th>" + "".join(f"<td>{e(v)}</td>" for v in vals) + "</tr>" for name, vals in rows
    )
    claim_rows = "".join(
        f"<tr class='{e(v.verdict.split()[0])}'><td>{e(v.claim)}<div class='src'>{e(v.source)}</div></td>"
        f"<td>{e(v.computed)}</td><td class='verdict'>{e(v.verdict)}</td><td>{e(v.why)}</td></tr>"
        for v in verdicts
    )
    figures = "".join(
        f"<figure><img alt='{e(cap)}' src='{_data_uri(data, mime)}'>"
        f"<figcaption>{e(cap)}</figcaption></figure>"
        for cap, data, mime in images
    )
    note_items = "".join(f"<li>{e(n)}</li>" for n in notes)
    share = (f"<p>Share of the Moon's orbit spanned by the frames: <b>{f.orbit_fraction:.1%}</b>\n"
             f"({f.orbit_fraction * 360:.0f} degrees).</p>" if len(f.epochs_utc) > 1 else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
{_CSS}</style></head><body>
<h1>{e(title)}</h1>
<p>{e(summary)}</p>
<h2>Facts, computed</h2>
<table class="facts"><tr><th>quantity</th>{head}</tr>{body_rows}</table>
{share}
<h2>Claims checked</h2>
<table class="claims"><tr><th>claim</th><th>computed</th><th>verdict</th><th>why</th></tr>{claim_rows}</table>
<h2>Pictures</h2>
{figures}
<h2>Notes</h2><ul>{note_items}</ul>
<p class="src">{e(credit)}</p>
</body></html>
"""


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    """Write into a folder being built (the folder itself is swapped in atomically)."""
    path = folder / name
    path.write_bytes(data)
    return path


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
