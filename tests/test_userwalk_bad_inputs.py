"""Bad command lines found walking the README: each is one 'paledot: error:' line naming the value
and what is allowed, exit 2, nothing written. Before, each ran and exited 0."""

from __future__ import annotations

import pytest

from paledot.cli import main

WIN = ["windows", "--observer", "mars express", "--target", "earth", "--target", "moon",
       "--start", "2023-01-01", "--stop", "2023-03-01"]
SITE = ["windows", "--observer", "site:mars,lat=-4.59,lon=137.44", "--target", "earth",
        "--start", "2023-01-01", "--stop", "2023-01-05"]
ONE = ["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21", "--target", "earth"]
MANY = ["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth",
        "--start", "2023-05-21", "--stop", "2023-05-22", "--step", "6h"]


@pytest.mark.parametrize("argv,needle", [
    (WIN + ["--illuminated-min", "2"], "illuminated fraction limit 2.0 must be 0 to 1"),
    (WIN + ["--illuminated-min", "-0.5"], "illuminated fraction limit -0.5 must be 0 to 1"),
    (WIN + ["--phase-max", "200"], "phase angle limit 200.0 must be 0 to 180 deg"),
    (WIN + ["--phase-min", "-10"], "phase angle limit -10.0 must be 0 to 180 deg"),
    (WIN + ["--magnitude-max", "nan"], "magnitude limit nan must be a finite number"),
    (WIN + ["--range-max", "-5"], "range limit -5.0 must be a finite number >= 0 km"),
    (WIN + ["--not-hidden", "--limb-margin", "-400"], "limb margin -400.0 must be -90 to 90 deg"),
    (WIN + ["--snr-min", "-3", "--camera", "hrsc-src"], "SNR minimum -3.0 must be a finite number >= 0"),
    (SITE + ["--elevation-min", "95"], "elevation minimum 95.0 must be -90 to 90 deg"),
    (SITE + ["--sun-below", "100"], "Sun depression 100.0 must be -90 to 90 deg"),
    (ONE + ["--out", "{tmp}/f.png"], "is where the FITS frame goes: name it .fits"),
    (MANY + ["--out", "{tmp}/f.fits"], "is the folder of a batch render"),
    (["measure", "/work/shared/data/sep/image.fits", "--sip", "9"], "--sip 9 must be a SIP degree"),
    (ONE + ["--out", "{tmp}/f.fits", "--exposure", "1e9"], "exposure '1e9' ms must be at most 86,400,000 ms"),
    (MANY + ["--out", "{tmp}/b", "--exposure", "1e9"], "exposure '1e9' ms must be at most 86,400,000 ms"),
    (["montecarlo", "--frames", "8", "--exposure-jitter", "5", "--out", "{tmp}/mc"],
     "--exposure-jitter 5.0 must be at most 0.5"),
])
def test_refused_in_one_line(argv, needle, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith("paledot: error: ") and err.count("\n") == 1, err
    assert needle in err
    assert list(tmp_path.iterdir()) == []


def test_limits_inside_the_span_still_search(capsys):
    assert main(WIN + ["--illuminated-min", "0.5", "--phase-max", "180", "--magnitude-max", "4"]) == 0


def test_chunk_dir_that_is_a_file(tmp_path, capsys):
    """Was exit 1, 'cannot complete: Not a directory: .../frames' (an I/O failure, not the user's)."""
    f = tmp_path / "notes.txt"
    f.write_text("x")
    for argv in (MANY + ["--out", str(tmp_path / "b"), "--chunk-dir", str(f)],
                 WIN + ["--sun-elongation-min", "30", "--workers", "1", "--chunk-dir", str(f / "sub")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is a file, not a folder" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_campaign_name_cannot_leave_the_output_folder(tmp_path, monkeypatch, capsys):
    """--name ../../x wrote the plan two folders above paledot-out/."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    argv = ["campaign", "--observer", "mars", "--target", "earth", "--target", "moon", "--frames", "2",
            "--start", "2023-05-15", "--stop", "2023-05-20", "--sun-elongation-min", "30",
            "--name", "../../x"]
    assert main(argv) == 2
    assert "must be a plain name" in capsys.readouterr().err
    assert not (tmp_path / "a" / "x").exists() and not (tmp_path / "x").exists()


def test_measure_refuses_an_existing_output_before_measuring(tmp_path, capsys, monkeypatch):
    """--plot/--json onto an existing file was refused only after the whole measurement."""
    import paledot.measure as M

    out = tmp_path / "p.png"
    out.write_bytes(b"old")

    def boom(*a, **k):
        raise AssertionError("measured before refusing")

    monkeypatch.setattr(M, "measure", boom)
    assert main(["measure", "/work/shared/data/sep/image.fits", "--json", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == b"old"
