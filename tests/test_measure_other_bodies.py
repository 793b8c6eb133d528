"""Other bodies predicted in the field with Earth and the Moon: each one identified, none taken for
Earth or the Moon, and an extended planet's limb never called Earth.

Scenes are real geometry found with paledot's ephemeris (DE440): the days when a planet passes within
0.4 deg of Earth as seen from another planet, put in the SRC's 0.54 deg field (pointed at the three
bodies' mean direction, rolled so all fit):

- from Mercury, 1 March 2015: Jupiter 0.13 deg from Earth, 36 arcsec across (19 px: extended),
  V -2.1 against Earth's -3.8;
- from Mars, 22 March 2007: Saturn 0.14 deg away, 8 px, V +0.7 (the Moon +2.8);
- from Venus, 9 November 2020: Mars 0.16 deg away, 2.7 px and V +1.0: a point as bright as the Moon
  (V +1.7), the hardest to tell apart;
- from Mars, 3 November 2015: Venus 0.36 deg away, brighter than Earth (V -2.8 against -1.9).

The truth is the renderer's own pixel for each body. Identification is right when the named source
sits within 1 px of it (templates put them within 0.1 px; 1 px leaves room for a light centre).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

pytest.importorskip("sep")

from astropy.io import fits  # noqa: E402

from paledot.measure import measure, read_observation  # noqa: E402
from paledot.measure.prediction import predict  # noqa: E402
from paledot.render import Pointing, Scene, render  # noqa: E402
from paledot.render.files import write_fits  # noqa: E402
from paledot.time.timescales import to_et  # noqa: E402

SCENES = {
    "mercury-jupiter": ("mercury", "2015-03-01T20:59", "jupiter", 30.0),
    "mars-saturn": ("mars", "2007-03-22T18:59", "saturn", -40.0),
    "venus-mars": ("venus", "2020-11-09T14:59", "mars", 10.0),
    "mars-venus": ("mars", "2015-11-03T06:59", "venus", 16.0),
}


def _unit(ra, dec):
    a, d = math.radians(ra), math.radians(dec)
    return np.array([math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)])


def _render(observer, time, planet, roll):
    p = predict(observer, ["earth", "moon", planet], float(to_et(time)[0]))
    u = sum(_unit(b.ra_deg, b.dec_deg) for b in p)
    ra, dec = math.degrees(math.atan2(u[1], u[0])) % 360, math.degrees(math.asin(u[2] / np.linalg.norm(u)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return render(
            Scene(
                time,
                observer,
                ["earth", "moon", planet],
                "hrsc-src",
                pointing=Pointing("radec", ra_deg=ra, dec_deg=dec, roll_deg=roll),
                seed=2,
            )
        )


@pytest.fixture(scope="module", params=list(SCENES))
def scene(request, tmp_path_factory):
    observer, time, planet, roll = SCENES[request.param]
    frame = _render(observer, time, planet, roll)
    for b in frame.bodies:  # the scene is what it claims: all three on the frame, apart
        assert b.in_frame and 20 < b.x < 1004 and 20 < b.y < 1012, (b.name, b.x, b.y)
    d = tmp_path_factory.mktemp(request.param)
    path = d / "frame.fits"
    write_fits(frame, path)
    # the same frame with no WCS at all: identification by pattern and the pair's roll and scale
    with fits.open(path) as h:
        hd = h[0].header.copy()
        data = h[0].data
    for k in (
        "CTYPE1",
        "CTYPE2",
        "CRPIX1",
        "CRPIX2",
        "CRVAL1",
        "CRVAL2",
        "CD1_1",
        "CD1_2",
        "CD2_1",
        "CD2_2",
        "PC1_1",
        "PC1_2",
        "PC2_1",
        "PC2_2",
        "CDELT1",
        "CDELT2",
        "CUNIT1",
        "CUNIT2",
    ):
        hd.remove(k, ignore_missing=True)
    for k in ("CHECKSUM", "DATASUM"):
        hd.remove(k, ignore_missing=True)
    bare = d / "nowcs.fits"
    fits.PrimaryHDU(data, hd).writeto(bare)
    return observer, planet, frame, path, bare


def _near(m, frame, name, tol=1.0):
    s = m.body(name)
    t = frame.body(name)
    return s is not None and math.hypot(s.x - t.x, s.y - t.y) < tol


@pytest.mark.parametrize("which", ["wcs", "nowcs"])
def test_every_body_in_the_field_is_identified(scene, which):
    observer, planet, frame, path, bare = scene
    obs = read_observation(path if which == "wcs" else bare, observer=observer)
    assert (obs.wcs is None) == (which == "nowcs")
    m = measure(obs, ["earth", "moon", planet])
    for name in ("earth", "moon", planet):
        assert _near(m, frame, name), (name, m.identification.bodies, m.identification.notes)
        # the body's own template: its centre, well inside a pixel of the truth
        b, t = m.body(name), frame.body(name)
        assert math.hypot(b.x - t.x, b.y - t.y) < 0.15
    assert len(set(m.identification.bodies.values())) == 3
    assert m.verdict == "fits"


@pytest.mark.parametrize("which", ["wcs", "nowcs"])
def test_a_planet_not_asked_for_is_not_taken_for_earth_or_the_moon(scene, which):
    observer, planet, frame, path, bare = scene
    m = measure(read_observation(path if which == "wcs" else bare, observer=observer))
    assert set(m.identification.bodies) == {"earth", "moon"}
    assert _near(m, frame, "earth") and _near(m, frame, "moon")
    t = frame.body(planet)
    named = {m.identification.bodies["earth"], m.identification.bodies["moon"]}
    on_planet = [
        k for k, s in enumerate(m.sources.sources) if math.hypot(s.x - t.x, s.y - t.y) < 3 + t.diameter_px
    ]
    assert on_planet and not (set(on_planet) & named)


def test_a_planets_limb_in_the_field_is_not_earth(tmp_path):
    """The 2023 Earth and Moon with a sunlit planet's limb across a corner of the frame (a disk
    20,000 px in radius, each of its pixels as bright as Earth's brightest): the limb is one
    extended source, flagged as such (its ripple may leave small pieces, never named), and Earth and
    the Moon are still found where they are."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=4))
    dn = frame.dn.astype(np.float64)
    ny, nx = dn.shape
    yy, xx = np.mgrid[:ny, :nx]
    centre, radius = np.array([-14_000.0, -14_000.0]), 20_000.0
    r = np.hypot(xx - centre[0], yy - centre[1])
    limb = np.clip(radius - r + 0.5, 0.0, 1.0)  # anti-aliased edge
    assert 5_000 < (limb > 0).sum() < 60_000  # a corner, not the frame
    peak = float(frame.body("earth").peak_electrons) / frame.camera.gain_e_per_dn
    img = np.minimum(dn + limb * peak * (1 + 0.05 * np.cos(xx / 7.0)), np.iinfo(np.uint16).max)
    write_fits(frame, tmp_path / "f.fits")
    with fits.open(tmp_path / "f.fits") as h:
        hd = h[0].header.copy()
    for k in ("CHECKSUM", "DATASUM"):
        hd.remove(k, ignore_missing=True)
    fits.PrimaryHDU(img.astype(np.uint16), hd).writeto(tmp_path / "limb.fits")
    m = measure(read_observation(tmp_path / "limb.fits", observer="mars"))
    assert _near(m, frame, "earth") and _near(m, frame, "moon")
    on_limb = [
        s for s in m.sources.sources if limb[int(round(s.y)) % ny, int(round(s.x)) % nx] > 0 or s.area > 2000
    ]
    # the limb is extended; its bright ripple may leave small pieces too, none of them a body
    assert any("extended" in s.flags and s.area > 2000 for s in on_limb)
    named = {m.identification.bodies[b] for b in ("earth", "moon")}
    assert not named & {s.id for s in on_limb}
    assert m.verdict == "fits"
