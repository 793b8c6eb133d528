"""What annotated pictures carry besides the pixels: rings and labels that never overlap, the time,
a scale bar and an N/E compass taken from the frame's WCS.

Pictures are in display order (top row first), so a frame position (x, y) in paledot's convention
(y up) lands at display (X, Y) = ((x - col0 + 0.5) s, (top - 0.5 - y) s) for a crop whose highest
frame row is ``top - 1``, enlarged ``s`` times (see :class:`View`). Everything here draws on a
Pillow image; nothing computes the sky (directions come from the frame's WCS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw

Box = tuple[float, float, float, float]  # left, top, right, bottom (display pixels)

TEXT = (235, 235, 235)
SHADOW = (0, 0, 0)


@dataclass(frozen=True)
class View:
    """How frame pixels map onto a picture: the crop's first column, one past its top row, scale."""

    col0: int
    top: int
    scale: int

    def to_display(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.col0 + 0.5) * self.scale, (self.top - 0.5 - y) * self.scale


@dataclass
class Marker:
    """A ring around something in the picture (display pixels) and the label it wants."""

    text: str
    x: float
    y: float
    ring: float
    colour: tuple[int, int, int]

    @property
    def box(self) -> Box:
        return (self.x - self.ring, self.y - self.ring, self.x + self.ring, self.y + self.ring)


def _overlap(a: Box, b: Box, gap: float = 1.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def layout_labels(
    markers: list[Marker], size: tuple[int, int], measure, height: float, obstacles: list[Box] = ()
) -> list[Box]:
    """A box for each marker's label: beside its ring, clear of every other label, every ring and
    the ``obstacles`` (time, compass, scale bar), inside the picture. ``measure(text)`` gives a
    label's width in pixels; ``height`` its height. Candidates go round the ring (below, above,
    right, left, then the diagonals) and step outward until one is free; if none is, the one with
    the least overlap is taken. Returns the boxes in the markers' order."""
    width_px, height_px = size
    placed: list[Box] = []
    rings = [m.box for m in markers]
    for k, m in enumerate(markers):
        w = measure(m.text)
        h = height
        best, best_cost = None, math.inf
        for step in range(8):
            gap = 4 + step * (h * 0.8)
            r = m.ring + gap
            candidates = [
                (m.x - w / 2, m.y + r),  # below
                (m.x - w / 2, m.y - r - h),  # above
                (m.x + r, m.y - h / 2),  # right
                (m.x - r - w, m.y - h / 2),  # left
                (m.x + r * 0.7, m.y + r * 0.7),  # below right
                (m.x - r * 0.7 - w, m.y + r * 0.7),  # below left
                (m.x + r * 0.7, m.y - r * 0.7 - h),  # above right
                (m.x - r * 0.7 - w, m.y - r * 0.7 - h),  # above left
            ]
            for left, top in candidates:
                box = (left, top, left + w, top + h)
                if box[0] < 1 or box[1] < 1 or box[2] > width_px - 1 or box[3] > height_px - 1:
                    continue
                others = placed + [b for j, b in enumerate(rings) if j != k] + list(obstacles)
                cost = sum(_area(box, o) + (1.0 if _overlap(box, o) else 0.0) for o in others)
                if cost < best_cost:
                    best, best_cost = box, cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        if best is None:  # nothing fits inside: hug the ring, clipped by the picture
            best = (m.x - w / 2, m.y + m.ring + 4, m.x + w / 2, m.y + m.ring + 4 + h)
        placed.append(best)
    return placed


def draw_markers(draw: ImageDraw.ImageDraw, markers: list[Marker], fnt, width: int,
                 obstacles: list[Box] = ()) -> list[Box]:
    """Rings and non-overlapping labels (with a leader line when a label sits away from its ring)."""
    size = int(getattr(fnt, "size", 14))
    boxes = layout_labels(markers, draw.im.size, lambda t: draw.textlength(t, font=fnt), size + 2, obstacles)
    for m, box in zip(markers, boxes, strict=True):
        draw.ellipse(list(m.box), outline=m.colour, width=width)
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        d = math.hypot(cx - m.x, cy - m.y)
        if d > m.ring + size * 1.5:  # a leader from the ring toward the label
            ux, uy = (cx - m.x) / d, (cy - m.y) / d
            draw.line([m.x + ux * m.ring, m.y + uy * m.ring, cx - ux * size * 0.6, cy - uy * size * 0.6],
                      fill=m.colour, width=1)
        draw.text((box[0], box[1]), m.text, fill=m.colour, font=fnt, stroke_width=2, stroke_fill=SHADOW)
    return boxes


def sky_directions(wcs, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (in frame pixels, y up) toward celestial north and east at pixel (x, y)."""
    ra, dec = wcs.pixel_to_world_values(x, y)
    step = 1.0 / 60.0  # one arcminute
    xn, yn = wcs.world_to_pixel_values(ra, dec + step if dec + step <= 90 else dec - step)
    sign = 1.0 if dec + step <= 90 else -1.0
    xe, ye = wcs.world_to_pixel_values(ra + step / max(math.cos(math.radians(dec)), 1e-6), dec)
    north = sign * np.array([xn - x, yn - y], dtype=float)
    east = np.array([xe - x, ye - y], dtype=float)
    return north / np.linalg.norm(north), east / np.linalg.norm(east)


def draw_compass(draw: ImageDraw.ImageDraw, origin: tuple[float, float], north: np.ndarray,
                 east: np.ndarray, length: float, fnt) -> Box:
    """N and E arrows from ``origin`` (display pixels); ``north``/``east`` in frame pixels (y up)."""
    ox, oy = origin
    box = [ox, oy, ox, oy]
    for vec, letter in ((north, "N"), (east, "E")):
        dx, dy = vec[0] * length, -vec[1] * length  # display y runs down
        tip = (ox + dx, oy + dy)
        draw.line([ox, oy, *tip], fill=TEXT, width=2)
        # arrow head
        ang = math.atan2(dy, dx)
        for side in (-0.45, 0.45):
            draw.line([*tip, tip[0] - 8 * math.cos(ang + side), tip[1] - 8 * math.sin(ang + side)],
                      fill=TEXT, width=2)
        size = int(getattr(fnt, "size", 14))
        lx, ly = ox + dx * 1.3 - size * 0.3, oy + dy * 1.3 - size * 0.55
        draw.text((lx, ly), letter, fill=TEXT, font=fnt, stroke_width=2, stroke_fill=SHADOW)
        box = [min(box[0], tip[0], lx), min(box[1], tip[1], ly),
               max(box[2], tip[0], lx + size), max(box[3], tip[1], ly + size)]
    return (box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4)


def nice_number(limit: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``limit``."""
    exp = math.floor(math.log10(limit))
    for m in (5, 2, 1):
        if m * 10**exp <= limit:
            return m * 10**exp
    return 10**exp


def draw_scale_bar(draw: ImageDraw.ImageDraw, xy: tuple[float, float], px_per_unit: float,
                   max_px: float, unit: str, fnt, note: str = "") -> Box:
    """A bar of a round length (in ``unit``, ``px_per_unit`` display pixels each) at most
    ``max_px`` long, its length written above it; returns the box it covers."""
    amount = nice_number(max_px / px_per_unit)
    bar = amount * px_per_unit
    x0, y0 = xy
    draw.rectangle([x0, y0, x0 + bar, y0 + 4], fill=TEXT)
    text = f"{amount:,.10g} {unit}{note}"
    size = int(getattr(fnt, "size", 14))
    draw.text((x0, y0 - size - 4), text, fill=TEXT, font=fnt, stroke_width=2, stroke_fill=SHADOW)
    w = max(bar, draw.textlength(text, font=fnt))
    return (x0 - 2, y0 - size - 6, x0 + w + 2, y0 + 6)
