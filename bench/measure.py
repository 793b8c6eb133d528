"""Benchmark: measuring frames of Earth and the Moon from Mars, against photutils and SEP.

Two frames, each written to FITS once and read once:
- an HRSC SRC frame (1024 x 1032) of Earth and the Moon with no stars (auto exposure);
- a starry frame: an SRC-like camera with a 150 mm lens (12.4 arcsec/px, 1024 x 1024, 1 s, the
  camera of ``tests/test_measure_pointing_stars.py``), where some 30 Hipparcos stars register and
  paledot solves the frame's pointing from them (``pointing_method == "stars"``), each matched star
  placed by a fit of the camera's exact pixel-integrated PSF.

paledot ``measure`` does the whole job (background, detection, identification against the
predicted sky, the pointing from the stars, template fits of both bodies with Cramer-Rao bounds,
comparison and verdict). The baselines do what an expert in each library would write for "find the
sources and centroid them":
- photutils: ``Background2D`` (64 px boxes, 3-sigma clipping, median), ``detect_sources`` on the
  Gaussian-filtered frame at 4 sigma, ``deblend_sources``, ``SourceCatalog``, then
  ``centroid_sources`` with ``centroid_2dg`` (a 2-D Gaussian fit) on each source;
- SEP: ``Background``, ``extract`` (matched filter, 4 sigma), ``winpos`` (windowed centroids).
Neither identifies anything or knows where a body's centre lies in its crescent, so the tables also
give each one's Earth error against the truth (the WCS pixel of Earth's apparent RA/Dec) and, on the
starry frame, how many of the drawn stars have a source within 1 px of their true place (catalogue
RA/Dec through the frame's own WCS) and the rms of those errors.
Competitors alternate round by round on the same frame.
Run: ``.venv/bin/python bench/measure.py [rounds]`` (needs ``paledot[measure]``).
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from paledot.cameras import load_camera
from paledot.measure import measure, read_observation
from paledot.render import Pointing, RenderWarning, Scene, render
from paledot.render.files import write_fits

TIME = "2023-05-21T03:10"
#: the starry frame's camera (``tests/test_measure_pointing_stars.py``'s): its own name, so the file
#: names it and reading takes this one
STARRY_CAM = dataclasses.replace(
    load_camera("hrsc-src"), name="src-like-150mm", focal_length_mm=150.0, columns=1024, rows=1024
)


def _photutils(image):
    from astropy.convolution import Gaussian2DKernel, convolve
    from astropy.stats import SigmaClip
    from photutils.background import Background2D, MedianBackground
    from photutils.centroids import centroid_2dg, centroid_sources
    from photutils.segmentation import SourceCatalog, deblend_sources, detect_sources

    bkg = Background2D(
        image, 64, filter_size=3, sigma_clip=SigmaClip(sigma=3.0), bkg_estimator=MedianBackground()
    )
    sub = image - bkg.background
    kernel = Gaussian2DKernel(0.8, x_size=5)
    kernel.normalize()
    conv = convolve(sub, kernel)
    seg = detect_sources(conv, 4.0 * bkg.background_rms, n_pixels=3)
    if seg is None:
        return np.zeros((0, 2))
    seg = deblend_sources(conv, seg, n_pixels=3, progress_bar=False)
    cat = SourceCatalog(sub, seg, convolved_data=conv)
    x, y = centroid_sources(sub, cat.x_centroid, cat.y_centroid, box_size=11, centroid_func=centroid_2dg)
    return np.column_stack([x, y])


def _sep(image):
    import sep

    data = np.ascontiguousarray(image, dtype=np.float64)
    bkg = sep.Background(data, bw=64, bh=64)
    sub = data - bkg.back()
    objs = sep.extract(sub, 4.0, err=bkg.globalrms, minarea=3)
    x, y, _ = sep.winpos(sub, objs["x"], objs["y"], np.full(len(objs), 0.8))
    return np.column_stack([x, y])


def _time(runs: dict, rounds: int) -> tuple[dict, dict]:
    """Each run's wall times (s) over ``rounds`` rounds, competitors alternating, and its last output."""
    for fn in runs.values():  # warm up: imports, caches
        fn()
    times: dict[str, list[float]] = {k: [] for k in runs}
    out = {}
    for _ in range(rounds):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return times, out


def _nearest(xy: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Distance (px) from each true place (T, 2) to the nearest of ``xy`` (N, 2)."""
    if not len(xy):
        return np.full(len(truth), np.inf)
    return np.hypot(xy[None, :, 0] - truth[:, None, 0], xy[None, :, 1] - truth[:, None, 1]).min(axis=1)


def _table(times: dict, out: dict, earth: np.ndarray, stars: np.ndarray | None) -> None:
    base = np.median(times[next(iter(times))])
    head = (
        "| implementation | median ms / frame | best ms | time / paledot (SEP) | Earth error vs truth (px) |"
    )
    if stars is not None:
        head += f" stars within 1 px (of {len(stars)}) | their rms error (px) |"
    print(head)
    print("|---|---:|---:|---:|---:|" + ("---:|---:|" if stars is not None else ""))
    for name, ts in times.items():
        xy, _ = out[name]
        err = float(_nearest(xy, earth[None])[0])
        med, best = np.median(ts) * 1e3, np.min(ts) * 1e3
        row = f"| {name} | {med:.1f} | {best:.1f} | {med / base / 1e3:.2f}x | {err:.3f} |"
        if stars is not None:
            d = _nearest(xy, stars)
            hit = d < 1.0
            rms = float(np.sqrt(np.mean(d[hit] ** 2))) if hit.any() else float("nan")
            row += f" {int(hit.sum())} | {rms:.3f} |"
        print(row)
    print()
    print(f"verdict: {out[next(iter(out))][1]}")


def _baselines(image: np.ndarray) -> dict:
    return {
        "photutils: Background2D + detect/deblend + SourceCatalog + centroid_2dg": lambda: (
            _photutils(image),
            "",
        ),
        "SEP: Background + extract + winpos": lambda: (_sep(image), ""),
    }


def _truth(frame) -> tuple[np.ndarray, np.ndarray]:
    """Earth's pixel (2,) and the drawn stars' (S, 2): their apparent RA/Dec through the frame's WCS."""
    earth = frame.body("earth")
    e = np.array(frame.wcs.world_to_pixel(SkyCoord(earth.ra_deg * u.deg, earth.dec_deg * u.deg)), float)
    sx, sy = frame.wcs.all_world2pix(frame.stars.ra_deg, frame.stars.dec_deg, 0)
    inside = (sx > -0.5) & (sx < frame.dn.shape[1] - 0.5) & (sy > -0.5) & (sy < frame.dn.shape[0] - 0.5)
    return e, np.column_stack([sx[inside], sy[inside]])


def no_stars(rounds: int) -> None:
    """The HRSC SRC frame without stars."""
    # a bias of 100 DN, as real SRC products have, so the sky is not clipped at zero (photutils'
    # Background2D rejects a half-zero sky); auto exposure puts Earth's peak at 70% of full well
    cam = dataclasses.replace(load_camera("hrsc-src"), bias_dn=100.0)
    frame = render(Scene(TIME, "mars", ["earth", "moon"], cam, Pointing(roll_deg=30), seed=7))
    path = Path(tempfile.mkdtemp()) / "src.fits"
    write_fits(frame, path)
    obs = read_observation(path)
    obs.camera = cam  # the header names hrsc-src; this one has the bias
    obs.saturation = cam.bias_dn + cam.full_well_e / cam.gain_e_per_dn
    truth, _ = _truth(frame)

    def paledot(engine):
        def run():
            m = measure(obs, engine=engine)
            e = m.body("earth")
            return np.array([[e.x, e.y]]), m.verdict

        return run

    runs = {
        "paledot measure (SEP engine): detect, identify, template fits, compare": paledot("sep"),
        "paledot measure (photutils engine)": paledot("photutils"),
        **_baselines(obs.image),
    }
    times, out = _time(runs, rounds)
    print(
        f"HRSC SRC frame {obs.image.shape[1]} x {obs.image.shape[0]} (FITS, read once), Earth + Moon, {TIME} "
        f"from Mars, no stars; {rounds} alternating rounds; Python {platform.python_version()}, "
        f"{platform.machine()}"
    )
    print()
    _table(times, out, truth, None)


def starry(rounds: int) -> None:
    """The 150 mm frame with some 30 catalogue stars, its pointing solved from them."""
    frame = render(Scene(TIME, "mars", ["earth", "moon"], STARRY_CAM, Pointing("midpoint", roll_deg=20.0),
                         exposure=1.0, seed=1))
    path = Path(tempfile.mkdtemp()) / "starry.fits"
    write_fits(frame, path)
    obs = read_observation(path, observer="mars", camera=STARRY_CAM)
    earth, stars = _truth(frame)
    first = measure(obs)
    if first.pointing_method != "stars":
        raise SystemExit(f"the starry frame's pointing was not solved from stars: {first.pointing_reason}")

    def paledot():
        m = measure(obs)
        xy = np.array([[s.x, s.y] for s in m.sources.sources])
        return xy, f"{m.verdict} (pointing: {m.pointing_method})"

    runs = {
        "paledot measure (SEP engine): detect, identify, star pointing, template fits, compare": paledot,
        **_baselines(obs.image),
    }
    times, out = _time(runs, rounds)
    print(
        f"Starry SRC-like frame (150 mm lens) {obs.image.shape[1]} x {obs.image.shape[0]} (FITS, read once), "
        f"Earth + Moon and {len(frame.stars)} stars drawn ({first.pointing.n_stars} matched), {TIME} "
        f"from Mars; {rounds} alternating rounds"
    )
    print()
    _table(times, out, earth, stars)


def main(rounds: int = 15) -> None:
    warnings.simplefilter("ignore", RenderWarning)
    no_stars(rounds)
    print()
    starry(rounds)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
