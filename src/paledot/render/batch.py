"""Batch render: one frame per epoch (a time grid, a list of times or a scenario's epochs) into an
output folder, computed through :func:`paledot.scale.parallel.run_chunks` (local pool, or Dask).

Each frame ``i`` is named ``NNNN_YYYY-MM-DDTHHMMSS`` (its index and UTC second) and written as
``.fits`` (with its DS9 ``.reg`` when the ``regions`` extra is installed) and, when asked, ``.png``
and ``_annotated.png``; ``frames.csv`` lists every epoch with its seed, exposure and each target's
pixel position, size and SNR. An epoch with nothing to see gets a row and a note but no files.

Seeds derive from the scene, never from the worker or chunk: frame seed =
``SeedSequence([seed, lo, hi, crc]).generate_state(1)[0] >> 1`` where ``lo, hi`` are the two 32-bit
halves of the epoch's ET (float64 bits), ``crc`` the CRC-32 of the pointing text (lower case, e.g.
``midpoint``, ``moon``) and ``seed`` is ``--seed``. So the folder is the same
bytes for any worker count or chunking, and ``paledot render --time ET:<et> --seed <that seed>``
with the same options writes the same FITS as the batch.

Outputs follow :mod:`paledot._io.outputs`: the folder appears whole (built aside, then swapped in),
never over an existing one without ``overwrite``. With a chunk folder, each finished chunk's frames
are kept there (``frames/``) before its chunk file is written, so a rerun resumes; the output
folder is then assembled from hard links (copies across filesystems).

The library only: ``paledot render``'s batch options, and building a batch from them or from a
scenario, are in :mod:`paledot.cli.render`.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import warnings
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError

#: A batch of more frames than this is refused (a step typed too small).
MAX_FRAMES = 100_000


@dataclass(frozen=True)
class BatchSpec:
    """What every frame of the batch shares; ``epochs`` (ET s) and ``pointings`` are per frame."""

    observer: object
    targets: tuple[str, ...]
    camera: object  # a paledot Camera
    epochs: tuple[float, ...]
    pointings: tuple[str, ...]
    roll_deg: float = 0.0
    exposure: str | float = "auto"
    auto_fraction: float = 0.7
    seed: int = 0
    noise: bool = True
    correction: str = "LT+S"
    ephemeris: tuple[str, ...] = ()
    stars: bool = True
    star_mag_limit: float | None = None
    skip_unmodelled: bool = False
    surfaces: bool = False
    fits_kind: str = "dn"
    png: bool = False
    annotated: bool = False
    stretch: str = "asinh"
    regions: bool = False
    names: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if not self.names:
            from ..time.timescales import et_to_iso

            utc = et_to_iso(np.array(self.epochs, dtype=float), 0) if self.epochs else []
            width = max(4, len(str(len(self.epochs) - 1)))
            object.__setattr__(self, "names", tuple(
                f"{i:0{width}d}_{str(u)[:19].replace(':', '')}" for i, u in enumerate(utc)))


def frame_seed(seed: int, et: float, pointing: str = "midpoint") -> int:
    """The noise seed of the frame at ``et`` (ET s) pointed by ``pointing`` (its command-line text)
    in a batch seeded ``seed`` (module text)."""
    lo, hi = np.array([et], dtype="<f8").view("<u4")
    crc = zlib.crc32(str(pointing).strip().lower().encode())
    return int(np.random.SeedSequence([int(seed), int(lo), int(hi), crc]).generate_state(1)[0] >> 1)


@lru_cache(maxsize=4)
def _ephemeris(paths: tuple[str, ...]):
    from ..celestial.ephemeris import Ephemeris

    return Ephemeris(list(paths)) if paths else None


def render_frame(spec: BatchSpec, i: int, first: int = 0) -> dict:
    """Frame ``i`` of ``spec`` (frame ``first + i`` of the batch, when ``spec`` holds a chunk's
    epochs): ``{"row": summary, "files": [(name, bytes)], "warnings": [...]}``."""
    from .files import annotated_png_bytes, fits_bytes, png_bytes
    from .frame import Pointing, RenderWarning, Scene, render
    from .regions import region_text

    et = spec.epochs[i]
    seed = frame_seed(spec.seed, et, spec.pointings[i])
    scene = Scene(f"ET:{et!r}", spec.observer, list(spec.targets), spec.camera,
                  Pointing.parse(spec.pointings[i], spec.roll_deg), spec.exposure, spec.auto_fraction, seed,
                  spec.correction, _ephemeris(spec.ephemeris), noise=spec.noise, stars=spec.stars,
                  star_mag_limit=spec.star_mag_limit, skip_unmodelled=spec.skip_unmodelled,
                  surfaces=spec.surfaces)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(scene)
    nothing = frame.meta.get("nothing_seen", "")
    said = [] if nothing else sorted({str(w.message) for w in caught
                                      if issubclass(w.category, RenderWarning)})
    name = spec.names[i]
    files: list[tuple[str, bytes]] = []
    if not nothing:
        files.append((f"{name}.fits", fits_bytes(frame, spec.fits_kind)))
        if spec.regions:
            files.append((f"{name}.reg", region_text(frame).encode()))
        if spec.png:
            files.append((f"{name}.png", png_bytes(frame, spec.stretch)))
        if spec.annotated:
            files.append((f"{name}_annotated.png", annotated_png_bytes(frame, spec.stretch)))
    row: dict = {"frame": first + i, "utc": None, "et": et, "seed": seed,
                 "exposure_ms": float(frame.exposure_s) * 1e3, "files": " ".join(n for n, _ in files)}
    for b in frame.bodies:
        row.update({f"{b.name}_x": float(b.column), f"{b.name}_y": float(b.row),
                    f"{b.name}_in_frame": bool(b.in_frame), f"{b.name}_diameter_px": float(b.diameter_px),
                    f"{b.name}_magnitude": float(b.magnitude), f"{b.name}_snr": float(b.snr)})
    row["note"] = nothing or "; ".join(said)
    return {"row": row, "files": files, "warnings": said}


def frames_chunk(payload: tuple) -> list[dict]:
    """A chunk: ``(spec holding only the chunk's epochs, index of its first frame)`` -> a
    :func:`render_frame` result per epoch (a chunk carries its own epochs, not the whole batch's)."""
    spec, first = payload
    return [render_frame(spec, i, first) for i in range(len(spec.epochs))]


def _chunk_spec(spec: BatchSpec, a: int, b: int) -> BatchSpec:
    return replace(spec, epochs=spec.epochs[a:b], pointings=spec.pointings[a:b], names=spec.names[a:b])


@dataclass
class BatchResult:
    folder: Path
    spec: BatchSpec
    rows: list[dict]
    warnings: dict[str, int]

    @property
    def written(self) -> int:
        return sum(1 for r in self.rows if r["files"])

    def csv_text(self) -> str:
        return _csv(self.rows, self.spec)

    def json_rows(self) -> list[dict]:
        """The rows of ``frames.csv`` for JSON: numbers as numbers, a missing value as null."""
        from ..time.timescales import et_to_iso

        utc = et_to_iso(np.array([r["et"] for r in self.rows]), 3)
        return [{**{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()},
                 "utc": str(u)} for r, u in zip(self.rows, utc, strict=True)]


def _csv(rows: list[dict], spec: BatchSpec) -> str:
    from ..time.timescales import et_to_iso

    utc = et_to_iso(np.array([r["et"] for r in rows]), 3) if rows else []
    cols = ["frame", "utc", "et", "seed", "exposure_ms", "files"]
    for t in spec.targets:
        cols += [f"{t}_{c}" for c in ("x", "y", "in_frame", "diameter_px", "magnitude", "snr")]
    cols.append("note")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r, u in zip(rows, utc, strict=True):
        r = {**r, "utc": str(u)}
        w.writerow([_cell(r.get(c, "")) for c in cols])
    return buf.getvalue()


def _cell(x):
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, float):
        return repr(x) if math.isfinite(x) else ""
    return x


def render_batch(spec: BatchSpec, out, *, overwrite: bool = False, chunk_frames: int = 8, workers=None,
                 scheduler=None, chunk_dir=None, progress: bool = True) -> BatchResult:
    """Render every epoch of ``spec`` into the folder ``out`` (module text); the folder appears
    whole or not at all, and an existing one is replaced only with ``overwrite``."""
    import hashlib

    from .._io.outputs import check_folder_destination, replace_folder
    from ..scale.parallel import _atomic, run_chunks

    if not spec.epochs:
        raise PaledotError("a batch render needs at least one epoch")
    if len(spec.epochs) > MAX_FRAMES:
        raise PaledotError(f"{len(spec.epochs):,} frames is more than {MAX_FRAMES:,}: use a larger --step")
    if not isinstance(chunk_frames, int) or chunk_frames < 1:
        raise PaledotError(f"--chunk-frames {chunk_frames!r} must be 1 or more")
    folder = check_folder_destination(out, overwrite)
    chunks = [(f"{k // chunk_frames:05d}", (_chunk_spec(spec, k, k + chunk_frames), k))
              for k in range(0, len(spec.epochs), chunk_frames)]
    job = {"kind": "render", "frames": len(spec.epochs), "chunk": chunk_frames,
           "spec_sha256": hashlib.sha256(repr(spec).encode()).hexdigest()}
    said: dict[str, int] = {}
    rows: list[dict] = []

    def compute(staging: Path, atomic: bool) -> None:
        def keep(key: str, part: list[dict]) -> list[dict]:
            for f in part:
                for name, data in f["files"]:
                    if atomic:  # a chunk folder outlives this run: each file whole or not at all
                        _atomic(staging / name, data)
                    else:
                        (staging / name).write_bytes(data)
            return [{"row": f["row"], "warnings": f["warnings"]} for f in part]

        parts = run_chunks(frames_chunk, chunks, workers=workers, scheduler=scheduler, folder=chunk_dir,
                           job=job, progress=progress, desc="frames", keep=keep)
        for part in parts:
            for f in part:
                rows.append(f["row"])
                for w in f["warnings"]:
                    said[w] = said.get(w, 0) + 1
        if not any(r["files"] for r in rows):  # as a single render: nothing to see, nothing written
            why = str(rows[0]["note"]).removeprefix("nothing to see in this frame: ")
            raise PaledotError(f"nothing to see in any of the {len(rows)} epochs (the first: {why}): "
                               "nothing written")

    if chunk_dir is not None:
        from ..scale.parallel import check_chunk_folder

        check_chunk_folder(chunk_dir)
        staging = Path(chunk_dir) / "frames"
        staging.mkdir(parents=True, exist_ok=True)
        compute(staging, atomic=True)

        def fill(tmp: Path) -> None:
            for r in rows:
                for name in r["files"].split():
                    _link(staging / name, tmp / name)
            (tmp / "frames.csv").write_text(_csv(rows, spec), encoding="utf-8")
    else:
        def fill(tmp: Path) -> None:
            compute(tmp, atomic=False)
            (tmp / "frames.csv").write_text(_csv(rows, spec), encoding="utf-8")

    replace_folder(folder, fill, overwrite=overwrite)
    return BatchResult(folder, spec, rows, said)


def _link(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise PaledotError(f"the chunk folder lost {str(src)!r}: remove the chunk folder and rerun")
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


__all__ = ["BatchResult", "BatchSpec", "frame_seed", "render_batch", "render_frame"]
