"""Fixed-decimal text of whole float columns, as bytes, exactly as Python's ``f"{x:.{d}f}"`` spells it.

A column of N floats becomes an (N, W) ``uint8`` matrix of ASCII characters, right-aligned, with
0 bytes as padding (:func:`join_rows` lays the columns side by side and drops every 0 byte once),
so a table of millions of cells is formatted with a few dozen numpy operations instead of one
Python call per cell.

Exactness. Each value is split into its integer part (exact, as an integer) and its fractional
part ``f`` (exact: ``x - trunc(x)``); ``f * 10**d`` is one correctly rounded product ``s``, off the
exact product by at most half a unit in its last place. Rounding ``s`` to an integer gives the
same result as rounding the exact product unless ``s`` lies within one unit in the last place of
a half-integer: such cells (exact ties among them, which Python rounds half-to-even on the exact
binary value) are formatted by Python itself, as are magnitudes of 1e18 or more (or whose digits
would not fit in 19). NaN and the infinities are spelt ``nan``, ``inf`` and ``-inf``. Everything
else is integer arithmetic: eight decimal digits at a time packed into the bytes of one uint64
(divisions by 10**4, 100 and 10 done per lane by multiply-and-shift). The sign follows Python:
``-0.0`` and negatives that round to zero keep their ``-``.
"""

from __future__ import annotations

import sys

import numpy as np

#: Largest number of decimals handled (``10**d`` times a fraction stays far below 2**52).
MAX_DECIMALS = 15
#: Magnitudes from here up go through Python's own formatting (uint64 holds the integer part below).
_FAST_LIMIT = 1e18
_LITTLE = sys.byteorder == "little"
_U = np.uint64
_LANE32, _LANE16 = _U(0x0000007F0000007F), _U(0x000F000F000F000F)
_ASCII_ZEROS = _U(0x3030303030303030)
_E8 = _U(10**8)
_NAN, _INF, _NEG_INF = (np.frombuffer(t, dtype=np.uint8) for t in (b"nan", b"inf", b"-inf"))
_POWERS = np.array([10**m for m in range(1, 19)], dtype=np.uint64)


def _eight_digits(v: np.ndarray, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Eight ASCII digits (zero-filled) of each uint64 ``v`` < 10**8, packed into one uint64 of
    ``out`` whose lowest byte is the most significant digit (so its little-endian bytes read left
    to right). ``work`` is scratch space like ``v``; both are overwritten (in place: large
    temporaries cost page faults when the allocator hands their memory back)."""
    np.floor_divide(v, _U(10_000), out=work)
    np.multiply(work, _U(10_000), out=out)
    np.subtract(v, out, out=out)
    np.left_shift(out, _U(32), out=out)
    np.bitwise_or(out, work, out=out)  # two 4-digit lanes of 32 bits
    np.multiply(out, _U(5243), out=work)
    np.right_shift(work, _U(19), out=work)
    np.bitwise_and(work, _LANE32, out=work)  # per lane // 100 (exact below 43,699)
    np.subtract(out, work * _U(100), out=out)
    np.left_shift(out, _U(16), out=out)
    np.bitwise_or(out, work, out=out)  # four 2-digit lanes of 16 bits
    np.multiply(out, _U(103), out=work)
    np.right_shift(work, _U(10), out=work)
    np.bitwise_and(work, _LANE16, out=work)  # per lane // 10 (exact below 179)
    np.subtract(out, work * _U(10), out=out)
    np.left_shift(out, _U(8), out=out)
    np.bitwise_or(out, work, out=out)
    np.bitwise_or(out, _ASCII_ZEROS, out=out)
    return out


def _packed_digits(v: np.ndarray, chunks: int) -> np.ndarray:
    """(N, 8 * chunks) uint8: the ASCII digits of uint64 ``v`` < 10**(8 * chunks), zero-filled on
    the left (see :func:`_eight_digits`). ``v`` is overwritten."""
    packed = np.empty((v.size, chunks), dtype=np.uint64)  # each value's chunks side by side
    low, work, digits = np.empty_like(v), np.empty_like(v), np.empty_like(v)
    for c in range(chunks - 1, 0, -1):
        np.floor_divide(v, _E8, out=work)
        np.multiply(work, _E8, out=low)
        np.subtract(v, low, out=low)
        v, work = work, v
        packed[:, c] = _eight_digits(low, digits, work)
    packed[:, 0] = _eight_digits(v, digits, work)
    return packed.view(np.uint8)


def fixed_columns(x: np.ndarray, decimals) -> list[np.ndarray]:
    """Text of every value of an (N, M) float array ``x``, column j with ``decimals[j]`` digits
    after the point (as ``f"{v:.{d}f}"``; no point when d is 0): a list of M (N, W_j) uint8
    matrices of ASCII right-aligned in W_j columns, 0 bytes on the left as padding. NaN and the
    infinities are ``nan``, ``inf`` and ``-inf``, as Python spells them. All columns go through
    each numpy operation together, so the cost per value does not depend on the number of columns."""
    x = np.asarray(x, dtype=np.float64)
    n, m = x.shape
    dec = np.array(decimals, dtype=np.int64).reshape(-1)
    if dec.size != m or dec.min(initial=0) < 0 or dec.max(initial=0) > MAX_DECIMALS:
        raise ValueError(f"decimals {list(dec)} must be {m} integers from 0 to {MAX_DECIMALS}")
    p10 = (10 ** dec).astype(np.uint64)
    a = np.abs(x)
    fast = a < _FAST_LIMIT  # False for NaN and the infinities too
    if not _LITTLE:  # the packed digits read left to right only on little-endian machines
        fast[:] = False
    np.copyto(a, 0.0, where=~fast)
    whole = np.trunc(a)
    s = np.subtract(a, whole, out=a)
    s *= p10.astype(np.float64)  # the exact fraction times 10**d: one rounding
    near = np.floor(s)
    np.subtract(s, near, out=near)
    near -= 0.5
    np.abs(near, out=near)
    fast &= near > np.spacing(s)  # far enough from a half-integer
    fast &= whole < (10.0 ** (19 - dec)).astype(np.float64)  # the digits fit in a uint64
    del near
    np.rint(s, out=s)
    frac = s.astype(np.uint64)
    ip = whole.astype(np.uint64)
    del s, whole, a
    carry = frac == p10  # e.g. 0.9996 at 3 decimals is 1.000
    ip += carry
    frac[carry] = 0
    slow = ~fast
    ip[slow] = 0
    frac[slow] = 0
    used = np.searchsorted(_POWERS, ip.reshape(-1), side="right").reshape(n, m)
    used += 1 + dec  # digits shown: those of the integer part (one at least) and the decimals
    np.multiply(ip, p10, out=ip)
    ip += frac  # all the digits as one integer
    del frac
    shown = used.max(axis=0) if n else 1 + dec  # per column
    chunks = -(-int(shown.max(initial=1)) // 8)
    digits = _packed_digits(ip.reshape(-1), chunks).reshape(n, m, chunks * 8)
    # leading zeros of the integer part become padding: per packed chunk, shift a mask of ones
    # past its first `pad` bytes
    words = digits.view(np.uint64)  # (n, m, chunks)
    for c in range(chunks):
        pad = 8 * (chunks - c) - used  # zero bytes at the start of chunk c (clipped to 0..8)
        np.maximum(pad, 0, out=pad)  # np.clip(pad, 0, 8), without its per-call overhead
        np.minimum(pad, 8, out=pad)
        keep = np.left_shift(~_U(0), (pad * 8).astype(np.uint64))
        keep[pad == 8] = 0
        words[:, :, c] &= keep
    sign = np.signbit(x).view(np.uint8) * np.uint8(ord("-"))
    out = []
    finite = np.isfinite(x)
    rows, cols = np.nonzero(slow & finite)
    texts = {}
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        texts.setdefault(c, []).append((r, f"{x[r, c]:.{dec[c]}f}".encode()))
    special = ~finite.all(axis=0)
    for j in range(m):
        d, total = int(dec[j]), int(shown[j])
        k = total - d
        numeric = 1 + k + (1 + d if d else 0)
        width = max([numeric, 4 if special[j] else 0, *(len(t) for _, t in texts.get(j, ()))])
        col = np.empty((n, width), dtype=np.uint8)
        col[:, :width - numeric] = 0
        body = col[:, width - numeric:]
        body[:, 0] = sign[:, j]
        src = digits[:, j, chunks * 8 - total:]
        body[:, 1:1 + k] = src[:, :k]
        if d:
            body[:, 1 + k] = ord(".")
            body[:, 2 + k:] = src[:, k:]
        for r, text in texts.get(j, ()):
            col[r] = 0
            col[r, width - len(text):] = np.frombuffer(text, dtype=np.uint8)
        if special[j]:  # NaN and the infinities, spelt as Python spells them
            for mask, text in ((np.isnan(x[:, j]), _NAN), (np.isposinf(x[:, j]), _INF),
                               (np.isneginf(x[:, j]), _NEG_INF)):
                if mask.any():
                    col[mask] = np.concatenate([np.zeros(width - text.size, np.uint8), text])
        out.append(col)
    return out


def fixed_bytes(x: np.ndarray, decimals: int) -> np.ndarray:
    """Text of every value of 1-D float array ``x`` with ``decimals`` digits after the point, as an
    (N, W) uint8 matrix (see :func:`fixed_columns`)."""
    if not 0 <= decimals <= MAX_DECIMALS:
        raise ValueError(f"decimals {decimals} must be an integer from 0 to {MAX_DECIMALS}")
    return fixed_columns(np.asarray(x, dtype=np.float64).reshape(-1, 1), [decimals])[0]


def text_bytes(values, encoding: str = "utf-8") -> np.ndarray:
    """An (N, W) uint8 matrix of strings ``values`` (left-aligned, 0 bytes as padding).

    ASCII text goes through a numeric cast of its UCS-4 code points, never numpy's str-to-bytes
    cast: that cast swallows an exception raised by a signal handler while it runs (a SIGTERM
    would be lost and the command run on)."""
    arr = np.ascontiguousarray(np.asarray(values).reshape(-1))
    if arr.dtype.kind == "U":
        width = arr.dtype.itemsize // 4
        codes = arr.view(np.uint32).reshape(arr.size, width)
        if codes.size == 0 or int(codes.max()) < 128:
            return codes.astype(np.uint8) if width else np.zeros((arr.size, 1), dtype=np.uint8)
        arr = np.char.encode(arr, encoding)  # element by element in Python: rare, and interruptible
    width = max(arr.dtype.itemsize, 1)
    raw = np.zeros((arr.size, width), dtype=np.uint8)
    if arr.dtype.itemsize:
        raw[:, :arr.dtype.itemsize] = arr.view(np.uint8).reshape(arr.size, arr.dtype.itemsize)
    return raw


def join_rows(cells: list[np.ndarray], sep: bytes = b",") -> bytes:
    """Rows of the cell matrices ``cells`` (each (N, W_i), 0-padded), joined by ``sep`` and ended by
    a newline, as one bytes object with the padding removed."""
    n = cells[0].shape[0]
    total = sum(c.shape[1] for c in cells) + len(cells)
    out = np.empty((n, total), dtype=np.uint8)
    pos = 0
    for i, c in enumerate(cells):
        out[:, pos:pos + c.shape[1]] = c
        pos += c.shape[1]
        out[:, pos] = sep[0] if i + 1 < len(cells) else ord("\n")
        pos += 1
    flat = out.reshape(-1)
    return flat[flat != 0].tobytes()
