"""The measurer's body templates (``prediction.body_shapes``) are the renderer's own images.

Templates are drawn straight from the prediction's light-time vectors (no second geometry
solve per body); the oracle is ``render`` itself on a Scene of the body alone, pointed the same
way, which works the geometry out again from the ephemeris.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from paledot.cameras import load_camera
from paledot.measure.prediction import body_shapes, predict
from paledot.render import Pointing, Scene, render
from paledot.time.timescales import to_et

TIME = "2023-05-21T03:10"


@pytest.fixture(scope="module")
def setup():
    cam = load_camera("hrsc-src")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = render(Scene(TIME, "mars", ["earth", "moon"], cam, Pointing(roll_deg=30), noise=False,
                             stars=False))
    et = float(to_et(TIME)[0])
    pred = predict("mars", ["earth", "moon"], et)
    where = {b.name: (b.column + 0.31, b.row - 0.22) for b in frame.bodies}  # some sub-pixel phase
    return cam, et, pred, frame.wcs, where


@pytest.mark.parametrize("q", [1, 3])
def test_templates_match_the_renderer_of_the_body_alone(setup, q):
    cam, et, pred, wcs, where = setup
    direct = body_shapes(cam, "mars", pred, et, wcs, where, {"earth": q, "moon": q})
    plain = [dataclasses.replace(p, position_km=None) for p in pred]  # no vectors: render's own path
    oracle = body_shapes(cam, "mars", plain, et, wcs, where, {"earth": q, "moon": q})
    assert set(direct) == set(oracle) == {"earth", "moon"}
    for name in direct:
        d, o = direct[name], oracle[name]
        assert d.stamp.shape == o.stamp.shape and d.oversample == o.oversample == q
        assert math.isclose(d.stamp.sum(), 1.0, rel_tol=1e-12)
        # the renderer's light map is float32: agreement to its rounding
        assert np.abs(d.stamp - o.stamp).max() <= 1e-6 * o.stamp.max(), name
        assert (d.cx, d.cy) == pytest.approx((o.cx, o.cy), abs=1e-9)


def test_a_prediction_past_its_phase_curve_has_no_template(setup):
    """A body whose brightness is unknown (NaN magnitude, as past a published phase curve) is not
    drawn by the renderer; nor is its template."""
    cam, et, pred, wcs, where = setup
    moonless = [dataclasses.replace(p, magnitude=float("nan")) if p.name == "moon" else p for p in pred]
    out = body_shapes(cam, "mars", moonless, et, wcs, where, {"earth": 1, "moon": 1})
    assert set(out) == {"earth"}
