"""Camera models and the catalogue of real instruments.

A camera is data: one TOML file per instrument in this folder (or anywhere a user keeps one), every
parameter a table with its ``value`` and either a ``source`` (paper, instrument kernel, PDS label) or
``assumed`` (the reason no published value was used). ``load_camera("hrsc-src")`` reads the
catalogue; ``load_camera("my.toml")`` reads a user's file; ``camera_from_ik(path)`` builds a camera
from a SPICE instrument kernel's FOCAL_LENGTH, PIXEL_SIZE/PIXEL_PITCH, PIXEL_SAMPLES/LINES.

Conventions (DESIGN.md): the detector has ``columns`` (x) by ``rows`` (y) pixels, pixel (0, 0)
centred at (0.0, 0.0), y growing upward in the displayed image; the camera's +Y axis is image "up"
(increasing row), +X is image right (increasing column) and +Z the boresight, chosen so that with
north up, east is on the left, as on the sky. This module never renders.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib.resources import files
from pathlib import Path

from .._io.errors import PaledotError

# field name -> (unit written in files, lower bound (exclusive), upper bound, required)
_SPEC: dict[str, tuple[str, float, float, bool]] = {
    "focal_length_mm": ("mm", 0.0, 1e6, True),
    "pixel_pitch_um": ("um", 0.0, 1e4, True),
    "columns": ("px", 0.0, 16384, True),
    "rows": ("px", 0.0, 16384, True),
    "aperture_mm": ("mm", 0.0, 1e5, True),
    "obscuration": ("fraction of aperture diameter", -1e-12, 0.99, False),
    "psf_fwhm_px": ("px", -1e-12, 20.0, False),
    "bandpass_center_nm": ("nm", 100.0, 30000.0, True),
    "bandpass_width_nm": ("nm", 0.0, 30000.0, True),
    "throughput": ("fraction (optics x QE)", 0.0, 1.0, True),
    "gain_e_per_dn": ("e-/DN", 0.0, 1e6, True),
    "read_noise_e": ("e-", -1e-12, 1e6, True),
    "dark_current_e_per_s": ("e-/s/px", -1e-12, 1e9, True),
    "full_well_e": ("e-", 0.0, 1e9, True),
    "bit_depth": ("bits", 0.0, 32.0, True),
    "bias_dn": ("DN", -1e-12, 1e9, False),
    "exposure_min_s": ("s", 0.0, 1e6, True),
    "exposure_max_s": ("s", 0.0, 1e6, True),
    "sun_exclusion_deg": ("deg", -1e-12, 180.0, False),
}
_INTEGER = {"columns", "rows", "bit_depth"}
#: Camera fields that are bookkeeping, not values a camera file gives.
_NOT_IN_FILES = {"sources", "origin"}


@dataclass(frozen=True)
class Camera:
    """A framing camera: optics, detector and electronics, in the units the field names say.

    ``sources`` maps each field to where its value comes from (``"assumed: ..."`` if no source);
    ``origin`` is the file the camera was read from (named by every complaint about its values).
    """

    name: str
    title: str
    focal_length_mm: float
    pixel_pitch_um: float
    columns: int
    rows: int
    aperture_mm: float
    bandpass_center_nm: float
    bandpass_width_nm: float
    throughput: float
    gain_e_per_dn: float
    read_noise_e: float
    dark_current_e_per_s: float
    full_well_e: float
    bit_depth: int
    exposure_min_s: float
    exposure_max_s: float
    obscuration: float = 0.0
    psf_fwhm_px: float = 0.0
    bias_dn: float = 0.0
    sun_exclusion_deg: float = 0.0
    up: str = "+Y"
    notes: str = ""
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    origin: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        label = self._label()
        for name, (unit, lo, hi, _) in _SPEC.items():
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise PaledotError(f"{label}: {name} must be a number, got {value!r}")
            if not math.isfinite(value) or not (lo < value <= hi):
                raise PaledotError(
                    f"{label}: {name} = {value!r} is outside the allowed range "
                    f"({'>' if lo >= 0 else '>='} {max(lo, 0):g} and <= {hi:g} {unit})"
                )
        if self.bias_dn >= self.max_dn:
            raise PaledotError(
                f"{label}: bias_dn {self.bias_dn:g} leaves no room below the "
                f"{int(self.bit_depth)}-bit maximum {self.max_dn}"
            )
        if self.exposure_min_s > self.exposure_max_s:
            raise PaledotError(
                f"{label}: exposure_min_s {self.exposure_min_s} exceeds "
                f"exposure_max_s {self.exposure_max_s}"
            )

    def _label(self) -> str:
        """How complaints name this camera: by its file when it came from one."""
        if self.origin:
            return f"camera file {self.origin!r} (camera {self.name!r})"
        return f"camera {self.name!r}"

    # --- derived optics --------------------------------------------------------------------
    @property
    def pixel_scale_rad(self) -> float:
        """Angle one pixel subtends at the boresight, rad (pitch / focal length)."""
        return self.pixel_pitch_um * 1e-3 / self.focal_length_mm

    @property
    def field_of_view_rad(self) -> tuple[float, float]:
        """Full field of view across (columns, rows), rad."""
        half_w = math.atan(0.5 * self.columns * self.pixel_pitch_um * 1e-3 / self.focal_length_mm)
        half_h = math.atan(0.5 * self.rows * self.pixel_pitch_um * 1e-3 / self.focal_length_mm)
        return 2 * half_w, 2 * half_h

    @property
    def collecting_area_m2(self) -> float:
        """Clear aperture area, m^2 (central obscuration removed)."""
        r = 0.5 * self.aperture_mm * 1e-3
        return math.pi * r * r * (1.0 - self.obscuration**2)

    @property
    def max_dn(self) -> int:
        return 2 ** int(self.bit_depth) - 1

    @property
    def boresight_pixel(self) -> tuple[float, float]:
        """(column, row) of the optical axis: the detector centre."""
        return (self.columns - 1) / 2.0, (self.rows - 1) / 2.0


def _catalogue_dir():
    return files("paledot.cameras")


def list_cameras() -> dict[str, str]:
    """Catalogue names and their one-line titles."""
    out = {}
    for entry in sorted(_catalogue_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            cam = _from_text(entry.read_text(), entry.name)
            out[cam.name] = cam.title
    return out


def load_camera(name_or_path: str | Path, instrument: str | int | None = None) -> Camera:
    """A catalogue camera by name (``hrsc-src``), a camera file by path, or a SPICE instrument
    kernel (``.ti``) whose optics fill in a generic CCD (see :func:`camera_from_ik`; ``instrument``
    names one of its cameras)."""
    text_name = str(name_or_path)
    path = Path(text_name)
    if path.suffix.lower() in (".ti", ".tik"):  # a SPICE instrument kernel
        return camera_from_ik(path, instrument=instrument)
    if instrument is not None:
        raise PaledotError(
            f"--instrument {instrument!r} picks a camera inside a SPICE instrument kernel (.ti); "
            f"{text_name!r} is not one"
        )
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise PaledotError(f"camera file {text_name!r} does not exist")
        return _from_text(_read_text(path), text_name)
    key = re.sub(r"[\s_]+", "-", text_name.strip().lower())
    entry = _catalogue_dir().joinpath(f"{key}.toml")
    if not entry.is_file():
        known = ", ".join(list_cameras())
        raise PaledotError(f"unknown camera {text_name!r}: known cameras are {known}")
    return _from_text(entry.read_text(), entry.name)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PaledotError(f"camera file {str(path)!r} is not a text (UTF-8 TOML) file") from None


def _from_text(text: str, origin: str) -> Camera:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PaledotError(f"camera file {origin!r} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise PaledotError(
            f"camera file {origin!r} nests tables or arrays too deeply: a camera file is flat tables "
            "of value/source"
        ) from None
    for key in ("name", "title"):
        if not isinstance(doc.get(key), str):
            raise PaledotError(f"camera file {origin!r} is missing the text field {key!r}")
    values: dict[str, object] = {"name": doc["name"], "title": doc["title"]}
    sources: dict[str, str] = {}
    for name, (_, _, _, required) in _SPEC.items():
        entry = doc.get(name)
        if entry is None:
            if required:
                raise PaledotError(f"camera file {origin!r} is missing the field {name!r}")
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            raise PaledotError(f"camera file {origin!r}: {name} must be a table with a 'value'")
        if not (entry.get("source") or entry.get("assumed")):
            raise PaledotError(
                f"camera file {origin!r}: {name} needs a 'source' or an 'assumed' reason"
            )
        value = entry["value"]
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise PaledotError(
                f"camera file {origin!r}: {name} is a {len(str(abs(value)))}-digit number, far outside "
                "any camera's range"
            )
        if name in _INTEGER:
            if not isinstance(value, int) or isinstance(value, bool):
                raise PaledotError(f"camera file {origin!r}: {name} must be a whole number")
        elif isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        values[name] = value
        sources[name] = entry.get("source") or f"assumed: {entry['assumed']}"
    for key in ("up", "notes"):
        if isinstance(doc.get(key), str):
            values[key] = doc[key]
    known = {f.name for f in fields(Camera)} - _NOT_IN_FILES
    unknown = set(doc) - known
    if unknown:
        raise PaledotError(f"camera file {origin!r} has unknown fields: {', '.join(sorted(unknown))}")
    return Camera(**values, sources=sources, origin=origin)  # type: ignore[arg-type]


def ik_instruments(path: str | Path) -> dict[int, str]:
    """The cameras a text IK describes: NAIF id -> name, for every id with a FOCAL_LENGTH and a
    pixel size (PIXEL_SIZE, PIXEL_PITCH or IFOV). Names come from the kernel's NAIF_BODY_NAME /
    NAIF_BODY_CODE pairs, the name table in its comments, or its FOV_FRAME values (in that order);
    an id without a name is named ``INS<id>``."""
    pool = _ik_pool(path)
    names = _ik_names(path, pool)
    return {i: names.get(i, f"INS{i}") for i in _ik_cameras(pool)}


def _ik_pool(path) -> dict[str, list]:
    from .textkernel import read_pool

    return read_pool(path)


def _ik_cameras(pool: dict[str, list]) -> list[int]:
    keys: dict[int, set[str]] = {}
    for name in pool:
        m = re.match(r"^INS(-?\d+)_(.+)$", name)
        if m:
            keys.setdefault(int(m.group(1)), set()).add(m.group(2).upper())
    return sorted(
        (i for i, k in keys.items() if "FOCAL_LENGTH" in k and k & {"PIXEL_SIZE", "PIXEL_PITCH", "IFOV"}),
        reverse=True,
    )


def _ik_names(path, pool: dict[str, list]) -> dict[int, str]:
    names: dict[int, str] = {}
    for code, name in zip(pool.get("NAIF_BODY_CODE", []), pool.get("NAIF_BODY_NAME", []), strict=False):
        names.setdefault(int(code), str(name).strip())
    # the comment table most IKs carry: "MEX_HRSC_SRC    -41220"
    text = Path(path).read_text(errors="replace")
    for name, code in re.findall(r"^[ \t]*([A-Z][A-Z0-9_]+)[ \t]+(-\d{3,})[ \t]*$", text, re.MULTILINE):
        names.setdefault(int(code), name)
    for key, value in pool.items():
        m = re.match(r"^INS(-?\d+)_FOV_FRAME$", key)
        if m and value:
            names.setdefault(int(m.group(1)), str(value[0]).strip())
    return names


def camera_from_ik(
    path: str | Path, base: str | Camera = "generic-ccd", name: str | None = None,
    instrument: str | int | None = None,
) -> Camera:
    """A camera whose optics and format come from a SPICE instrument kernel (text IK).

    ``instrument`` picks one of the kernel's cameras by NAIF name (``MEX_HRSC_SRC``) or id
    (``-41220``); it may be left out when the kernel describes a single camera. The kernel is read
    with SPICE's own reader when spiceypy is installed (``paledot.cameras.textkernel``). FOCAL_LENGTH (mm),
    PIXEL_SIZE or PIXEL_PITCH (microns or mm: the unit whose pitch/focal length agrees with the
    kernel's IFOV, else judged by size), PIXEL_SAMPLES and PIXEL_LINES, and F/RATIO or F/NUMBER (the
    aperture) are used; everything else (detector electronics, bandpass) comes from ``base``, a
    catalogue camera or Camera, and is marked so.
    """
    path = Path(path)
    if not path.is_file():
        raise PaledotError(f"instrument kernel {str(path)!r} does not exist")
    pool = _ik_pool(path)
    ids = _ik_cameras(pool)
    names = _ik_names(path, pool)
    listing = ", ".join(f"{names.get(i, f'INS{i}')} ({i})" for i in ids)
    if not ids:
        if not any(k.endswith("_FOCAL_LENGTH") for k in pool):
            raise PaledotError(f"instrument kernel {str(path)!r} has no INS..._FOCAL_LENGTH")
        raise PaledotError(
            f"instrument kernel {str(path)!r} has no INS..._PIXEL_SIZE or _PIXEL_PITCH (or IFOV) "
            "beside its FOCAL_LENGTH"
        )
    if instrument is None or str(instrument).strip() == "":
        if len(ids) > 1:
            raise PaledotError(
                f"instrument kernel {path.name!r} describes {len(ids)} cameras: name one with "
                f"--instrument (NAIF name or id): {listing}"
            )
        ins = ids[0]
    else:
        ins = _pick_instrument(instrument, ids, names, path.name, listing)

    def get(key: str) -> float | None:
        values = pool.get(f"INS{ins}_{key}")
        if values and not isinstance(values[0], str):
            return float(values[0])
        return None

    focal = get("FOCAL_LENGTH")
    pitch = get("PIXEL_SIZE") if get("PIXEL_SIZE") is not None else get("PIXEL_PITCH")
    ifov = get("IFOV")
    if pitch is None:
        pitch_um = ifov * focal * 1000.0  # IFOV (rad) x focal length (mm), in microns
    elif ifov:
        # microns or mm? the reading whose pitch / focal length is nearer the IFOV
        pitch_um = min((pitch, pitch * 1000.0), key=lambda p: abs(math.log(p * 1e-3 / focal / ifov)))
    else:
        pitch_um = pitch * 1000.0 if pitch < 0.5 else pitch  # IKs write mm (0.009) or microns (9.0)
    cam = base if isinstance(base, Camera) else load_camera(base)
    values = {f.name: getattr(cam, f.name) for f in fields(Camera) if f.name not in _NOT_IN_FILES}
    ins_name = names.get(ins, f"INS{ins}")
    several = len(ids) > 1
    values.update(
        name=name or (ins_name.lower() if several else path.stem.lower()),
        title=f"{ins_name} from {path.name} (optics from the IK, the rest from {cam.name})",
        focal_length_mm=focal,
        pixel_pitch_um=pitch_um,
    )
    sources = {k: f"from {cam.name}: {v}" for k, v in cam.sources.items()}
    where = f"instrument kernel {path.name}" + (f", {ins_name} ({ins})" if several else "")
    for key, ik_key in (("columns", "PIXEL_SAMPLES"), ("rows", "PIXEL_LINES")):
        if get(ik_key) is not None:
            values[key] = int(get(ik_key))
            sources[key] = where
    f_number = get("F/RATIO") if get("F/RATIO") is not None else get("F/NUMBER")
    if f_number:
        values["aperture_mm"] = focal / f_number
        sources["aperture_mm"] = f"{where}: focal length / f-number"
    for key in ("focal_length_mm", "pixel_pitch_um"):
        sources[key] = where
    return Camera(**values, sources=sources, origin=str(path))


def _pick_instrument(instrument, ids, names, kernel, listing) -> int:
    text = str(instrument).strip()
    try:
        wanted = int(text)
    except ValueError:
        by_name = {v.upper(): k for k, v in names.items()}
        wanted = by_name.get(text.upper())
        if wanted is None:
            raise PaledotError(
                f"instrument {text!r} is not in {kernel!r}: its cameras are {listing}"
            ) from None
    if wanted not in ids:
        raise PaledotError(f"instrument {text!r} is not a camera in {kernel!r}: its cameras are {listing}")
    return wanted
