"""``paledot sweep``, ``paledot montecarlo`` and ``windows --workers``: outputs, errors, and the same
bytes for any worker count or chunking.

Oracles: the unchunked ``find_windows`` for each sweep combination (1 ms), pyarrow reading the
Parquet back, astropy's ``binom_conf_interval`` for the Wilson interval, and the single-process
run for bytes.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from paledot._io.errors import PaledotError
from paledot.cli import main
from paledot.plan import find_windows
from paledot.plan.chunks import built
from paledot.plan.sweep import SweepSpec, run_sweep

WINDOWS = ["windows", "--observer", "mars", "--target", "earth", "--target", "moon",
           "--start", "2023-01-01", "--stop", "2024-06-01", "--sun-elongation-min", "30",
           "--separation-min", "0.05", "--format", "csv"]


def test_windows_workers_same_output(capsys):
    assert main(WINDOWS + ["--workers", "1", "--chunk", "40d", "--no-progress"]) == 0
    one = capsys.readouterr().out
    assert main(WINDOWS + ["--workers", "2", "--chunk", "13d", "--no-progress"]) == 0
    two = capsys.readouterr().out
    assert one == two and one.count("\n") > 10
    assert main(WINDOWS) == 0  # unchunked: the same windows, boundaries within 1 ms
    plain = capsys.readouterr().out
    assert plain.count("\n") == one.count("\n")


def test_windows_bad_workers(capsys):
    assert main(WINDOWS + ["--workers", "0"]) == 2
    assert "--workers 0" in capsys.readouterr().err


SPEC = {"start": "2023-01-01", "stop": "2026-01-01", "chunk": "200d", "observers": ["mars", "mars express"],
        "cameras": ["hrsc-src"], "constraints": {"apart": {"separation-min": 0.05, "sun-elongation-min": 30},
                                                 "lit": {"phase-max": 40, "sun-elongation-min": 20}}}


def test_sweep_matches_unchunked_search():
    res = run_sweep(SweepSpec.from_dict(SPEC), workers=2, progress=False)
    assert len(res.combos) == 4
    for (_, _, _, wspec), w in zip(res.combos, res.windows, strict=True):
        ctx, constraint, _ = built(wspec)
        plain = find_windows(ctx, constraint, wspec["start"], wspec["stop"]).spans
        assert plain.shape == w.shape and len(w) > 0
        assert np.abs(plain - w).max() <= 1e-3
    again = run_sweep(SweepSpec.from_dict(SPEC), workers=1, progress=False)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(res.windows, again.windows, strict=True))


def test_sweep_command_writes_parquet(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    spec = tmp_path / "sweep.toml"
    spec.write_text('start = "2023-01-01"\nstop = "2025-01-01"\nobservers = ["mars"]\n'
                    'cameras = ["hrsc-src"]\n'
                    '[constraints.apart]\nseparation-min = 0.05\nsun-elongation-min = 30\n')
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    text = capsys.readouterr().out
    t = pq.read_table(out / "windows.parquet")
    assert set(t.column_names) >= {"observer", "camera", "constraints", "start_et", "stop_et", "start_utc",
                                   "hours"}
    ctx, constraint, _ = built(SweepSpec.from_toml(spec).combinations()[0][3])
    plain = find_windows(ctx, constraint, "2023-01-01", "2025-01-01")
    assert t.num_rows == len(plain)
    assert np.abs(np.array(t.column("start_et")) - plain.spans[:, 0]).max() <= 1e-3
    hours = float(np.sum(np.array(t.column("hours"))))
    assert f"{hours:.1f}" in text and (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 2  # no --overwrite


@pytest.mark.parametrize("bad, msg", [
    ({"observers": []}, "needs 'observers'"),
    ({"colour": "red"}, "unknown key"),
    ({"constraints": {"x": {"separation-minimum": 1}}}, "constraint set 'x'"),
    ({"constraints": {}}, "at least one"),
])
def test_sweep_spec_errors(bad, msg):
    with pytest.raises(PaledotError, match=msg):
        SweepSpec.from_dict({**SPEC, **bad}).combinations()


def test_sweep_cli_constraint_error(capsys):
    assert main(["sweep", "--observer", "mars", "--start", "2023-01-01", "--stop", "2023-02-01",
                 "--constraints", "nothing-here"]) == 2
    assert "NAME=OPTIONS" in capsys.readouterr().err


# --- montecarlo --------------------------------------------------------------------------------
pytest.importorskip("sep")
from paledot.plan.montecarlo import MonteCarloSpec, draws, run_montecarlo, wilson  # noqa: E402

MC = MonteCarloSpec(exposures_s=(5e-5, 1.5e-3), frames=6, crop=256, pointing_px=10.0)


def test_wilson_matches_astropy():
    from astropy.stats import binom_conf_interval

    for k, n in ((0, 10), (3, 10), (19, 20), (20, 20), (57, 250)):
        lo, hi = binom_conf_interval(k, n, confidence_level=0.95, interval="wilson")
        assert wilson(k, n) == pytest.approx((lo, hi), abs=1e-6)


def test_draws_depend_on_the_frame_only():
    a = [draws(MC, i) for i in range(6)]
    assert a == [draws(dataclasses.replace(MC, frames=100), i) for i in range(6)]
    assert len({x[4] for x in a}) == 6


def test_montecarlo_chunking_and_physics():
    one = run_montecarlo(MC, chunk_frames=6, workers=1, progress=False)
    two = run_montecarlo(MC, chunk_frames=1, workers=2, progress=False)
    assert one.csv_text() == two.csv_text()
    det, exp = one.column("moon_detected"), one.column("exposure_ms")
    # predicted SNR ~1 at 0.05 ms: never a detection; ~25 at 1.5 ms: always, within 0.5 px
    assert not det[exp == 0.05].any() and det[exp == 1.5].all()
    assert np.nanmax(one.column("moon_error_px")) < 0.5
    assert one.recommended() == 1.5


def test_montecarlo_command(tmp_path, capsys):
    out = tmp_path / "mc"
    assert main(["montecarlo", "--frames", "4", "--exposures", "0.05,1.5", "--crop", "256", "--out", str(out),
                 "--workers", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "recommended exposure: 1.5 ms" in text and "in 2/2 frames" in text
    # two frames cannot show a 95% rate: the Wilson interval says so (astropy's binom_conf_interval)
    from astropy.stats import binom_conf_interval

    low = binom_conf_interval(2, 2, confidence_level=0.95, interval="wilson")[0]
    assert f"as low as {low:.0%}): run more --frames" in text
    s = json.loads((out / "summary.json").read_text())
    assert s["recommended_exposure_ms"] == 1.5 and len(s["rates"]) == 2
    assert main(["montecarlo", "--exposures", "0,1", "--out", str(tmp_path / "x")]) == 2
    assert "must be positive" in capsys.readouterr().err


def test_campaign_workers_same_plan(tmp_path, capsys):
    args = ["campaign", "--observer", "mars", "--target", "earth", "--target", "moon", "--frames", "4",
            "--start", "2023-05-15", "--stop", "2023-06-03", "--sun-elongation-min", "30", "--format", "json"]
    assert main(args + ["--out", str(tmp_path / "a"), "--workers", "1", "--chunk", "5d"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(args + ["--out", str(tmp_path / "b"), "--workers", "2", "--chunk", "3d"]) == 0
    two = json.loads(capsys.readouterr().out)
    assert one == two and len(one["plan"]) == 4 and one["covered_share"] > 0.6
