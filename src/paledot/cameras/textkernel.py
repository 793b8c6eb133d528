"""Reading SPICE text kernels (IK, PCK, FK...): the kernel-pool assignments in their data blocks.

The syntax, as NAIF's "Kernel Required Reading" gives it: only text between ``\\begindata`` and
``\\begintext`` is data; an assignment is ``NAME = value`` or ``NAME += value`` (append to what the
name already holds; a later ``=`` replaces it); a value is a scalar or a parenthesised list whose
items are separated by commas and/or blanks and may run over many lines; numbers may use ``D`` or
``E`` exponents; strings are in single quotes with ``''`` for a quote inside; ``@`` introduces a
date (stored as TDB seconds past J2000, as SPICE does: the calendar date is read as TDB). A string
ending in the continuation marker ``//`` is joined to the next one (as SPICE's ``stpool`` reads).

:func:`read_pool` uses spiceypy's own reader (``ldpool`` + ``gdpool``/``gcpool``) when spiceypy
is installed, and this module's parser otherwise; :func:`parse_text_kernel` is the parser itself.
Values are lists of floats or of strings. This module knows nothing of cameras.
"""

from __future__ import annotations

import re
from pathlib import Path

from .._io.errors import PaledotError

CONTINUATION = "//"

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')            # a quoted string, '' inside for a quote
      | (?P<date>@[^\s,()]+)               # a date
      | (?P<open>\() | (?P<close>\))
      | (?P<comma>,)
      | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][-+]?\d+)?)
    )""",
    re.VERBOSE,
)
_ASSIGN = re.compile(r"\s*([^\s=+]+)\s*(\+?=)")


def _data_text(text: str) -> str:
    """The data blocks of a kernel, joined (everything after \\begintext up to \\begindata dropped)."""
    parts = re.split(r"^[ \t]*(\\begindata|\\begintext)[ \t]*$", text, flags=re.MULTILINE)
    data, inside = [], False
    for part in parts:
        if part == "\\begindata":
            inside = True
        elif part == "\\begintext":
            inside = False
        elif inside:
            data.append(part)
    return "\n".join(data)


def parse_text_kernel(path: str | Path) -> dict[str, list]:
    """Every kernel-pool variable a text kernel assigns: ``name -> [values]`` (floats or strings).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "k.ti")
    >>> _ = open(p, "w").write("\\\\begindata\\nA = ( 1, 2.5D1 )\\nA += 3\\nB = 'it''s'\\n\\\\begintext\\n")
    >>> parse_text_kernel(p)
    {'A': [1.0, 25.0, 3.0], 'B': ["it's"]}
    """
    path = Path(path)
    if not path.is_file():
        raise PaledotError(f"text kernel {str(path)!r} does not exist")
    text = path.read_text(errors="replace")
    data = _data_text(text)
    pool: dict[str, list] = {}
    pos, n = 0, len(data)
    while True:
        while pos < n and data[pos].isspace():
            pos += 1
        if pos >= n:
            break
        m = _ASSIGN.match(data, pos)
        if not m:
            snippet = data[pos : pos + 40].splitlines()[0]
            raise PaledotError(f"text kernel {path.name!r}: cannot read {snippet!r}: expected NAME = value")
        name, op = m.group(1), m.group(2)
        values, pos = _read_value(data, m.end(), path.name, name)
        values = _join_continued(values)
        if op == "+=" and name in pool:
            if values and pool[name] and isinstance(values[0], str) != isinstance(pool[name][0], str):
                raise PaledotError(f"text kernel {path.name!r}: {name} += mixes numbers and strings")
            pool[name] = pool[name] + values
        else:
            pool[name] = values
    return pool


def _read_value(data: str, pos: int, origin: str, name: str) -> tuple[list, int]:
    m = _TOKEN.match(data, pos)
    if not m:
        raise PaledotError(f"text kernel {origin!r}: {name} has no readable value")
    if m.group("open") is None:  # a scalar
        return [_convert(m, origin, name)], m.end()
    values: list = []
    pos = m.end()
    while True:
        m = _TOKEN.match(data, pos)
        if not m:
            raise PaledotError(f"text kernel {origin!r}: {name}'s list is not closed with ')'")
        pos = m.end()
        if m.group("close") is not None:
            break
        if m.group("comma") is not None:
            continue
        if m.group("open") is not None:
            raise PaledotError(f"text kernel {origin!r}: {name} has a '(' inside its list")
        values.append(_convert(m, origin, name))
    kinds = {isinstance(v, str) for v in values}
    if len(kinds) > 1:
        raise PaledotError(f"text kernel {origin!r}: {name} mixes numbers and strings")
    return values, pos


def _convert(m: re.Match, origin: str, name: str):
    if m.group("str") is not None:
        return m.group("str")[1:-1].replace("''", "'")
    if m.group("num") is not None:
        return float(m.group("num").replace("D", "E").replace("d", "e"))
    if m.group("date") is not None:
        # SPICE reads @dates as TDB calendar dates (no leap seconds): seconds past J2000 TDB.
        from astropy.time import Time

        text = m.group("date")[1:]
        try:
            t = Time(text.replace("/", "-") if re.match(r"^\d{4}/", text) else text, scale="tdb")
        except ValueError:
            raise PaledotError(
                f"text kernel {origin!r}: {name} has a date @{text} paledot cannot read"
            ) from None
        return float((t.jd1 - 2451545.0) * 86400.0 + t.jd2 * 86400.0)
    raise PaledotError(f"text kernel {origin!r}: {name} has a stray {m.group(0).strip()!r}")


def _join_continued(values: list) -> list:
    """Strings ending in ``//`` joined to the next (the marker removed), as ``stpool`` reads them."""
    if not values or not isinstance(values[0], str):
        return values
    out: list[str] = []
    carry = None
    for v in values:
        piece = v.rstrip()
        if carry is not None:
            v = carry + v
            piece = v.rstrip()
        if piece.endswith(CONTINUATION):
            carry = piece[: -len(CONTINUATION)]
            continue
        carry = None
        out.append(v)
    if carry is not None:
        out.append(carry)
    return out


def read_pool(path: str | Path) -> dict[str, list]:
    """A text kernel's variables, read by SPICE itself (spiceypy) when installed, else by
    :func:`parse_text_kernel`. Continued strings are joined either way."""
    path = Path(path)
    if not path.is_file():
        raise PaledotError(f"text kernel {str(path)!r} does not exist")
    try:
        import spiceypy
    except ImportError:
        return parse_text_kernel(path)
    names = list(parse_text_kernel(path))  # which names the file sets (the pool is shared)
    try:
        spiceypy.ldpool(str(path))
    except Exception as exc:  # SpiceyError and friends: one line, no traceback
        raise PaledotError(f"SPICE cannot read {path.name!r}: {str(exc).splitlines()[0]}") from None
    pool: dict[str, list] = {}
    for name in names:
        found, kind = _dtpool(spiceypy, name)
        if not found:
            continue
        if kind == "C":
            values = list(spiceypy.gcpool(name, 0, 10_000))
            pool[name] = _join_continued([str(v) for v in values])
        else:
            pool[name] = [float(v) for v in spiceypy.gdpool(name, 0, 10_000)]
    return pool


def _dtpool(spiceypy, name: str) -> tuple[bool, str]:
    try:
        n, kind = spiceypy.dtpool(name)
    except Exception:  # spiceypy raises when the variable is not there
        return False, ""
    return n > 0, kind
