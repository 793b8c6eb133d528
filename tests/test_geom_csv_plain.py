"""Plain CSV: ``paledot geometry --format csv`` starts at its header row, so pandas, csv.DictReader
and spreadsheets read it as it is; its notes (version, observer, correction, ephemeris,
conventions, caveats) go to stderr, once, and not at all with --quiet."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import paledot
from paledot.cli import main
from paledot.geometry.columns import columns

ARGS = ["geometry", "--observer", "mars", "--target", "earth", "--target", "moon",
        "--start", "2023-05-15", "--stop", "2023-05-16", "--step", "6h", "--format", "csv"]
EPOCHS = ["2023-05-15T00:00", "2023-05-15T06:00", "2023-05-15T12:00", "2023-05-15T18:00", "2023-05-16T00:00"]


@pytest.fixture(scope="module")
def expected():
    g = paledot.observe("mars", ["earth", "moon"], EPOCHS)
    return g, ["utc"] + [c.csv for c in columns(g)]


def _run(capsys, argv):
    assert main(argv) == 0
    return capsys.readouterr()


def _check_notes(err: str) -> None:
    lines = err.splitlines()
    assert lines[0].startswith("paledot ") and "observer mars" in lines[0] and "correction LT+S" in lines[0]
    assert "ephemeris" in lines[0] and any(x.startswith("conventions: ") for x in lines)
    assert any(x.startswith("note: ") and "barycentre" in x for x in lines)
    assert err.count("observer mars") == 1  # one block


def test_csv_dictreader_reads_stdout_as_it_is(capsys, expected):
    g, names = expected
    got = _run(capsys, ARGS)
    assert got.out.splitlines()[0] == ",".join(names) and "#" not in got.out
    rows = list(csv.DictReader(io.StringIO(got.out)))
    reader = csv.DictReader(io.StringIO(got.out))
    assert reader.fieldnames == names and names[0] == "utc"
    assert len(rows) == len(EPOCHS) * 2  # a row per (epoch, target)
    assert [r["target"] for r in rows[:2]] == ["earth", "moon"]
    assert rows[0]["utc"] == "2023-05-15T00:00:00.000"
    # range_km is printed with 6 decimals: equal to observe()'s to that precision
    assert float(rows[0]["range_km"]) == pytest.approx(g.range.to_value("km")[0, 0], rel=0, abs=0.5e-6)
    assert float(rows[-1]["range_km"]) == pytest.approx(g.range.to_value("km")[1, -1], rel=0, abs=0.5e-6)
    _check_notes(got.err)


def test_pandas_reads_stdout_as_it_is(capsys, expected):
    pd = pytest.importorskip("pandas")
    g, names = expected
    got = _run(capsys, ARGS)
    df = pd.read_csv(io.StringIO(got.out))
    assert list(df.columns) == names and df.shape == (len(EPOCHS) * 2, len(names))
    earth = df[df["target"] == "earth"]
    np.testing.assert_allclose(earth["range_km"].to_numpy(), g.range.to_value("km")[0], rtol=0, atol=0.5e-6)
    assert df["range_km"].dtype.kind == "f"


def test_out_file_and_chunks_are_plain_and_the_notes_said_once(capsys, tmp_path, expected):
    _, names = expected
    stdout = _run(capsys, ARGS).out
    out = tmp_path / "g.csv"
    got = _run(capsys, ARGS + ["--out", str(out), "--chunk", "2"])
    assert got.out == "" and out.read_text(encoding="utf-8") == stdout
    _check_notes(got.err)
    with out.open(newline="", encoding="utf-8") as fh:
        assert csv.DictReader(fh).fieldnames == names
    chunked = _run(capsys, ARGS + ["--chunk", "1"])
    assert chunked.out == stdout
    _check_notes(chunked.err)


def test_quiet_keeps_the_notes_off_stderr(capsys):
    got = _run(capsys, ARGS + ["-q"])
    assert got.out.startswith("utc,") and got.err == ""


def test_ecsv_and_json_keep_their_metadata(capsys):
    ecsv = _run(capsys, ARGS[:-1] + ["ecsv"])
    assert ecsv.out.startswith("# %ECSV") and "barycentre" in ecsv.out and "barycentre" not in ecsv.err
    doc = _run(capsys, ARGS[:-1] + ["json"])
    assert '"notes"' in doc.out and "barycentre" in doc.out
