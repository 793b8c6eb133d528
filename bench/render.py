"""Benchmark: a full HRSC SRC frame (1024 x 1032) of Earth and Moon with PSF and noise.

paledot ``render`` (geometry, ray-cast crescents, polychromatic Airy x Gaussian PSF on a fine grid,
dark current, Poisson and read noise, saturation, quantisation) vs GalSim drawing the equivalent
scene (two disks at the same pixels and fluxes, Airy x Gaussian PSF, CCD noise) on the same machine.
GalSim draws uniform disks (it has no lit crescent), so it does a little less work.
Run: ``.venv/bin/python bench/render.py [frames]``.
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


def main(frames: int = 20) -> None:
    cam = load_camera("hrsc-src")
    warnings.simplefilter("ignore", RenderWarning)
    scene = Scene(TIME, "mars", ["earth", "moon"], cam)
    first = render(scene)  # warm caches (kernel open, PSF kernel)

    def run_paledot(i):
        scene.seed = i
        return render(scene)

    lam_over_diam = cam.bandpass_center_nm * 1e-9 / (cam.aperture_mm * 1e-3) / cam.pixel_scale_rad
    psf = galsim.Convolve(galsim.Airy(lam_over_diam=lam_over_diam, obscuration=cam.obscuration),
                          galsim.Gaussian(fwhm=cam.psf_fwhm_px))
    bodies = [(b, galsim.TopHat(radius=max(b.diameter_px / 2, 0.05), flux=b.electrons))
              for b in first.bodies]
    exposure = first.exposure_s

    def run_galsim(i):
        img = galsim.ImageF(cam.columns, cam.rows, scale=1.0)
        img.setOrigin(0, 0)
        for b, disk in bodies:
            galsim.Convolve(disk, psf).drawImage(img, center=galsim.PositionD(b.column, b.row),
                                                 add_to_image=True)
        noise = galsim.CCDNoise(galsim.BaseDeviate(i), sky_level=cam.dark_current_e_per_s * exposure,
                                gain=1.0, read_noise=cam.read_noise_e)
        img.addNoise(noise)
        return img

    run_galsim(0)
    results = {}
    for name, fn in (("paledot render", run_paledot), ("GalSim draw + CCDNoise", run_galsim)):
        times = []
        for i in range(frames):
            t0 = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - t0)
        results[name] = (np.median(times), np.min(times))
    base = results["paledot render"][0]
    print(f"HRSC SRC frame {cam.columns} x {cam.rows}, Earth + Moon, {TIME} from Mars; {frames} frames each; "
          f"Python {platform.python_version()}, {platform.machine()}")
    print()
    print("| implementation | median ms / frame | best ms / frame | time / paledot |")
    print("|---|---:|---:|---:|")
    for name, (med, best) in results.items():
        print(f"| {name} | {med * 1e3:.1f} | {best * 1e3:.1f} | {med / base:.2f}x |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
