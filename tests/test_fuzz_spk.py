"""Fuzzing the SPK reader (``paledot.celestial.ephemeris``): a kernel written by SPICE, then bytes flipped,
zeroed, set to NaN patterns or cut off. Opening it and asking for a state gives finite numbers or a
one-line PaledotError."""

from __future__ import annotations

import os
import struct
import tempfile

import numpy as np
import pytest
from fuzzing import FUZZ, assert_finite, outcome
from hypothesis import example, given
from hypothesis import strategies as st

from paledot.celestial.ephemeris import Ephemeris


def _kernel() -> bytes:
    sp = pytest.importorskip("spiceypy")
    path = os.path.join(tempfile.mkdtemp(prefix="paledot-spk-"), "k.bsp")
    handle = sp.spkopn(path, "fuzz", 0)
    # two Chebyshev records of degree 3 for a body about the SSB over two days
    coeffs = np.array([[43200.0, 43200.0, 1e8, 1e3, 10.0, 1.0, 2e8, 2e3, 20.0, 2.0, 3e8, 3e3, 30.0, 3.0]])
    records = np.concatenate([coeffs, coeffs + [[86400.0, 0] + [0] * 12]])
    sp.spkw02(
        handle, -1001, 0, "J2000", 0.0, 172800.0, "fuzz", 86400.0, 2, 3, records[:, 2:].reshape(-1), 0.0
    )
    sp.spkcls(handle)
    with open(path, "rb") as fh:
        return fh.read()


KERNEL = _kernel()
NAN = struct.pack("<d", float("nan"))
INF = struct.pack("<d", float("inf"))
DOUBLES = [NAN, INF] + [struct.pack("<d", x) for x in (0.0, -1e300, 1e300, 5e-324, -1.0)]
_DIR = tempfile.mkdtemp(prefix="paledot-fuzz-spk-")


@st.composite
def broken(draw):
    data = bytearray(KERNEL)
    for _ in range(draw(st.integers(1, 4))):
        if len(data) < 16:
            break
        kind = draw(st.sampled_from(["byte", "double", "cut"]))
        # most of a tiny kernel is the file record and summaries: aim there as often as at data
        top = len(data) - 8
        at = draw(st.one_of(st.integers(0, top), st.integers(min(1024, top), min(3064, top))))
        if kind == "byte":
            data[at] = draw(st.integers(0, 255))
        elif kind == "double":
            data[at : at + 8] = draw(st.sampled_from(DOUBLES))
        else:
            del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def _case(data: bytes):
    path = os.path.join(_DIR, "k.bsp")
    with open(path, "wb") as fh:
        fh.write(data)

    def run():
        eph = Ephemeris([path], include_de440=False)
        return eph.state(-1001, np.array([1000.0, 86400.0, 150000.0]))

    state = outcome("SPK kernel", run)
    if state is not None:
        assert_finite("SPK kernel", *state)


def _looping() -> bytes:
    """The kernel with its summary record's NEXT pointing at itself: jplephem would loop for ever
    (found by make fuzz)."""
    data = bytearray(KERNEL)
    fward = struct.unpack("<i", data[76:80])[0]
    data[(fward - 1) * 1024 : (fward - 1) * 1024 + 8] = struct.pack("<d", float(fward))
    return bytes(data)


def _bad_nd() -> bytes:
    """The kernel with a negative ND in its file record: jplephem sized its summaries from it and
    asked for over 12 GB before failing (found when the suite ran out of memory)."""
    data = bytearray(KERNEL)
    data[8:12] = struct.pack("<i", -29891524)
    return bytes(data)


def test_corrupt_summary_sizes_are_refused_before_reading(tmp_path):
    from paledot._io.errors import PaledotError

    for nd, ni in ((-29891524, 6), (2, -1), (200, 6), (2, 400)):
        data = bytearray(KERNEL)
        data[8:16] = struct.pack("<2i", nd, ni)
        path = tmp_path / "k.bsp"
        path.write_bytes(bytes(data))
        with pytest.raises(PaledotError, match=f"ND = {nd} and NI = {ni}"):
            Ephemeris([path], include_de440=False)


@FUZZ
@given(broken())
@example(KERNEL)
@example(_looping())
@example(_bad_nd())
def test_fuzz_spk(data):
    _case(data)
