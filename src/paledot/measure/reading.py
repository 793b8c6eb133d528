"""Reading a frame someone holds: FITS, PNG/JPEG/TIFF and PDS3/PDS4 products, into one Observation.

Every reader returns the pixels as float64 ``image[y, x]`` in DESIGN's astronomical convention (first
row at the bottom, y up): FITS arrays are taken as they are (FITS row 1 is the bottom row), picture
files and PDS products, whose first line is the top of the displayed picture, are flipped on reading.
What the file says about itself (time, exposure, observer, camera, gain, saturation, a WCS) is kept;
options a caller passes fill only what the file does not say. Nothing here measures anything.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from .._io.errors import PaledotError
from ..cameras import Camera, load_camera
from ..time.timescales import to_et

#: File name endings read with Pillow.
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
#: File name endings read as FITS.
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz")
#: File name endings read through pdr (PDS3 attached or detached labels, PDS4 XML labels).
PDS_SUFFIXES = (".img", ".lbl", ".xml", ".imq", ".dat")
#: PDS DETECTOR_ID / INSTRUMENT_ID values paledot has a camera for.
PDS_CAMERAS = {"MEX_HRSC_SRC": "hrsc-src"}
#: PDS INSTRUMENT_HOST_NAME values paledot can take as the observer.
PDS_OBSERVERS = {"MARS EXPRESS": "mars express", "MEX": "mars express"}


@dataclass
class Observation:
    """A recorded frame and what is known about it.

    ``image`` is float64 ``[y, x]``, y up (DESIGN.md). ``et`` is TDB seconds past J2000 (None if
    unknown), ``exposure_s`` seconds, ``saturation`` the level (in the image's units) at or above
    which a pixel is clipped (None: no known ceiling), ``gain`` electrons per image unit (None:
    unknown), ``wcs`` a celestial WCS or None, ``stretched`` True for 8-bit press pictures whose
    pixel values need not be proportional to light. ``meta`` keeps where each fact came from.
    """

    image: np.ndarray
    path: str = ""
    kind: str = "array"
    wcs: WCS | None = None
    et: float | None = None
    exposure_s: float | None = None
    observer: str | None = None
    camera: Camera | None = None
    gain: float | None = None
    read_noise: float | None = None
    saturation: float | None = None
    stretched: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape  # type: ignore[return-value]


def read_observation(
    path,
    *,
    time=None,
    observer: str | None = None,
    camera: str | Camera | None = None,
    exposure_s: float | None = None,
) -> Observation:
    """Read a frame from ``path`` (FITS, PNG/JPEG/TIFF, PDS3/PDS4) into an :class:`Observation`.

    ``time``, ``observer``, ``camera`` and ``exposure_s`` are used only where the file is silent.
    Raises PaledotError with one line for a missing, truncated or unreadable file.
    """
    p = Path(path)
    if not p.is_file():
        raise PaledotError(f"frame {str(path)!r} does not exist or is not a file")
    if p.stat().st_size == 0:
        raise PaledotError(f"frame {str(path)!r} is empty (0 bytes)")
    name = p.name.lower()
    head = p.open("rb").read(2880)
    if head.startswith(b"SIMPLE  =") or name.endswith(FITS_SUFFIXES):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-standard cards in old headers say nothing we use
            obs = _read_fits(p)
    elif name.endswith(PICTURE_SUFFIXES) or head[:8] == b"\x89PNG\r\n\x1a\n" or head[:2] == b"\xff\xd8":
        obs = _read_picture(p)
    elif name.endswith(PDS_SUFFIXES) or b"PDS_VERSION_ID" in head or b"Product_Observational" in head:
        obs = _read_pds(p)
    else:
        raise PaledotError(
            f"cannot tell what kind of file {str(path)!r} is: paledot measure reads FITS, "
            "PNG/JPEG/TIFF and PDS3/PDS4 products"
        )
    _fill_options(obs, time, observer, camera, exposure_s)
    _check_pixels(obs)
    return obs


def observation_from_array(image, **kwargs) -> Observation:
    """An Observation from an array already in the ``[y, x]``, y-up convention."""
    obs = Observation(image=np.asarray(image, dtype=np.float64), **kwargs)
    _check_pixels(obs)
    return obs


# --- FITS ------------------------------------------------------------------------------------
def _read_fits(p: Path) -> Observation:
    try:
        with warnings.catch_warnings(), fits.open(p, memmap=False) as hdul:
            warnings.simplefilter("ignore")  # non-standard cards in old headers: nothing we use
            hdu = next((h for h in hdul if h.data is not None and getattr(h, "is_image", False)), None)
            if hdu is None:
                raise PaledotError(f"{str(p)!r} holds no image data")
            data = np.array(hdu.data, dtype=np.float64)
            header = hdu.header.copy()
            primary = hdul[0].header.copy() if hdu is not hdul[0] else None
    except PaledotError:
        raise
    except (OSError, ValueError, IndexError, TypeError) as exc:
        raise PaledotError(f"cannot read {str(p)!r} as FITS: {_short(exc)}") from None
    if data.ndim == 3 and data.shape[0] in (3, 4):  # a colour cube: sum the planes
        data = data[:3].mean(axis=0)
    if data.ndim != 2:
        raise PaledotError(f"{str(p)!r} is not a 2-D image: its data has shape {data.shape}")
    merged = header
    if primary is not None:  # an image extension: the primary header's keys count too
        merged = primary.copy()
        for card in header.cards:
            try:
                merged[card.keyword] = card.value
            except (ValueError, KeyError):  # an unparsable card: skip it, it says nothing we use
                continue
    wcs = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FITSFixedWarning and non-standard cards
        try:
            w = WCS(header, naxis=2)
            if w.has_celestial:
                wcs = w.celestial
        except Exception:  # a broken WCS is as good as none; say so
            wcs = None
    obs = Observation(image=data, path=str(p), kind="fits", wcs=wcs, meta={"header": merged})
    # mid-exposure (DATE-AVG, the FITS standard's) when the header gives it, else its start; a
    # card that is not a time is named in a warning and the next one is tried
    for key in ("DATE-AVG", "MJD-AVG", "DATE-OBS", "DATE_OBS", "MJD-OBS"):
        if key in merged and str(merged[key]).strip():
            value = merged[key]
            text = str(value).strip()
            old = re.fullmatch(r"(\d\d)/(\d\d)/(\d\d)", text)  # the pre-2000 FITS form DD/MM/YY
            if old:
                text = f"19{old.group(3)}-{old.group(2)}-{old.group(1)}"
            if key.startswith("DATE") and re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                # a day without its time (old FITS kept it in TIME-OBS or UT): never midnight
                # silently, which can be most of a day wrong
                clock = next((str(merged[k]).strip() for k in ("TIME-OBS", "TIME_OBS", "UT", "UTSTART")
                              if re.fullmatch(r"\d\d:\d\d(:\d\d(\.\d*)?)?", str(merged.get(k, "")).strip())),
                             None)
                if clock is not None:
                    text = f"{text}T{clock}"
                elif "MJD-OBS" in merged and key != "MJD-OBS":
                    obs.meta.setdefault("warnings", []).append(
                        f"header {key} {text!r} has no time of day: MJD-OBS used instead")
                    continue
                else:
                    obs.meta.setdefault("warnings", []).append(
                        f"header {key} {text!r} has no time of day: read as 00:00 UTC (give --time)")
            try:
                if key.startswith("MJD"):
                    text = f"JD{float(value) + 2400000.5}"
                obs.et = float(to_et(text)[0])
            except (PaledotError, ValueError, TypeError):
                note = f"header {key} {text!r} is not a time paledot reads"
                obs.meta.setdefault("warnings", []).append(note)
                continue
            obs.meta["time_from"] = f"header {key}"
            scale = str(merged.get("TIMESYS", "UTC")).strip().upper()
            if scale not in ("UTC", ""):
                obs.meta.setdefault("warnings", []).append(f"TIMESYS {scale} read as UTC")
            break
    for key in ("EXPTIME", "EXPOSURE", "ITIME"):
        if key in merged:
            obs.exposure_s = float(merged[key])
            break
    if str(merged.get("OBSERVER", "")).strip():
        obs.observer = _header_observer(str(merged["OBSERVER"]).strip(), merged, obs)
    inst = str(merged.get("INSTRUME", "")).strip()
    if inst:
        obs.camera = _camera_or_none(inst)
    if "GAIN" in merged:
        obs.gain = float(merged["GAIN"])
    if "RDNOISE" in merged:
        obs.read_noise = float(merged["RDNOISE"])
    obs.meta["bunit"] = str(merged.get("BUNIT", "")).strip().lower()
    if "SATURATE" in merged:
        obs.saturation = float(merged["SATURATE"])
    elif obs.camera is not None and str(merged.get("BUNIT", "")).lower() == "adu":
        obs.saturation = _camera_ceiling_dn(obs.camera)
    elif obs.camera is not None and str(merged.get("BUNIT", "")).lower() == "electron":
        obs.saturation = obs.camera.full_well_e
        obs.gain = 1.0
        obs.read_noise = obs.camera.read_noise_e
    if obs.read_noise is not None and obs.gain:
        obs.read_noise = obs.read_noise / obs.gain  # RDNOISE is in electrons; keep image units
    return obs


def _camera_ceiling_dn(cam: Camera) -> float:
    """The DN at which a camera's pixels clip: full well or the ADC's top, whichever comes first."""
    return float(min(cam.max_dn, cam.bias_dn + cam.full_well_e / cam.gain_e_per_dn))


def _camera_or_none(name: str) -> Camera | None:
    try:
        return load_camera(name)
    except PaledotError:
        return None


# --- pictures --------------------------------------------------------------------------------
def _read_picture(p: Path) -> Observation:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(p) as img:
            img.load()
            info = dict(img.info)
            exif = img.getexif()
            mode = img.mode
            if mode in ("P", "PA"):
                img = img.convert("RGBA" if "A" in mode else "RGB")
                mode = img.mode
            if mode == "CMYK":
                img = img.convert("RGB")
                mode = "RGB"
            arr = np.asarray(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PaledotError(f"cannot read {str(p)!r} as a picture: {_short(exc)}") from None
    if arr.ndim == 3:  # colour: light is the sum of the channels, alpha dropped
        bits = 8 * arr.dtype.itemsize
        arr = arr[..., :3].astype(np.float64).mean(axis=2) if arr.shape[2] >= 3 else arr[..., 0]
    else:
        bits = {"1": 1, "L": 8, "I;16": 16, "I;16B": 16, "I;16L": 16, "I": 32, "F": 32}.get(mode, 8)
    if arr.ndim != 2:
        raise PaledotError(f"{str(p)!r}: cannot use a picture of shape {arr.shape}")
    data = np.flipud(np.asarray(arr, dtype=np.float64)).copy()  # first line is the top: y up
    obs = Observation(
        image=data, path=str(p), kind="picture", meta={"info": {k: str(v)[:200] for k, v in info.items()}}
    )
    obs.stretched = bits <= 8
    if mode not in ("F", "I"):
        obs.saturation = float(2**bits - 1)
    # paledot's own PNGs carry their provenance as text chunks
    when = info.get("Time") or exif.get(36867) or exif.get(306)  # DateTimeOriginal, DateTime
    if when:
        text = str(when).replace(" UTC", "")
        text = re.sub(r"^(\d{4}):(\d\d):(\d\d)", r"\1-\2-\3", text)  # EXIF writes 2023:05:21
        try:
            obs.et = float(to_et(text)[0])
            obs.meta["time_from"] = "picture metadata"
        except PaledotError:
            pass
    if info.get("Observer"):
        obs.observer = str(info["Observer"])
    if info.get("Camera"):
        obs.camera = _camera_or_none(str(info["Camera"]))
    if info.get("Exposure", "").endswith(" s"):
        try:
            obs.exposure_s = float(info["Exposure"][:-2])
        except ValueError:
            pass
    return obs


# --- PDS -------------------------------------------------------------------------------------
_PDS_BLOCK = re.compile(rb"(?im)^(\s*)(end_object|object|end_group|group)(\s*=|\s*$)")


def _read_pds(p: Path) -> Observation:
    try:
        import pdr
    except ImportError:  # pragma: no cover - the measure extra
        raise PaledotError("reading PDS products needs pdr: pip install 'paledot[measure]'") from None
    data, label = _pdr_image(pdr, p)
    img = np.asarray(data)
    if img.ndim == 3:
        img = img[0] if img.shape[0] < img.shape[-1] else img[..., 0]
    if img.ndim != 2 or img.size == 0:
        raise PaledotError(f"{str(p)!r}: the PDS IMAGE has shape {img.shape}, not a 2-D picture")
    image = np.flipud(img.astype(np.float64)).copy()  # line 1 is the top of the picture: y up
    obs = Observation(image=image, path=str(p), kind="pds", meta={"label": label})
    when = label.get("IMAGE_TIME") or label.get("START_TIME") or label.get("start_date_time")
    if when:
        obs.et = float(to_et(str(when).rstrip("Z"))[0])
        obs.meta["time_from"] = "label IMAGE_TIME" if label.get("IMAGE_TIME") else "label START_TIME"
    exp = label.get("EXPOSURE_DURATION")
    if exp is not None:
        value, unit = (exp.get("value"), exp.get("units", "s")) if isinstance(exp, dict) else (exp, "s")
        obs.exposure_s = float(value) * (1e-3 if str(unit).lower() in ("ms", "msec") else 1.0)
    detector = str(label.get("DETECTOR_ID") or label.get("INSTRUMENT_ID") or "").strip().upper()
    if detector in PDS_CAMERAS:
        obs.camera = load_camera(PDS_CAMERAS[detector])
        obs.meta["camera_from"] = f"label DETECTOR_ID {detector}"
    host = str(label.get("INSTRUMENT_HOST_NAME") or "").strip().upper()
    if host in PDS_OBSERVERS:
        obs.observer = PDS_OBSERVERS[host]
    bits = label.get("SAMPLE_BITS")
    if isinstance(bits, int) and "INTEGER" in str(label.get("SAMPLE_TYPE", "")).upper():
        obs.saturation = (
            float(2 ** (bits - 1) - 1)
            if "UNSIGNED" not in str(label.get("SAMPLE_TYPE"))
            else float(2**bits - 1)
        )
    return obs


def _pdr_image(pdr, p: Path):
    """The IMAGE array and the flat label through pdr; labels whose OBJECT keywords are not upper
    case (HRSC writes ``Object = IMAGE``) are fixed byte for byte on a temporary copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            d = pdr.read(str(p))
            image = _load(d)
            if image is None and _PDS_BLOCK.search(p.open("rb").read(65536)):
                raw = p.read_bytes()
                cut = _label_length(raw)
                fixed = _PDS_BLOCK.sub(lambda m: m.group(1) + m.group(2).upper() + m.group(3), raw[:cut])
                with tempfile.TemporaryDirectory() as tmp:
                    q = Path(tmp) / p.name
                    q.write_bytes(fixed + raw[cut:])
                    d = pdr.read(str(q))
                    image = _load(d)
        except Exception as exc:  # pdr raises many kinds; the user needs one line
            raise PaledotError(f"cannot read {str(p)!r} as a PDS product: {_short(exc)}") from None
    if image is None:
        raise PaledotError(
            f"{str(p)!r}: pdr found no readable IMAGE (is the label's pointer past the end of the file?)"
        )
    _check_extent(p, d)
    label = {k: d.metadata.get(k) for k in d.metadata.keys()} if d.metadata is not None else {}
    return image, label


def _label_length(raw: bytes) -> int:
    """Bytes of an attached PDS3 label: up to END, the first data pointer or LABEL_RECORDS,
    whichever comes first (never into the pixels)."""
    head = raw[:65536]
    ends = [len(raw), 65536]
    m = re.search(rb"(?m)^END\s*$", head)
    if m:
        ends.append(m.end())
    rec = re.search(rb"RECORD_BYTES\s*=\s*(\d+)", head)
    lab = re.search(rb"LABEL_RECORDS\s*=\s*(\d+)", head)
    if rec and lab:
        ends.append(int(rec.group(1)) * int(lab.group(1)))
    for ptr in re.finditer(rb"\^\w+\s*=\s*(\d+)\s*(<BYTES>)?", head):
        n = int(ptr.group(1))
        if ptr.group(2):
            ends.append(n - 1)
        elif rec:
            ends.append((n - 1) * int(rec.group(1)))
    return max(0, min(ends))


def _load(d):
    """The product's image: an object named ...IMAGE first (PDS3), else the first 2-D array
    (PDS4 names arrays by their local identifier)."""
    names = [k for k in d.keys() if "HEADER" not in k.upper() and "LABEL" not in k.upper()]
    keys = [k for k in names if k.upper().endswith("IMAGE")] + [
        k for k in names if not k.upper().endswith("IMAGE")
    ]
    for k in keys:
        try:
            value = d[k]
        except Exception:
            continue
        if isinstance(value, np.ndarray) and value.ndim >= 2:
            return value
    return None


def _check_extent(p: Path, d) -> None:
    """Refuse a PDS3 product whose IMAGE runs past the end of the file (pdr may pad or crop)."""
    meta = d.metadata
    if meta is None:
        return
    ptr = meta.get("^IMAGE")
    lines, samples, bits = meta.get("LINES"), meta.get("LINE_SAMPLES"), meta.get("SAMPLE_BITS")
    if ptr is None or not all(isinstance(v, int) for v in (lines, samples, bits)):
        return
    start = None
    if isinstance(ptr, dict) and str(ptr.get("units", "")).upper() == "BYTES":
        start = int(ptr["value"]) - 1
    elif isinstance(ptr, int):
        start = (ptr - 1) * int(meta.get("RECORD_BYTES") or 0)
    elif isinstance(ptr, (list, tuple)) and len(ptr) == 2 and isinstance(ptr[1], int):
        return  # detached data file: pdr checks it
    if start is None:
        return
    need = start + lines * samples * bits // 8 * int(meta.get("BANDS") or 1)
    size = os.path.getsize(p)
    if need > size:
        raise PaledotError(
            f"{str(p)!r}: the label puts the IMAGE at bytes {start}..{need} "
            f"but the file has only {size} bytes"
        )


def _header_observer(value: str, header, obs: Observation) -> str | None:
    """The FITS standard's OBSERVER is who observed, usually a person; paledot writes the observing
    body there. Taken as the observer from a paledot frame, or when it names an observer paledot
    knows; else a warning, and --observer fills it."""
    if str(header.get("CREATOR", "")).startswith("paledot"):
        return value
    from ..celestial.ephemeris import default_ephemeris
    from ..observers import as_observer

    try:
        as_observer(value, default_ephemeris())
    except PaledotError:
        obs.meta.setdefault("warnings", []).append(
            f"header OBSERVER {value!r} is not an observer paledot knows (in FITS it is often the "
            "astronomer's name): ignored, give --observer")
        return None
    return value


# --- common ----------------------------------------------------------------------------------
def _fill_options(obs: Observation, time, observer, camera, exposure_s) -> None:
    if obs.et is None and time is not None:
        obs.et = float(to_et(time)[0])
        obs.meta["time_from"] = "option --time"
    if obs.observer is None and observer is not None:
        obs.observer = str(observer)
    if camera is not None and obs.camera is None:
        obs.camera = camera if isinstance(camera, Camera) else load_camera(camera)
    if obs.exposure_s is None and exposure_s is not None:
        obs.exposure_s = float(exposure_s)
    cam = obs.camera
    if cam is not None and obs.saturation is None and obs.kind == "fits":
        # a camera given by option (the file named none paledot knows) sets the clipping level as
        # one named by the file would
        if obs.meta.get("bunit") == "adu":
            obs.saturation = _camera_ceiling_dn(cam)
        elif obs.meta.get("bunit") == "electron":
            obs.saturation, obs.gain, obs.read_noise = cam.full_well_e, 1.0, cam.read_noise_e
    if cam is not None and obs.kind in ("fits", "pds") and obs.gain is None:
        obs.gain = cam.gain_e_per_dn
        obs.read_noise = cam.read_noise_e / cam.gain_e_per_dn


def _check_pixels(obs: Observation) -> None:
    img = obs.image
    if img.ndim != 2:
        raise PaledotError(f"a frame must be a 2-D image, got shape {img.shape}")
    name = f"frame {obs.path!r}" if obs.path else "the frame"
    good = np.isfinite(img)
    if not good.any():
        raise PaledotError(f"{name} holds no finite pixel (all NaN or infinite)")
    frac = 1.0 - good.mean()
    if frac > 0:
        obs.meta["nonfinite_fraction"] = float(frac)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)
