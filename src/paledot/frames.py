"""Frame I/O: FITS with a TAN WCS and a provenance header, PNG with a chosen stretch, annotated PNG.

A FITS file holds the recorded DN (uint16) or electrons (float32) in its primary HDU with the WCS,
DATE-OBS, EXPTIME, observer, camera, ephemeris, paledot version and each body's predicted pixel
position and flux; a ``BODIES`` table extension carries the same per-body numbers with units.
Pixel positions in headers are 0-based (paledot's convention) and say so; the WCS itself follows
FITS's 1-based rule. Every file is written atomically (``outputs``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from PIL import Image, ImageDraw, ImageFont

from .errors import PaledotError
from .outputs import atomic_write, atomic_write_bytes
from .render import Frame
from .timescales import et_to_iso

STRETCHES = ("linear", "log", "asinh", "sqrt")


def _version() -> str:
    from . import __version__

    return __version__


def fits_hdul(frame: Frame, kind: str = "dn") -> fits.HDUList:
    """The FITS representation of a frame (``kind`` ``dn`` or ``electrons``)."""
    if kind not in ("dn", "electrons"):
        raise PaledotError(f"FITS kind {kind!r} must be 'dn' or 'electrons'")
    data = frame.dn if kind == "dn" else frame.electrons.astype(np.float32)
    header = frame.wcs.to_header()
    cam = frame.camera
    header["DATE-OBS"] = (et_to_iso(frame.et, precision=3)[0], "UTC, mid-exposure")
    header["TIMESYS"] = "UTC"
    header["ET"] = (frame.et, "TDB seconds past J2000")
    header["EXPTIME"] = (frame.exposure_s, "s")
    header["BUNIT"] = "adu" if kind == "dn" else "electron"
    header["OBSERVER"] = _ascii(frame.meta.get("observer", ""))
    header["INSTRUME"] = _ascii(cam.name)
    header["CAMERA"] = _ascii(cam.title)[:68]
    header["GAIN"] = (cam.gain_e_per_dn, "e-/DN")
    header["RDNOISE"] = (cam.read_noise_e, "e-")
    header["FULLWELL"] = (cam.full_well_e, "e-")
    header["ABCORR"] = (frame.meta.get("correction", ""), "aberration correction (SPICE semantics)")
    header["EPHEM"] = ", ".join(Path(p).name for p in frame.meta.get("ephemeris", []))
    header["SEED"] = (str(frame.meta.get("seed")), "noise seed")
    header["NOISE"] = (bool(frame.meta.get("noise", True)), "noise simulated")
    header["CREATOR"] = f"paledot {_version()}"
    header["PIXCONV"] = ("0-based", "B*_X/Y: numpy column/row, pixel 0 at 0.0")
    for i, b in enumerate(frame.bodies, start=1):
        header[f"BODY{i}"] = _ascii(b.name)
        if np.isfinite(b.column) and np.isfinite(b.row):
            header[f"B{i}_X"] = (round(b.column, 4), "predicted column (0-based)")
            header[f"B{i}_Y"] = (round(b.row, 4), "predicted row (0-based)")
        else:  # FITS headers cannot hold NaN
            header[f"B{i}_X"] = ("none", "behind the camera: no pixel")
            header[f"B{i}_Y"] = ("none", "behind the camera: no pixel")
        header[f"B{i}_E"] = (round(b.electrons, 1), "predicted electrons")
        header[f"B{i}_DPX"] = (round(b.diameter_px, 4), "diameter, pixels")
    for note in frame.meta.get("notes", []):
        header.add_comment(note[:70])
    for text in frame.meta.get("warnings", []):
        header.add_history(f"warning: {text}"[:70])
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
            )
            for b in frame.bodies
        ],
        names=(
            "name",
            "naif_id",
            "column",
            "row",
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
        ),
    )
    # electrons carry no FITS unit string astropy can write back; the column names say it.
    for col, unit in (
        ("ra", "deg"),
        ("dec", "deg"),
        ("range", "km"),
        ("diameter", "pix"),
        ("phase", "deg"),
        ("v_mag", "mag"),
    ):
        table[col].unit = unit
    bodies_hdu = fits.table_to_hdu(table)
    bodies_hdu.name = "BODIES"
    return fits.HDUList([primary, bodies_hdu])


def fits_bytes(frame: Frame, kind: str = "dn") -> bytes:
    """The frame as the bytes of a FITS file."""
    buf = io.BytesIO()
    fits_hdul(frame, kind).writeto(buf)
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


def png_bytes(frame: Frame, stretch: str = "asinh") -> bytes:
    """The recorded DN as the bytes of an 8-bit greyscale PNG with a stretch (not resampled)."""
    img = Image.fromarray(stretch_to_8bit(frame.dn, stretch), mode="L")
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
) -> Image.Image:
    """An RGB picture of the frame with each body ringed and labelled.

    ``crop`` is (row0, col0, rows, cols) in frame pixels; ``scale`` enlarges by whole pixels
    (nearest neighbour) so small dots stay honest squares; ``white_fraction`` of the brightest
    pixel maps to white (below 1, the brightest body burns out so faint ones show); black is the
    median plus ``black_sigma`` read-noise sigmas (above 0, the sky's noise goes black).
    """
    lo = float(np.median(frame.dn)) + black_sigma * frame.camera.read_noise_e / frame.camera.gain_e_per_dn
    grey = stretch_to_8bit(frame.dn, stretch, lo=lo, hi=float(frame.dn.max()) * white_fraction)
    r0, c0 = 0, 0
    if crop is not None:
        r0, c0, h, w = crop
        grey = grey[max(r0, 0) : r0 + h, max(c0, 0) : c0 + w]
        r0, c0 = max(r0, 0), max(c0, 0)
    img = Image.fromarray(grey, mode="L").convert("RGB")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(img)
    size = max(14, img.width // 60)
    fnt = font(size)
    colours = {"earth": (90, 170, 255), "moon": (255, 210, 90)}
    for b in frame.bodies:
        if not np.isfinite(b.column):
            continue
        x = (b.column - c0 + 0.5) * scale
        y = (b.row - r0 + 0.5) * scale
        if not (0 <= x < img.width and 0 <= y < img.height):
            continue
        ring = max(b.diameter_px / 2 * scale + 4 * scale, 12)
        colour = colours.get(b.name, (120, 255, 120))
        draw.ellipse([x - ring, y - ring, x + ring, y + ring], outline=colour, width=max(2, scale // 2))
        label = b.name.title()
        tw = draw.textlength(label, font=fnt)
        tx = min(max(x - tw / 2, 2), img.width - tw - 2)
        ty = y + ring + 4 if y + ring + size + 6 < img.height else y - ring - size - 6
        draw.text((tx, ty), label, fill=colour, font=fnt, stroke_width=2, stroke_fill=(0, 0, 0))
    return img


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
