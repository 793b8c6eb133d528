"""The 2023 Mars Express frames (the mex-2023 scenario's epochs, camera and exposure rule) rendered
and measured back from FITS.

Noiseless, the measured Moon-Earth offset must match the prediction to under 0.05 px (what is left
is the method's own error); with the scenario's noise (the Moon at SNR about 17) the verdict must be
"fits" and the residual within 3 sigma of the stated uncertainty, and each body's error, over many
noise draws, at its own Cramer-Rao bound.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("sep")

from paledot.measure import measure, read_observation  # noqa: E402
from paledot.render import Scene, render  # noqa: E402
from paledot.render.files import write_fits  # noqa: E402
from paledot.stories.scenarios import load_scenario  # noqa: E402

SCENARIO = load_scenario("mex-2023")


@pytest.mark.parametrize("noise", [False, True])
def test_mex_2023_frames_measured_back_fit(tmp_path, noise):
    for n, t in enumerate(SCENARIO.epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = render(Scene(t, "mars", ["earth", "moon"], SCENARIO.camera, seed=n + 1, noise=noise))
        path = tmp_path / f"f{n}.fits"
        write_fits(frame, path)
        m = measure(read_observation(path))
        c = m.comparison
        assert m.verdict == "fits", (t, m.verdict)
        if noise:
            assert c["residual_px"] < 3 * c["separation_px_err"] * 2**0.5, (t, c["residual_px"])
        else:
            assert c["residual_px"] < 0.05, (t, c["residual_px"])


def _truth(frame, name):
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    b = frame.body(name)
    x, y = frame.wcs.world_to_pixel(SkyCoord(b.ra_deg * u.deg, b.dec_deg * u.deg))
    return float(x), float(y)


def _crb(scene, frame, name):
    """Per-axis Cramer-Rao bounds (px) of one body, independent of the measurement: Fisher
    information of noiseless renders with the pointing moved so the body shifts by +-0.05 px,
    Poisson plus dark plus read noise (electrons), flux and background free."""
    import dataclasses
    import math

    import numpy as np

    from paledot.render import Pointing

    cam = frame.camera

    def moved(dx, dy):
        c = frame.wcs.pixel_to_world((cam.columns - 1) / 2 - dx, (cam.rows - 1) / 2 - dy)
        roll = frame.meta["roll_deg"]
        p = Pointing("radec", ra_deg=float(c.ra.deg), dec_deg=float(c.dec.deg), roll_deg=roll)
        s = dataclasses.replace(scene, pointing=p, noise=False, exposure=frame.exposure_s)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return render(s).expected.astype(float)

    x, y = _truth(frame, name)
    r = int(frame.body(name).diameter_px / 2 + 8)
    sl = (slice(int(round(y)) - r, int(round(y)) + r + 1), slice(int(round(x)) - r, int(round(x)) + r + 1))
    h = 0.05
    gx = (moved(h, 0)[sl] - moved(-h, 0)[sl]) / (2 * h)
    gy = (moved(0, h)[sl] - moved(0, -h)[sl]) / (2 * h)
    mu = frame.expected.astype(float)[sl]
    var = mu + cam.dark_current_e_per_s * frame.exposure_s + cam.read_noise_e**2
    body = mu - np.median(frame.expected)
    jac = np.stack([gx.ravel(), gy.ravel(), body.ravel() / body.sum(), np.ones(mu.size)], axis=1)
    cov = np.linalg.inv(jac.T @ (jac / var.ravel()[:, None]))
    return math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])


def test_mex_2023_round_trip_is_at_each_bodys_cramer_rao_bound(tmp_path):
    """Why the issue's 0.05 px cannot be had on these frames: each body's error over many noise
    draws is at its own Cramer-Rao bound (within 1.5x, the issue's factor; 40 draws a frame gave
    0.92-1.19x for Earth, 0.96-1.16x for the Moon), and the Moon, at SNR about 17 (bound 0.044 px
    an axis), makes the Moon-Earth residual's median 0.05 px by itself (Rayleigh: 1.18 sigma).
    Noiseless, what is left is the method's own error: under 0.0015 px for Earth (a tenth of a
    percent of its 4.7 px disk) and 0.01 px for the Moon."""
    import dataclasses
    import math

    import numpy as np

    seeds = range(1, 7)
    errs = {"earth": [], "moon": []}
    crbs = {"earth": [], "moon": []}
    for n, t in enumerate(SCENARIO.epochs):
        scene = Scene(t, "mars", ["earth", "moon"], SCENARIO.camera, seed=None, noise=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = render(scene)
        write_fits(clean, tmp_path / f"c{n}.fits")
        m = measure(read_observation(tmp_path / f"c{n}.fits"))
        for name, worst in (("earth", 0.0015), ("moon", 0.01)):
            tx, ty = _truth(clean, name)
            assert math.hypot(m.body(name).x - tx, m.body(name).y - ty) < worst, (t, name)
        bounds = {name: _crb(scene, clean, name) for name in errs}
        # the Moon-Earth offset's per-axis noise, both bodies' bounds together
        sigma = math.sqrt(sum(0.5 * (b[0] ** 2 + b[1] ** 2) for b in bounds.values()))
        assert 0.035 < sigma < 0.055, sigma  # why 0.05 px is out of reach: about its own noise
        for seed in seeds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = render(dataclasses.replace(scene, seed=seed, noise=True))
            write_fits(f, tmp_path / f"n{n}_{seed}.fits")
            m = measure(read_observation(tmp_path / f"n{n}_{seed}.fits"))
            assert m.verdict == "fits" and m.comparison["residual_px"] < 4 * sigma, (t, seed)
            for name in errs:
                tx, ty = _truth(f, name)
                errs[name] += [m.body(name).x - tx, m.body(name).y - ty]
                crbs[name] += list(bounds[name])
    for name in errs:  # over the four frames, six draws each, both axes
        rms = math.sqrt(float(np.mean(np.square(errs[name]))))
        crb = math.sqrt(float(np.mean(np.square(crbs[name]))))
        assert rms <= 1.5 * crb, (name, rms, crb)
