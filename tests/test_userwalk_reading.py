"""Reading a foreign FITS header as a new user's frame would have it.

Found on SEP's real CCD frame (an ESO EMMI image): ``OBSERVER = 'LAPPARENT'`` (the astronomer, as
the FITS standard means the card) stopped ``paledot measure`` with "unknown body 'LAPPARENT'" even
with ``--observer mars``; and ``DATE-OBS = '26/10/92'`` (a day, no time) was read as midnight while
``MJD-OBS`` held the time, 15 h later.
"""

from __future__ import annotations

import warnings

import numpy as np
from astropy.io import fits
from astropy.time import Time

from paledot.cli import main
from paledot.measure import read_observation

SEP = "/work/shared/data/sep/image.fits"


def _et(t: Time) -> float:
    return float((t.tdb.jd1 - 2451545.0) * 86400.0 + t.tdb.jd2 * 86400.0)


def _write(path, **cards):
    hdu = fits.PrimaryHDU(np.zeros((32, 32), dtype=np.float32))
    for k, v in cards.items():
        hdu.header[k.replace("_", "-")] = v
    hdu.writeto(path)
    return str(path)


def test_a_persons_name_in_observer_gives_way_to_the_option(tmp_path):
    f = _write(tmp_path / "a.fits", OBSERVER="J. Smith", DATE_OBS="2023-05-21T03:10:00")
    obs = read_observation(f, observer="mars")
    assert obs.observer == "mars"
    assert any("OBSERVER 'J. Smith'" in w for w in obs.meta["warnings"])


def test_a_known_observer_in_a_foreign_header_is_kept(tmp_path):
    f = _write(tmp_path / "b.fits", OBSERVER="mars express", DATE_OBS="2023-05-21T03:10:00")
    assert read_observation(f, observer="mars").observer == "mars express"


def test_date_without_time_takes_mjd_obs():
    obs = read_observation(SEP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the frame's non-standard ESO-LOG cards
        mjd = fits.getheader(SEP)["MJD-OBS"]
    expected = _et(Time(mjd, format="mjd", scale="utc"))  # astropy as the oracle
    assert abs(obs.et - expected) < 1e-3
    assert any("no time of day" in w for w in obs.meta["warnings"])


def test_date_without_time_takes_time_obs(tmp_path):
    f = _write(tmp_path / "c.fits", DATE_OBS="2023-05-21", TIME_OBS="03:10:07.5")
    obs = read_observation(f)
    assert abs(obs.et - _et(Time("2023-05-21T03:10:07.5", scale="utc"))) < 1e-3


def test_date_alone_is_midnight_with_a_warning(tmp_path):
    f = _write(tmp_path / "d.fits", DATE_OBS="2023-05-21")
    obs = read_observation(f)
    assert abs(obs.et - _et(Time("2023-05-21T00:00:00", scale="utc"))) < 1e-3
    assert any("read as 00:00 UTC" in w for w in obs.meta["warnings"])


def test_cli_measures_the_real_ccd_frame_and_says_why(capsys):
    # no observer known: sources listed, no verdict, and the exit status says so (3)
    assert main(["measure", SEP]) == 3
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "unknown body" not in err
    assert "paledot: warning: header OBSERVER 'LAPPARENT'" in err
    assert "1992-10-26T15:04:08" in out


def test_measure_table_shows_no_bound_as_a_dash(capsys):
    """A moments centroid has no Cramer-Rao bound: the table printed 0.0000 (a perfect one)."""
    from paledot.measure import measure, read_observation
    from paledot.measure.products import measurement_table

    # a star field with no Earth in it: a star may be listed as a candidate, never judged (exit 3)
    assert main(["measure", SEP, "--observer", "mars", "--camera", "hrsc-src"]) == 3
    out = capsys.readouterr().out
    assert "verdict: not identified" in out and "earth? " in out
    m = measure(read_observation(SEP, observer="mars", camera="hrsc-src"))
    s = m.body("earth")
    s.method, s.crb_x, s.crb_y = "moments", float("nan"), float("nan")
    row = next(line.split() for line in measurement_table(m).splitlines() if line.strip().startswith("earth"))
    assert row[-2] == "moments" and row[5] == "-", row


def test_unknown_time_is_not_called_utc(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    img = np.zeros((64, 64), dtype=np.uint8)
    img[30:33, 20:23] = 250
    Image.fromarray(img).save(tmp_path / "p.png")
    assert main(["measure", str(tmp_path / "p.png")]) == 3  # no time, no observer: no verdict
    out = capsys.readouterr().out
    assert "time      unknown\n" in out and "unknown UTC" not in out
