"""Error types of paledot.

Every error a user can cause by bad input is a ``PaledotError``: its message is one line that names the
bad value and says what is allowed. The command line prints that line and exits non-zero; it never
shows a traceback for these.
"""

from __future__ import annotations

import re

_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
#: numpy 2's repr of a scalar, ``np.float64(10.0)``: a message shows the number alone.
_NUMPY_REPR = re.compile(
    r"\b(?:np|numpy)\.(?:float|int|uint|bool|complex|longdouble|double|str)\w*\("
    r"(?P<v>[-+]?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)|True|False|'[^']*')\)"
)
_NUMPY_BOOL = re.compile(r"\b(?:np|numpy)\.(?P<v>True|False)_")


def _plain_numbers(text: str) -> str:
    """``text`` with numpy scalar reprs (``np.float64(10.0)``) replaced by the bare number."""
    text = _NUMPY_REPR.sub(lambda m: m.group("v"), text)
    return _NUMPY_BOOL.sub(lambda m: m.group("v"), text)


class PaledotError(ValueError):
    """Base class for every error caused by input paledot cannot use.

    The message is kept to one line: a line break inside a quoted bad value shows as its escape. A
    number never shows as numpy's repr (``np.float64(10.0)`` reads ``10.0``)."""

    def __init__(self, *args):
        if args and isinstance(args[0], str):
            text = _plain_numbers(args[0])
            for c in _LINE_BREAKS:
                text = text.replace(c, repr(c)[1:-1])
            args = (text, *args[1:])
        super().__init__(*args)


class TimeParseError(PaledotError):
    """A time string or value could not be read."""


class UnknownBodyError(PaledotError):
    """A body name or NAIF id that paledot does not know (or no kernel covers)."""


class OutOfRangeError(PaledotError):
    """Epochs outside the span an ephemeris covers."""

    def __init__(self, message: str, start_et: float, stop_et: float):
        super().__init__(message)
        self.start_et = start_et
        self.stop_et = stop_et


class KernelError(PaledotError):
    """An ephemeris file that cannot be read or holds no usable data."""
