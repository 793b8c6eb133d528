"""The Moon's search on its ring about Earth (``paledot.measure.companion``): the noise there.

Two frames built here by hand, each a case the whole-frame noise gets wrong at the Moon's place:
Earth's own ringing (as a JPEG leaves it) at the Moon's separation, which must not be taken for the
Moon; and a sky crushed to one level, where a Moon of about one level step over its aperture is
plainly there and must be found (the whole-frame detection floor of a full step would miss it).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("sep")

from paledot.measure.companion import find_companion  # noqa: E402
from paledot.measure.evidence import SNR_MARGINAL, empty_aperture_noise  # noqa: E402
from paledot.measure.identify import ScaleHypothesis  # noqa: E402

N = 201
EX = EY = 100.0
SCALE = 2.0  # arcsec/px
SEP_PX = 9.0


def _bodies():
    """Earth and a Moon SEP_PX pixels away at SCALE (only their sky offset matters)."""
    pe = SimpleNamespace(ra_deg=150.0, dec_deg=10.0)
    pm = SimpleNamespace(ra_deg=150.0, dec_deg=10.0 + SEP_PX * SCALE / 3600.0)
    earth = SimpleNamespace(x=EX, y=EY, a=0.6, b=0.6, aperture_flux=5000.0)
    return earth, pe, pm


def _earth(img: np.ndarray, flux: float = 5000.0) -> None:
    yy, xx = np.mgrid[0:N, 0:N]
    img += flux / (2 * math.pi * 0.6**2) * np.exp(-((xx - EX) ** 2 + (yy - EY) ** 2) / (2 * 0.6**2))


def _search(img: np.ndarray, quantised: bool):
    earth, pe, pm = _bodies()
    occupied = np.hypot(*np.mgrid[0:N, 0:N] - EX) < 15  # Earth and its ring: not empty sky
    noise = empty_aperture_noise(img, np.zeros_like(img), occupied, 2.0, quantised=quantised)
    return find_companion(img, earth, pe, pm, wcs=None, scales=[ScaleHypothesis(SCALE, "test")], par=-1,
                          noise=noise, fwhm=1.5, moon_fainter=True)


def _dot(img: np.ndarray, x: float, y: float, flux: float, sigma: float = 0.7) -> None:
    yy, xx = np.mgrid[0:N, 0:N]
    img += flux / (2 * math.pi * sigma**2) * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))


def test_earth_ringing_at_the_separation_is_not_a_moon():
    """Fourteen blobs on Earth's ring at the Moon's separation, each of about 9 sigma of the sky's
    white noise, and no Moon: the ring's own scatter prices them, so none is reported."""
    rng = np.random.default_rng(4)
    img = rng.normal(0.0, 1.0, (N, N))
    _earth(img)
    amps = rng.uniform(0.0, 35.0, 14)
    for k, a in enumerate(amps):  # ringing: uneven in strength round the ring
        th = 2 * math.pi * k / 14
        _dot(img, EX + SEP_PX * math.cos(th), EY + SEP_PX * math.sin(th), a)
    c = _search(img, quantised=False)
    white = c.flux / (1.0 * math.sqrt(math.pi) * c.radius_px)  # what white noise alone would say
    assert white > 5.0  # the case: by the sky's noise the brightest blob would be a Moon
    assert not c.found, (c.snr, c.false_alarm)


def test_a_faint_moon_on_a_crushed_sky_is_found():
    """A sky rounded to one level (zero), Earth, and a Moon of about 6 level steps in all (a step a
    pixel) at its separation, also rounded: found at its place, its significance stated."""
    img = np.zeros((N, N))
    _earth(img)
    mx, my = EX + SEP_PX * math.cos(2.0), EY + SEP_PX * math.sin(2.0)
    _dot(img, mx, my, 6.0)
    img = np.round(img)
    c = _search(img, quantised=True)
    assert c.found and c.snr >= SNR_MARGINAL, (c.snr, c.false_alarm)
    assert math.hypot(c.x - mx, c.y - my) < 1.0


def test_no_moon_on_a_crushed_sky_is_not_found():
    """The same crushed sky without the Moon: nothing found (every sum on the ring is zero)."""
    img = np.zeros((N, N))
    _earth(img)
    c = _search(np.round(img), quantised=True)
    assert not c.found, (c.snr, c.false_alarm)
