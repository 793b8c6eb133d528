"""Scenarios: named, data-only presets (one TOML file each) that wire a campaign together.

A scenario names the observer, camera, targets, pointing, exposure policy, the epochs with their
source, the animation and orbit-plot spans, and the published claims to check, each with its source
and the kind of check (see :mod:`paledot.claims`). This module only reads and validates them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..errors import PaledotError

_REQUIRED = ("name", "title", "summary", "observer", "camera", "targets", "epochs")


@dataclass(frozen=True)
class Scenario:
    """A campaign preset, as data. ``needs`` lists what paledot must gain before it can run."""

    name: str
    title: str
    summary: str
    observer: str
    camera: str
    targets: tuple[str, ...]
    epochs: tuple[str, ...]
    pointing: str | tuple[str, ...] = "midpoint"
    observer_placement: dict = field(default_factory=dict)
    stretch: str = "asinh"
    exposure: str = "auto"
    auto_fraction: float = 0.7
    observer_note: str = ""
    epochs_source: str = ""
    credit: str = ""
    sequence: dict = field(default_factory=dict)
    orbit: dict = field(default_factory=dict)
    claims: tuple[dict, ...] = ()
    needs: str = ""
    facts: dict = field(default_factory=dict)


def _dir():
    return files("paledot.scenarios")


def _parse(text: str, origin: str) -> Scenario:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PaledotError(f"scenario {origin!r} is not valid TOML: {exc}") from None
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise PaledotError(f"scenario {origin!r} is missing {', '.join(missing)}")
    doc["targets"] = tuple(doc["targets"])
    doc["epochs"] = tuple(doc["epochs"])
    doc["claims"] = tuple(doc.get("claims", ()))
    if isinstance(doc.get("pointing"), list):
        doc["pointing"] = tuple(doc["pointing"])
        if len(doc["pointing"]) != len(doc["epochs"]):
            raise PaledotError(f"scenario {origin!r}: give one pointing per epoch, or a single one")
    known = set(Scenario.__dataclass_fields__)
    unknown = set(doc) - known
    if unknown:
        raise PaledotError(f"scenario {origin!r} has unknown fields: {', '.join(sorted(unknown))}")
    return Scenario(**doc)


def list_scenarios() -> dict[str, Scenario]:
    """Every packaged scenario by name."""
    out = {}
    for entry in sorted(_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            sc = _parse(entry.read_text(), entry.name)
            out[sc.name] = sc
    return out


def load_scenario(name_or_path: str) -> Scenario:
    """A packaged scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml":
        if not path.is_file():
            raise PaledotError(f"scenario file {name_or_path!r} does not exist")
        return _parse(path.read_text(), str(path))
    known = list_scenarios()
    if name_or_path not in known:
        raise PaledotError(f"unknown scenario {name_or_path!r}: known scenarios are {', '.join(known)}")
    return known[name_or_path]
