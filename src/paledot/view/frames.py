"""The frames a viewer shows: one rendered :class:`~paledot.render.Frame` per step, the detector
box the page shows of them, and that box as an 8-bit PNG stretched exactly as paledot's PNG
writer stretches a whole frame (:func:`paledot.render.files.stretch_to_8bit`: black at the
median, white at the maximum, asinh), flipped for display (first row at the top).

Pixels follow paledot's convention: 0-based (x, y), y up, pixel centres on integers. A box is
``(x0, y0, w, h)``: columns ``x0 .. x0+w-1`` and rows ``y0 .. y0+h-1`` of the detector.
"""

from __future__ import annotations

import base64
import io
import math
import warnings

import numpy as np
from PIL import Image

from ..cameras import Camera
from ..render.files import stretch_to_8bit
from ..render.frame import Frame, render
from ..render.scene import Pointing, RenderWarning, Scene
from .spec import ViewSpec

#: Room left around the bodies inside the shown box, camera px.
MARGIN_PX = 40
#: The smallest box side, camera px.
MIN_BOX_PX = 96
#: Past this many camera px across, the box is shown binned (the brightest pixel of each bin).
MAX_SHOWN_PX = 384


def scene_at(spec: ViewSpec, et: float, camera: Camera) -> Scene:
    """The scene of the frame at ``et`` (ET s): the spec's observer, targets, camera, pointing and
    exposure, and its one seed (the same instant gives the same bytes, in the page and served)."""
    return Scene(f"ET:{float(et)!r}", spec.observer, list(spec.targets), camera,
                 Pointing.parse(spec.pointing_at(et), spec.roll_deg), spec.exposure, spec.auto_fraction,
                 spec.seed, stars=spec.stars)


def render_at(spec: ViewSpec, et: float, camera: Camera) -> tuple[Frame, list[str]]:
    """The frame at ``et`` and the render's warnings (text), which the page shows beside it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(scene_at(spec, et, camera))
    return frame, sorted({str(w.message) for w in caught if issubclass(w.category, RenderWarning)})


def shown_box(frames: list[Frame], camera: Camera) -> tuple[int, int, int, int]:
    """The detector box the page shows: square, centred on the boresight pixel, wide enough to hold
    every body whose centre falls on the detector in any frame with :data:`MARGIN_PX` to spare."""
    cx, cy = camera.boresight_pixel
    reach = MIN_BOX_PX / 2
    for f in frames:
        for b in f.bodies:
            if b.in_frame:
                r = max(abs(b.x - cx), abs(b.y - cy)) + b.diameter_px / 2 + MARGIN_PX
                reach = max(reach, r)
    side = int(min(16 * math.ceil(2 * reach / 16), camera.columns, camera.rows))
    x0 = int(np.clip(round(cx - side / 2 + 0.5), 0, camera.columns - side))
    y0 = int(np.clip(round(cy - side / 2 + 0.5), 0, camera.rows - side))
    return x0, y0, side, side


def binning(box: tuple[int, int, int, int]) -> int:
    """Camera px per shown px: 1 up to :data:`MAX_SHOWN_PX` across, else the least that fits."""
    return max(1, math.ceil(max(box[2], box[3]) / MAX_SHOWN_PX))


def box_pixels(frame: Frame, box: tuple[int, int, int, int], bin_px: int = 1) -> np.ndarray:
    """The box of the frame's 8-bit picture (stretched whole, as paledot's PNG), in display order
    (first row at the top); binned ``bin_px`` x ``bin_px`` keeping each bin's brightest pixel."""
    x0, y0, w, h = box
    img = stretch_to_8bit(frame.dn)[y0:y0 + h, x0:x0 + w]
    if bin_px > 1:
        hb, wb = h // bin_px, w // bin_px
        img = img[:hb * bin_px, :wb * bin_px].reshape(hb, bin_px, wb, bin_px).max(axis=(1, 3))
    return np.ascontiguousarray(img[::-1])


def png_of(pixels: np.ndarray) -> bytes:
    """An 8-bit greyscale array as PNG bytes (no metadata: the page carries the provenance)."""
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI, the form a page opened from disk can show without a request."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def frame_info(frame: Frame, box: tuple[int, int, int, int], warn: list[str]) -> dict:
    """What the page shows beside a frame: its WCS (0-based CRPIX, CD in deg/px), the bodies'
    predicted pixels (0-based x, y, y up), the exposure, the N/E directions at the box centre and
    the render's warnings."""
    from ..render.annotate import sky_directions

    w = frame.wcs.wcs
    cx, cy = box[0] + (box[2] - 1) / 2, box[1] + (box[3] - 1) / 2
    north, east = sky_directions(frame.wcs, cx, cy)
    return {
        "wcs": {"crval": [float(w.crval[0]), float(w.crval[1])],
                "crpix0": [float(w.crpix[0] - 1), float(w.crpix[1] - 1)],
                "cd": [[float(x) for x in row] for row in w.cd]},
        "bodies": [{"name": b.name, "x": round(b.x, 3), "y": round(b.y, 3),
                    "diam_px": round(b.diameter_px, 3), "in_frame": b.in_frame,
                    "hidden": b.hidden, "snr": None if not math.isfinite(b.snr) else round(b.snr, 1),
                    "saturated": b.saturated} for b in frame.bodies],
        "exposure_ms": frame.exposure_s * 1000.0,
        "north": [float(north[0]), float(north[1])],
        "east": [float(east[0]), float(east[1])],
        "stars_drawn": 0 if frame.stars is None else len(frame.stars),
        "warnings": warn,
    }
