"""Frame I/O: FITS with a TAN WCS and a provenance header, PNG with a chosen stretch, annotated PNG.

A FITS file holds the recorded DN (uint16) or electrons (float32) in its primary HDU with the WCS,
DATE-OBS, EXPTIME, observer, camera, ephemeris, paledot version and each body's predicted pixel
position and flux; a ``BODIES`` table extension carries the same per-body numbers with units.
The array is stored as it lies in memory, in the astronomical convention (DESIGN.md): first row =
bottom of the displayed image, so DS9 and astropy show north up and east left at roll 0. Pixel
positions in headers and tables are 0-based (x, y) and say so; the WCS itself follows FITS's 1-based
rule. PNGs flip the rows for display (top row of a PNG = last row of the array). Every file is
written atomically (``outputs``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from PIL import Image, ImageDraw, ImageFont

from .._io.errors import PaledotError
from .._io.outputs import atomic_write, atomic_write_bytes
from ..time.timescales import et_to_iso
from .frame import Frame

STRETCHES = ("linear", "log", "asinh", "sqrt")


def _version() -> str:
    from .._io.version import version

    return version()


_COLUMN_NOTES = {
    "x": "predicted x, 0-based pixels (image[y, x])",
    "y": "predicted y, 0-based pixels, up in the display",
    "electrons": "photo-electrons from the body on the detector",
    "peak_electrons": "photo-electrons in the body's brightest pixel",
    "visible_fraction": "share of the body's light not hidden by a nearer body",
    "hidden_by": "bodies in front of it (partly or fully)",
}


def _object(frame: Frame) -> str:
    """OBJECT: the body the camera points at, else the targets."""
    pointing = frame.meta.get("pointing")
    if getattr(pointing, "mode", None) == "target" and pointing.target:
        return pointing.target
    return ", ".join(b.name for b in frame.bodies)


def fits_hdul(frame: Frame, kind: str = "dn") -> fits.HDUList:
    """The FITS representation of a frame (``kind`` ``dn`` or ``electrons``), with checksums.

    Times follow the FITS standard: DATE-BEG/DATE-END bracket the exposure, DATE-AVG is its middle
    (the epoch paledot renders), DATE-OBS = DATE-BEG; all UTC. The observer's barycentric position
    (OBSSSB-X/Y/Z, km, ICRF) and the boresight (RA_PNT, DEC_PNT, PA_PNT = roll) are recorded."""
    if kind not in ("dn", "electrons"):
        raise PaledotError(f"FITS kind {kind!r} must be 'dn' or 'electrons'")
    data = frame.dn if kind == "dn" else frame.electrons.astype(np.float32)
    header = frame.wcs.to_header()
    cam = frame.camera
    half = float(frame.exposure_s) / 2  # float64 throughout: ET in float32 is 64 s coarse
    # microseconds: a sub-ms exposure (HRSC SRC: 0.75 ms) still brackets its middle
    beg, avg, end = (et_to_iso(float(frame.et) + d, precision=6)[0] for d in (-half, 0.0, half))
    header["OBJECT"] = (_object(frame), "pointed-at body, else the targets")
    header["TELESCOP"] = _ascii(cam.title)[:68]
    header["INSTRUME"] = (_ascii(cam.name), "paledot camera")
    header["DATE-OBS"] = (beg, "UTC, start of exposure (= DATE-BEG)")
    header["DATE-BEG"] = (beg, "UTC, start of exposure")
    header["DATE-AVG"] = (avg, "UTC, mid-exposure: the rendered epoch")
    header["DATE-END"] = (end, "UTC, end of exposure")
    header["TIMESYS"] = "UTC"
    header["ET"] = (frame.et, "TDB seconds past J2000, mid-exposure")
    header["EXPTIME"] = (frame.exposure_s, "s")
    header["BUNIT"] = "adu" if kind == "dn" else "electron"
    header["OBSERVER"] = _ascii(frame.meta.get("observer", ""))
    ssb = frame.meta.get("observer_ssb_km")
    if ssb is not None:
        for axis, value in zip("XYZ", ssb, strict=True):
            header[f"OBSSSB-{axis}"] = (value, f"km, observer from the SSB, ICRF {axis}")
    ra_pnt, dec_pnt = frame.meta.get("boresight_radec_deg", frame.wcs.wcs.crval)
    header["RA_PNT"] = (float(ra_pnt), "deg, boresight RA (ICRS)")
    header["DEC_PNT"] = (float(dec_pnt), "deg, boresight Dec (ICRS)")
    header["PA_PNT"] = (float(frame.meta.get("roll_deg", 0.0)), "deg, roll: image up from north to east")
    header["CAMERA"] = _ascii(cam.title)[:68]
    header["GAIN"] = (cam.gain_e_per_dn, "e-/DN")
    header["RDNOISE"] = (cam.read_noise_e, "e-")
    header["BIAS"] = (cam.bias_dn, "DN, electronic offset in the DN product")
    header["FULLWELL"] = (cam.full_well_e, "e-")
    header["ABCORR"] = (frame.meta.get("correction", ""), "aberration correction (SPICE semantics)")
    header["EPHEM"] = ", ".join(Path(p).name for p in frame.meta.get("ephemeris", []))
    seed = frame.meta.get("seed")
    if isinstance(seed, (int, np.integer)):
        header["SEED"] = (int(seed), "noise seed")
    else:
        header["SEED"] = (-1, "no seed given: the noise cannot be repeated")
    header["NOISE"] = (bool(frame.meta.get("noise", True)), "noise simulated")
    header["CREATOR"] = f"paledot {_version()}"
    header["PIXCONV"] = ("0-based", "B*_X/Y, BODIES x/y: image[y, x], 0 at 0.0")
    for i, b in enumerate(frame.bodies, start=1):
        header[f"BODY{i}"] = _ascii(b.name)
        if np.isfinite(b.column) and np.isfinite(b.row):
            header[f"B{i}_X"] = (round(b.column, 4), "predicted x (0-based)")
            header[f"B{i}_Y"] = (round(b.row, 4), "predicted y (0-based)")
        else:  # FITS headers cannot hold NaN
            header[f"B{i}_X"] = ("none", "behind the camera: no pixel")
            header[f"B{i}_Y"] = ("none", "behind the camera: no pixel")
        header[f"B{i}_E"] = (round(b.electrons, 1), "predicted electrons")
        header[f"B{i}_DPX"] = (round(b.diameter_px, 4), "diameter, pixels")
    # Commentary cards longer than a card are continued over several cards by astropy: whole.
    for note in frame.meta.get("notes", []):
        header.add_comment(note)
    for text in frame.meta.get("warnings", []):
        header.add_history(f"warning: {text}")
    primary = fits.PrimaryHDU(data=data, header=header)
    table = Table(
        rows=[
            (
                b.name,
                b.naif_id,
                b.column,
                b.row,
                b.ra_deg,
                b.dec_deg,
                b.range_km,
                b.diameter_px,
                b.phase_deg,
                b.illuminated_fraction,
                b.magnitude,
                b.electrons,
                b.peak_electrons,
                b.snr,
                b.in_frame,
                b.saturated,
                b.visible_fraction,
                b.hidden_by,
            )
            for b in frame.bodies
        ],
        names=(
            "name",
            "naif_id",
            "x",
            "y",
            "ra",
            "dec",
            "range",
            "diameter",
            "phase",
            "illuminated_fraction",
            "v_mag",
            "electrons",
            "peak_electrons",
            "snr",
            "in_frame",
            "saturated",
            "visible_fraction",
            "hidden_by",
        ),
        dtype=[str, int, float, float, float, float, float, float, float, float, float, float, float,
               float, bool, bool, float, str],
    )
    for col, unit in (
        ("x", "pix"),
        ("y", "pix"),
        ("ra", "deg"),
        ("dec", "deg"),
        ("range", "km"),
        ("diameter", "pix"),
        ("phase", "deg"),
        ("v_mag", "mag"),
        # FITS has no electron unit: photo-electrons are counts ("ct"), as the column names say.
        ("electrons", "ct"),
        ("peak_electrons", "ct"),
    ):
        table[col].unit = unit
    bodies_hdu = fits.table_to_hdu(table)
    bodies_hdu.name = "BODIES"
    for i, name in enumerate(table.colnames, start=1):
        if name in _COLUMN_NOTES:
            bodies_hdu.header[f"TCOMM{i}"] = _COLUMN_NOTES[name]
    hdul = fits.HDUList([primary, bodies_hdu])
    if frame.stars is not None:  # the catalogue stars drawn (x, y 0-based like the bodies)
        stars_hdu = fits.table_to_hdu(frame.stars.to_table())
        stars_hdu.name = "STARS"
        hdul.append(stars_hdu)
    for hdu in hdul:
        hdu.add_checksum(when="no timestamp: same inputs, same bytes")
    return hdul


def fits_bytes(frame: Frame, kind: str = "dn") -> bytes:
    """The frame as the bytes of a FITS file."""
    buf = io.BytesIO()
    fits_hdul(frame, kind).writeto(buf)  # checksums already set, without a timestamp
    return buf.getvalue()


def write_fits(frame: Frame, path, kind: str = "dn", overwrite: bool = False) -> Path:
    """Write the frame as FITS, atomically; refuses an existing file unless ``overwrite``."""
    return atomic_write_bytes(path, fits_bytes(frame, kind), overwrite)


def read_fits(path) -> tuple[np.ndarray, fits.Header, WCS]:
    """Data, header and WCS of a paledot (or any 2-D) FITS image, with a clear error if unreadable."""
    try:
        with fits.open(path) as hdul:
            data = np.asarray(hdul[0].data)
            header = hdul[0].header.copy()
    except (OSError, ValueError, IndexError) as exc:
        raise PaledotError(f"cannot read {str(path)!r} as a FITS image: {exc}") from None
    if data.ndim != 2:
        raise PaledotError(f"{str(path)!r} is not a 2-D image (its data has {data.ndim} axes)")
    return data, header, WCS(header)


def stretch_to_8bit(
    image: np.ndarray, stretch: str = "asinh", lo: float | None = None, hi: float | None = None
) -> np.ndarray:
    """Map an image to 0..255 with a stretch; ``lo``/``hi`` default to the median and the maximum."""
    if stretch not in STRETCHES:
        raise PaledotError(f"unknown stretch {stretch!r}: choose one of {', '.join(STRETCHES)}")
    img = np.asarray(image, dtype=np.float64)
    lo = float(np.median(img)) if lo is None else lo
    hi = float(img.max()) if hi is None else hi
    x = np.clip((img - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(img)
    if stretch == "log":
        x = np.log1p(1000 * x) / np.log1p(1000)
    elif stretch == "asinh":
        x = np.arcsinh(50 * x) / np.arcsinh(50)
    elif stretch == "sqrt":
        x = np.sqrt(x)
    return np.round(x * 255).astype(np.uint8)


def _png_bytes(img: Image.Image, meta: dict[str, str]) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for k, v in meta.items():
        info.add_text(k, v)
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def _provenance(frame: Frame) -> dict[str, str]:
    return {
        "Software": f"paledot {_version()}",
        "Time": et_to_iso(frame.et)[0] + " UTC",
        "Observer": str(frame.meta.get("observer", "")),
        "Camera": frame.camera.name,
        "Exposure": f"{frame.exposure_s:.6g} s",
    }


def for_display(image: np.ndarray) -> np.ndarray:
    """An image in paledot's convention (first row at the bottom) turned into picture order (first
    row at the top): the rows reversed, a view, no copy."""
    return image[::-1]


def png_bytes(frame: Frame, stretch: str = "asinh") -> bytes:
    """The recorded DN as the bytes of an 8-bit greyscale PNG with a stretch (not resampled),
    flipped for display so north is up at roll 0."""
    img = Image.fromarray(np.ascontiguousarray(for_display(stretch_to_8bit(frame.dn, stretch))), mode="L")
    return _png_bytes(img, _provenance(frame))


def write_png(frame: Frame, path, stretch: str = "asinh", overwrite: bool = False) -> Path:
    """The recorded DN as an 8-bit greyscale PNG with a stretch (full detector, not resampled)."""
    return atomic_write_bytes(path, png_bytes(frame, stretch), overwrite)


def font(size: int) -> ImageFont.ImageFont:
    """Pillow's built-in scalable font at ``size`` pixels (no system fonts needed)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def annotated_image(
    frame: Frame,
    stretch: str = "asinh",
    crop: tuple[int, int, int, int] | None = None,
    scale: int = 1,
    white_fraction: float = 1.0,
    black_sigma: float = 0.0,
    time_label: bool | str = True,
    scale_bar: bool = True,
    compass: bool = True,
    reserve: tuple = (),
) -> Image.Image:
    """An RGB picture of the frame (north up at roll 0) with each body ringed and labelled, labels
    placed so none overlaps another label or ring, and the time (UTC), a scale bar and an N/E
    compass from the WCS.

    ``crop`` is (row0, col0, rows, cols) in frame pixels (row = y, counted from the bottom);
    ``scale`` enlarges by whole pixels (nearest neighbour) so small dots stay honest squares;
    ``white_fraction`` of the brightest pixel maps to white (below 1, the brightest body burns out
    so faint ones show); black is the median plus ``black_sigma`` read-noise sigmas (above 0, the
    sky's noise goes black). ``time_label`` may be text to write instead of the time; ``reserve``
    lists display boxes the caller will draw on, which labels avoid. The label boxes are left in
    ``image.info["paledot_labels"]``.
    """
    from .annotate import Marker, View, draw_compass, draw_markers, draw_scale_bar, sky_directions

    lo = float(np.median(frame.dn)) + black_sigma * frame.camera.read_noise_e / frame.camera.gain_e_per_dn
    grey = stretch_to_8bit(frame.dn, stretch, lo=lo, hi=float(frame.dn.max()) * white_fraction)
    r0, c0 = 0, 0
    if crop is not None:
        r0, c0, h, w = crop
        grey = grey[max(r0, 0) : r0 + h, max(c0, 0) : c0 + w]
        r0, c0 = max(r0, 0), max(c0, 0)
    top = r0 + grey.shape[0]  # one past the highest frame row shown: the picture's top edge
    view = View(c0, top, scale)
    img = Image.fromarray(np.ascontiguousarray(for_display(grey)), mode="L").convert("RGB")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(img)
    size = max(14, img.width // 60)
    fnt = font(size)
    obstacles = list(reserve)
    if time_label:
        text = time_label if isinstance(time_label, str) else et_to_iso(frame.et)[0][:19].replace("T", " ")
        text += "" if isinstance(time_label, str) else " UTC"
        draw.text((8, 6), text, fill=(235, 235, 235), font=fnt, stroke_width=2, stroke_fill=(0, 0, 0))
        obstacles.append((4, 2, 12 + draw.textlength(text, font=fnt), 10 + size))
    if compass:
        length = max(24.0, min(img.width, img.height) / 14)
        cx, cy = c0 + grey.shape[1] / 2 - 0.5, r0 + grey.shape[0] / 2 - 0.5
        north, east = sky_directions(frame.wcs, cx, cy)
        disks = [(*view.to_display(b.column, b.row), max(b.diameter_px / 2 * scale + 4 * scale, 12))
                 for b in frame.bodies if np.isfinite(b.column)]
        origin = _compass_origin(img, length, size, north, east, disks, obstacles)
        box = draw_compass(draw, origin, north, east, length, fnt)
        obstacles.append(box)
        img.info["paledot_compass"] = box
    if scale_bar:
        obstacles.append(_scale_bar(draw, frame, img, scale, fnt, draw_scale_bar))
    colours = {"earth": (90, 170, 255), "moon": (255, 210, 90), "sun": (255, 160, 60)}
    markers = []
    for b in frame.bodies:
        if not np.isfinite(b.column):
            continue
        x, y = view.to_display(b.column, b.row)
        if not (0 <= x < img.width and 0 <= y < img.height):
            continue
        ring = max(b.diameter_px / 2 * scale + 4 * scale, 12)
        label = b.name.title() + _hidden_note(b)
        markers.append(Marker(label, x, y, ring, colours.get(b.name, (120, 255, 120))))
    boxes = draw_markers(draw, markers, fnt, max(2, scale // 2), obstacles)
    img.info["paledot_labels"] = [(m.text, box) for m, box in zip(markers, boxes, strict=True)]
    img.info["paledot_rings"] = [(m.text, m.box) for m in markers]
    img.info["paledot_obstacles"] = obstacles
    return img


def _compass_extent(origin, north, east, length: float, size: int):
    """The box ``annotate.draw_compass`` covers from ``origin`` (display pixels)."""
    ox, oy = origin
    xs, ys = [ox], [oy]
    for vec in (north, east):
        dx, dy = vec[0] * length, -vec[1] * length
        lx, ly = ox + dx * 1.3 - size * 0.3, oy + dy * 1.3 - size * 0.55
        xs += [ox + dx, lx, lx + size]
        ys += [oy + dy, ly, ly + size]
    return (min(xs) - 4, min(ys) - 4, max(xs) + 4, max(ys) + 4)


def _compass_origin(img, length: float, size: int, north, east, disks, obstacles):
    """Where the N/E compass goes: the top right corner unless a body's ring (``disks``: display
    x, y, radius) or a reserved box is there, then the top left (below the time), the bottom
    right, the bottom left; the top right when every corner is taken. A resolved Earth in the
    top right corner had the compass drawn over it."""
    w, h = img.width, img.height
    x0, y0, x1, y1 = _compass_extent((0.0, 0.0), north, east, length, size)
    corners = [(w - 1.6 * length - 8, 1.6 * length + 8), (8 - x0, size + 18 - y0),
               (w - 8 - x1, h - 8 - y1), (8 - x0, h - 2 * size - 30 - y1)]

    def free(origin) -> bool:
        bx0, by0, bx1, by1 = _compass_extent(origin, north, east, length, size)
        if bx0 < 0 or by0 < 0 or bx1 > w or by1 > h:
            return False
        for x, y, r in disks:
            dx, dy = x - min(max(x, bx0), bx1), y - min(max(y, by0), by1)
            if dx * dx + dy * dy < r * r:
                return False
        return not any(bx0 < o[2] and o[0] < bx1 and by0 < o[3] and o[1] < by1 for o in obstacles)

    return next((c for c in corners if free(c)), corners[0])


def _hidden_note(b) -> str:
    """' (hidden)', ' (45% hidden)' or '' for a body's label."""
    if b.hidden:
        return " (hidden)"
    if b.hidden_by:
        return f" ({1 - b.visible_fraction:.0%} hidden)"
    return ""


def _scale_bar(draw, frame: Frame, img, scale: int, fnt, draw_scale_bar):
    """Bottom-left scale bar: km at the distance of the first body in the frame, else arcsec."""
    inside = [b for b in frame.bodies if b.in_frame]
    x0, y0 = 10, img.height - 14
    if inside:
        km_per_px = inside[0].range_km * frame.camera.pixel_scale_rad
        return draw_scale_bar(draw, (x0, y0), scale / km_per_px, img.width / 4, "km", fnt,
                              f" at {inside[0].name.title()}")
    arcsec_per_px = math.degrees(frame.camera.pixel_scale_rad) * 3600
    return draw_scale_bar(draw, (x0, y0), scale / arcsec_per_px, img.width / 4, "arcsec", fnt)


def annotated_png_bytes(frame: Frame, stretch: str = "asinh", crop=None, scale: int = 1) -> bytes:
    """The annotated picture as PNG bytes."""
    return _png_bytes(annotated_image(frame, stretch, crop, scale), _provenance(frame))


def write_annotated_png(
    frame: Frame, path, stretch: str = "asinh", overwrite: bool = False, crop=None, scale: int = 1
) -> Path:
    """Annotated PNG (rings and labels on each body), written atomically."""
    img = annotated_image(frame, stretch, crop, scale)
    return atomic_write_bytes(path, _png_bytes(img, _provenance(frame)), overwrite)


def write_image(img: Image.Image, path, overwrite: bool = False) -> Path:
    """Any Pillow image as PNG, atomically (used by reports)."""
    return atomic_write(path, lambda p: img.save(p, format="PNG"), overwrite)


def _ascii(text) -> str:
    """FITS headers hold printable ASCII only: other characters become '?', so a camera title or
    observer name in any script still writes (the full text stays in the PNG and reports)."""
    return "".join(c if " " <= c <= "~" else "?" for c in str(text))
