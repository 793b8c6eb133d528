"""Scenarios: named, data-only presets (one TOML file each) that wire a campaign together.

A scenario names the observer, camera, targets, pointing, exposure policy, the epochs with their
source, the animation and orbit-plot spans, and the published claims to check, each with its source
and the kind of check (see :mod:`paledot.stories.claims`). This module only reads and validates them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..._io.errors import PaledotError

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
    white_fraction: float = 1.0
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
    surfaces: bool = False  # draw Earth's surface from a shipped map (needs paledot[surfaces])


def _dir():
    return files("paledot.stories.scenarios")


def _parse(text: str, origin: str) -> Scenario:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PaledotError(f"scenario {origin!r} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise PaledotError(f"scenario {origin!r} nests tables or arrays too deeply") from None
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise PaledotError(f"scenario {origin!r} is missing {', '.join(missing)}")
    _check_types(doc, origin)
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


def _check_types(doc: dict, origin: str) -> None:
    """One-line errors for values of the wrong kind, before anything uses them."""

    def bad(field_name: str, want: str):
        raise PaledotError(f"scenario {origin!r}: {field_name} = {doc.get(field_name)!r} must be {want}")

    for key in ("name", "title", "summary", "observer", "camera", "exposure"):
        if key in doc and not isinstance(doc[key], str):
            bad(key, "text")
    for key in ("targets", "epochs"):
        if not (isinstance(doc[key], list) and doc[key] and all(isinstance(x, str) for x in doc[key])):
            bad(key, "a non-empty list of text")
    frac = doc.get("auto_fraction", 0.7)
    if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 < frac <= 1:
        bad("auto_fraction", "a number in (0, 1]")
    for key in ("sequence", "orbit", "observer_placement", "facts"):
        if key in doc and not isinstance(doc[key], dict):
            bad(key, "a table")
    crop = doc.get("sequence", {}).get("crop_px", 360)
    if isinstance(crop, bool) or not isinstance(crop, int) or not 32 <= crop <= 1024:
        raise PaledotError(f"scenario {origin!r}: sequence.crop_px = {crop!r} must be a whole number 32-1024")
    claims = doc.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        bad("claims", "a list of [[claims]] tables")
    for c in claims:
        for key in ("id", "claim", "kind"):
            if not isinstance(c.get(key), str):
                raise PaledotError(f"scenario {origin!r}: a claim lacks the text field {key!r}")
        if not (isinstance(c.get("source"), str) and c["source"].strip()):
            raise PaledotError(
                f"scenario {origin!r}: claim {c['id']!r} has no source: say where the published "
                "claim comes from (source = \"...\")"
            )
    if not str(doc.get("epochs_source", "")).strip():
        raise PaledotError(f"scenario {origin!r} has no epochs_source: say where its epochs come from")
    placement = doc.get("observer_placement", {})
    if placement and not str(placement.get("source", "")).strip():
        raise PaledotError(f"scenario {origin!r}: observer_placement has no source")


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
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PaledotError(f"scenario file {name_or_path!r} is not a text (UTF-8 TOML) file") from None
        return _parse(text, str(path))
    known = list_scenarios()
    if name_or_path not in known:
        import difflib

        close = difflib.get_close_matches(name_or_path, list(known), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise PaledotError(
            f"unknown scenario {name_or_path!r}: {hint}known scenarios are {', '.join(known)}"
        )
    return known[name_or_path]
