"""Time: user times (ISO UTC, day of year, JD/MJD, astropy ``Time``) to ET, UTC <-> TDB with real
leap seconds, grids stepping in UTC, and Delta T for Earth sites. ET is TDB seconds past J2000.

Station 1 of the path (DESIGN.md): it imports only :mod:`paledot._io`.
"""
