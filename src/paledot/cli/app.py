"""The ``paledot`` command: parse arguments, call the library, print. No physics lives here.

This module holds the parser's skeleton, :func:`main` with its error and interrupt boundary, and
what several verbs share; each verb group is a module of its own (:data:`COMMAND_MODULES`, each
with ``add_commands(sub)``). Every error a user can cause ends in one line ``paledot: error: ...``
and exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import re
import sys

from .._io.errors import PaledotError

OBSERVER_HELP = ("who looks: a body name or NAIF id (its centre), 'mars express' (Kepler preset), "
                 "site:BODY,lat=DEG,lon=DEG_EAST[,alt=KM][,latitude=planetocentric], "
                 "kepler:BODY,peri_alt=KM,apo_alt=KM,i=DEG,node=DEG,argp=DEG,M=DEG,epoch=TIME, "
                 "spice:NAME,kernel=FILE (needs paledot[spice]), file:TRAJ.oem|.csv, "
                 "fixed:BODY,x=KM,y=KM,z=KM,source=TEXT (see paledot.observers.text)")
TIME_HELP = ("Times: ISO UTC 2023-05-15T14:08, with a UTC offset 2023-05-15T16:08+02:00, day of year "
             "2023-135T14:08, JD2460080.5, MJD60080.5 (UTC; JDTDB/MJDTDB for TDB), ET:<s past J2000>, now")


def _version() -> str:
    from .._io.version import version

    return version()


class _Version(argparse.Action):
    """--version, reading the installed version only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"paledot {_version()}")
        parser.exit()


class _Completion(argparse.Action):
    """--print-completion SHELL: shtab writes the script from this very parser."""

    def __call__(self, parser, namespace, values, option_string=None):
        _need("shtab", "completion", "--print-completion")
        import shtab

        print(shtab.complete(parser, shell=values))
        parser.exit()


#: Modules that bring their own subcommands (each has ``add_commands(sub)``), in the order of
#: ``paledot --help``.
COMMAND_MODULES = ("geometry", "render", "reproduce", "visibility", "plan", "measure", "scale", "gallery",
                   "view")


_NEGATIVE_NUMBER = re.compile(r"^-\.?\d")  # a value like -5, -.5 or -5e3: left to argparse


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, and an unknown option named before anything else: argparse
    itself would first complain about the required arguments it did not see."""

    def error(self, message: str):  # one line, no usage dump
        raise PaledotError(message)

    def parse_known_args(self, args=None, namespace=None):
        strings = list(sys.argv[1:] if args is None else args)
        unknown = self._unknown_option(strings)
        if unknown:
            self._refuse_unknown(unknown)
        return super().parse_known_args(strings, namespace)

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)} (see {self.prog} --help)")
        return parsed

    def _unknown_option(self, strings: list[str]) -> str | None:
        """The first string before the subcommand (or ``--``) that looks like an option this parser
        does not have, abbreviations of its options allowed as argparse allows them."""
        known = list(self._option_string_actions)
        commands = self._subcommands()
        for text in strings:
            if text == "--" or text in commands:
                return None
            if not text.startswith("-") or text == "-" or _NEGATIVE_NUMBER.match(text):
                continue
            name = text.split("=", 1)[0]
            if name.startswith("--"):
                if not any(k.startswith(name) for k in known if k.startswith("--")):
                    return name
            elif name[:2] not in known:
                return name
        return None

    def _subcommands(self) -> set[str]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return set(action.choices)
        return set()

    def _refuse_unknown(self, name: str) -> None:
        options = sorted({k for k in self._option_string_actions if k.startswith("--")})
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}? " if close else ""
        self.error(f"unknown option {name!r} for {self.prog}: {hint}see {self.prog} --help for its options")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="paledot", description="Plan, simulate and measure pictures of Earth and Moon "
                "taken from other worlds.")
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    p.add_argument("--print-completion", action=_Completion, choices=("bash", "zsh", "tcsh"),
                   help="print a shell completion script and exit (needs paledot[completion]), e.g. "
                        "paledot --print-completion bash > ~/.local/share/bash-completion/completions/"
                        "paledot")
    p.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for module in COMMAND_MODULES:  # each adds its own subcommands
        importlib.import_module(f"paledot.cli.{module}").add_commands(sub)
    return p


def _need(module: str, extra: str, what: str) -> None:
    """Refuse at once, naming the extra to install, when an optional module is missing."""
    try:
        __import__(module)
    except ImportError:
        raise PaledotError(f"{what} needs {module}, which is not installed: "
                           f"pip install 'paledot[{extra}]'") from None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    # argparse would read a value like "-1d" as an option; glue it to its flag so the value
    # reaches our own check, which names it.
    for i in range(len(argv) - 1):
        if argv[i] in ("--step", "--chunk", "--time", "--start", "--stop", "--pointing", "--around",
                       "--window", "--instrument") and argv[i + 1][:1] == "-":
            argv[i : i + 2] = [f"{argv[i]}={argv[i + 1]}", ""]
    argv = [a for a in argv if a != ""]
    from .._io.interrupts import quiet_boundary

    with quiet_boundary(debug) as outcome:
        args = _parser().parse_args(argv)
        return args.func(args)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
