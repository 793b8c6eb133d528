"""IAU rotation models against SPICE's IAU_<BODY> frames built from a PCK with the same constants."""

from __future__ import annotations

import numpy as np
import pytest

from paledot.celestial.orientation import MODELS, rotation_model


@pytest.mark.parametrize("naif,frame", [(499, "IAU_MARS"), (399, "IAU_EARTH"), (301, "IAU_MOON"),
                                        (10, "IAU_SUN")])
def test_matrix_and_rate_match_spice_frames(spice, iau_kernels, random_et, naif, frame):
    et = random_et[::20]
    m, dm = MODELS[naif].matrix(et, rate=True)
    for k, e in enumerate(et):
        ref = np.array(spice.sxform("J2000", frame, e))
        # 5e-11 rad is 10 microarcseconds: double rounding of W (1e7 degrees a century out), no more.
        assert np.abs(m[k] - ref[:3, :3]).max() < 5e-11
        assert np.abs(dm[k] - ref[3:, :3]).max() < 1e-14  # rad/s: 6e-11 km/s at Earth's radius


def test_mars_pole_at_j2000_is_the_2015_model_with_its_periodic_terms():
    """pck00011's Mars pole at J2000 is 317.6809 / 52.8864 deg once the periodic terms are added
    (without them 317.2692 / 54.4325: the big terms are needed to land on the known pole)."""
    alpha, delta = (np.degrees(x[0]) for x in rotation_model("mars").angles([0.0])[:2])
    assert abs(alpha - 317.680854) < 1e-5 and abs(delta - 52.886439) < 1e-5


def test_barycentre_maps_to_its_planet_and_unknown_bodies_are_refused():
    assert rotation_model("mars barycenter").naif_id == 499
    with pytest.raises(ValueError, match="no IAU rotation model for Pluto"):
        rotation_model("pluto")
