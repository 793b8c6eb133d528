"""Forked workers must not share an SPK file offset with their parent or each other.

Found walking the README: ``paledot render ... --step 6h --png --out frames/ --workers 2`` failed
about one run in two with "cannot read the data of segment 0 -> 10 ... cannot reshape array", because
the forked pool workers inherited the parent's open DE440 file (one shared offset) and jplephem's
seek-then-read of one worker landed in the middle of another's.
"""

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from paledot.celestial.ephemeris import Ephemeris

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork start method only")

_EPH = None


def _child_seeks(q) -> None:
    daf = next(iter(_EPH._by_target[10]))._jpl.daf
    daf.file.seek(123456)
    daf.file.read(8)
    q.put(daf.file.tell())


def test_child_has_its_own_file_offset():
    global _EPH
    _EPH = Ephemeris()
    daf = next(iter(_EPH._by_target[10]))._jpl.daf
    daf.file.seek(1024)
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_seeks, args=(q,))
    p.start()
    assert q.get(timeout=60) == 123456 + 8
    p.join(60)
    assert p.exitcode == 0
    # the child's seek did not move the parent's offset (a shared descriptor would be at 123464)
    assert os.lseek(daf.file.fileno(), 0, os.SEEK_CUR) == 1024


def _load_all(targets) -> list:
    # every segment's coefficients loaded fresh in this worker, as a render chunk does
    out = []
    for t in targets:
        seg = _EPH._by_target[t][0]
        seg._coef = None
        seg._load()
        out.append(float(seg._coef[0, 0, 0]))
    return out


def test_pool_workers_load_segments_concurrently():
    global _EPH
    _EPH = Ephemeris()
    targets = sorted(_EPH._by_target)
    expected = _load_all(targets)  # oracle: the same file read in this one process
    for seg_list in _EPH._by_target.values():  # workers start with nothing loaded, as the CLI's
        seg_list[0]._coef = None
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
        results = list(pool.map(_load_all, [targets] * 16))
    for r in results:
        np.testing.assert_array_equal(r, expected)
