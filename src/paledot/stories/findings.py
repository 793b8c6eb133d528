"""What paledot computed for a campaign, handed to the claim checkers (``paledot.stories.claims`` and
``paledot.stories.claims_physics``); it holds numbers only, no judgement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MILE_KM = 1.609344


@dataclass(frozen=True)
class Findings:
    """What paledot computed for a campaign, in the units the names say; arrays are per epoch."""

    epochs_utc: tuple[str, ...]
    observer: str
    observer_is_body_centre: bool
    earth_range_km: np.ndarray
    earth_range_geometric_km: np.ndarray
    km_per_px: np.ndarray
    earth_diameter_rad: np.ndarray
    earth_diameter_px: np.ndarray
    moon_diameter_px: np.ndarray
    earth_v: np.ndarray
    moon_v: np.ndarray
    sun_elongation_deg: np.ndarray
    field_of_view_deg: float
    orbit_fraction: float
    earth_moon_separation_deg: np.ndarray | None = None
    # Added for the gallery's physics checks (paledot.stories.claims_physics); None where not computed.
    earth_phase_deg: np.ndarray | None = None
    moon_phase_deg: np.ndarray | None = None
    moon_range_km: np.ndarray | None = None
    sun_range_km: np.ndarray | None = None
    earth_sun_km: np.ndarray | None = None
    moon_sun_km: np.ndarray | None = None
    earth_radec_deg: np.ndarray | None = None
    pixel_scale_rad: float | None = None
    earth_fixed_observer_sun: np.ndarray | None = None  # (N, 2, 3) unit vectors, Earth-fixed frame
