"""Issue 23's round trip: a star drawn by the renderer's own star routine and placed by the measurer's
own star fit, for every catalogue camera, lands where it was put at every sub-pixel phase.

The drawing is ``light.stars.add_point_sources`` as ``render`` calls it (the camera's PSF kernel and
the camera itself); the measuring is ``measure``'s path for a matched star: ``find_sources`` on an
``observation_from_array`` of the frame, then ``refine_stars`` with the camera's ``star_shape``. The
oracle is the place each star was drawn at. A faint seeded noise (1 e- on a star of 10^6 e-) only
lets the background estimator see a noise floor; its own centroid scatter is ~1e-5 px.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sep")

from paledot.cameras import list_cameras, load_camera  # noqa: E402
from paledot.light.stars import add_point_sources  # noqa: E402
from paledot.measure import find_sources, observation_from_array  # noqa: E402
from paledot.measure.centroid import star_shape  # noqa: E402
from paledot.measure.sources import refine_stars  # noqa: E402
from paledot.render.psf import CONV_OVERSAMPLE, psf_kernel  # noqa: E402

CAMERAS = list_cameras()
PHASES = np.linspace(-0.5, 0.5, 9)[:-1]  # x phases; y takes three of them


def _round_trip(cam, x: float, y: float, size: int, rng) -> tuple[float, float]:
    image = 100.0 + rng.normal(0.0, 1.0, (size, size))
    add_point_sources(image, np.array([x]), np.array([y]), np.array([1e6]), psf_kernel(cam),
                      CONV_OVERSAMPLE, cam)
    obs = observation_from_array(image, camera=cam, gain=None)
    srcs = find_sources(obs, fit=False)
    k = int(np.argmax([s.flux for s in srcs.sources]))
    assert refine_stars(obs, srcs, [k], star_shape(cam)) == 1
    s = srcs.sources[k]
    return s.x - x, s.y - y


@pytest.mark.parametrize("name", CAMERAS)
def test_rendered_star_is_measured_where_it_was_drawn(name):
    """Bias peak to peak over the sub-pixel phase under 0.005 px in x and y, and every star within
    0.005 px: the renderer and the measurer share one optics model (``light.optics``)."""
    cam = load_camera(name)
    size = 2 * (psf_kernel(cam).shape[0] // CONV_OVERSAMPLE) + 24
    c = size // 2
    rng = np.random.default_rng(23)
    bx, by = [], []
    for fy in PHASES[::3]:
        for fx in PHASES:
            dx, dy = _round_trip(cam, c + fx, c + 0.3 + fy, size, rng)
            bx.append(dx)
            by.append(dy)
    bx, by = np.array(bx), np.array(by)
    assert np.ptp(bx) < 0.005 and np.ptp(by) < 0.005, (name, np.ptp(bx), np.ptp(by))
    assert np.abs(bx).max() < 0.005 and np.abs(by).max() < 0.005, (name, bx, by)
