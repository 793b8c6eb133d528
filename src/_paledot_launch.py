"""The ``paledot`` command's first few lines: quiet interrupts from the very start.

Importing paledot (numpy, astropy, scipy) takes about a second. A Ctrl-C or SIGTERM in that second
would otherwise print a traceback from deep inside an import. Until ``paledot.cli`` installs its own
handling, a signal here prints one line and exits at once with 130 (SIGINT) or 143 (SIGTERM):
nothing has been written yet, so there is nothing to clean up. Kept outside the package so that
importing it imports nothing else.
"""

from __future__ import annotations

import os
import signal
import sys


def _early(signum, frame):
    try:  # the command may have finished and printed: keep what it printed
        sys.stdout.flush()
    except Exception:
        pass
    name = "interrupted (SIGINT)" if signum == signal.SIGINT else "terminated (SIGTERM)"
    os.write(2, f"paledot: {name} while starting: nothing was written\n".encode())
    os._exit(128 + signum)


def main() -> int:
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _early)
    from paledot.cli import main as cli_main  # installs its own handling once running

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
