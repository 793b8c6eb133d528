"""Benchmark: a full HRSC SRC frame (1024 x 1032) of Earth and Moon with PSF and noise.

paledot ``render`` (geometry for the epoch, depth order, ray-cast crescents, polychromatic Airy x
Gaussian PSF on a fine grid, exact Poisson dark and signal, read noise, saturation, DN) against two
GalSim baselines drawing the equivalent scene (two disks at the same pixels and fluxes, Airy x
Gaussian PSF, CCD noise, DN with bias):

- ``GalSim stamps`` is what a GalSim expert writes: each body drawn on a small stamp (32 x 32 px,
  which holds the disk and the PSF's core and first rings) and added into the frame at its bounds,
  then ``CCDNoise`` on the frame once;
- ``GalSim full frame`` is the old, unfair baseline: each body drawn onto the whole 1024 x 1032
  image (GalSim then convolves over the full image size, a 2048-square FFT per body).

GalSim draws uniform disks (it has no lit crescent) from precomputed positions, so it does less
work than paledot, which also computes the geometry. Competitors alternate round by round (the
order rotates each round) so machine load falls on all alike; each frame gets its own seed.
Run: ``.venv/bin/python bench/render.py [rounds]`` (needs ``pip install 'paledot[bench]'``).
"""

from __future__ import annotations

import platform
import sys
import time
import warnings

import galsim
import numpy as np

from paledot.cameras import load_camera
from paledot.render import RenderWarning, Scene, render

TIME = "2023-05-21T03:10"
STAMP = 32


def main(rounds: int = 20) -> None:
    cam = load_camera("hrsc-src")
    warnings.simplefilter("ignore", RenderWarning)
    scene = Scene(TIME, "mars", ["earth", "moon"], cam)
    first = render(scene)  # warm caches (kernel open, PSF kernel)

    def run_paledot(i):
        scene.seed = i
        return render(scene).dn

    lam_over_diam = cam.bandpass_center_nm * 1e-9 / (cam.aperture_mm * 1e-3) / cam.pixel_scale_rad
    psf = galsim.Convolve(galsim.Airy(lam_over_diam=lam_over_diam, obscuration=cam.obscuration),
                          galsim.Gaussian(fwhm=cam.psf_fwhm_px))
    bodies = [(b, galsim.Convolve(galsim.TopHat(radius=max(b.diameter_px / 2, 0.05), flux=b.electrons), psf))
              for b in first.bodies]
    dark = cam.dark_current_e_per_s * first.exposure_s

    def detector(img, i):
        noise = galsim.CCDNoise(galsim.BaseDeviate(i + 1), sky_level=dark, gain=cam.gain_e_per_dn,
                                read_noise=cam.read_noise_e)
        img.addNoise(noise)  # adds the sky (dark) too; in DN (ADU) at the gain
        dn = np.rint(img.array + cam.bias_dn)
        return np.clip(dn, 0, cam.max_dn).astype(np.uint16)

    def run_galsim_stamps(i):
        img = galsim.ImageF(cam.columns, cam.rows, scale=1.0)
        img.setOrigin(0, 0)
        for b, profile in bodies:
            stamp = profile.drawImage(nx=STAMP, ny=STAMP, scale=1.0, center=galsim.PositionD(b.column, b.row))
            overlap = stamp.bounds & img.bounds
            if overlap.isDefined():
                img[overlap] += stamp[overlap]
        return detector(img, i)

    def run_galsim_full(i):
        img = galsim.ImageF(cam.columns, cam.rows, scale=1.0)
        img.setOrigin(0, 0)
        for b, profile in bodies:
            profile.drawImage(img, center=galsim.PositionD(b.column, b.row), add_to_image=True)
        return detector(img, i)

    competitors = {
        "paledot render": run_paledot,
        "GalSim stamps + CCDNoise (fair baseline)": run_galsim_stamps,
        "GalSim full-frame draw + CCDNoise (old baseline)": run_galsim_full,
    }
    for fn in competitors.values():
        fn(0)
    times: dict[str, list[float]] = {name: [] for name in competitors}
    names = list(competitors)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            t0 = time.perf_counter()
            competitors[name](r + 1)
            times[name].append(time.perf_counter() - t0)
    base = float(np.median(times["paledot render"]))
    print(f"HRSC SRC frame {cam.columns} x {cam.rows}, Earth + Moon, {TIME} from Mars; {rounds} rounds, "
          f"competitors alternated; Python {platform.python_version()}, numpy {np.__version__}, "
          f"GalSim {galsim.__version__}, {platform.machine()}")
    print()
    print("| implementation | median ms / frame | best ms / frame | time / paledot |")
    print("|---|---:|---:|---:|")
    for name in names:
        med, best = float(np.median(times[name])), float(np.min(times[name]))
        print(f"| {name} | {med * 1e3:.1f} | {best * 1e3:.1f} | {med / base:.2f}x |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
