"""Benchmark: measuring one HRSC SRC frame (1024 x 1032) of Earth and the Moon.

paledot ``measure`` does the whole job (background, detection, identification against the
predicted sky, template fits of both bodies with Cramer-Rao bounds, comparison and verdict). The
baselines do what an expert in each library would write for "find the sources and centroid them":
- photutils: ``Background2D`` (64 px boxes, 3-sigma clipping, median), ``detect_sources`` on the
  Gaussian-filtered frame at 4 sigma, ``deblend_sources``, ``SourceCatalog``, then
  ``centroid_sources`` with ``centroid_2dg`` (a 2-D Gaussian fit) on each source;
- SEP: ``Background``, ``extract`` (matched filter, 4 sigma), ``winpos`` (windowed centroids).
Neither identifies anything or knows where a body's centre lies in its crescent, so the table also
gives each one's Earth error against the truth (the WCS pixel of Earth's apparent RA/Dec).
Competitors alternate round by round on the same frame, read once from FITS.
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


def main(rounds: int = 15) -> None:
    warnings.simplefilter("ignore", RenderWarning)
    # a bias of 100 DN, as real SRC products have, so the sky is not clipped at zero (photutils'
    # Background2D rejects a half-zero sky); auto exposure puts Earth's peak at 70% of full well
    cam = dataclasses.replace(load_camera("hrsc-src"), bias_dn=100.0)
    frame = render(Scene(TIME, "mars", ["earth", "moon"], cam, Pointing(roll_deg=30), seed=7))
    path = Path(tempfile.mkdtemp()) / "src.fits"
    write_fits(frame, path)
    obs = read_observation(path)
    obs.camera = cam  # the header names hrsc-src; this one has the bias
    obs.saturation = cam.bias_dn + cam.full_well_e / cam.gain_e_per_dn
    earth = frame.body("earth")
    truth = np.array(frame.wcs.world_to_pixel(SkyCoord(earth.ra_deg * u.deg, earth.dec_deg * u.deg)), float)

    def paledot_sep():
        m = measure(obs, engine="sep")
        e = m.body("earth")
        return np.array([[e.x, e.y]]), m.verdict

    def paledot_photutils():
        m = measure(obs, engine="photutils")
        e = m.body("earth")
        return np.array([[e.x, e.y]]), m.verdict

    runs = {
        "paledot measure (SEP engine): detect, identify, template fits, compare": paledot_sep,
        "paledot measure (photutils engine)": paledot_photutils,
        "photutils: Background2D + detect/deblend + SourceCatalog + centroid_2dg": lambda: (
            _photutils(obs.image),
            "",
        ),
        "SEP: Background + extract + winpos": lambda: (_sep(obs.image), ""),
    }
    for fn in runs.values():  # warm up: imports, caches
        fn()
    times: dict[str, list[float]] = {k: [] for k in runs}
    out = {}
    for _ in range(rounds):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - t0)
    base = np.median(times[next(iter(runs))])
    print(
        f"HRSC SRC frame {obs.image.shape[1]} x {obs.image.shape[0]} (FITS, read once), Earth + Moon, {TIME} "
        f"from Mars; {rounds} alternating rounds; Python {platform.python_version()}, {platform.machine()}"
    )
    print()
    print(
        "| implementation | median ms / frame | best ms | time / paledot (SEP) | Earth error vs truth (px) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        xy, _ = out[name]
        err = np.min(np.hypot(xy[:, 0] - truth[0], xy[:, 1] - truth[1])) if len(xy) else float("nan")
        med, best = np.median(ts) * 1e3, np.min(ts) * 1e3
        print(f"| {name} | {med:.1f} | {best:.1f} | {med / base / 1e3:.2f}x | {err:.3f} |")
    print()
    print(f"verdict: {out[next(iter(runs))][1]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
