"""Monte Carlo: render and measure N frames with jittered pointing, exposure and noise; how often is
the Moon detected at each exposure, and which exposure to choose.

Frame ``i`` takes the ``i % len(exposures)``-th nominal exposure; its own random draws come from
``numpy.random.SeedSequence([seed, i])`` (the scene, never the worker or chunk), so the table is the
same bytes for any worker count: a pointing offset (Gaussian, ``pointing_px`` rms per axis, applied
to the boresight through the frame's WCS), an exposure error (Gaussian, ``exposure_jitter`` rms as a
fraction) and the noise seed of the render. Each frame is rendered (:func:`paledot.render.frame.render`),
written as FITS and read back and measured (:func:`paledot.measure.measure`) as a user's frame is.
The Moon counts as detected when it is identified with a measured SNR >= ``snr_min``.

Needs ``pip install 'paledot[measure]'``. Exposures in the tables in ms; pixels 0-based (DESIGN.md).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import sys
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError

COLUMNS = ("frame", "exposure_ms", "actual_exposure_ms", "dx_px", "dy_px", "noise_seed", "moon_snr_predicted",
           "moon_detected", "moon_snr", "moon_error_px", "earth_detected")


@dataclass(frozen=True)
class MonteCarloSpec:
    """The study: a scene (``time``, ``observer``, ``camera``, cropped to ``crop`` px square when
    given) and the jitter; exposures in seconds."""

    time: str = "2023-05-21T03:10"
    observer: str = "mars"
    camera: str = "hrsc-src"
    exposures_s: tuple[float, ...] = (1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 7.5e-4, 1e-3, 1.5e-3)
    frames: int = 200
    pointing_px: float = 20.0
    exposure_jitter: float = 0.05
    snr_min: float = 5.0
    seed: int = 0
    crop: int | None = 512
    stars: bool = False

    def check(self) -> None:
        if not self.exposures_s or not all(math.isfinite(e) and e > 0 for e in self.exposures_s):
            raise PaledotError(f"exposures {list(self.exposures_s)!r} must be positive numbers of ms")
        if self.frames < 1:
            raise PaledotError(f"--frames {self.frames} must be 1 or more")
        for name, v in (("--pointing-jitter", self.pointing_px), ("--exposure-jitter", self.exposure_jitter)):
            if not (math.isfinite(v) and v >= 0):
                raise PaledotError(f"{name} {v!r} must be zero or positive")
        if self.exposure_jitter > 0.5:  # draws are clipped at 5% of the nominal exposure
            raise PaledotError(f"--exposure-jitter {self.exposure_jitter!r} must be at most 0.5 (a fraction "
                               "of the exposure: 0.05 is 5%); past that most draws would be clipped")
        if not (math.isfinite(self.snr_min) and self.snr_min > 0):
            raise PaledotError(f"--snr-min {self.snr_min!r} must be positive")
        if self.crop is not None and self.crop < 32:
            raise PaledotError(f"--crop {self.crop} must be at least 32 px (or 0 for the whole detector)")


@lru_cache(maxsize=4)
def _base(spec: MonteCarloSpec):
    """The camera and a noiseless render of the nominal scene (its WCS places the jitter)."""
    from ..cameras import load_camera
    from ..render.frame import render
    from ..render.scene import Scene

    cam = load_camera(spec.camera)
    if spec.crop:
        cam = dataclasses.replace(cam, columns=min(spec.crop, cam.columns), rows=min(spec.crop, cam.rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = render(Scene(spec.time, spec.observer, ["earth", "moon"], cam, exposure=spec.exposures_s[0],
                            noise=False, stars=False))
    return cam, base


def draws(spec: MonteCarloSpec, i: int) -> tuple[float, float, float, float, int]:
    """Frame ``i``'s (nominal exposure s, dx px, dy px, actual exposure s, noise seed)."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, i]))
    dx, dy = rng.normal(0.0, 1.0, 2) * spec.pointing_px
    nominal = spec.exposures_s[i % len(spec.exposures_s)]
    actual = nominal * max(1.0 + spec.exposure_jitter * rng.normal(), 0.05)
    return nominal, float(dx), float(dy), float(actual), int(rng.integers(0, 2**31 - 1))


def frame_row(spec: MonteCarloSpec, i: int) -> tuple:
    """Render, write, read and measure frame ``i``: one row of :data:`COLUMNS`."""
    from ..measure import measure, read_observation
    from ..render.files import fits_bytes
    from ..render.frame import render
    from ..render.scene import Pointing, Scene

    cam, base = _base(spec)
    nominal, dx, dy, actual, noise_seed = draws(spec, i)
    cx, cy = (cam.columns - 1) / 2, (cam.rows - 1) / 2
    c = base.wcs.pixel_to_world(cx - dx, cy - dy)  # boresight moved so the sky moves by (+dx, +dy)
    scene = Scene(spec.time, spec.observer, ["earth", "moon"], cam, exposure=actual, seed=noise_seed,
                  pointing=Pointing("radec", ra_deg=float(c.ra.deg), dec_deg=float(c.dec.deg)),
                  stars=spec.stars)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = render(scene)
        moon_pred = frame.body("moon")
        with tempfile.TemporaryDirectory(prefix="paledot-mc-") as tmp:
            path = Path(tmp) / f"frame{i}.fits"
            path.write_bytes(fits_bytes(frame))  # a scratch file read back at once: no fsync
            try:
                m = measure(read_observation(path))
                moon, earth = m.body("moon"), m.body("earth")
            except PaledotError:
                moon = earth = None
    snr = float(moon.snr) if moon is not None else float("nan")
    detected = bool(moon is not None and snr >= spec.snr_min)
    # a position error only where the Moon counts as detected: a marginal find (measure reports the
    # Moon down to SNR 3 at its predicted place) is not a measurement to judge an exposure by
    err = math.hypot(moon.x - moon_pred.column, moon.y - moon_pred.row) if detected else float("nan")
    return (i, nominal * 1e3, actual * 1e3, dx, dy, noise_seed, float(moon_pred.snr), detected, snr, err,
            earth is not None)


def frames_chunk(payload: tuple) -> list[tuple]:
    """A chunk of frames: ``(spec, first, stop)`` -> rows for frames first..stop-1."""
    spec, first, stop = payload
    return [frame_row(spec, i) for i in range(first, stop)]


@dataclass
class MonteCarloResult:
    spec: MonteCarloSpec
    rows: list[tuple]

    def column(self, name: str) -> np.ndarray:
        k = COLUMNS.index(name)
        return np.array([r[k] for r in self.rows])

    def rates(self) -> list[dict]:
        """Per nominal exposure: frames, detections, rate, its Wilson 95% interval, median SNR."""
        exp, det, snr = self.column("exposure_ms"), self.column("moon_detected"), self.column("moon_snr")
        out = []
        for e in sorted(set(exp.tolist())):
            sel = exp == e
            n, k = int(sel.sum()), int(det[sel].sum())
            lo, hi = wilson(k, n)
            s = snr[sel]
            s = s[np.isfinite(s)]
            out.append({"exposure_ms": e, "frames": n, "detected": k, "rate": k / n, "rate_low95": lo,
                        "rate_high95": hi, "median_snr": float(np.median(s)) if s.size else None})
        return out

    def recommended(self, target: float = 0.95) -> float | None:
        """The shortest nominal exposure (ms) at which the detection rate reaches ``target``."""
        for r in self.rates():
            if r["rate"] >= target:
                return r["exposure_ms"]
        return None

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in self.rows:
            w.writerow([_fmt(x) for x in r])
        return buf.getvalue()

    def summary(self) -> dict:
        return {"spec": dataclasses.asdict(self.spec), "snr_min": self.spec.snr_min,
                "rates": self.rates(), "recommended_exposure_ms": self.recommended(),
                "rule": "shortest exposure at which the Moon is identified at SNR >= snr_min in >= 95% "
                        "of the frames"}

    def text(self) -> str:
        lines = [f"{'exposure ms':>11} {'frames':>7} {'detected':>9} {'rate':>7} {'95% interval':>15} "
                 f"{'median SNR':>10}"]
        for r in self.rates():
            ms = "-" if r["median_snr"] is None else f"{r['median_snr']:.1f}"
            lines.append(f"{r['exposure_ms']:>11.4g} {r['frames']:>7} {r['detected']:>9} {r['rate']:>7.1%} "
                         f"{r['rate_low95']:>7.1%}-{r['rate_high95']:<7.1%} {ms:>10}")
        rec = self.recommended()
        if rec is None:
            lines.append("recommended exposure: none of the exposures reaches a 95% detection rate")
            return "\n".join(lines) + "\n"
        r = next(r for r in self.rates() if r["exposure_ms"] == rec)
        lines.append(f"recommended exposure: {rec:g} ms (Moon detected at SNR >= {self.spec.snr_min:g} in "
                     f"{r['detected']}/{r['frames']} frames; 95% interval {r['rate_low95']:.0%}-"
                     f"{r['rate_high95']:.0%})")
        if r["rate_low95"] < 0.8:
            lines.append(f"note: {r['frames']} frames at {rec:g} ms cannot show a 95% rate (it may be as "
                         f"low as {r['rate_low95']:.0%}): run more --frames")
        return "\n".join(lines) + "\n"

    def plot_png(self) -> bytes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rates = self.rates()
        e = np.array([r["exposure_ms"] for r in rates])
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
        rate = np.array([r["rate"] for r in rates]) * 100
        lo = np.array([r["rate_low95"] for r in rates]) * 100
        hi = np.array([r["rate_high95"] for r in rates]) * 100
        err = [np.clip(rate - lo, 0, None), np.clip(hi - rate, 0, None)]
        a1.errorbar(e, rate, yerr=err, marker="o", capsize=3)
        a1.axhline(95, color="grey", ls="--", lw=1, label="95%")
        rec = self.recommended()
        if rec is not None:
            a1.axvline(rec, color="C3", lw=1, label=f"recommended {rec:g} ms")
        a1.set_xscale("log")
        a1.set_xlabel("nominal exposure (ms)")
        a1.set_ylabel(f"Moon detected at SNR >= {self.spec.snr_min:g} (%)")
        a1.set_ylim(-3, 103)
        a1.legend(fontsize=8)
        a1.grid(alpha=0.3)
        x, s = self.column("actual_exposure_ms"), self.column("moon_snr")
        p = self.column("moon_snr_predicted")
        ok = np.isfinite(s)
        a2.scatter(x[ok], s[ok], s=6, alpha=0.5, label="measured SNR (Moon identified; template fit)")
        a2.scatter(x[~ok], np.full((~ok).sum(), 0.5), s=10, marker="x", color="C3",
                   label="Moon not found (placed at 0.5)")
        order = np.argsort(x)
        a2.plot(x[order], p[order], color="k", lw=1, label="predicted SNR (render; 99%-light aperture)")
        a2.axhline(self.spec.snr_min, color="grey", ls="--", lw=1)
        a2.set_xscale("log")
        a2.set_yscale("log")
        a2.set_xlabel("actual exposure (ms)")
        a2.set_ylabel("Moon SNR")
        a2.legend(fontsize=8)
        a2.grid(alpha=0.3)
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        for ax in (a1, a2):  # the exposures as plain numbers, no crowded log labels
            ax.xaxis.set_major_locator(FixedLocator(e))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        sp = self.spec
        fig.suptitle(f"paledot montecarlo: {len(self.rows)} frames, {sp.observer} -> Earth and Moon, "
                     f"{sp.time} UTC, {sp.camera}, pointing jitter {sp.pointing_px:g} px rms")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return buf.getvalue()


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial rate k/n (95% by default)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(mid - half, 0.0), min(mid + half, 1.0)


def _fmt(x):
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, float):
        return "" if not math.isfinite(x) else repr(round(x, 6))
    return x


def run_montecarlo(spec: MonteCarloSpec, *, chunk_frames: int = 10, workers=None, scheduler=None, folder=None,
                   progress: bool = True) -> MonteCarloResult:
    """All frames of ``spec``, ``chunk_frames`` per chunk, through
    :func:`paledot.scale.parallel.run_chunks`."""
    from ..scale.parallel import run_chunks

    spec.check()
    if chunk_frames < 1:
        raise PaledotError(f"--chunk-frames {chunk_frames} must be 1 or more")
    _base(spec)  # a bad time, observer or camera: one line here, not in every worker
    chunks = [(f"{k // chunk_frames:05d}", (spec, k, min(k + chunk_frames, spec.frames)))
              for k in range(0, spec.frames, chunk_frames)]
    parts = run_chunks(frames_chunk, chunks, workers=workers, scheduler=scheduler, folder=folder,
                       job={"kind": "montecarlo", "spec": dataclasses.asdict(spec), "chunk": chunk_frames},
                       progress=progress, desc="frames")
    return MonteCarloResult(spec, [r for part in parts for r in part])


def add_arguments(m) -> None:
    m.add_argument("--time", default="2023-05-21T03:10", help="epoch (default 2023-05-21T03:10, mex-2023)")
    m.add_argument("--observer", default="mars", help="observer (default mars)")
    m.add_argument("--camera", default="hrsc-src", help="camera (default hrsc-src)")
    m.add_argument("--frames", type=int, default=200, help="frames in all (default 200)")
    m.add_argument("--exposures", default="0.1,0.2,0.3,0.4,0.5,0.75,1,1.5",
                   help="nominal exposures, ms, comma-separated (default 0.1,0.2,...,1.5)")
    m.add_argument("--pointing-jitter", type=float, default=20.0,
                   help="pointing error rms per axis, px (default 20)")
    m.add_argument("--exposure-jitter", type=float, default=0.05,
                   help="exposure error rms, a fraction (default 0.05)")
    m.add_argument("--snr-min", type=float, default=5.0, help="detection needs this measured SNR (default 5)")
    m.add_argument("--seed", type=int, default=0, help="seed of the study (default 0)")
    m.add_argument("--crop", type=int, default=512, help="central px square of the detector (0: all; "
                   "default 512)")
    m.add_argument("--stars", action="store_true", help="draw catalogue stars too")
    m.add_argument("--chunk-frames", type=int, default=10, help="frames per chunk (default 10)")
    m.add_argument("--out", default="paledot-out/montecarlo",
                   help="folder for frames.csv, summary.json, montecarlo.png "
                   "(default paledot-out/montecarlo)")
    m.add_argument("--overwrite", action="store_true", help="replace an existing output folder")


def run_command(args) -> int:
    try:
        import photutils  # noqa: F401
        import sep  # noqa: F401
    except ImportError:
        raise PaledotError("paledot montecarlo needs its extra: pip install 'paledot[measure]'") from None
    from .._io.outputs import check_folder_destination, replace_folder

    try:
        exps = tuple(float(x) / 1000 for x in args.exposures.split(",") if x.strip())
    except ValueError:
        raise PaledotError(f"--exposures {args.exposures!r}: give ms numbers separated by commas") from None
    if args.seed < 0:
        raise PaledotError(f"--seed {args.seed} must be zero or positive")
    spec = MonteCarloSpec(args.time, args.observer, args.camera, exps, args.frames, args.pointing_jitter,
                          args.exposure_jitter, args.snr_min, args.seed, args.crop or None, args.stars)
    folder = Path(args.out)
    check_folder_destination(folder, args.overwrite)
    res = run_montecarlo(spec, chunk_frames=args.chunk_frames, workers=args.workers, scheduler=args.scheduler,
                         folder=args.chunk_dir, progress=not args.no_progress)
    files = {"frames.csv": res.csv_text().encode(), "summary.json": (json.dumps(res.summary(), indent=2)
                                                                     + "\n").encode(),
             "montecarlo.png": res.plot_png()}

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)

    replace_folder(folder, fill, overwrite=args.overwrite)
    sys.stdout.write(res.text())
    print(f"wrote {folder}/frames.csv, summary.json, montecarlo.png")
    return 0


__all__ = ["COLUMNS", "MonteCarloResult", "MonteCarloSpec", "frame_row", "run_montecarlo", "wilson"]
