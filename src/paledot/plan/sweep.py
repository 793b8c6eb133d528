"""Sweeps: imaging windows for many observers x cameras x constraint sets over long spans.

A sweep spec (TOML, or the same keys from the command line)::

    start = "2025-01-01"
    stop = "2045-01-01"
    chunk = "365d"                      # time chunk of the search (default 365.25 d)
    targets = ["earth", "moon"]
    observers = ["mars", "mars express"]
    cameras = ["hrsc-src", "mastcam-100"]   # optional; none: constraints without a camera
    [constraints.apart]                 # each set: the `paledot windows` options, without "--"
    separation-min = 0.05
    sun-elongation-min = 30
    [constraints.together]
    both-in-fov = true

Every combination is searched with :mod:`paledot.plan.chunks` (all chunks of all combinations in
one :func:`paledot.scale.parallel.run_chunks` call), so the windows are the same bytes for any worker
count. Results: one row per window (Parquet via pyarrow, ``pip install 'paledot[sweep]'``), a
summary per combination, and a plot of the share of time each combination can take its picture.
Epochs ET (TDB s past J2000); durations in hours in the tables.
"""

from __future__ import annotations

import argparse
import io
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError

SWEEP_KEYS = {"start", "stop", "chunk", "targets", "observers", "cameras", "constraints"}


@dataclass
class SweepSpec:
    """What to sweep: a span, the targets, observers, cameras (may be empty) and constraint sets."""

    start: str
    stop: str
    observers: list[str]
    targets: list[str] = field(default_factory=lambda: ["earth", "moon"])
    cameras: list[str] = field(default_factory=list)
    constraints: dict[str, dict] = field(default_factory=dict)
    chunk: str | None = None

    @classmethod
    def from_toml(cls, path) -> SweepSpec:
        p = Path(path)
        if not p.is_file():
            raise PaledotError(f"sweep spec {str(path)!r} does not exist or is not a file")
        try:
            d = tomllib.loads(p.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PaledotError(f"cannot read sweep spec {str(path)!r}: {exc}") from None
        return cls.from_dict(d, str(path))

    @classmethod
    def from_dict(cls, d: dict, where: str = "the sweep spec") -> SweepSpec:
        bad = set(d) - SWEEP_KEYS
        if bad:
            raise PaledotError(f"{where}: unknown key(s) {sorted(bad)}; allowed: {sorted(SWEEP_KEYS)}")
        for key in ("start", "stop", "observers"):
            if not d.get(key):
                raise PaledotError(f"{where} needs '{key}'")
        cons = d.get("constraints") or {}
        if not isinstance(cons, dict) or not cons or not all(isinstance(v, dict) for v in cons.values()):
            raise PaledotError(f"{where} needs at least one [constraints.NAME] table of windows options")
        return cls(str(d["start"]), str(d["stop"]), _strings(d["observers"], "observers"),
                   _strings(d.get("targets", ["earth", "moon"]), "targets"),
                   _strings(d.get("cameras", []), "cameras"), cons,
                   str(d["chunk"]) if d.get("chunk") else None)

    def chunk_s(self) -> float | None:
        if self.chunk is None:
            return None
        from ..time.timescales import parse_step

        return parse_step(self.chunk)

    def combinations(self) -> list[tuple[str, str, str, dict]]:
        """(observer, camera or '', constraint-set name, windows spec) for every combination."""
        from .chunks import spec_from_args

        out = []
        for obs in self.observers:
            for cam in self.cameras or [""]:
                for name, opts in self.constraints.items():
                    argv = ["--observer", obs, "--start", self.start, "--stop", self.stop]
                    for t in self.targets:
                        argv += ["--target", t]
                    if cam:
                        argv += ["--camera", cam]
                    argv += _options(opts, name)
                    out.append((obs, cam, name, spec_from_args(_parse(argv, name))))
        return out


def _strings(v, what: str) -> list[str]:
    v = [v] if isinstance(v, str) else v
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise PaledotError(f"'{what}' must be a list of names, got {v!r}")
    return list(v)


def _options(opts: dict, name: str) -> list[str]:
    argv = []
    for k, v in opts.items():
        flag = "--" + str(k).replace("_", "-")
        if v is True:
            argv.append(flag)
        elif v is False:
            continue
        elif isinstance(v, list):
            for x in v:
                argv += [flag, str(x)]
        else:
            argv += [flag, str(v)]
    return argv


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no exit
        raise PaledotError(message)


def _parse(argv: list[str], name: str) -> argparse.Namespace:
    from .options import add_constraint_options

    p = _Parser(prog=f"constraint set {name!r}", add_help=False)
    add_constraint_options(p)
    try:
        return p.parse_args(argv)
    except PaledotError as exc:
        raise PaledotError(f"constraint set {name!r}: {exc}") from None


@dataclass
class SweepResult:
    """Windows of every combination: ``rows`` (one per window) and the searched span (ET)."""

    spec: SweepSpec
    combos: list[tuple[str, str, str, dict]]
    windows: list[np.ndarray]
    lo: float
    hi: float

    def table(self):
        """A pyarrow Table, one row per window (needs pyarrow)."""
        pa = _pyarrow()
        from ..time.timescales import et_to_iso

        cols = {k: [] for k in ("observer", "camera", "constraints", "start_et", "stop_et")}
        for (obs, cam, name, _), w in zip(self.combos, self.windows, strict=True):
            cols["observer"] += [obs] * len(w)
            cols["camera"] += [cam] * len(w)
            cols["constraints"] += [name] * len(w)
            cols["start_et"] += list(w[:, 0])
            cols["stop_et"] += list(w[:, 1])
        start, stop = np.array(cols["start_et"]), np.array(cols["stop_et"])
        cols["start_utc"] = list(et_to_iso(start)) if start.size else []
        cols["stop_utc"] = list(et_to_iso(stop)) if stop.size else []
        cols["hours"] = list((stop - start) / 3600.0)
        meta = {"paledot": _version(), "epochs": "ET = TDB seconds past J2000", "spec": repr(self.spec)}
        return pa.table(cols).replace_schema_metadata(meta)

    def parquet_bytes(self) -> bytes:
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(self.table(), buf)
        return buf.getvalue()

    def summary(self) -> list[dict]:
        """Per combination: windows, hours in all, share of the span, longest window (h), first start."""
        from ..time.timescales import et_to_iso

        out = []
        span_h = (self.hi - self.lo) / 3600.0
        for (obs, cam, name, _), w in zip(self.combos, self.windows, strict=True):
            d = (w[:, 1] - w[:, 0]) / 3600.0
            out.append({"observer": obs, "camera": cam or "-", "constraints": name, "windows": len(w),
                        "hours": float(d.sum()), "share": float(d.sum() / span_h),
                        "longest_h": float(d.max()) if len(w) else 0.0,
                        "first": et_to_iso(w[:1, 0])[0][:16] if len(w) else "never"})
        return out

    def summary_text(self) -> str:
        rows = self.summary()
        head = f"{'observer':<18} {'camera':<14} {'constraints':<14} {'windows':>8} {'hours':>11} " \
               f"{'share':>7} {'longest h':>10}  first"
        lines = [head]
        for r in rows:
            lines.append(f"{r['observer'][:18]:<18} {r['camera'][:14]:<14} {r['constraints'][:14]:<14} "
                         f"{r['windows']:>8} {r['hours']:>11.1f} {r['share']:>7.1%} {r['longest_h']:>10.1f}"
                         f"  {r['first']}")
        return "\n".join(lines) + "\n"

    def plot_png(self) -> bytes:
        """A heat map: the share of each year (rows: combinations) in which every constraint holds
        (needs matplotlib)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..time.timescales import et_to_iso

        year = 365.25 * 86400.0
        n_bins = max(int(math.ceil((self.hi - self.lo) / year - 1e-9)), 1)
        edges = np.minimum(self.lo + year * np.arange(n_bins + 1), self.hi)
        first_year = float(et_to_iso(np.array([self.lo]))[0][:4])
        share = np.array([_binned(w, edges) / np.diff(edges) for w in self.windows]) * 100
        labels = [f"{obs} · {cam or 'no camera'} · {name}" for obs, cam, name, _ in self.combos]
        fig, ax = plt.subplots(figsize=(11, 1.6 + 0.32 * len(labels)), dpi=100)
        im = ax.imshow(share, aspect="auto", cmap="viridis", vmin=0, vmax=100, interpolation="nearest",
                       extent=(first_year, first_year + (self.hi - self.lo) / year, len(labels) - 0.5, -0.5))
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("year (bins of 365.25 days from the start)")
        ax.set_title(f"paledot sweep {self.spec.start} to {self.spec.stop}: share of each year in which "
                     "every constraint holds", fontsize=10)
        fig.colorbar(im, ax=ax, label="% of the year", pad=0.01)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return buf.getvalue()


def _binned(w: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Seconds of the windows ``w`` (K, 2) inside each bin between ``edges``."""
    lo = np.maximum(w[:, None, 0], edges[None, :-1])
    hi = np.minimum(w[:, None, 1], edges[None, 1:])
    return np.clip(hi - lo, 0, None).sum(axis=0)


def run_sweep(spec: SweepSpec, *, workers=None, scheduler=None, folder=None, progress=True) -> SweepResult:
    """Search every combination of ``spec`` (module text); all chunks run together."""
    from ..scale.parallel import run_chunks
    from .chunks import join, search_chunks, windows_chunk

    combos = spec.combinations()
    chunk_s = spec.chunk_s()
    all_chunks, owner = [], []
    lo = hi = None
    for i, (obs, cam, name, wspec) in enumerate(combos):
        try:
            lo, hi, chunks = search_chunks(wspec, chunk_s)
        except PaledotError as exc:
            where = f"observer {obs!r}, camera {cam or 'none'!r}, constraints {name!r}"
            raise PaledotError(f"{where}: {exc}") from None
        all_chunks += [(f"{i:04d}-{k}", p) for k, p in chunks]
        owner += [i] * len(chunks)
    parts = run_chunks(windows_chunk, all_chunks, workers=workers, scheduler=scheduler, folder=folder,
                       job={"kind": "sweep", "combos": [c[3] for c in combos], "chunk_s": chunk_s,
                            "layout": 2},
                       progress=progress, desc="sweep")
    owner_a = np.array(owner)
    windows = [join([parts[j] for j in np.nonzero(owner_a == i)[0]]) for i in range(len(combos))]
    return SweepResult(spec, combos, windows, float(lo), float(hi))


def _pyarrow():
    try:
        import pyarrow as pa
    except ImportError:
        raise PaledotError("Parquet output needs pyarrow: pip install 'paledot[sweep]'") from None
    return pa


def _version() -> str:
    from .._io.version import version

    return version()
