"""The command line's outer edge: how a run ends when it cannot end normally.

Inside :func:`quiet_boundary` every way out becomes one line on stderr and an exit status:

====================  =======  =====================================================
what happened         status   line
====================  =======  =====================================================
bad input             2        ``paledot: error: <what, the bad value, what is allowed>``
the system refused    1        ``paledot: error: cannot ...: <reason>: '<file>'`` (disk full, I/O)
Ctrl-C (SIGINT)       130      ``paledot: interrupted (SIGINT) ...``
SIGTERM               143      ``paledot: terminated (SIGTERM) ...``
a bug                 3        ``paledot: internal error: ... (rerun with --debug)``
====================  =======  =====================================================

The first SIGINT or SIGTERM raises at once (library code removes its temporaries on the way out,
see ``outputs``); later ones are ignored, so a second Ctrl-C cannot cut the clean-up short. Python
and numpy warnings are not shown (every value that matters is checked for finiteness where it is
computed); ``--debug`` shows warnings and tracebacks. This module computes nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import PaledotError


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt (not caught by ``except Exception``)."""


@dataclass
class Outcome:
    code: int = 0


_HELD = (signal.SIGINT, signal.SIGTERM)


def _on_signal(signum, frame):
    for s in _HELD:  # one interruption is enough: let the clean-up run to its end
        signal.signal(s, signal.SIG_IGN)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


@contextlib.contextmanager
def quiet_boundary(debug: bool = False) -> Iterator[Outcome]:
    """Run a command; on any exception print one line and set ``outcome.code`` (see module text)."""
    outcome = Outcome()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in _HELD} if main_thread else {}
    for s in previous:
        signal.signal(s, _on_signal)
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore")
            yield outcome
    except PaledotError as exc:
        _say(f"paledot: error: {exc}")
        outcome.code = 2
    except KeyboardInterrupt:
        _say("paledot: interrupted (SIGINT): stopped; no file was left half-written")
        outcome.code = 130
    except Terminated:
        _say("paledot: terminated (SIGTERM): stopped; no file was left half-written")
        outcome.code = 143
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, and keep Python from complaining
        # about the unflushable stdout at exit
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        outcome.code = 0
    except OSError as exc:
        if debug:
            raise
        where = f": {exc.filename!r}" if exc.filename else ""
        _say(f"paledot: error: cannot complete: {exc.strerror or exc}{where}")
        outcome.code = 1
    except Exception as exc:  # an unexpected failure still gets one line unless debugging
        if debug:
            raise
        text = " ".join(str(exc).split())[:300]
        _say(f"paledot: internal error: {type(exc).__name__}: {text} (rerun with --debug)")
        outcome.code = 3
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)
