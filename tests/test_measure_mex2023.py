"""The 2023 Mars Express frames (the mex-2023 scenario's epochs, camera and exposure rule) rendered
and measured back from FITS.

Noiseless, the measured Moon-Earth offset must match the prediction to under 0.05 px (what is left
is the method's own error); with the scenario's noise (the Moon at SNR about 24) the verdict must be
"fits" and the residual within 3 sigma of the stated uncertainty.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("sep")

from paledot.frames import write_fits  # noqa: E402
from paledot.measure import measure, read_observation  # noqa: E402
from paledot.render import Scene, render  # noqa: E402
from paledot.scenarios import load_scenario  # noqa: E402

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
