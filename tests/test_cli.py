"""The command line: outputs, and one-line errors with a non-zero exit for every bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from paledot import observe, to_et
from paledot.cli import main

BASE = ["geometry", "--observer", "mars", "--target", "earth"]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--target", "vulcan", "--time", "2023-05-15"], "unknown body 'vulcan'"),
        (["--time", "2800-01-01"], "covers 1549-12-31 to 2650-01-25"),
        (["--time", "1400-01-01"], "outside the ephemeris"),
        (["--time", "2023-02-30"], "cannot read time '2023-02-30'"),
        (["--time", "yesterday"], "cannot read time 'yesterday'"),
        (["--start", "2023-05-15", "--stop", "2023-06-02", "--step", "-1d"], "step '-1d' must be positive"),
        (["--start", "2023-05-15", "--stop", "2023-06-02", "--step", "0h"], "step '0h' must be positive"),
        (["--start", "2023-05-15", "--stop", "2023-06-02", "--step", "fortnight"], "cannot read step"),
        (["--start", "2023-06-02", "--stop", "2023-05-15"], "is before start"),
        (["--start", "1600-01-01", "--stop", "2600-01-01", "--step", "1s"], "--chunk"),
        (["--time", "2023-05-15", "--correction", "XLT"], "unknown aberration correction"),
        (["--time", "2023-05-15", "--ephemeris", "/nonexistent/file.bsp"], "does not exist"),
        (["--start", "2023-05-15"], "give --time, or both --start and --stop"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, extra, needle):
    code, out, err = run(BASE + extra, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("paledot: error: "), err
    assert needle in err
    assert "Traceback" not in err


def test_unknown_body_suggests_close_names(capsys):
    code, _, err = run(["geometry", "--observer", "marz", "--target", "earth", "--time", "2023-05-15"],
                       capsys)
    assert code == 2 and "did you mean 'mars'" in err


def test_corrupt_ephemeris_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "broken.bsp"
    bad.write_bytes(b"DAF/SPK " + b"\x00" * 100)
    code, _, err = run(BASE + ["--time", "2023-05-15", "--ephemeris", str(bad)], capsys)
    assert code == 2 and "cannot read ephemeris" in err and err.count("\n") == 1


def test_entry_point_runs_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "paledot.cli", *BASE, "--time", "2800-01-01"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("paledot: error:") and "Traceback" not in proc.stderr


def test_table_shows_people_units(capsys):
    code, out, err = run(["geometry", "--observer", "mars", "--target", "earth", "--target", "moon",
                          "--start", "2023-05-15", "--stop", "2023-06-02", "--step", "1d"], capsys)
    assert code == 0
    assert "M miles" in out and "AU" in out and "arcsec" in out
    assert out.count("2023-05-") >= 2 * 17  # 19 days x 2 targets (+ pairs)
    # the Mars-centre caveat is said, not hidden: on stderr, apart from the data
    assert "system barycentre (NAIF 4) stands in" in err and "stands in" not in out


def test_csv_round_trips_exactly(capsys):
    times = ["2023-05-15T14:08", "2023-06-02T15:00"]
    code, out, _ = run(BASE + ["--target", "moon", "--format", "csv", "--digits", "full", "--time", times[0],
                               "--time", times[1]], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))  # plain CSV: the header is the first line
    g = observe("mars", ["earth", "moon"], times)
    rng = g.range.to_value("km")
    got = np.array([float(r["range_km"]) for r in rows]).reshape(2, 2).T
    assert np.array_equal(got, rng)  # bit-for-bit
    assert np.array_equal(np.array([float(r["et"]) for r in rows[::2]]), to_et(times))


def test_json_round_trips_and_has_pairs(capsys):
    code, out, _ = run(BASE + ["--target", "moon", "--format", "json", "--time", "2023-05-21T03:10"],
                       capsys)
    assert code == 0
    doc = json.loads(out)
    g = observe("mars", ["earth", "moon"], ["2023-05-21T03:10"])
    assert doc["rows"][1]["range_km"] == g.range.to_value("km")[1, 0]
    assert doc["pairs"][0]["separation_arcsec"] == g.separation("earth", "moon").to_value("arcsec")[0]
    assert doc["notes"]  # the barycentre caveat travels with the data


@pytest.mark.parametrize("fmt", ["csv", "table", "json"])
@pytest.mark.parametrize("corr", ["LT+S", "CN"])
def test_chunked_output_equals_unchunked(capsys, fmt, corr):
    argv = ["geometry", "--observer", "moon", "--target", "earth", "--target", "sun", "--format", fmt,
            "--correction", corr, "--start", "2023-05-15", "--stop", "2023-05-20", "--step", "37min"]
    _, whole, _ = run(argv, capsys)
    _, chunked, _ = run(argv + ["--chunk", "5"], capsys)
    _, single, _ = run(argv + ["--chunk", "1"], capsys)
    assert whole == chunked == single
    if fmt == "csv":
        data = whole.splitlines()
        assert len(data) == 1 + 2 * 195 and data[0].startswith("utc,")


def test_chunk_streams_a_grid_too_big_to_hold(capsys):
    """A 3-billion-epoch grid with --chunk starts streaming at once (only the first lines are read)."""
    import itertools

    from paledot.cli import _parser
    from paledot.cli.geometry import _epoch_chunks

    args = _parser().parse_args(BASE + ["--start", "2000-01-01", "--stop", "2100-01-01", "--step", "1s",
                                        "--chunk", "1000", "--format", "csv"])
    first = next(itertools.islice(_epoch_chunks(args), 1))
    assert first.size == 1000


def test_absurd_step_is_refused_even_with_chunk(capsys):
    code, _, err = run(BASE + ["--start", "2000-01-01", "--stop", "2100-01-01", "--step", "1e-300s",
                               "--chunk", "10"], capsys)
    assert code == 2 and "more than 1e+12 epochs" in err


def test_json_refuses_more_than_it_can_hold(capsys):
    code, _, err = run(BASE + ["--start", "2000-01-01", "--stop", "2100-01-01", "--step", "1min",
                               "--chunk", "1000", "--format", "json"], capsys)
    assert code == 2 and "use --format csv" in err


@pytest.mark.parametrize(
    "epochs", [["--start", "2023-05-15", "--stop", "2023-05-20"], ["--time", "2023-05-15"]]
)
def test_bad_chunk_is_refused(capsys, epochs):
    for bad in ("0", "-5"):
        code, _, err = run(BASE + epochs + ["--chunk", bad], capsys)
        assert code == 2 and f"--chunk {bad} must be a positive" in err
