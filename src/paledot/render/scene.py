"""What to render: the :class:`Scene` (when, from where, which targets, which camera, pointed
how, exposed how) and its :class:`Pointing`. Plain data with the checks its fields need; resolving
it (times, the observer, the camera) is the frame's first step (``frame``). Never draws pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .._io.errors import PaledotError
from ..cameras import Camera
from ..celestial.ephemeris import Ephemeris


class RenderWarning(UserWarning):
    """Something about the scene a user should know: a target off the frame, a clipped exposure."""



@dataclass(frozen=True)
class Pointing:
    """Where the boresight points: ``midpoint`` of the targets, a target's name, or RA/Dec (deg).

    ``roll_deg`` turns image up (camera +Y) from celestial north toward east.
    """

    mode: str = "midpoint"
    target: str | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    roll_deg: float = 0.0

    def __post_init__(self):
        from .._io.validate import pointing_fields

        for name, value in pointing_fields(self).items():
            object.__setattr__(self, name, value)

    @classmethod
    def parse(cls, text: str, roll_deg: float = 0.0) -> Pointing:
        """``midpoint``, a target name, or ``RA,DEC`` in degrees."""
        if not math.isfinite(roll_deg):
            raise PaledotError(f"roll {roll_deg!r} must be a finite number of degrees")
        text = str(text).strip()
        if text.lower() in ("midpoint", "mid", ""):
            return cls("midpoint", roll_deg=roll_deg)
        if "," in text:
            try:
                ra, dec = (float(x) for x in text.split(","))
            except ValueError:
                raise PaledotError(f"cannot read pointing {text!r}: expected RA,DEC in degrees") from None
            if not (math.isfinite(ra) and math.isfinite(dec) and -90 <= dec <= 90):
                raise PaledotError(
                    f"pointing {text!r}: RA and Dec must be finite degrees, Dec within -90..90"
                )
            return cls("radec", ra_deg=ra % 360.0, dec_deg=dec, roll_deg=roll_deg)
        return cls("target", target=text.lower(), roll_deg=roll_deg)


@dataclass
class Scene:
    """What to render: when, from where, which targets, with which camera, pointed how.

    ``exposure`` is ``"auto"``, seconds or an astropy Quantity of time; ``auto_fraction`` the share
    of full well the brightest body's peak pixel should reach under ``auto``. ``seed`` fixes the
    noise (same seed, same bytes). ``stars`` draws the catalogue stars that register in the exposure
    (or those brighter than ``star_mag_limit``, V); a target paledot has no brightness model for is
    an error unless ``skip_unmodelled``, which leaves it out with a warning.
    """

    time: object
    observer: object
    targets: list[str]
    camera: Camera | str
    pointing: Pointing = field(default_factory=Pointing)
    exposure: str | float = "auto"
    auto_fraction: float = 0.7
    seed: int | None = 0
    correction: str = "LT+S"
    ephemeris: Ephemeris | None = None
    noise: bool = True
    psf: bool = True
    laws: dict[str, str] | None = None
    stars: bool = True
    star_mag_limit: float | None = None
    skip_unmodelled: bool = False
    surfaces: bool = False  # draw Earth's surface from a shipped map (paledot.light.surfaces)

    def __post_init__(self):
        # "earth", "midpoint" or "RA,DEC" read as the command line reads them
        if isinstance(self.pointing, str):
            self.pointing = Pointing.parse(self.pointing)
        if hasattr(self.exposure, "unit"):  # an astropy Quantity of time
            from .._io.validate import number

            self.exposure = number(self.exposure, "exposure", "s", lo=0.0, lo_open=True)
