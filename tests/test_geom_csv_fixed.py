"""Fixed-decimal CSV: the numpy formatter against Python's own ``f"{x:.{d}f}"`` (the oracle), on
random and adversarial values, and the CSV writer's fixed and full-digit paths."""

from __future__ import annotations

import csv
import io
import math

import erfa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paledot import observe
from paledot._io.errors import PaledotError
from paledot._io.fixedtext import MAX_DECIMALS, fixed_bytes, fixed_columns, join_rows
from paledot.cli import main
from paledot.geometry.columns import columns
from paledot.geometry.tables import DECIMALS, decimals, format_csv
from paledot.time.utc import tdb_minus_tt


def _texts(matrix: np.ndarray) -> list[str]:
    return [bytes(row[row != 0]).decode() for row in matrix]


def _python(values, d: int) -> list[str]:
    return [f"{v:.{d}f}" for v in np.asarray(values, dtype=np.float64).tolist()]


ADVERSARIAL = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, -0.125, 0.375, 1e-300, -1e-300, 5e-324,
               0.9999999999999999, -0.0004, 0.0005, 0.0015, 2.675, 1.005, 999.9995, 9.5, 99.5,
               1e15, 1e16 + 2, 1e17, 9.999999999999998e17, 1e18, -1e18, 1.7976931348623157e308,
               -1.7976931348623157e308, math.nan, -math.nan, math.inf, -math.inf, 123456789.123456789,
               4.35e8, -4.35e8, 7.0e8 + 0.0000005, 359.99999999995, 0.049999999999999996]


@pytest.mark.parametrize("d", range(MAX_DECIMALS + 1))
def test_adversarial_values_match_python(d):
    x = np.array(ADVERSARIAL)
    assert _texts(fixed_bytes(x, d)) == _python(x, d)


@pytest.mark.parametrize("d", [0, 3, 6, 7, 9, 10, 12, 15])
def test_near_ties_match_python(d):
    """Values a few ulps either side of a half-unit in the last decimal: where scaling by 10**d in
    floating point would round the wrong way, the formatter must still agree with Python."""
    rng = np.random.default_rng(d)
    base = (rng.integers(-10**6, 10**6, 4000) + 0.5) / 10.0**d
    x = np.concatenate([np.nextafter(base, np.inf), base, np.nextafter(base, -np.inf),
                        np.nextafter(np.nextafter(base, np.inf), np.inf)])
    assert _texts(fixed_bytes(x, d)) == _python(x, d)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40),
       st.integers(0, MAX_DECIMALS))
def test_any_floats_match_python(values, d):
    assert _texts(fixed_bytes(np.array(values), d)) == _python(values, d)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-1e12, max_value=1e12), min_size=3, max_size=60))
def test_columns_with_different_decimals_match_python(values):
    x = np.array(values[: len(values) // 3 * 3]).reshape(-1, 3)
    decs = [6, 10, 12]
    got = fixed_columns(x, decs)
    for j, d in enumerate(decs):
        assert _texts(got[j]) == _python(x[:, j], d)


def test_random_magnitudes_and_row_join():
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (3000, 4)) * 10.0 ** rng.integers(-12, 19, (3000, 4))
    cols = fixed_columns(x, [0, 6, 10, 15])
    text = join_rows(cols).decode()
    expected = "".join(",".join(f"{v:.{d}f}" for v, d in zip(row, [0, 6, 10, 15], strict=True)) + "\n"
                       for row in x.tolist())
    assert text == expected


def test_bad_decimals_are_refused():
    with pytest.raises(ValueError, match="decimals 16"):
        fixed_bytes(np.ones(2), 16)


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("observer,targets", [("mars", ["earth", "moon"]),
                                              ("mars express", ["earth", "moon"]),
                                              ("site:earth,lat=52,lon=13.4", ["moon", "sun", "mars"])])
def test_fixed_csv_is_the_full_csv_rounded(observer, targets):
    """Every float cell of the default CSV is Python's f-format of the exact double that the
    full-digit CSV carries, at the column's decimals; other cells are identical."""
    et = np.linspace(7.0e8, 7.0e8 + 86400.0 * 30, 300)
    g = observe(observer, targets, et)
    fixed, full = _rows(format_csv(g)), _rows(format_csv(g, digits="full"))
    cols = {c.csv: c for c in columns(g)}
    assert len(fixed) == len(full) == 300 * len(targets)
    for a, b in zip(fixed, full, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            c = cols.get(key)
            if c is not None and c.kind == "float":
                assert a[key] == f"{float(b[key]):.{decimals(c)}f}", key
            else:
                assert a[key] == b[key], key


def test_fixed_decimals_are_finer_than_the_engine():
    """The printed resolution is finer than the engine's stated agreement with SPICE: 5 mas for
    the sub-points (deg), 1.4 cm in range (km), 1 mm/s in range rate (km/s)."""
    assert 10.0 ** -DECIMALS["deg"] * 3.6e6 < 5e-3  # mas
    assert 10.0 ** -DECIMALS["km"] < 1.4e-5  # km
    assert 10.0 ** -DECIMALS["km / s"] < 1e-6  # km/s
    assert 10.0 ** -DECIMALS["s"] * 299792.458 < 1.4e-5  # light time, as km


def test_cli_digits_full_and_bad_digits(capsys):
    args = ["geometry", "--observer", "mars", "--target", "earth", "--time", "2023-05-15T14:08",
            "--format", "csv"]
    assert main(args) == 0
    fixed = _rows(capsys.readouterr().out)[0]
    assert main(args + ["--digits", "full"]) == 0
    full = _rows(capsys.readouterr().out)[0]
    assert fixed["range_km"] == f"{float(full['range_km']):.6f}" and fixed["range_km"] != full["range_km"]
    with pytest.raises(PaledotError, match="digits 'some'"):
        format_csv(observe("mars", "earth", np.array([7e8])), digits="some")


def test_tdb_minus_tt_interpolation_follows_erfa():
    """The interpolated TDB-TT of long arrays stays within 2e-10 s of ERFA's series (1900-2100)."""
    rng = np.random.default_rng(3)
    tt = rng.uniform(-100 * 365.25 * 86400, 100 * 365.25 * 86400, 100_000)
    direct = erfa.dtdb(2451545.0, tt / 86400.0, 0.0, 0.0, 0.0, 0.0)
    assert np.abs(tdb_minus_tt(tt) - direct).max() < 2e-10


def test_one_epoch_csv_does_not_import_astropy():
    """The cold start stays light: a one-epoch ``paledot geometry --format csv`` in a fresh process
    imports neither astropy nor anything that pulls it in (the parser registers every command)."""
    import subprocess
    import sys

    code = ("import sys; from paledot.cli import main; "
            "main(['geometry', '--observer', 'mars', '--target', 'earth', '--time', '2023-05-15T14:08', "
            "'--format', 'csv']); "
            "print('ASTROPY' if any(m.split('.')[0] == 'astropy' for m in sys.modules) else 'LIGHT')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("LIGHT")


def test_a_signal_during_the_text_cast_is_not_lost():
    """numpy's str-to-bytes cast swallows an exception raised by a signal handler while it runs
    (found when a SIGTERM to ``paledot geometry --out`` was lost 1 time in 25 and the command wrote
    on); ``text_bytes`` must let it through."""
    import signal

    from paledot._io.fixedtext import text_bytes

    class Stop(BaseException):
        pass

    def handler(signum, frame):
        raise Stop()

    strings = np.array(["2023-05-15T14:08:00.000"] * 2_000_000)
    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.005)
        with pytest.raises(Stop):
            text_bytes(strings)
            for _ in range(10**8):  # the alarm lands here if the cast finished first
                pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
