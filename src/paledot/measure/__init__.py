"""Measure: find Earth and the Moon in a real frame, measure them, and say whether the sky fits.

``read_observation`` (FITS, PNG/JPEG/TIFF, PDS3/PDS4) -> ``find_sources`` (detection, PSF/template
or Gaussian centroids with Cramer-Rao bounds, aperture photometry) -> ``identify`` (pattern match
to the predicted Earth and Moon, robust to roll, scale and offset) -> ``compare`` (residuals in px,
arcsec, mag and a verdict). ``measure`` runs the whole path. Needs ``pip install 'paledot[measure]'``.
Pixels are 0-based (x, y) of ``image[y, x]`` with y up (DESIGN.md); the sky comes only from the WCS.
"""

from .core import Measurement, measure
from .reading import Observation, observation_from_array, read_observation
from .sources import SEXTRACTOR, Source, find_sources

__all__ = [
    "Measurement",
    "Observation",
    "Source",
    "find_sources",
    "SEXTRACTOR",
    "measure",
    "observation_from_array",
    "read_observation",
]
