"""Settings and bookkeeping shared by the fuzz tests (tests/test_fuzz_*.py).

Two profiles, chosen by the environment variable ``PALEDOT_FUZZ``:
- ``fast`` (default, in ``make test``): ``FAST_EXAMPLES`` generated inputs per reader;
- ``long`` (``make fuzz``): ``LONG_EXAMPLES`` per reader (override with ``PALEDOT_FUZZ_EXAMPLES``).

Every property is the same: a reader gives a valid result (every number finite) or raises a
PaledotError; anything else fails the test. ``record`` counts what each reader was given and how it
ended; with ``PALEDOT_FUZZ_REPORT=<file>`` the counts are appended there as JSON lines (the README's
reliability figures come from such a file).
"""

from __future__ import annotations

import atexit
import json
import os
import warnings
from collections import Counter, defaultdict

import numpy as np
from hypothesis import HealthCheck, settings

from paledot._io.errors import PaledotError

FAST_EXAMPLES = 1000
LONG_EXAMPLES = 100_000
PROFILE = os.environ.get("PALEDOT_FUZZ", "fast")
EXAMPLES = int(os.environ.get("PALEDOT_FUZZ_EXAMPLES", LONG_EXAMPLES if PROFILE == "long" else FAST_EXAMPLES))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=PROFILE != "long",  # the fast profile is the same every run; the long one explores
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

COUNTS: dict[str, Counter] = defaultdict(Counter)


def outcome(reader: str, call):
    """Run ``call()``: a PaledotError is a good ending, as is a result; count which. Anything else
    propagates and fails the property. Numpy floating-point warnings are errors here (a reader
    must not compute its way through an overflow or an invalid operation); underflow to zero is
    not, as numpy's default has it."""
    COUNTS[reader]["cases"] += 1
    if COUNTS[reader]["cases"] % 5000 == 0:
        _report(progress=True)
    try:
        with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
            warnings.simplefilter("error", RuntimeWarning)
            result = call()
    except PaledotError as exc:
        assert "\n" not in str(exc), f"{reader}: error of more than one line: {exc!r}"
        COUNTS[reader]["refused"] += 1
        return None
    COUNTS[reader]["accepted"] += 1
    return result


def assert_finite(reader: str, *arrays) -> None:
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            COUNTS[reader]["non_finite"] += 1
            raise AssertionError(f"{reader}: a non-finite number came out: {a!r}")


def _report(progress: bool = False) -> None:
    """Append the counts to $PALEDOT_FUZZ_REPORT at exit; while running, keep the latest counts in
    $PALEDOT_FUZZ_REPORT.progress (so a long run cut short still tells how far it got)."""
    path = os.environ.get("PALEDOT_FUZZ_REPORT")
    if not path or not COUNTS:
        return
    if progress:
        path += ".progress"
    with open(path, "w" if progress else "a", encoding="utf-8") as fh:
        for reader, c in sorted(COUNTS.items()):
            fh.write(json.dumps({"profile": PROFILE, "reader": reader, **c}) + "\n")


atexit.register(_report)


if __name__ == "__main__":  # python tests/fuzzing.py fuzz-report.jsonl: the table for the README
    import sys

    totals: dict[str, Counter] = defaultdict(Counter)
    with open(sys.argv[1], encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            totals[row["reader"]].update({k: v for k, v in row.items() if isinstance(v, int)})
    print("| reader | inputs | accepted (all finite) | refused (one-line PaledotError) | anything else |")
    print("|---|---:|---:|---:|---:|")
    for reader, c in sorted(totals.items()):
        other = c["cases"] - c["accepted"] - c["refused"] + c["non_finite"]
        print(f"| {reader} | {c['cases']:,} | {c['accepted']:,} | {c['refused']:,} | {other:,} |")
