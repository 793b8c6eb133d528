"""The common start of every per-epoch query: the ephemeris, the epochs as ET, the observer and the
resolved targets; and finding a target's row in a result. No physics here."""

from __future__ import annotations

from .._io.errors import PaledotError
from ..celestial.ephemeris import Ephemeris, ResolvedBody, default_ephemeris
from ..observers import as_observer
from ..time.timescales import as_et


def target_row(targets: tuple[ResolvedBody, ...], target: str | int, where: str) -> int:
    """Row of ``target`` (a name, as given or canonical, or a NAIF id) among resolved targets."""
    for i, r in enumerate(targets):
        if target in (r.name, r.naif_id, r.body.naif_id) or (
            isinstance(target, str) and target.strip().lower() == r.name
        ):
            return i
    names = ", ".join(r.name for r in targets)
    raise PaledotError(f"target {target!r} is not in {where}: it has {names}")


def resolve_request(observer, targets, t, ephemeris: Ephemeris | None = None):
    """The common start of every per-epoch query: (ephemeris, ET array, observer, resolved targets)."""
    eph = ephemeris or default_ephemeris()
    et = as_et(t)
    obs = as_observer(observer, eph)
    if isinstance(targets, (str, int)):
        targets = [targets]
    resolved = [eph.resolve(x) for x in targets]
    if not resolved:
        raise PaledotError("no target given: name at least one body")
    return eph, et, obs, resolved


#: The Sun's NAIF id.
SUN_ID = 10


#: Epochs per internal block: big enough that numpy's per-call overhead vanishes, small enough
#: that temporaries stay in cache and memory stays bounded.
BLOCK = 10000


def _blocks(n: int):
    for lo in range(0, n, BLOCK):
        yield slice(lo, min(lo + BLOCK, n))
