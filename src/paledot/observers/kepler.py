"""Two-body (Keplerian) motion, vectorised over epochs: Kepler's equation and element <-> state.

Elements are classical and in one reference frame: periapsis distance ``rp`` (km), eccentricity
``e``, inclination ``i``, longitude of the ascending node ``node``, argument of periapsis ``argp``
(rad) and mean anomaly ``m0`` (rad) at epoch ``t0`` (ET s), with ``mu`` = GM (km^3/s^2) — the same
set SPICE's CONICS/OSCELT use. Ellipses (e < 1) and hyperbolas (e > 1) are handled; the parabola
(e = 1 exactly) is not. Pure arithmetic: this module knows no bodies, frames or files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..celestial.vectors import cross, dot, norm

_TWO_PI = 2.0 * np.pi
_MAX_ITER = 60


@dataclass(frozen=True)
class Elements:
    """Classical osculating elements (km, rad, ET s, km^3/s^2); see the module text."""

    rp: float
    e: float
    i: float
    node: float
    argp: float
    m0: float
    t0: float
    mu: float

    @property
    def a(self) -> float:
        """Semi-major axis, km (negative for a hyperbola)."""
        return self.rp / (1.0 - self.e)

    @property
    def mean_motion(self) -> float:
        """rad/s."""
        return float(np.sqrt(self.mu / abs(self.a) ** 3))

    @property
    def period(self) -> float:
        """Orbital period, s (inf for a hyperbola)."""
        return _TWO_PI / self.mean_motion if self.e < 1.0 else np.inf


def solve_kepler(m: np.ndarray, e: float) -> np.ndarray:
    """Eccentric anomaly E (rad) with ``E - e sin E = M``, for 0 <= e < 1; M any real (rad).

    Newton's method from a start that converges for every e < 1; stops when all corrections are
    below 1e-15 rad.
    """
    m = np.asarray(m, dtype=np.float64)
    mr = np.remainder(m + np.pi, _TWO_PI) - np.pi  # in [-pi, pi): the solution is then in [-pi, pi]
    # Start of Danby (1987): E0 = M + 0.85 e sign(sin M), safe for all e < 1.
    ecc = mr + 0.85 * e * np.sign(np.sin(mr))
    for _ in range(_MAX_ITER):
        f = ecc - e * np.sin(ecc) - mr
        step = f / (1.0 - e * np.cos(ecc))
        ecc = ecc - step
        if np.all(np.abs(step) < 1e-15 * np.maximum(1.0, np.abs(ecc))):
            break
    return ecc + (m - mr)


def solve_hyperbolic(m: np.ndarray, e: float) -> np.ndarray:
    """Hyperbolic anomaly H with ``e sinh H - H = M``, for e > 1 (M any real)."""
    m = np.asarray(m, dtype=np.float64)
    h = np.arcsinh(m / e)
    big = np.abs(m) > 6.0 * e
    # Far out sinh H ~ e^|H|/2: start from the logarithm, where Newton converges fastest.
    h = np.where(big, np.sign(m) * np.log(2.0 * np.abs(m) / e + 1.0), h)
    for _ in range(_MAX_ITER):
        f = e * np.sinh(h) - h - m
        step = f / (e * np.cosh(h) - 1.0)
        h = h - step
        if np.all(np.abs(step) < 1e-15 * np.maximum(1.0, np.abs(h))):
            break
    return h


def perifocal_to_frame(i: float, node: float, argp: float) -> np.ndarray:
    """3x3 matrix taking perifocal vectors (x to periapsis, z along the orbit normal) to the frame."""
    cn, sn = np.cos(node), np.sin(node)
    ci, si = np.cos(i), np.sin(i)
    cw, sw = np.cos(argp), np.sin(argp)
    return np.array([
        [cn * cw - sn * sw * ci, -cn * sw - sn * cw * ci, sn * si],
        [sn * cw + cn * sw * ci, -sn * sw + cn * cw * ci, -cn * si],
        [sw * si, cw * si, ci],
    ])


def propagate(el: Elements, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position (N, 3) km and velocity (N, 3) km/s relative to the central body at ET epochs."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    e = el.e
    n = el.mean_motion
    m = el.m0 + n * (et - el.t0)
    if e < 1.0:
        a = el.a
        ecc = solve_kepler(m, e)
        ce, se = np.cos(ecc), np.sin(ecc)
        b = a * np.sqrt((1.0 - e) * (1.0 + e))
        x, y = a * (ce - e), b * se
        edot = n / (1.0 - e * ce)
        vx, vy = -a * se * edot, b * ce * edot
    elif e > 1.0:
        a = -el.a  # positive
        h = solve_hyperbolic(m, e)
        ch, sh = np.cosh(h), np.sinh(h)
        b = a * np.sqrt((e - 1.0) * (e + 1.0))
        x, y = a * (e - ch), b * sh
        hdot = n / (e * ch - 1.0)
        vx, vy = -a * sh * hdot, b * ch * hdot
    else:
        raise ValueError("parabolic orbits (e = 1) are not supported")
    rot = perifocal_to_frame(el.i, el.node, el.argp)
    z = np.zeros_like(x)
    pos = np.stack((x, y, z), axis=-1) @ rot.T
    vel = np.stack((vx, vy, z), axis=-1) @ rot.T
    return pos, vel


def from_state(pos: np.ndarray, vel: np.ndarray, t0: float, mu: float) -> Elements:
    """Osculating elements of one state (km, km/s) relative to the central body, at ET ``t0``.

    Equatorial orbits put the node at 0; circular ones measure from the node (argp = 0).
    """
    r = np.asarray(pos, dtype=np.float64)
    v = np.asarray(vel, dtype=np.float64)
    h = cross(r, v)
    hn = float(norm(h))
    rn = float(norm(r))
    if hn == 0.0:
        raise ValueError("a radial (rectilinear) state has no orbital plane")
    evec = cross(v, h) / mu - r / rn
    e = float(norm(evec))
    i = float(np.arctan2(np.hypot(h[0], h[1]), h[2]))
    node_vec = np.array([-h[1], h[0], 0.0])
    nn = float(norm(node_vec))
    node = float(np.arctan2(node_vec[1], node_vec[0])) if nn > 1e-12 * hn else 0.0
    node_dir = np.array([np.cos(node), np.sin(node), 0.0])
    node_perp = cross(h / hn, node_dir)
    if e > 1e-14:
        argp = float(np.arctan2(dot(evec, node_perp), dot(evec, node_dir)))
        peri_dir = evec / e
    else:
        argp, peri_dir = 0.0, node_dir
    peri_perp = cross(h / hn, peri_dir)
    nu = float(np.arctan2(dot(r, peri_perp), dot(r, peri_dir)))
    p = hn * hn / mu
    rp = p / (1.0 + e)
    if e < 1.0:
        ecc = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(nu / 2), np.sqrt(1.0 + e) * np.cos(nu / 2))
        m0 = float(np.mod(ecc - e * np.sin(ecc), _TWO_PI))
    elif e > 1.0:
        hyp = 2.0 * np.arctanh(np.sqrt((e - 1.0) / (e + 1.0)) * np.tan(nu / 2))
        m0 = float(e * np.sinh(hyp) - hyp)
    else:
        raise ValueError("parabolic orbits (e = 1) are not supported")
    return Elements(float(rp), e, i, float(np.mod(node, _TWO_PI)), float(np.mod(argp, _TWO_PI)), m0,
                    float(t0), float(mu))
