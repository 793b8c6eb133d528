"""The ``paledot`` command: a thin shell that parses arguments, calls the library and prints.
One module per verb group; :func:`main` is the entry point (``_paledot_launch`` calls it)."""

from .app import _parser, main

__all__ = ["main", "_parser"]
