"""What is not sky: the parts of a picture where a dot is never Earth or the Moon.

Press pictures carry more than sky: a rover's landscape along the bottom, a planet's lit limb and
its rings across the field, a saturated bloom, a caption and a credit burnt in, JPEG's 8x8 blocks.
Each gives detections that look like stars to a source finder. This module marks them, so that
identification tries only dots on sky:

- **bright structure** (terrain, limb, rings): 16x16 blocks whose pixel-to-pixel texture is several
  times the sky's, or whose level is a large share of the picture's range above the sky, grown
  into regions of several blocks. A smooth glow (a scattered-light ray, a twilight gradient) has
  neither the texture nor the level and stays sky: Earth may sit inside it.
- **blooms**: the segment of a saturated source far bigger than a point, grown by its own size.
- **text**: four or more detections on one line a glyph's height apart, most of them at the
  picture's ceiling (burnt-in captions are white).
- **JPEG blocks**: in a JPEG, a faint detection centred on a block corner is blocking, not light.

Pixels are 0-based (x, y), y up (DESIGN.md); the mask is ``[y, x]`` like the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Block size (px) of the texture and level statistics.
BLOCK = 16
#: A block is textured when its pixel-to-pixel scatter is this many times the sky's.
TEXTURE_FACTOR = 4.0
#: A block is bright when its level is this share of the range (sky to ceiling) above the sky.
BRIGHT_SHARE = 0.3
#: A region of at least this many blocks is structure, not a body.
MIN_BLOCKS = 6
#: Text: detections linked within this height (px) and three times it across, at least TEXT_MIN.
GLYPH_PX = 12.0
TEXT_MIN = 4


@dataclass
class SkyMask:
    """``not_sky[y, x]`` True off the sky; ``why`` names each kind found (for the notes)."""

    not_sky: np.ndarray
    why: list[str] = field(default_factory=list)

    def at(self, x: float, y: float) -> bool:
        ny, nx = self.not_sky.shape
        ix, iy = int(round(x)), int(round(y))
        return bool(0 <= ix < nx and 0 <= iy < ny and self.not_sky[iy, ix])


def structure_mask(image: np.ndarray, ceiling: float | None) -> tuple[np.ndarray, list[str]]:
    """Terrain, limbs and rings: regions of textured or bright 16x16 blocks (see the module)."""
    from scipy import ndimage

    ny, nx = image.shape
    by, bx = ny // BLOCK, nx // BLOCK
    if by < 3 or bx < 3:
        return np.zeros(image.shape, bool), []
    a = image[: by * BLOCK, : bx * BLOCK]
    blocks = a.reshape(by, BLOCK, bx, BLOCK).swapaxes(1, 2)
    level = np.median(blocks.reshape(by, bx, -1), axis=2)
    d = np.diff(blocks, axis=3).reshape(by, bx, -1)  # pixel-to-pixel along x: blind to smooth glow
    texture = 1.4826 * np.median(np.abs(d - np.median(d, axis=2)[..., None]), axis=2) / math.sqrt(2)
    sky = float(np.percentile(level, 20))
    dark = level <= sky + 3 * max(float(np.median(texture)), 1e-9)
    sky_tex = float(np.median(texture[dark])) if dark.any() else float(np.median(texture))
    top = float(ceiling) if ceiling is not None else float(np.percentile(a, 99.9))
    textured = texture > TEXTURE_FACTOR * max(sky_tex, 0.5)
    bright = level > sky + BRIGHT_SHARE * max(top - sky, 0.0)
    hit = (textured & (level > sky + 2 * max(sky_tex, 0.5))) | bright
    lab, n = ndimage.label(hit)
    if n == 0:
        return np.zeros(image.shape, bool), []
    sizes = ndimage.sum(hit, lab, index=np.arange(1, n + 1))
    keep = np.isin(lab, 1 + np.flatnonzero(sizes >= MIN_BLOCKS))
    if not keep.any():
        return np.zeros(image.shape, bool), []
    keep = ndimage.binary_dilation(keep, iterations=1)
    why = []
    if (keep & textured).any():
        why.append("textured ground or rings")
    if (keep & bright).any():
        why.append("a bright limb or band")
    full = np.zeros(image.shape, bool)
    full[: by * BLOCK, : bx * BLOCK] = np.repeat(np.repeat(keep, BLOCK, 0), BLOCK, 1)
    # the ragged strip the blocks did not cover, at the top and right edges
    if by * BLOCK < ny:
        full[by * BLOCK:, : bx * BLOCK] = full[by * BLOCK - 1, : bx * BLOCK]
    if bx * BLOCK < nx:
        full[:, bx * BLOCK:] = full[:, bx * BLOCK - 1: bx * BLOCK]
    return full, why


def bloom_mask(srcs, shape: tuple[int, int], point_area: float, image: np.ndarray | None = None,
               ceiling: float | None = None) -> np.ndarray:
    """Saturated blooms far bigger than a point (``point_area`` px), grown by their own radius.

    With the ``image`` and its ``ceiling`` a bloom is measured by its saturated pixels (a bright
    point's diffraction halo widens its isophote, not its clipped core: its neighbour 15 px away is
    no spill); without them by the isophote of a saturated segment."""
    from scipy import ndimage

    out = np.zeros(shape, bool)
    seg = srcs.segmentation
    if seg is None:
        return out
    own = np.zeros(shape, bool)
    clipped = None  # saturated pixels per segment label (NaN pixels compare False: not saturated)
    if image is not None and ceiling is not None and any("saturated" in s.flags for s in srcs.sources):
        with np.errstate(invalid="ignore"):
            clipped = np.bincount(seg[image >= ceiling - 0.5], minlength=int(seg.max()) + 1)
    for s in srcs.sources:
        if "saturated" not in s.flags or s.label <= 0:
            continue
        size = s.area if clipped is None else int(clipped[s.label]) if s.label < len(clipped) else 0
        if size > 50 * point_area:
            grow = int(min(math.sqrt(size / math.pi), 200))
            out |= ndimage.binary_dilation(seg == s.label, iterations=max(grow, 1))
            own |= seg == s.label
    return out & ~own  # the bloom itself may be the body (a saturated Earth); what it spills is not


def text_members(sources, ceiling: float | None) -> set[int]:
    """Indexes of detections that line up as burnt-in text (see the module): ``ceiling`` is the
    picture's brightest level; most glyphs of a line reach half of it."""
    n = len(sources)
    if n < TEXT_MIN:
        return set()
    xy = np.array([[s.x, s.y] for s in sources])
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = np.argsort(xy[:, 1])
    for a_i, i in enumerate(order):
        for j in order[a_i + 1:]:
            if xy[j, 1] - xy[i, 1] > GLYPH_PX / 2:
                break
            if abs(xy[j, 0] - xy[i, 0]) <= 3 * GLYPH_PX:
                parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    out: set[int] = set()
    for g in groups.values():
        if len(g) > TEXT_MAX:
            continue
        # four glyphs in a line; or three word-long ones (elongated or extended blobs)
        long = sum(1 for i in g
                   if "extended" in sources[i].flags or sources[i].a > 1.8 * max(sources[i].b, 0.5))
        if len(g) < TEXT_MIN and not (len(g) == TEXT_MIN - 1 and long == len(g)):
            continue
        w = np.ptp(xy[g, 0])
        h = np.ptp(xy[g, 1])
        white = [sources[i].peak >= 0.5 * ceiling for i in g] if ceiling else [True]
        if w >= 2.5 * max(h, 1.0) and np.mean(white) >= 0.5:
            out.update(g)
    return out


def _in_text_boxes(sources, text: set[int]) -> set[int]:
    """Detections within a text line's box grown by three glyph widths across and a glyph's height
    up and down: a word beside the line, a descender, the line's JPEG echoes."""
    if not text:
        return set()
    xy = np.array([[s.x, s.y] for s in sources])
    t = np.array(sorted(text))
    # the lines: text members chained within a glyph's height and three widths (as found)
    order = t[np.argsort(xy[t, 1])]
    lines: list[list[int]] = []
    for i in order:
        for line in lines:
            if any(abs(xy[i, 1] - xy[j, 1]) <= GLYPH_PX / 2 and abs(xy[i, 0] - xy[j, 0]) <= 3 * GLYPH_PX
                   for j in line):
                line.append(int(i))
                break
        else:
            lines.append([int(i)])
    out: set[int] = set()
    for line in lines:
        x0, x1 = xy[line, 0].min() - 3 * GLYPH_PX, xy[line, 0].max() + 3 * GLYPH_PX
        y0, y1 = xy[line, 1].min() - GLYPH_PX, xy[line, 1].max() + GLYPH_PX
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        out.update(int(k) for k in np.flatnonzero(inside))
    return out - text


def on_jpeg_corner(x: float, y: float, ny: int) -> bool:
    """True when (x, y) (y up) sits within 1 px of an 8x8 JPEG block corner of the file's grid."""
    row = ny - 1 - y  # the file counts rows from the top
    return (abs((x + 0.5) / 8 - round((x + 0.5) / 8)) * 8 <= 1.0
            and abs((row + 0.5) / 8 - round((row + 0.5) / 8)) * 8 <= 1.0)


def mask_structure(obs):
    """The observation to measure on: a picture's bright structure (terrain, limb, rings) set to
    NaN, so that neither the background nor the detections see it, and that structure as a
    :class:`SkyMask`. Frames other than pictures come back as they are."""
    import copy

    if obs.kind != "picture":
        return obs, SkyMask(np.zeros(obs.image.shape, bool), [])
    not_sky, why = structure_mask(obs.image, obs.saturation)
    out = copy.copy(obs)
    out.image = flatten(np.where(not_sky, np.nan, obs.image))
    return out, SkyMask(not_sky, why)


#: A picture's glow (a scattered-light ray, twilight) is taken out on a mesh this fine (px).
GLOW_MESH = 16


def flatten(image: np.ndarray) -> np.ndarray:
    """A picture less its smooth glow: SEP's clipped background on a ``GLOW_MESH`` px mesh (3x3
    median filtered) subtracted and the sky's median level put back. A ray or a twilight gradient
    spans many meshes and goes; a dot spans a fraction of one and stays. NaN pixels stay NaN."""
    import sep

    bad = ~np.isfinite(image)
    ny, nx = image.shape
    if min(ny, nx) < 4 * GLOW_MESH:
        return image
    level = float(np.nanmedian(image)) if (~bad).any() else 0.0
    work = np.ascontiguousarray(np.where(bad, level, image), dtype=np.float64)
    bk = sep.Background(work, mask=bad if bad.any() else None, bw=GLOW_MESH, bh=GLOW_MESH, fw=3, fh=3)
    glow = bk.back()
    if not (~bad).any():
        return image
    # whole steps only: the picture's values stay on its own lattice (its quantisation is its noise floor)
    out = image - np.round(glow - float(np.median(glow[~bad])))
    return np.where(bad, np.nan, out)


#: JPEG codes colour on 16x16 macroblocks (4:2:0 chroma): a bright dot's echoes stay inside its own.
MACROBLOCK = 16


def macroblocks(x: float, y: float, half: float, ny: int) -> set[tuple[int, int]]:
    """The 16x16 JPEG macroblocks (file grid, rows from the top) touched by the square of
    half-width ``half`` px about (x, y) (y up)."""
    row = ny - 1 - y
    c0, c1 = int((x - half) // MACROBLOCK), int((x + half) // MACROBLOCK)
    r0, r1 = int((row - half) // MACROBLOCK), int((row + half) // MACROBLOCK)
    return {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}


def jpeg_echo_test(ny: int):
    """For a JPEG of ``ny`` rows: ``echo(earth, other)`` is True when ``other`` (a Source) sits in a
    macroblock that Earth's core touches. Each block is coded alone, so a bright dot's ringing
    (here seen up to a tenth of its peak) never leaves its blocks, and never can be told from a
    faint dot inside them."""

    def echo(earth, other) -> bool:
        fwhm = 2.3548 * math.sqrt(max(earth.a * earth.b, 0.0))
        zone = macroblocks(earth.x, earth.y, max(1.0, 1.2 * fwhm), ny)
        return bool(macroblocks(other.x, other.y, 0.0, ny) & zone)

    return echo


def flag_not_sky(obs, srcs, fwhm: float, structure: SkyMask | None = None) -> SkyMask:
    """Mark every source of ``srcs`` that is off the sky (``not sky``: structure, a bloom's spill)
    and return the mask; ``structure`` is what :func:`mask_structure` found (else it is found
    here). Text and JPEG blocks need the sources' significance: :func:`flag_artefacts`."""
    img = obs.image
    ceiling = obs.saturation
    if structure is not None:
        not_sky, why = structure.not_sky, list(structure.why)
    elif obs.kind == "picture":
        not_sky, why = structure_mask(img, ceiling)
    else:
        not_sky, why = np.zeros(img.shape, bool), []
    not_sky = not_sky | ~np.isfinite(img)
    point_area = math.pi * max(fwhm, 1.0) ** 2
    bloom = bloom_mask(srcs, img.shape, point_area, img, ceiling)
    if bloom.any():
        why.append("a saturated bloom")
    mask = SkyMask(not_sky | bloom, why)
    touching: set[int] = set()
    if srcs.segmentation is not None and not_sky.any():  # a segment reaching into structure is its edge
        from scipy import ndimage

        rim = ndimage.binary_dilation(not_sky, iterations=3)
        touching = set(np.unique(srcs.segmentation[rim]).tolist()) - {0}
    for s in srcs.sources:
        if (mask.at(s.x, s.y) or s.label in touching) and "not sky" not in s.flags:
            s.flags.append("not sky")
    return mask


#: Text is looked for among detections at least this significant (sigma), the brightest first.
TEXT_SNR = 3.0
#: A line of text has at most this many glyphs; a bigger chain is a crowded field, not a caption.
TEXT_MAX = 80


def flag_artefacts(obs, srcs, snr: list[float], mask: SkyMask) -> None:
    """Flag burnt-in text (``text``) and JPEG blocking (``jpeg block``) among ``srcs`` given each
    source's significance ``snr`` (the same order); the kinds found go into ``mask.why``."""
    img = obs.image
    if obs.kind != "picture":
        return
    finite = img[np.isfinite(img)]
    top = float(finite.max()) - float(np.median(finite)) if finite.size else None  # the burnt-in white
    # glyphs are burnt in bright: a line is looked for among the bright detections; its faint
    # neighbours (descenders, JPEG echoes) join through the line's box
    strong = [k for k, v in enumerate(snr) if math.isfinite(v) and v >= TEXT_SNR
              and (top is None or srcs.sources[k].peak >= 0.35 * top)][:2000]
    text = {strong[i] for i in text_members([srcs.sources[k] for k in strong], top)}
    text |= _in_text_boxes(srcs.sources, text)
    for i in text:
        srcs.sources[i].flags.append("text")
    if text:
        mask.why.append(f"text ({len(text)} glyphs)")
    if obs.path.lower().endswith((".jpg", ".jpeg")):
        ny = img.shape[0]
        n = 0
        for k, s in enumerate(srcs.sources):
            if snr[k] < 2 * 5.0 and on_jpeg_corner(s.x, s.y, ny):
                s.flags.append("jpeg block")
                n += 1
        if n:
            mask.why.append(f"JPEG blocking ({n} faint dots on block corners)")
