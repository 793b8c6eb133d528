"""Real-looking press pictures for measure's tests: paledot's own renders degraded as press images are.

A press picture is not a frame: it is stretched to 8 bits (nonlinear), cropped, resized, tinted,
JPEG-compressed at quality 70-90, often with a landscape or a planet's limb and rings in the field
and labels burnt in. Each picture here starts from a noiseless render (``Frame.expected``, electrons)
of one of the gallery's scenarios, gets its own photon and read noise, then those degradations, and
keeps the truth: where Earth's and the Moon's centres fall on the final picture (0-based x, y, y up,
DESIGN.md) and the Moon's signal-to-noise ratio there.

The Moon's SNR is measured on the degraded picture itself, before JPEG, from the difference of the
picture with and without the Moon (same noise, same stretch): its flux in a PSF-sized aperture
against the noise of the Moon-free picture around it. That is what an analyst would call the Moon's
SNR, and it involves none of measure's code.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: The kinds of picture, after the cases of the issue: scenario, and what is in the field.
KINDS = {
    # a rover's colour JPEG of the twilight sky, terrain along the bottom
    "rover": {"scenario": "msl-2014", "terrain": True},
    # a wide-angle frame beside a ringed planet: the lit limb and the rings across it
    "ringed": {"scenario": "cassini-2013-wac", "limb": True},
    # the narrow-angle look from the edge of the system: Earth faint inside a scattered-light ray
    "ray": {"scenario": "voyager-1990", "ray": True},
    # a plain frame from Mars orbit, Earth resolved and the Moon beside it
    "orbit": {"scenario": "mex-2023"},
}


@dataclass
class PressPicture:
    """A degraded picture and the truth about it (pixels 0-based, y up, on the saved picture)."""

    path: Path
    kind: str
    scenario: str
    time: str
    observer: str
    camera: str
    earth_xy: tuple[float, float] | None
    moon_xy: tuple[float, float] | None
    moon_snr: float
    scale: float  # output pixels per rendered pixel
    shape: tuple[int, int]  # (ny, nx) of the picture
    #: the Moon's centre in one of the 16x16 JPEG macroblocks Earth's core (3 px about it) touches
    moon_in_earth_block: bool = False
    #: Earth's SNR on the saved picture: its aperture less the local sky, against the sky's noise
    earth_snr: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def has_earth(self) -> bool:
        return self.earth_xy is not None


@functools.lru_cache(maxsize=16)
def base_render(scenario: str, roll_deg: float = 0.0, moonless: bool = False):
    """The noiseless render of the scenario's first epoch (electrons, y up) and its Frame."""
    from paledot.render import Pointing, Scene, render
    from paledot.stories.scenarios import load_scenario

    s = load_scenario(scenario)
    targets = [t for t in s.targets if not (moonless and t == "moon")]
    pointing = Pointing.parse(s.pointing, roll_deg=roll_deg)
    if moonless and pointing.mode == "midpoint":  # keep the pointing of the pair
        f = base_render(scenario, roll_deg, False)
        ra, dec = f.wcs.wcs.crval
        pointing = Pointing("radec", ra_deg=float(ra), dec_deg=float(dec), roll_deg=roll_deg)
    scene = Scene(s.epochs[0], s.observer, targets, s.camera, pointing, stars=True, seed=0)
    if not moonless:  # the exposure of the pair, used for both
        return render(scene)
    f = base_render(scenario, roll_deg, False)
    scene.exposure = f.exposure_s
    return render(scene)


def _noisy(expected: np.ndarray, camera, rng: np.random.Generator) -> np.ndarray:
    e = rng.poisson(np.clip(expected, 0, None)).astype(np.float64)
    e += rng.normal(0.0, max(float(getattr(camera, "read_noise_e", 5.0) or 5.0), 1.0), e.shape)
    return np.clip(e, 0, float(getattr(camera, "full_well_e", 1e9) or 1e9))


def _stretch(img: np.ndarray, lo: float, hi: float, kind: str, soft: float) -> np.ndarray:
    t = np.clip((img - lo) / (hi - lo), 0, None)
    if kind == "asinh":
        t = np.arcsinh(t / soft) / np.arcsinh(1 / soft)
    elif kind == "gamma":
        t = t ** (1 / 2.2)
    return 255.0 * np.clip(t, 0, 1)


def _terrain(ny: int, nx: int, rng: np.random.Generator, top: float) -> tuple[np.ndarray, np.ndarray]:
    """A landscape along the bottom: a ragged horizon at ``top`` of the height, rocks and texture."""
    x = np.arange(nx)
    h = top * ny + 0.03 * ny * np.sin(x / nx * 2 * math.pi * rng.uniform(1, 3) + rng.uniform(0, 6))
    h += np.cumsum(rng.normal(0, 0.4, nx))
    yy = np.arange(ny)[:, None]
    ground = yy < h[None, :]  # y up: the ground is at the bottom
    tex = 60 + 40 * rng.random((ny, nx))
    rocks = rng.random((ny, nx)) > 0.995
    tex[rocks] = 200 + 55 * rng.random(int(rocks.sum()))
    return ground, tex


def _limb(ny: int, nx: int, rng: np.random.Generator, ex: float, ey: float) -> tuple[np.ndarray, np.ndarray]:
    """A lit planet's limb entering from one side and a band of rings across the field."""
    side = rng.choice([-1, 1])
    r = 3.0 * max(nx, ny)
    cx = ex + side * (r + rng.uniform(0.08, 0.2) * nx)
    cy = ey + rng.uniform(-0.3, 0.3) * ny
    yy, xx = np.mgrid[0:ny, 0:nx]
    d = np.hypot(xx - cx, yy - cy)
    disk = d < r
    light = np.where(disk, 150 + 90 * np.clip((r - d) / (0.02 * r), 0, 1), 0.0)
    # rings: a tilted band, striped, passing away from Earth
    ang = rng.uniform(-0.4, 0.4)
    shift = rng.choice([-1, 1]) * rng.uniform(0.2, 0.3) * ny
    off = (yy - ey) * math.cos(ang) - (xx - ex) * math.sin(ang) - shift
    band = np.abs(off) < 0.06 * ny
    stripes = 90 + 60 * np.sin(off / 3.0) ** 2
    light = np.where(band & ~disk, stripes, light)
    return (disk | band), light


def _ray(ny: int, nx: int, rng: np.random.Generator, ex: float, ey: float, level: float) -> np.ndarray:
    """A scattered-light ray through Earth's place: a diagonal band brighter than the sky."""
    yy, xx = np.mgrid[0:ny, 0:nx]
    ang = rng.uniform(0.3, 1.2)
    off = (yy - ey) * math.cos(ang) - (xx - ex) * math.sin(ang)
    return level * np.exp(-0.5 * (off / (0.05 * ny)) ** 2) * (1 + 0.2 * np.sin(xx / 7.0))


def _labels(rgb: np.ndarray, rng: np.random.Generator, avoid: list[tuple[float, float]]) -> np.ndarray:
    """Burn a caption and a credit into the picture (top-down RGB uint8), away from the bodies."""
    from PIL import Image, ImageDraw

    im = Image.fromarray(rgb)
    d = ImageDraw.Draw(im)
    ny, nx = rgb.shape[:2]
    for text, corner in (("NASA/JPL-Caltech", 0), ("Earth and Moon", 1)):
        for _ in range(20):
            x = rng.uniform(0.02, 0.7) * nx
            y = (rng.uniform(0.02, 0.15) if corner == 0 else rng.uniform(0.8, 0.93)) * ny
            if all(math.hypot(x - ax, y - ay) > 0.15 * min(nx, ny) for ax, ay in avoid):
                d.text((x, y), text, fill=(255, 255, 255))
                break
    return np.asarray(im)


def make(kind: str, seed: int, folder: Path, *, earth: bool = True, quality: int | None = None,
         fmt: str = "jpeg", mode: str | None = None, resize: float | None = None,
         labels: bool | None = None) -> PressPicture:
    """One degraded picture of ``kind`` (a key of KINDS) with its truth, written into ``folder``.

    ``earth=False`` crops a part of the field away from Earth and the Moon (a picture without
    Earth, same sky). The degradations are drawn from ``seed``; ``mode`` ("whole", "round" or
    "any"), ``resize`` and ``labels`` fix those three instead.
    """
    from PIL import Image

    from paledot.stories.scenarios import load_scenario

    opts = KINDS[kind]
    s = load_scenario(opts["scenario"])
    rng = np.random.default_rng(seed)
    f = base_render(opts["scenario"])
    fm = base_render(opts["scenario"], moonless=True)
    cam = f.camera
    e_b, m_b = f.body("earth"), f.body("moon")
    ny0, nx0 = f.expected.shape
    noise_rng = np.random.default_rng(seed + 10_000)
    state = noise_rng.bit_generator.state
    img = _noisy(f.expected, cam, noise_rng)
    noise_rng.bit_generator.state = state
    img_nomoon = _noisy(fm.expected, cam, noise_rng)
    # the crop and resize, as press offices do: the whole frame resized to a size (30%), a crop
    # resized by a round factor (50%), or a crop resized to fit a page (20%)
    drawn = str(rng.choice(["whole", "round", "any"], p=[0.3, 0.5, 0.2]))
    mode = mode or drawn
    frac = 1.0 if mode == "whole" else rng.uniform(0.4, 0.75)
    cw, ch = int(nx0 * frac), int(ny0 * frac)
    if mode == "whole":
        drawn_resize = float(rng.uniform(0.5, 1.6))
    elif mode == "round":
        drawn_resize = float(rng.choice([1.0, 1.0, 2.0, 0.5, 1.5]))
    else:
        drawn_resize = float(rng.uniform(0.6, 1.8))
    resize = resize if resize is not None else drawn_resize
    if earth and mode == "whole":
        x0 = y0 = 0
    elif earth:
        x0 = int(np.clip(e_b.column - rng.uniform(0.2, 0.8) * cw, 0, nx0 - cw))
        y0 = int(np.clip(e_b.row - rng.uniform(0.2, 0.8) * ch, 0, ny0 - ch))
    else:
        cw, ch = int(nx0 * 0.4), int(ny0 * 0.4)
        x0 = 0 if e_b.column > nx0 / 2 else nx0 - cw
        y0 = 0 if e_b.row > ny0 / 2 else ny0 - ch
    sl = (slice(y0, y0 + ch), slice(x0, x0 + cw))
    img, img_nomoon = img[sl], img_nomoon[sl]
    bg = float(np.median(img))
    peak = float(img.max())
    kind_s = str(rng.choice(["asinh", "gamma", "linear"]))
    # a press stretch: the sky lifted a little, the brightest dot often clipped
    hi = bg + (peak - bg) * rng.uniform(0.3, 1.0)
    lo = bg - rng.uniform(0.5, 2.0) * float(np.std(img_nomoon))
    soft = rng.uniform(0.02, 0.2)
    pic = _stretch(img, lo, hi, kind_s, soft)
    pic_nomoon = _stretch(img_nomoon, lo, hi, kind_s, soft)
    ex, ey = e_b.column - x0, e_b.row - y0
    mx, my = m_b.column - x0, m_b.row - y0
    if opts.get("terrain"):
        ground, tex = _terrain(ch, cw, rng, rng.uniform(0.15, 0.3))
        ground &= (np.hypot(*np.mgrid[0:ch, 0:cw][::-1] - np.array([ex, ey])[:, None, None]) > 0.1 * ch)
        pic = np.where(ground, tex, pic)
        pic_nomoon = np.where(ground, tex, pic_nomoon)
    if opts.get("limb"):
        where, light = _limb(ch, cw, rng, ex, ey)
        pic = np.where(where, np.maximum(pic, light), pic)
        pic_nomoon = np.where(where, np.maximum(pic_nomoon, light), pic_nomoon)
    if opts.get("ray"):
        r = _ray(ch, cw, rng, ex, ey, rng.uniform(10, 40))
        pic, pic_nomoon = np.clip(pic + r, 0, 255), np.clip(pic_nomoon + r, 0, 255)
    nx1, ny1 = max(16, int(round(cw * resize))), max(16, int(round(ch * resize)))
    sx, sy = nx1 / cw, ny1 / ch
    # truth on the resized picture: pixel centres map as (x + 0.5) * s - 0.5
    e_xy = ((ex + 0.5) * sx - 0.5, (ey + 0.5) * sy - 0.5) if earth else None
    m_xy = ((mx + 0.5) * sx - 0.5, (my + 0.5) * sy - 0.5) if earth else None
    tint = rng.uniform(0.8, 1.0, 3)
    drawn_labels = rng.random() < 0.5
    labels = drawn_labels if labels is None else labels
    label_seed = int(rng.integers(1 << 30))
    q = int(quality if quality is not None else rng.integers(70, 91))

    def degrade(p: np.ndarray) -> bytes:
        """Tint, resize, burn the labels in and encode: the same for the picture and its Moon-free twin."""
        rgb = np.stack([np.flipud(p) * t for t in tint], axis=2)
        im = Image.fromarray(np.clip(np.round(rgb), 0, 255).astype(np.uint8), "RGB")
        if (nx1, ny1) != (cw, ch):
            im = im.resize((nx1, ny1), Image.LANCZOS)
        arr = np.asarray(im)
        if labels:
            avoid = [(e_xy[0], ny1 - 1 - e_xy[1])] if earth else []
            arr = _labels(arr.copy(), np.random.default_rng(label_seed), avoid)
        buf = io.BytesIO()
        if fmt == "jpeg":
            Image.fromarray(arr).save(buf, "JPEG", quality=q)
        else:
            Image.fromarray(arr).save(buf, "PNG")
        return buf.getvalue()

    data = degrade(pic)
    name = f"{kind}-{seed}{'' if earth else '-noearth'}.{'jpg' if fmt == 'jpeg' else 'png'}"
    path = Path(folder) / name
    path.write_bytes(data)
    # the Moon's SNR as recorded: the decoded picture less its decoded Moon-free twin, at the Moon
    saved = _decoded(data)
    moon_snr = _moon_snr(saved, _decoded(degrade(pic_nomoon)), *m_xy, cam, resize, *e_xy) if earth else 0.0
    earth_snr = _local_snr(saved, *e_xy, cam, resize) if earth else 0.0
    shared = False
    if earth and fmt == "jpeg":
        def blocks(x, y, h):  # file grid: rows from the top
            r = ny1 - 1 - y
            return {(a, b) for a in range(int((r - h) // 16), int((r + h) // 16) + 1)
                    for b in range(int((x - h) // 16), int((x + h) // 16) + 1)}
        shared = bool(blocks(*m_xy, 0) & blocks(*e_xy, 3))
    return PressPicture(
        path=path, kind=kind, scenario=opts["scenario"], time=s.epochs[0], observer=s.observer,
        camera=s.camera, earth_xy=e_xy, moon_xy=m_xy, moon_snr=moon_snr, scale=float(math.sqrt(sx * sy)),
        moon_in_earth_block=shared, earth_snr=earth_snr, shape=(ny1, nx1),
        notes=[f"{mode} x{resize:.2f}", f"stretch {kind_s}", f"jpeg q{q}" if fmt == "jpeg" else "png"],
    )


def _aperture_px(cam, resize: float) -> float:
    """A PSF FWHM on the saved picture (at least 1.5 px): the aperture radius of the truth's SNRs."""
    lam = (cam.bandpass_center_nm + cam.bandpass_width_nm / 2) * 1e-9
    core = 1.03 * lam / (cam.aperture_mm * 1e-3) / cam.pixel_scale_rad  # Airy FWHM, px
    return max(1.5, math.hypot(core, cam.psf_fwhm_px) * resize)


def _local_snr(pic: np.ndarray, x: float, y: float, cam, resize: float) -> float:
    """SNR of the dot at (x, y) on the saved picture: its aperture sum less the median of an annulus
    (4 to 12 radii) times the aperture's area, against the annulus' robust scatter (at least the
    quantisation noise) over that area."""
    r = _aperture_px(cam, resize)
    around = _aperture_and_sky(pic, x, y, r)
    if around is None:
        return 0.0
    ap, sky, sig = around
    return float((pic[ap] - sky).sum() / (sig * math.sqrt(ap.sum())))


def _aperture_and_sky(sky_pic: np.ndarray, x: float, y: float, r: float):
    """The aperture of radius ``r`` about (x, y) (a mask of the picture), and the median and robust
    pixel scatter (at least the quantisation noise, 1/sqrt(12) of a step) of ``sky_pic`` in the
    annulus of 4 to 12 radii about it; None when (x, y) is off the picture."""
    ny, nx = sky_pic.shape
    if not (0 <= round(x) < nx and 0 <= round(y) < ny):
        return None
    yy, xx = np.mgrid[0:ny, 0:nx]
    d = np.hypot(xx - x, yy - y)
    vals = sky_pic[(d > 4 * r) & (d < 12 * r)]
    sky = float(np.median(vals))
    return d <= r, sky, max(1.4826 * float(np.median(np.abs(vals - sky))), 12**-0.5)


def _decoded(data: bytes) -> np.ndarray:
    """A saved picture as measure reads it: the mean of its channels, y up."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return np.flipud(np.asarray(im.convert("RGB"), dtype=np.float64).mean(axis=2))


def _moon_snr(pic: np.ndarray, pic_nomoon: np.ndarray, mx: float, my: float, cam, resize: float,
              ex: float | None = None, ey: float | None = None) -> float:
    """Aperture SNR of the Moon on the saved picture: its excess light within a radius of one PSF
    FWHM (at least 1.5 px, resized with the picture) over the Moon-free twin, against the larger of
    two noises of that aperture on the twin:

    - white: the robust pixel scatter of an annulus about the Moon (4 to 12 radii; at least the
      8-bit quantisation noise, 1/sqrt(12) of a step) times the root of the aperture's area;
    - at the Moon's separation from Earth (``ex``, ``ey``): the scatter of the same aperture's sums
      laid around Earth at that radius, one aperture width apart, away from the Moon's own place
      (the companion-search convention of high-contrast imaging: what Earth's halo, its JPEG
      ringing and the picture's correlated noise do there), with the small-sample factor
      sqrt(1 + 1/n) of n such apertures.
    """
    r = _aperture_px(cam, resize)
    around = _aperture_and_sky(pic_nomoon, mx, my, r)
    if around is None:
        return 0.0
    ap, sky, sig_px = around
    diff = float((pic - pic_nomoon)[ap].sum())
    sig = sig_px * math.sqrt(ap.sum())
    if ex is not None and ey is not None:
        ny, nx = pic.shape
        yy, xx = np.mgrid[0:ny, 0:nx]
        rho = math.hypot(mx - ex, my - ey)
        n = int(2 * math.pi * rho // (2 * r))
        th0 = math.atan2(my - ey, mx - ex)
        sums = []
        for k in range(1, n):  # k = 0 is the Moon's own place
            th = th0 + 2 * math.pi * k / n
            cx, cy = ex + rho * math.cos(th), ey + rho * math.sin(th)
            if not (r <= cx < nx - 1 - r and r <= cy < ny - 1 - r):
                continue
            y0, x0 = int(cy - r - 1), int(cx - r - 1)
            win = (slice(max(y0, 0), y0 + int(2 * r) + 4), slice(max(x0, 0), x0 + int(2 * r) + 4))
            a = np.hypot(xx[win] - cx, yy[win] - cy) <= r
            sums.append(float(pic_nomoon[win][a].sum()) - sky * float(a.sum()))
        if len(sums) >= 4:
            sig = max(sig, float(np.std(sums, ddof=1)) * math.sqrt(1 + 1 / len(sums)))
    return diff / sig

