"""An observer from a trajectory file: a CCSDS OEM (KVN text) or a CSV of time, position, velocity.

These are the formats missions publish. The file is read once; states between its samples come from
the interpolation the file names:
- ``INTERPOLATION = HERMITE``: positions and velocities of ``m = ceil((degree + 1) / 2)`` samples
  fit one polynomial of degree ``2m - 1`` (as SPICE's SPK type 13); velocity is its derivative;
- ``LAGRANGE``: ``degree + 1`` samples, positions and velocities interpolated separately (as SPK
  type 9), or velocity as the position polynomial's derivative when the file has none;
- ``LINEAR``: Lagrange of degree 1.
Without an ``INTERPOLATION`` line, Hermite of degree 7 is used when velocities are given, else
Lagrange of degree 7. The window of samples is centred on the epoch wherever the data allow.

The file is refused, with one line naming the place, when its times do not increase, or when a gap
between two samples is more than ``GAP_FACTOR`` times the typical spacing of the samples the
interpolation would use around it (the interpolating polynomial would then bridge a stretch it has
no data for). Epochs outside the file's span (its ``USEABLE_`` times if given) are errors naming it.

OEM metadata used: ``OBJECT_NAME``, ``CENTER_NAME`` (the Sun, the planets, the Moon, barycentres),
``REF_FRAME`` (``EME2000``, ``ICRF``, ``J2000``, ``GCRF``: the J2000/ICRF axes), ``TIME_SYSTEM``
(``UTC``, ``TDB``, ``TT``, ``TAI``), ``USEABLE_START_TIME``/``USEABLE_STOP_TIME``, ``INTERPOLATION``,
``INTERPOLATION_DEGREE``; several segments are read, each interpolated on its own. Units are the
OEM's: km and km/s. CSV: a header row naming ``utc`` (ISO UTC), ``tdb`` (ISO TDB), ``et`` (ET
seconds) or ``time``/``epoch`` (in ``TIME_SYSTEM``), then ``x, y, z`` (km) and optionally ``vx, vy, vz``
(km/s); ``# KEY = VALUE`` comment lines give the same metadata as an OEM (a CSV without
``REF_FRAME`` is in J2000 axes, paledot's own; an OEM must name its frame, as the standard says).

This module never writes files.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from .._io.errors import OutOfRangeError, PaledotError, UnknownBodyError
from .._io.validate import check_leap_second, parse_float
from ..celestial.bodies import Body, resolve_body
from ..celestial.ephemeris import Ephemeris
from ..time.timescales import et_to_iso, scaled_to_et

#: A gap longer than this many times the typical neighbouring spacing is refused.
GAP_FACTOR = 3.0
#: Highest interpolation degree accepted: SPICE's MAXDEG for SPK types 9 and 13 (spkw09/spkw13).
MAX_DEGREE = 27
_COLUMNS = ("epoch", "x", "y", "z", "vx", "vy", "vz", "ax", "ay", "az")
_EPOCH_PARTS = re.compile(
    r"^(?P<date>(?P<year>[+-]?\d{4})-(?:\d{2}-\d{2}|(?P<doy>\d{3})))"
    r"T(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d*)?))?Z?$"
)
FRAMES = ("EME2000", "ICRF", "J2000", "GCRF")
TIME_SYSTEMS = ("UTC", "TDB", "TT", "TAI")
_DOY = re.compile(r"^(\d{4})-(\d{3})T(.*)$")


class TrajectoryError(PaledotError):
    """A trajectory file that cannot be used as it is."""


@dataclass
class _Segment:
    et: np.ndarray  # (n,)
    pos: np.ndarray  # (n, 3) km
    vel: np.ndarray | None  # (n, 3) km/s
    method: str  # "HERMITE" | "LAGRANGE"
    points: int
    start: float
    stop: float


def _epochs_to_et(texts: list[str], scale: str, where: str) -> np.ndarray:
    iso = []
    for text in texts:
        t = text.strip().rstrip("Z")
        m = _DOY.match(t)
        iso.append(f"{m.group(1)}:{m.group(2)}:{m.group(3)}" if m else t)
    fmt = "yday" if iso and _DOY.match(texts[0].strip()) else "isot"
    try:
        return scaled_to_et(iso, fmt, scale.lower())
    except ValueError:
        bad = texts[0]
        for text in texts:  # name the first one astropy cannot read
            try:
                _epochs_to_et([text], scale, where) if len(texts) > 1 else None
            except TrajectoryError:
                bad = text
                break
        raise TrajectoryError(
            f"{where}: cannot read epoch {bad.strip()!r} as an ISO time in {scale}"
        ) from None


class TrajectoryFile:
    """An observer whose states come from a CCSDS OEM or CSV file (see the module text).

    ``center``, ``frame``, ``time_system``, ``interpolation`` and ``degree`` override the file's own
    metadata (a CSV without metadata needs at least ``center``).
    """

    def __init__(self, path, *, center: str | int | Body | None = None, frame: str | None = None,
                 time_system: str | None = None, interpolation: str | None = None,
                 degree: int | None = None, name: str | None = None):
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise TrajectoryError(f"trajectory file {self.path!r} does not exist")
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        self._overrides = dict(CENTER_NAME=center, REF_FRAME=frame, TIME_SYSTEM=time_system,
                               INTERPOLATION=interpolation, INTERPOLATION_DEGREE=degree)
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        self.format = "OEM" if first.upper().startswith("CCSDS_OEM_VERS") else "CSV"
        blocks = self._read_oem(text) if self.format == "OEM" else self._read_csv(text)
        self.segments: list[_Segment] = []
        centers = set()
        object_name = None
        for meta, rows, line_of in blocks:
            seg, center_body = self._segment(meta, rows, line_of)
            self.segments.append(seg)
            centers.add(center_body)
            object_name = object_name or meta.get("OBJECT_NAME")
        if not self.segments:
            raise TrajectoryError(f"{self.path}: no states found")
        if len(centers) != 1:
            raise TrajectoryError(f"{self.path}: segments have different centres; split the file")
        self.center: Body = centers.pop()
        self.segments.sort(key=lambda s: s.start)
        self.name = name or (object_name or os.path.basename(self.path)).strip().lower()

    # --- reading --------------------------------------------------------------------------------
    def _read_oem(self, text: str):
        blocks, meta, rows, line_of = [], None, [], []
        in_meta = in_cov = False
        for n, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("COMMENT"):
                continue
            key = line.split("=", 1)[0].strip().upper()
            if key == "META_START":
                if meta is not None:
                    blocks.append((meta, rows, line_of))
                meta, rows, line_of, in_meta = {}, [], [], True
            elif key == "META_STOP":
                in_meta = False
            elif key == "COVARIANCE_START":
                in_cov = True
            elif key == "COVARIANCE_STOP":
                in_cov = False
            elif in_meta and "=" in line:
                meta[key] = line.split("=", 1)[1].strip()
            elif meta is not None and not in_meta and not in_cov and "=" not in line:
                rows.append(line.split())
                line_of.append(n)
        if meta is not None:
            blocks.append((meta, rows, line_of))
        return blocks

    def _read_csv(self, text: str):
        meta: dict[str, str] = {}
        lines = []
        for n, raw in enumerate(text.splitlines(), start=1):
            s = raw.strip()
            if s.startswith("#"):
                if "=" in s:
                    k, v = s[1:].split("=", 1)
                    meta[k.strip().upper()] = v.strip()
            elif s:
                lines.append((n, raw))
        if not lines:
            raise TrajectoryError(f"{self.path}: no header row and no data")
        reader = csv.reader([raw for _, raw in lines])
        try:
            header = [h.strip().lower() for h in next(reader)]
        except csv.Error as exc:
            raise TrajectoryError(f"{os.path.basename(self.path)}: not a readable CSV file: {exc}") from None
        time_cols = [h for h in header if h in ("utc", "tdb", "et", "time", "epoch")]
        need = ["x", "y", "z"]
        if len(time_cols) != 1 or any(c not in header for c in need):
            raise TrajectoryError(
                f"{self.path}: CSV header {','.join(header)!r} must name one time column "
                "(utc, tdb, et, time or epoch) and x, y, z (km), optionally vx, vy, vz (km/s)"
            )
        has_vel = all(c in header for c in ("vx", "vy", "vz"))
        cols = [time_cols[0]] + need + (["vx", "vy", "vz"] if has_vel else [])
        idx = [header.index(c) for c in cols]
        rows = []
        try:
            for n, record in enumerate(reader):
                if len(record) <= max(idx):
                    line = lines[n + 1][0] if n + 1 < len(lines) else lines[-1][0]
                    raise TrajectoryError(
                        f"{os.path.basename(self.path)} line {line}: {len(record)} fields, but the header "
                        f"names {len(header)} ({','.join(header)})"
                    )
                rows.append([record[i].strip() for i in idx])
        except csv.Error as exc:
            raise TrajectoryError(f"{os.path.basename(self.path)}: not a readable CSV file: {exc}") from None
        meta.setdefault("REF_FRAME", "J2000")  # paledot's axes, unless the file says otherwise
        kind = time_cols[0]
        if kind in ("utc", "tdb"):
            meta["TIME_SYSTEM"] = kind.upper()
        elif kind == "et":
            meta["TIME_SYSTEM"] = "ET"
        return [(meta, rows, [n for n, _ in lines[1:]])]

    def _segment(self, meta: dict, rows: list, line_of: list[int]):
        for k, v in self._overrides.items():
            if v is not None:
                meta[k] = v if isinstance(v, (str, Body)) else str(v)
        where = os.path.basename(self.path)
        center_name = meta.get("CENTER_NAME")
        if center_name is None:
            raise TrajectoryError(f"{where}: no CENTER_NAME: say which body the states are relative to "
                                  "(CENTER_NAME = MARS in the file, or center=mars after its name)")
        try:
            center = resolve_body(center_name)
        except UnknownBodyError:
            raise TrajectoryError(
                f"{where}: CENTER_NAME {center_name!r} is not a body paledot knows (the Sun, planets, "
                "Moon and barycentres)"
            ) from None
        if meta.get("REF_FRAME") is None:
            raise TrajectoryError(f"{where}: no REF_FRAME: say which axes the states are in, one of "
                                  + ", ".join(FRAMES))
        frame = str(meta["REF_FRAME"]).strip().upper()
        if frame not in FRAMES:
            raise TrajectoryError(
                f"{where}: REF_FRAME {meta.get('REF_FRAME')!r} is not supported: use one of "
                + ", ".join(FRAMES)
            )
        scale = str(meta.get("TIME_SYSTEM", "UTC")).upper()
        if scale not in TIME_SYSTEMS + ("ET",):
            raise TrajectoryError(
                f"{where}: TIME_SYSTEM {scale!r} is not supported: use one of {', '.join(TIME_SYSTEMS)}"
            )
        if not rows:
            raise TrajectoryError(f"{where}: a segment has no states")
        width = {len(r) for r in rows}
        if len(width) != 1 or not width <= {4, 7, 10}:
            common = max(width, key=lambda w: sum(len(r) == w for r in rows))
            bad = next(i for i, r in enumerate(rows) if len(r) not in (4, 7, 10) or len(r) != common)
            raise TrajectoryError(
                f"{where} line {line_of[bad]}: expected an epoch and 3, 6 or 9 numbers like the other "
                f"rows, found {len(rows[bad])} fields"
            )
        values = np.array([[_number(x, r, k, line_of[n], where) for k, x in enumerate(r[1:7], start=1)]
                           for n, r in enumerate(rows)], dtype=np.float64).reshape(len(rows), -1)
        if scale == "ET":
            et = np.array([_number(r[0], r, 0, line_of[n], where) for n, r in enumerate(rows)])
        else:
            _check_epoch_texts(rows, [f"line {n}" for n in line_of], where)
            et = _epochs_to_et([r[0] for r in rows], scale, where)
        if not np.all(np.isfinite(et)):  # an epoch astropy read but cannot place in time
            k = int(np.flatnonzero(~np.isfinite(et))[0])
            raise TrajectoryError(f"{where} line {line_of[k]}: epoch {rows[k][0]!r} is not a usable time")
        step = np.diff(et)
        if np.any(step <= 0):
            k = int(np.flatnonzero(step <= 0)[0])
            raise TrajectoryError(
                f"{where} line {line_of[k + 1]}: times must increase, but {rows[k + 1][0]} follows "
                f"{rows[k][0]}"
            )
        vel = values[:, 3:6] if values.shape[1] >= 6 else None
        method = str(meta.get("INTERPOLATION", "HERMITE" if vel is not None else "LAGRANGE")).upper()
        degree = _degree(meta.get("INTERPOLATION_DEGREE", 1 if method == "LINEAR" else 7), where)
        if method == "LINEAR":
            method, degree = "LAGRANGE", 1
        if method not in ("HERMITE", "LAGRANGE"):
            raise TrajectoryError(
                f"{where}: INTERPOLATION {method!r} is not supported: use HERMITE, LAGRANGE or LINEAR"
            )
        if not 1 <= degree <= MAX_DEGREE:
            raise TrajectoryError(
                f"{where}: INTERPOLATION_DEGREE {degree} is not allowed: use 1 to {MAX_DEGREE} (SPICE's "
                "limit for SPK types 9 and 13; higher degrees oscillate between samples)"
            )
        if method == "HERMITE" and vel is None:
            raise TrajectoryError(f"{where}: HERMITE interpolation needs velocities in the file")
        points = -(-(degree + 1) // 2) if method == "HERMITE" else degree + 1
        if et.size < points:
            raise TrajectoryError(
                f"{where}: {et.size} states are too few for {method} degree {degree} ({points} needed)"
            )
        self._check_gaps(et, points, rows, line_of, where)
        start = _epochs_or_et(meta.get("USEABLE_START_TIME"), scale, where, et[0])
        stop = _epochs_or_et(meta.get("USEABLE_STOP_TIME"), scale, where, et[-1])
        seg = _Segment(et, values[:, :3], vel, method, points, max(start, et[0]), min(stop, et[-1]))
        return seg, center

    @staticmethod
    def _check_gaps(et, points, rows, line_of, where):
        step = np.diff(et)
        if step.size < 3:
            return
        half = max(points, 2)
        for k in np.flatnonzero(step > GAP_FACTOR * np.min(step)):
            lo, hi = max(0, k - half), min(step.size, k + half + 1)
            around = np.delete(step[lo:hi], k - lo)
            if around.size and step[k] > GAP_FACTOR * np.median(around):
                raise TrajectoryError(
                    f"{where} line {line_of[k + 1]}: a gap of {step[k]:g} s from {rows[k][0]} to "
                    f"{rows[k + 1][0]} is more than {GAP_FACTOR:g} times the {np.median(around):g} s "
                    "spacing the interpolation relies on there; split the segment or fill the gap"
                )

    # --- observer interface -------------------------------------------------------------------
    @property
    def central_body(self) -> Body | None:
        if self.center.naif_id == 0:
            return None
        if self.center.is_barycenter:
            return resolve_body(self.center.naif_id * 100 + 99) if self.center.naif_id < 10 else None
        return self.center

    @property
    def note(self) -> str:
        seg = self.segments[0]
        return (f"{self.name}: states from {os.path.basename(self.path)} ({self.format}, relative to "
                f"{self.center.title}, {seg.method.lower()} interpolation on {seg.points} samples)")

    @property
    def span(self) -> tuple[float, float]:
        """(first, last) ET the file covers."""
        return self.segments[0].start, self.segments[-1].stop

    def relative_state(self, et) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated position (N, 3) km and velocity (N, 3) km/s relative to the file's centre."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        pos = np.full((et.size, 3), np.nan)
        vel = np.full((et.size, 3), np.nan)
        done = np.zeros(et.size, dtype=bool)
        for seg in self.segments:
            take = ~done & (et >= seg.start) & (et <= seg.stop)
            if take.any():
                pos[take], vel[take] = _interpolate(seg, et[take])
                done |= take
        if not done.all():
            bad = float(et[~done][0])
            spans = "; ".join(f"{et_to_iso(s.start)[0]} to {et_to_iso(s.stop)[0]}" for s in self.segments)
            raise OutOfRangeError(
                f"{et_to_iso(bad)[0]} UTC is outside {os.path.basename(self.path)}: it covers {spans} UTC",
                self.span[0], self.span[1],
            )
        return pos, vel

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s, J2000, at ET epochs ``et``."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        pos, vel = self.relative_state(et)
        if self.center.naif_id == 0:
            return pos, vel
        resolved = ephemeris.resolve(self.center)
        ephemeris.check_coverage(resolved.naif_id, et, label=self.center.title)
        cpos, cvel = ephemeris.state(resolved.naif_id, et, velocity=True)
        return cpos + pos, cvel + vel


def _epochs_or_et(text, scale, where, default) -> float:
    if text is None:
        return float(default)
    if scale == "ET":
        return parse_float(text, "USEABLE time", where)
    _check_epoch_texts([[str(text)]], ["USEABLE time"], where)
    value = float(_epochs_to_et([str(text)], scale, where)[0])
    if not np.isfinite(value):
        raise TrajectoryError(f"{where}: USEABLE time {text!r} is not a usable time")
    return value


def _number(text: str, row: list, column: int, line: int, where: str) -> float:
    """One state value of a row: a finite number, or an error naming the line, column and value."""
    try:
        return parse_float(text, f"value {column + 1} ({_COLUMNS[column]})", f"{where} line {line}")
    except PaledotError as exc:
        raise TrajectoryError(str(exc)) from None


def _degree(value, where: str) -> int:
    text = str(value).strip()
    try:
        degree = int(text)
    except ValueError:
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        if not (math.isfinite(x) and x == int(x)):
            raise TrajectoryError(
                f"{where}: INTERPOLATION_DEGREE {text!r} must be a whole number from 1 to {MAX_DEGREE}"
            ) from None
        degree = int(x)
    return degree


def _check_epoch_texts(rows: list, line_of: list[str], where: str) -> None:
    """Epoch strings astropy would bend silently: year 0000, a :60 second off a leap-second day."""
    for n, r in enumerate(rows):
        m = _EPOCH_PARTS.match(r[0].strip())
        if not m:
            continue
        try:
            if m.group("year") == "0000":
                raise TrajectoryError(f"{where} {line_of[n]}: epoch {r[0]!r}: there is no year 0000")
            if m.group("s") is not None and float(m.group("s")) >= 60:
                date = m.group("date")
                if m.group("doy"):
                    import datetime as _dt

                    year, doy = int(m.group("year")), int(m.group("doy"))
                    if not 1 <= doy <= 366 or year < 1:
                        continue  # astropy refuses these itself, naming the epoch
                    date = (_dt.date(year, 1, 1) + _dt.timedelta(days=doy - 1)).isoformat()
                check_leap_second(date, int(m.group("h")), int(m.group("m")), float(m.group("s")), r[0])
        except PaledotError as exc:
            raise TrajectoryError(f"{where} {line_of[n]}: {exc}") from None


def _interpolate(seg: _Segment, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hermite or Lagrange interpolation of one segment at epochs inside it."""
    n, m = seg.et.size, seg.points
    i = np.clip(np.searchsorted(seg.et, et, side="right") - 1, 0, n - 2)
    if m % 2:  # an odd window is centred on the nearest sample, as SPICE's SPKR09/SPKR13 do
        i = np.where(et - seg.et[i] <= seg.et[i + 1] - et, i, i + 1)
    first = np.clip(i - (m - 1) // 2 if m % 2 else i - m // 2 + 1, 0, n - m)
    if m == 1:  # Hermite of degree 1 on one sample: its state carried along its velocity
        dt = (et - seg.et[first])[:, None]
        return seg.pos[first] + seg.vel[first] * dt, seg.vel[first].copy()
    idx = first[:, None] + np.arange(m)[None, :]  # (Q, m)
    # Work in time relative to the query and scaled by the window length, for conditioning.
    scale = seg.et[idx[:, -1]] - seg.et[idx[:, 0]]
    tk = (seg.et[idx] - et[:, None]) / scale[:, None]  # nodes relative to x = 0
    lj = np.ones((et.size, m))  # L_j(0)
    dlj = np.zeros((et.size, m))  # L_j'(0), per unit of scaled time
    for j in range(m):
        for k in range(m):
            if k == j:
                continue
            denom = tk[:, j] - tk[:, k]
            # d/dx of prod (x - t_k)/(t_j - t_k) at x = 0, by the product rule.
            dlj[:, j] = dlj[:, j] * (-tk[:, k]) / denom + lj[:, j] / denom
            lj[:, j] = lj[:, j] * (-tk[:, k]) / denom
    fpos = seg.pos[idx]  # (Q, m, 3)
    if seg.method == "LAGRANGE":
        pos = np.einsum("qm,qmc->qc", lj, fpos)
        if seg.vel is not None:
            vel = np.einsum("qm,qmc->qc", lj, seg.vel[idx])
        else:
            vel = np.einsum("qm,qmc->qc", dlj, fpos) / scale[:, None]
        return pos, vel
    # Hermite: h_j = (1 - 2 c_j (x - t_j)) L_j^2, g_j = (x - t_j) L_j^2, c_j = L_j'(t_j).
    cj = np.zeros((et.size, m))
    for j in range(m):
        for k in range(m):
            if k != j:
                cj[:, j] += 1.0 / (tk[:, j] - tk[:, k])
    dx = -tk  # x - t_j at x = 0
    h = (1.0 - 2.0 * cj * dx) * lj * lj
    g = dx * lj * lj
    dh = -2.0 * cj * lj * lj + (1.0 - 2.0 * cj * dx) * 2.0 * lj * dlj
    dg = lj * lj + dx * 2.0 * lj * dlj
    fvel = seg.vel[idx] * scale[:, None, None]  # derivatives per unit scaled time
    pos = np.einsum("qm,qmc->qc", h, fpos) + np.einsum("qm,qmc->qc", g, fvel)
    vel = (np.einsum("qm,qmc->qc", dh, fpos) + np.einsum("qm,qmc->qc", dg, fvel)) / scale[:, None]
    return pos, vel
