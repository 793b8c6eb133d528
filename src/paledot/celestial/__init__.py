"""Where the bodies are and how their light reaches us: the body catalogue, rotation models, the
ephemeris (DE440 via jplephem and the Chebyshev kernel), SPICE aberration corrections, light
deflection, Earth's IERS orientation and small vector arithmetic. Vectors km and km/s in
ICRF/J2000; epochs ET; angles rad.

It knows nothing of observers beyond positions and velocities handed to it, and never imports
geometry, frames, measure, plan or anything above them.
"""
