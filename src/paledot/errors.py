"""Error types of paledot.

Every error a user can cause by bad input is a ``PaledotError``: its message is one line that names the
bad value and says what is allowed. The command line prints that line and exits non-zero; it never
shows a traceback for these.
"""

from __future__ import annotations


class PaledotError(ValueError):
    """Base class for every error caused by input paledot cannot use."""


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
