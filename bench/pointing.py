"""Benchmark: the full pointing of a starry frame from a rough guess (issue 11, pointing from stars).

The job: a 1024 x 1024 frame (an SRC-like camera with a 150 mm lens, 12.4 arcsec/px, 3.5 deg field,
1 s, 20-60 Hipparcos stars), its detections (SEP, made once) and a guess that is 300 px off in
centre and 25% off in scale, roll unknown; find which detection is which star and the frame's WCS.

- paledot: ``paledot.measure.pointing.solve_pointing`` (apparent places of the catalogue around the
  guess, triangle shapes, nearest-neighbour refinement, weighted TAN fit, chance-match check).
- astroalign + astropy, as an expert would chain them: the same catalogue stars at the same
  apparent places (``apparent_stars``, timed in both), put on the pixel grid through the guessed
  WCS, the 50 brightest on the guessed frame as astroalign's control points,
  ``astroalign.find_transform`` (triangle invariants of nearest neighbours plus RANSAC) from the
  50 brightest detections to them, every catalogue star carried back through that transform and
  each detection paired with its nearest one within 2 px, then
  ``astropy.wcs.utils.fit_wcs_from_points`` (TAN) on those pairs, twice: the second time about
  the first fit's sky at the frame's centre, where this camera's optical axis is (about the
  pairs' centroid, the default, a TAN fit of a 3.5 deg field is 0.09 px off even on exact
  positions).

Both are judged against the rendered WCS: "right" when the solved WCS is within 1 px of it
everywhere on the frame (a wrong match is off by tens of pixels or more), and how close.
Competitors alternate round by round on the same frames.
Run: ``.venv/bin/python bench/pointing.py [rounds] [frames]`` (needs ``paledot[measure,stars]``
and ``astroalign``, in the ``bench`` extra).
"""

from __future__ import annotations

import math
import platform
import sys
import time
import warnings
from dataclasses import replace

import numpy as np

from paledot.cameras import load_camera
from paledot.measure import find_sources, observation_from_array
from paledot.measure.pointing import PointingSolution, apparent_stars, solve_pointing
from paledot.render import Pointing, Scene, render

TIME = "2023-05-21T03:10"
CAM = replace(load_camera("hrsc-src"), name="src-like-150mm", focal_length_mm=150.0, columns=1024, rows=1024)
SCALE = 12.376  # arcsec/px of CAM


def _frames(n: int):
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        ra, dec = rng.uniform(0, 360), math.degrees(math.asin(rng.uniform(-1, 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = render(
                Scene(
                    TIME,
                    "mars",
                    ["earth"],
                    CAM,
                    exposure=1.0,
                    seed=i,
                    pointing=Pointing("radec", ra_deg=ra, dec_deg=dec, roll_deg=rng.uniform(0, 360)),
                )
            )
        sat = float(CAM.full_well_e / CAM.gain_e_per_dn)
        srcs = find_sources(observation_from_array(f.dn.astype(float), camera=CAM, saturation=sat), fit=False)
        off = rng.uniform(-300, 300, 2)
        (gra,), (gdec,) = f.wcs.all_pix2world([511.5 + off[0]], [511.5 + off[1]], 0)
        out.append((f, srcs.sources, (float(gra), float(gdec)), SCALE * rng.choice([0.75, 1.25])))
    return out


def _err(truth, wcs) -> float:
    xx, yy = np.meshgrid(np.linspace(0, 1023, 9), np.linspace(0, 1023, 9))
    ra, dec = truth.all_pix2world(xx.ravel(), yy.ravel(), 0)
    x2, y2 = wcs.all_world2pix(ra, dec, 0)
    return float(np.hypot(x2 - xx.ravel(), y2 - yy.ravel()).max())


def run_paledot(frame, sources, guess, scale):
    sol = solve_pointing(
        sources, "mars", frame.et, (1024, 1024), centre_guess=guess, scale_guess_arcsec=scale, parity=-1
    )
    return sol.wcs if isinstance(sol, PointingSolution) else None


def run_astroalign(frame, sources, guess, scale):
    import astroalign
    from astropy.coordinates import SkyCoord
    from astropy.wcs import WCS
    from astropy.wcs.utils import fit_wcs_from_points

    # the guessed WCS: centre and scale from the guess, roll unknown (0), the sky's parity
    g = WCS(naxis=2)
    g.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    g.wcs.crval = list(guess)
    g.wcs.crpix = [512.5, 512.5]
    g.wcs.cd = np.array([[-1.0, 0.0], [0.0, 1.0]]) * scale / 3600.0
    t0 = np.array(
        [
            math.cos(math.radians(guess[1])) * math.cos(math.radians(guess[0])),
            math.cos(math.radians(guess[1])) * math.sin(math.radians(guess[0])),
            math.sin(math.radians(guess[1])),
        ]
    )
    reach = math.radians(0.5 * math.hypot(1024, 1024) * scale * 1.6 / 3600.0) * 2
    dirs, _, _ = apparent_stars("mars", frame.et, t0, reach, 12.0)
    ra = np.degrees(np.arctan2(dirs[:, 1], dirs[:, 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(dirs[:, 2], -1, 1)))
    px, py = g.all_world2pix(ra, dec, 0)
    # control points: the brightest catalogue stars on the guessed frame (a wider margin lets in
    # stars the detections do not share, and astroalign's nearest-neighbour triangles then fail)
    keep = np.flatnonzero((px > 0) & (px < 1023) & (py > 0) & (py < 1023))[:50]
    target = np.stack((px[keep], py[keep]), axis=1)
    pts = [s for s in sources if "hot" not in s.flags and "extended" not in s.flags][:50]
    source = np.array([[s.x, s.y] for s in pts])
    try:
        tf, _ = astroalign.find_transform(source, target, max_control_points=50)
    except Exception:  # astroalign raises MaxIterError when no transform is found
        return None
    # then every catalogue star through the transform onto the detections, pairs within 2 px,
    # and the WCS fitted on those pairs
    from scipy.spatial import cKDTree

    back = tf.inverse(np.stack((px, py), axis=1))
    det = np.array([[s.x, s.y] for s in pts])
    d, j = cKDTree(back).query(det, distance_upper_bound=2.0)  # each detection: its nearest star
    ok = np.isfinite(d)
    if ok.sum() < 3:
        return None
    xy, sky = (det[ok, 0], det[ok, 1]), SkyCoord(ra[j[ok]], dec[j[ok]], unit="deg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = fit_wcs_from_points(xy, sky, projection="TAN")
        # again with the tangent point on the frame's centre, where this camera's axis is
        return fit_wcs_from_points(xy, sky, proj_point=first.pixel_to_world(511.5, 511.5), projection="TAN")


def main(rounds: int = 3, n: int = 10) -> None:
    frames = _frames(n)
    import astroalign

    runners = {"paledot": run_paledot, "astroalign+astropy": run_astroalign}
    times = {k: [] for k in runners}
    right = {k: 0 for k in runners}
    errs = {k: [] for k in runners}
    names = list(runners)
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        for f, srcs, guess, scale in frames:
            for name in order:
                t0 = time.perf_counter()
                w = runners[name](f, srcs, guess, scale)
                times[name].append(time.perf_counter() - t0)
                if r == 0:
                    e = _err(f.wcs, w) if w is not None else float("inf")
                    errs[name].append(e)
                    right[name] += e < 1.0
    import os

    print(
        f"pointing from stars: {n} random fields x {rounds} rounds; python {platform.python_version()}, "
        f"astroalign {astroalign.__version__}; load {os.getloadavg()[0]:.1f}"
    )
    base = float(np.median(times["astroalign+astropy"]))
    for name in names:
        med = float(np.median(times[name]))
        good = [e for e in errs[name] if e < 1.0]
        acc = f"{np.median(good):.3f} / {max(good):.3f}" if good else "- / -"
        print(
            f"  {name:<20} median {med * 1e3:7.1f} ms/frame  right {right[name]}/{n}  "
            f"error median/worst {acc} px  speed ratio {base / med:5.2f}x"
        )


if __name__ == "__main__":
    try:
        import astroalign  # noqa: F401
    except ImportError:
        sys.exit("bench/pointing.py needs astroalign: pip install 'paledot[bench]'")
    main(*(int(a) for a in sys.argv[1:3]))
