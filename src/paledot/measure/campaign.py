"""A campaign folder: every frame measured, the Moon's measured path about Earth over the predicted
one, and one verdict for the set (``fits`` only if every frame with a pair fits)."""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError
from .core import Measurement, measure
from .identify import sky_offset
from .prediction import predict
from .reading import FITS_SUFFIXES, PDS_SUFFIXES, PICTURE_SUFFIXES, read_observation


@dataclass
class Campaign:
    """Measurements of a folder's frames (or the error each could not be read with)."""

    folder: str
    frames: list[tuple[str, Measurement | None, str]] = field(default_factory=list)
    verdict: str = ""
    skipped: list[str] = field(default_factory=list)

    def offsets(self) -> list[tuple[float, float, float, float]]:
        """(ET, east offset, north offset, separation error) of the Moon from Earth, arcsec."""
        out = []
        for _, m, _ in self.frames:
            if m is None or "moon" not in m.identification.bodies:
                continue
            wcs = m.sky_wcs
            e, mo = m.body("earth"), m.body("moon")
            sep, pa = sky_offset(wcs.pixel_to_world(e.x, e.y), wcs.pixel_to_world(mo.x, mo.y))
            scale = m.comparison.get("scale_arcsec_per_px") or 1.0
            err = m.comparison.get("separation_px_err", 0.0) * scale
            t = math.radians(pa)
            out.append((m.observation.et, sep * math.sin(t), sep * math.cos(t), err))
        return out

    def to_dict(self) -> dict:
        return {
            "folder": self.folder,
            "frames": [
                {
                    "frame": p,
                    "verdict": m.verdict if m is not None else f"error: {err}",
                    "measurement": m.to_dict() if m is not None else None,
                }
                for p, m, err in self.frames
            ],
            "verdict": self.verdict,
            "skipped": self.skipped,
        }


def frame_files(folder) -> tuple[list[Path], list[Path]]:
    """The frames in a folder, sorted by name, and the pictures passed over.

    A folder that holds FITS or PDS products is a folder of frames: its PNG/JPEG/TIFF files are
    pictures made from them (``paledot reproduce`` writes a PNG, an annotated PNG and a montage
    beside each FITS) and carry no time or sky, so they are passed over and listed. A folder of
    pictures alone (press images) has every picture measured."""
    d = Path(folder)
    if not d.is_dir():
        raise PaledotError(f"campaign folder {str(folder)!r} does not exist")
    files = sorted(p for p in d.iterdir() if p.is_file())
    products = [p for p in files if p.name.lower().endswith(FITS_SUFFIXES + PDS_SUFFIXES)]
    pictures = [p for p in files if p.name.lower().endswith(PICTURE_SUFFIXES)]
    if not products and not pictures:
        raise PaledotError(f"campaign folder {str(folder)!r} holds no FITS, PNG/JPEG/TIFF or PDS frame")
    if products:
        return products, pictures
    return pictures, []


def _measure_frame(payload: tuple) -> tuple:
    """One frame of a campaign: (path, Measurement or None, error text). Module-level, so the
    local pool and Dask can pickle it by reference."""
    path, targets, read_opts, options = payload
    try:
        obs = read_observation(path, **read_opts)
        return (path, measure(obs, list(targets), **options), "")
    except PaledotError as exc:
        return (path, None, str(exc))


def measure_campaign(folder, targets=("earth", "moon"), *, workers: int | None = 1,
                     scheduler: str | None = None, progress: bool = False, **options) -> Campaign:
    """Measure every frame in ``folder``; ``options`` go to ``read_observation`` (time, observer,
    camera) and ``measure`` (engine, nsigma). Frames are measured one per task through
    :func:`paledot.scale.parallel.run_chunks`: in this process by default (``workers=1``), on a local
    pool (``workers=N``, None for every core) or a Dask cluster (``scheduler``); the result is the
    same whichever runs it."""
    from ..scale.parallel import run_chunks

    read_opts = {k: options.pop(k) for k in ("time", "observer", "camera") if k in options}
    c = Campaign(str(folder))
    frames, skipped = frame_files(folder)
    c.skipped = [p.name for p in skipped]
    chunks = [(p.name, (str(p), tuple(targets), read_opts, options)) for p in frames]
    c.frames.extend(run_chunks(_measure_frame, chunks, workers=workers, scheduler=scheduler,
                               progress=progress, desc="frames"))
    judged = [(p, m) for p, m, _ in c.frames if m is not None and "moon" in m.identification.bodies]
    off = [Path(p).name for p, m in judged if m.verdict != "fits"]
    missing = [Path(p).name for p, m, _ in c.frames if m is None or "moon" not in m.identification.bodies]
    if not judged:
        c.verdict = "no frame shows the Earth-Moon pair: nothing to judge"
    elif off:
        c.verdict = f"off in {len(off)} of {len(judged)} frames: {', '.join(off)}"
    else:
        c.verdict = f"fits: all {len(judged)} frames with the pair agree with the predicted sky"
    if missing:
        c.verdict += f" (no pair in {len(missing)}: {', '.join(missing)})"
    return c


def campaign_plot_png(c: Campaign) -> bytes:
    """The Moon's offset from Earth (arcsec; east left, north up), measured points over the path
    predicted for the campaign's span. Needs matplotlib (``paledot[report]``)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        raise PaledotError("the campaign plot needs matplotlib: pip install 'paledot[report]'") from None
    pts = c.offsets()
    ms = [m for _, m, _ in c.frames if m is not None and m.observation.et is not None]
    if not pts or not ms:
        raise PaledotError("no frame with both Earth and the Moon: nothing to plot")
    m0 = ms[0]
    ets = np.array([p[0] for p in pts])
    span = max(ets.max() - ets.min(), 86400.0)
    grid = np.linspace(ets.min() - 0.1 * span, ets.max() + 0.1 * span, 200)
    path = []
    for t in grid:
        e, mo = predict(m0.observation.observer, ["earth", "moon"], float(t))
        sep, pa = sky_offset(e, mo)
        path.append((sep * math.sin(math.radians(pa)), sep * math.cos(math.radians(pa))))
    path = np.array(path)
    fig, ax = plt.subplots(figsize=(6.4, 6.4), dpi=100)
    ax.plot(path[:, 0], path[:, 1], "-", color="0.6", label="predicted path")
    for et, x, y, err in pts:
        e, mo = predict(m0.observation.observer, ["earth", "moon"], float(et))
        sep, pa = sky_offset(e, mo)
        ax.plot(
            sep * math.sin(math.radians(pa)), sep * math.cos(math.radians(pa)), "x", color="magenta", ms=9
        )
        ax.errorbar(x, y, xerr=err, yerr=err, fmt="o", color="gold", mec="k", ms=6)
    ax.plot([], [], "x", color="magenta", label="predicted at each frame")
    ax.plot([], [], "o", color="gold", mec="k", label="measured")
    ax.plot(0, 0, "o", color="tab:blue", ms=10, label="Earth")
    ax.set_xlabel("east offset of the Moon from Earth (arcsec)")
    ax.set_ylabel("north offset (arcsec)")
    ax.invert_xaxis()  # east left, as on the sky
    ax.set_aspect("equal", "datalim")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(textwrap.shorten(c.verdict, 140, placeholder=" ..."), fontsize=9, wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
