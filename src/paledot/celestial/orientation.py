"""Body orientation: the IAU rotation models that turn J2000 vectors into a body's own frame.

Each model gives the right ascension ``alpha`` and declination ``delta`` of the body's north pole and
the angle ``W`` of its prime meridian, as SPICE's text-PCK frames (``IAU_MARS`` ...) define them:

    alpha = a0 + a1 T + a2 T^2 + sum_k ra_k  sin(theta_k)
    delta = d0 + d1 T + d2 T^2 + sum_k dec_k cos(theta_k)
    W     = W0 + W1 d + W2 d^2 + sum_k pm_k  sin(theta_k),    theta_k = A_k + B_k T

with ``d`` days and ``T`` Julian centuries of TDB past J2000, angles in degrees. The J2000 -> body
matrix is ``R3(W) R1(90deg - delta) R3(90deg + alpha)`` (frame rotations), as in SPICE's BODEUL.

Constants: the IAU Working Group on Cartographic Coordinates and Rotational Elements (WGCCRE) 2015
report, Archinal et al. (2018), Celestial Mechanics and Dynamical Astronomy 130:22, as encoded by
NAIF in the generic text PCK ``pck00011.tpc``; that kernel keeps the 2009 report's Earth and Moon
(Archinal et al. 2011, CMDA 109:101). The Moon here is the full IAU model with its 13 periodic
terms (E1..E13), not the high-accuracy DE440 lunar frame; Earth is the IAU low-precision model (pole
precession only: no nutation, no polar motion, good to some arcseconds in direction and a few
tenths of a second of time in rotation). Mercury, Neptune and Pluto are not carried yet.

Units: epochs ET seconds (arrays), angles radians, rates rad/s. This module never reads kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._io.errors import PaledotError
from .bodies import Body, resolve_body

_DAY = 86400.0
_CENTURY = 36525.0 * _DAY
_DEG = np.pi / 180.0


@dataclass(frozen=True)
class RotationModel:
    """One body's IAU rotation model (degrees; see the module text for the formulae).

    ``pole_ra``/``pole_dec`` are (constant, per century, per century^2); ``pm`` is (constant, per day,
    per day^2). Each periodic term is ``(amplitude, A, B)``: ``amplitude * f(A + B T)`` with ``f`` sine
    for RA and W and cosine for Dec.
    """

    naif_id: int
    pole_ra: tuple[float, float, float]
    pole_dec: tuple[float, float, float]
    pm: tuple[float, float, float]
    ra_terms: tuple[tuple[float, float, float], ...] = ()
    dec_terms: tuple[tuple[float, float, float], ...] = ()
    pm_terms: tuple[tuple[float, float, float], ...] = ()
    source: str = "IAU WGCCRE 2015 (Archinal et al. 2018) as in NAIF pck00011.tpc"

    def angles(self, et) -> tuple[np.ndarray, ...]:
        """(alpha, delta, W) in rad and their rates in rad/s at ET epochs ``et``."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        t = et / _CENTURY
        d = et / _DAY
        a0, a1, a2 = self.pole_ra
        d0, d1, d2 = self.pole_dec
        w0, w1, w2 = self.pm
        alpha = a0 + t * (a1 + a2 * t)
        delta = d0 + t * (d1 + d2 * t)
        # W grows by ~1e5 degrees per century: reduce the big linear term first to keep precision.
        w = np.mod(w1 * d, 360.0) + w0 + w2 * d * d
        alpha_dot = (a1 + 2 * a2 * t) / _CENTURY
        delta_dot = (d1 + 2 * d2 * t) / _CENTURY
        w_dot = (w1 + 2 * w2 * d) / _DAY
        for terms, kind in ((self.ra_terms, 0), (self.dec_terms, 1), (self.pm_terms, 2)):
            for amp, a_k, b_k in terms:
                theta = (a_k + b_k * t) * _DEG
                rate = b_k * _DEG / _CENTURY
                if kind == 0:
                    alpha = alpha + amp * np.sin(theta)
                    alpha_dot = alpha_dot + amp * np.cos(theta) * rate
                elif kind == 1:
                    delta = delta + amp * np.cos(theta)
                    delta_dot = delta_dot - amp * np.sin(theta) * rate
                else:
                    w = w + amp * np.sin(theta)
                    w_dot = w_dot + amp * np.cos(theta) * rate
        return (alpha * _DEG, delta * _DEG, np.mod(w, 360.0) * _DEG,
                alpha_dot * _DEG, delta_dot * _DEG, w_dot * _DEG)

    def pole(self, et) -> np.ndarray:
        """(N, 3) unit vectors of the north pole in J2000."""
        alpha, delta = self.angles(et)[:2]
        return np.stack((np.cos(delta) * np.cos(alpha), np.cos(delta) * np.sin(alpha), np.sin(delta)),
                        axis=-1)

    def matrix(self, et, rate: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """J2000 -> body-fixed rotation matrices (N, 3, 3) and, if ``rate``, their time derivative (1/s).

        ``r_body = M @ r_j2000``; velocities transform as ``v_body = M v + dM r``.
        """
        alpha, delta, w, alpha_dot, delta_dot, w_dot = self.angles(et)
        r_w = _r3(w)
        r_d = _r1(np.pi / 2 - delta)
        r_a = _r3(np.pi / 2 + alpha)
        inner = r_d @ r_a
        m = r_w @ inner
        if not rate:
            return m, None
        dm = (_dr3(w) * w_dot[:, None, None]) @ inner
        dm += r_w @ (_dr1(np.pi / 2 - delta) * -delta_dot[:, None, None]) @ r_a
        dm += r_w @ r_d @ (_dr3(np.pi / 2 + alpha) * alpha_dot[:, None, None])
        return m, dm


def _r3(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z, o = np.zeros_like(x), np.ones_like(x)
    return np.stack((np.stack((c, s, z), -1), np.stack((-s, c, z), -1), np.stack((z, z, o), -1)), -2)


def _r1(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z, o = np.zeros_like(x), np.ones_like(x)
    return np.stack((np.stack((o, z, z), -1), np.stack((z, c, s), -1), np.stack((z, -s, c), -1)), -2)


def _dr3(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z = np.zeros_like(x)
    return np.stack((np.stack((-s, c, z), -1), np.stack((-c, -s, z), -1), np.stack((z, z, z), -1)), -2)


def _dr1(x: np.ndarray) -> np.ndarray:
    c, s = np.cos(x), np.sin(x)
    z = np.zeros_like(x)
    return np.stack((np.stack((z, z, z), -1), np.stack((z, -s, c), -1), np.stack((z, -c, -s), -1)), -2)


# --- the constants (pck00011.tpc) ----------------------------------------------------------------
# Earth-Moon system angles E1..E13 (BODY3_NUT_PREC_ANGLES), degrees and degrees per century.
_E = (
    (125.045, -1935.5364525), (250.089, -3871.072905), (260.008, 475263.3328725),
    (176.625, 487269.629985), (357.529, 35999.0509575), (311.589, 964468.49931),
    (134.963, 477198.869325), (276.617, 12006.300765), (34.226, 63863.5132425),
    (15.134, -5806.6093575), (119.743, 131.84064), (239.961, 6003.1503825),
    (25.053, 473327.79642),
)
_MOON_RA = (-3.8787, -0.1204, 0.0700, -0.0172, 0.0, 0.0072, 0.0, 0.0, 0.0, -0.0052, 0.0, 0.0, 0.0043)
_MOON_DEC = (1.5419, 0.0239, -0.0278, 0.0068, 0.0, -0.0029, 0.0009, 0.0, 0.0, 0.0008, 0.0, 0.0, -0.0009)
_MOON_PM = (3.5610, 0.1208, -0.0642, 0.0158, 0.0252, -0.0066, -0.0047, -0.0046, 0.0028, 0.0052, 0.0040,
            0.0019, -0.0044)


def _terms(amps, angles) -> tuple[tuple[float, float, float], ...]:
    return tuple((amp, a, b) for amp, (a, b) in zip(amps, angles, strict=True) if amp != 0.0)


MODELS: dict[int, RotationModel] = {
    m.naif_id: m
    for m in (
        RotationModel(10, (286.13, 0.0, 0.0), (63.87, 0.0, 0.0), (84.176, 14.18440, 0.0)),
        RotationModel(299, (272.76, 0.0, 0.0), (67.16, 0.0, 0.0), (160.20, -1.4813688, 0.0)),
        RotationModel(399, (0.0, -0.641, 0.0), (90.0, -0.557, 0.0), (190.147, 360.9856235, 0.0),
                      source="IAU WGCCRE 2009 (Archinal et al. 2011), kept in NAIF pck00011.tpc"),
        RotationModel(
            301, (269.9949, 0.0031, 0.0), (66.5392, 0.0130, 0.0), (38.3213, 13.17635815, -1.4e-12),
            _terms(_MOON_RA, _E), _terms(_MOON_DEC, _E), _terms(_MOON_PM, _E),
            source="IAU WGCCRE 2009 (Archinal et al. 2011), kept in NAIF pck00011.tpc",
        ),
        RotationModel(
            499, (317.269202, -0.10927547, 0.0), (54.432516, -0.05827105, 0.0),
            (176.049863, 350.891982443297, 0.0),
            ra_terms=(
                (0.000068, 198.991226, 19139.4819985), (0.000238, 226.292679, 38280.8511281),
                (0.000052, 249.663391, 57420.7251593), (0.000009, 266.183510, 76560.6367950),
                (0.419057, 79.398797, 0.5042615),
            ),
            dec_terms=(
                (0.000051, 122.433576, 19139.9407476), (0.000141, 43.058401, 38280.8753272),
                (0.000031, 57.663379, 57420.7517205), (0.000005, 79.476401, 76560.6495004),
                (1.591274, 166.325722, 0.5042615),
            ),
            pm_terms=(
                (0.000145, 129.071773, 19140.0328244), (0.000157, 36.352167, 38281.0473591),
                (0.000040, 56.668646, 57420.9295360), (0.000001, 67.364003, 76560.2552215),
                (0.000001, 104.792680, 95700.4387578), (0.584542, 95.391654, 0.5042615),
            ),
        ),
        RotationModel(
            599, (268.056595, -0.006499, 0.0), (64.495303, 0.002413, 0.0), (284.95, 870.5360000, 0.0),
            ra_terms=(
                (0.000117, 99.360714, 4850.4046), (0.000938, 175.895369, 1191.9605),
                (0.001432, 300.323162, 262.5475), (0.000030, 114.012305, 6070.2476),
                (0.002150, 49.511251, 64.3000),
            ),
            dec_terms=(
                (0.000050, 99.360714, 4850.4046), (0.000404, 175.895369, 1191.9605),
                (0.000617, 300.323162, 262.5475), (-0.000013, 114.012305, 6070.2476),
                (0.000926, 49.511251, 64.3000),
            ),
        ),
        RotationModel(699, (40.589, -0.036, 0.0), (83.537, -0.004, 0.0), (38.90, 810.7939024, 0.0)),
        RotationModel(799, (257.311, 0.0, 0.0), (-15.175, 0.0, 0.0), (203.81, -501.1600928, 0.0)),
    )
}


def rotation_model(body: str | int | Body) -> RotationModel:
    """The IAU rotation model of a body (its centre's NAIF id: a barycentre maps to its planet)."""
    b = resolve_body(body)
    naif = b.naif_id * 100 + 99 if 1 <= b.naif_id <= 9 else b.naif_id
    if naif not in MODELS:
        known = ", ".join(resolve_body(i).name for i in MODELS)
        raise PaledotError(f"no IAU rotation model for {b.title} in paledot: known are {known}")
    return MODELS[naif]
