"""Earth's orientation at full precision, for sites on Earth: the GCRS -> ITRS rotation of the IERS
Conventions (2010) through ERFA, with UT1 and polar motion from the IERS tables astropy ships.

    r_ITRS = W(xp, yp, s') R3(ERA(UT1)) C(X, Y, s)(TT) r_GCRS

``C``: IAU 2006 precession with IAU 2000A nutation, CIO based (``eraC2i06a``); ``ERA``: the Earth
rotation angle from UT1 (``eraEra00``); ``W``: polar motion (``eraPom00``, ``eraSp00``). UT1 - UTC
and the pole coordinates come from astropy's Earth-orientation table (IERS-B, then IERS-A with its
predictions), read offline: ``astropy.utils.iers.conf.auto_download`` is held False (and the
age check off, since the table is what the package shipped) for every
look-up made here; before the IERS-A table (1973) the measured IERS-B one (from 1962). Before 1962
UT1 comes from the historical Delta T of :mod:`paledot.time.deltat` (uncertain by about 0.1 s around
1900) and polar motion is taken as zero. Past the table's predictions (about a year ahead) its end
values are used. :func:`earth_matrix` says which in its notes: past the table UT1 may be off by up
to a second (about 400 m at the equator).

GCRS axes are the ICRS ones, which paledot takes as J2000 (as SPICE does for DE440); the small
scale difference between geocentric and barycentric coordinates (1.5e-8, 0.1 mm at Earth's
surface) is ignored. This replaces the IAU WGCCRE low-precision Earth model (no nutation, no
UT1, no polar motion: 6-8 km of error at the surface) for surface sites.

Epochs ET seconds (arrays); matrices J2000 -> ITRS, (N, 3, 3); rates 1/s. Never touches the network.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..time.utc import DAY_S, J2000_JD, et_to_utc_seconds, tdb_minus_tt

#: Earth rotation angle rate, rad/s (IERS Conventions 2010, eq. 5.15).
ERA_RATE = 2 * np.pi * 1.00273781191135448 / DAY_S
#: 1962-01-01 (MJD 37665), where astropy's IERS-B table and measured UT1 begin.
IERS_B_START_JD = 2437665.5
_ARCSEC = np.pi / 180 / 3600


def earth_orientation(et) -> tuple[np.ndarray, np.ndarray, str]:
    """(UT1 - UTC in s, (N, 2) pole coordinates xp, yp in rad, note) at ET epochs ``et``.

    From astropy's IERS table (IERS-A with predictions, from 1973); before it, astropy's IERS-B
    (measured, from 1962); before 1962, where UT1 was never measured, UT1 = TT - Delta T with
    :func:`paledot.time.deltat.delta_t` and the pole at its mean place (xp = yp = 0)."""
    from astropy.utils import iers

    from ..time.deltat import delta_t

    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    u, _ = et_to_utc_seconds(et)
    jd = J2000_JD + np.floor(u / DAY_S)
    frac = (u - np.floor(u / DAY_S) * DAY_S) / DAY_S
    with iers.conf.set_temp("auto_download", False), iers.conf.set_temp("auto_max_age", None), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = iers.earth_orientation_table.get()
        dut1, status = table.ut1_utc(jd, frac, return_status=True)
        xp, yp = table.pm_xy(jd, frac)
        dut1, status = np.asarray(dut1.to_value("s"), dtype=np.float64), np.asarray(status)
        xp, yp = np.asarray(xp.to_value("arcsec")), np.asarray(yp.to_value("arcsec"))
        early = jd + frac < float(table["MJD"][0].value) + 2400000.5
        if early.any():
            measured = iers.IERS_B.open()
            b_dut1, b_status = measured.ut1_utc(jd[early], frac[early], return_status=True)
            b_xp, b_yp, _ = measured.pm_xy(jd[early], frac[early], return_status=True)
            dut1[early] = np.asarray(b_dut1.to_value("s"))
            xp[early], yp[early] = np.asarray(b_xp.to_value("arcsec")), np.asarray(b_yp.to_value("arcsec"))
            status[early] = b_status
    before = jd + frac < IERS_B_START_JD
    if before.any():  # UT1 from Delta T; u is astropy's UTC there, whatever its convention
        tt = et[before] - tdb_minus_tt(et[before])
        dut1[before] = tt - delta_t(tt) - u[before]
        xp[before] = yp[before] = 0.0
        status[before] = 0
    notes = []
    if before.any():
        notes.append("Earth orientation before 1962: UT1 = TT - Delta T from Stephenson, Morrison & "
                     "Hohenkerk (2016, 2020 revision), uncertain by about 0.1 s around 1900 and more "
                     "earlier (40 m at the equator per 0.1 s); polar motion taken as zero")
    if np.any(status < 0):
        notes.append("Earth orientation: some epochs lie outside astropy's IERS table "
                     f"(past MJD {float(table['MJD'][-1].value):.0f}); UT1-UTC and polar motion are held at "
                     "the table's end values there (UT1 may be off by up to a second, a few hundred "
                     "metres at the surface)")
    pole = np.stack((xp, yp), -1) * _ARCSEC
    return dut1, pole, "; ".join(notes)


def earth_matrix(et, rate: bool = False) -> tuple[np.ndarray, np.ndarray | None, str]:
    """J2000 (GCRS) -> ITRS matrices (N, 3, 3), their time derivative (1/s) if ``rate`` (Earth's
    spin only: precession-nutation and polar motion change a million times more slowly), and a
    note (empty unless an epoch is before 1962 or past the IERS table)."""
    import erfa

    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    tt = et - tdb_minus_tt(et)
    dut1, pole, note = earth_orientation(et)
    u, _ = et_to_utc_seconds(et)
    ut1 = u + dut1
    c2i = erfa.c2i06a(J2000_JD, tt / DAY_S)
    era = erfa.era00(J2000_JD, ut1 / DAY_S)
    pom = erfa.pom00(pole[:, 0], pole[:, 1], erfa.sp00(J2000_JD, tt / DAY_S))
    spin = _r3(era)
    m = pom @ spin @ c2i
    if not rate:
        return m, None, note
    return m, pom @ (_dr3(era) * ERA_RATE) @ c2i, note


def _r3(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z, o = np.zeros_like(x), np.ones_like(x)
    return np.stack((np.stack((c, s, z), -1), np.stack((-s, c, z), -1), np.stack((z, z, o), -1)), -2)


def _dr3(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z = np.zeros_like(x)
    return np.stack((np.stack((-s, c, z), -1), np.stack((-c, -s, z), -1), np.stack((z, z, z), -1)), -2)
