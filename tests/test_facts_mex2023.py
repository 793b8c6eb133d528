"""The 2023 Mars Express sequence against the published facts (docs/facts-sources.md)."""

from __future__ import annotations

import numpy as np

from paledot import observe

# ESA, "Earth and Moon seen by Mars Express" (July 2023): image times and the distance span.
ESA_TIMES = ["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49", "2023-06-02T15:00"]
ESA_FIRST_KM = 279_186_624
ESA_LAST_KM = 301_016_265
# Mars Express's apoapsis altitude is about 10,100 km (ESA mission pages), so the spacecraft is at
# most about 13,500 km from Mars's centre: the most our centre-of-Mars range can differ by.
MEX_MAX_OFFSET_KM = 14_000


def test_distances_fall_in_the_published_span_at_its_precision():
    g = observe("mars", "earth", ESA_TIMES)
    rng = g.range.to_value("km")[0]
    millions = np.round(rng / 1e6)
    assert np.all((millions >= 279) & (millions <= 301)), rng


def test_first_and_last_distance_within_mars_express_orbit_of_esa_figures():
    g = observe("mars", "earth", [ESA_TIMES[0], ESA_TIMES[-1]])
    first, last = g.range.to_value("km")[0]
    assert abs(first - ESA_FIRST_KM) < MEX_MAX_OFFSET_KM
    assert abs(last - ESA_LAST_KM) < MEX_MAX_OFFSET_KM
    # and the sequence grows, as ESA's span says: Earth was receding from Mars.
    assert last > first


def test_earth_is_an_ant_at_100_m():
    """Earth's angular diameter times 100 m is ant-sized: 3 to 6 mm."""
    g = observe("mars", "earth", [ESA_TIMES[0], ESA_TIMES[-1]])
    size_mm = g.angular_diameter.to_value("rad")[0] * 100.0 * 1000.0
    assert np.all((size_mm > 3) & (size_mm < 6)), size_mm


def test_moon_is_beside_earth_within_the_src_field():
    """The Moon sits a few arcminutes from Earth: inside the SRC's ~0.5 degree field."""
    g = observe("mars", ["earth", "moon"], ESA_TIMES)
    sep_deg = g.separation("earth", "moon").to_value("deg")
    assert np.all(sep_deg < 0.25) and np.all(sep_deg > 0.01)
