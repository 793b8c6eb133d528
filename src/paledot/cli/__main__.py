"""``python -m paledot.cli``: the same command as ``paledot``."""

import sys

from . import main

sys.exit(main())
