"""Pictures: labels that never overlap (Saturn's view of Earth and Moon, 19 July 2013), the compass
from the WCS (checked with astropy's position angles), a black point that hides all noise, and an
animation that holds every published epoch at its exact time."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from PIL import ImageDraw

from paledot.render import Pointing, RenderWarning, Scene, render
from paledot.render.annotate import Marker, layout_labels, sky_directions
from paledot.render.files import annotated_image, font
from paledot.stories.report import BLACK_SIGMA
from paledot.stories.reproduce import sequence_epochs
from paledot.stories.scenarios import load_scenario
from paledot.time.timescales import et_to_iso, time_grid, to_et

# Cassini's "The Day the Earth Smiled" (19 July 2013, about 21:27 UTC): Earth and Moon ~27 NAC
# pixels apart from Saturn, close enough that naive labels collide.
SATURN = Scene("2013-07-19T21:27", "saturn", ["earth", "moon"], "cassini-iss-nac", noise=False)


def _disjoint(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def _check_layout(img):
    labels = img.info["paledot_labels"]
    rings = img.info["paledot_rings"]
    obstacles = img.info["paledot_obstacles"]
    for (_, a), (_, b) in itertools.combinations(labels, 2):
        assert _disjoint(a, b)
    for text, box in labels:
        assert 0 <= box[0] and box[2] <= img.width and 0 <= box[1] and box[3] <= img.height
        for other, ring in rings:
            if other != text:
                assert _disjoint(box, ring), (text, other)
        for o in obstacles:
            assert _disjoint(box, o), text


@pytest.mark.parametrize("crop,scale", [(None, 1), ((460, 460, 100, 100), 4), ((480, 470, 60, 60), 3)])
def test_labels_never_overlap_in_saturns_view_of_earth_and_moon(crop, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(SATURN)
    earth, moon = frame.body("earth"), frame.body("moon")
    assert 15 < math.hypot(earth.x - moon.x, earth.y - moon.y) < 40  # the crowded case
    img = annotated_image(frame, crop=crop, scale=scale)
    assert [t for t, _ in img.info["paledot_labels"]] == ["Earth", "Moon"]
    _check_layout(img)


def test_layout_separates_a_crowd_of_markers():
    """Five rings almost on top of each other: every label still finds a free place."""
    img_size = (300, 300)
    markers = [Marker(f"Body {k}", 150 + 6 * k, 150 - 4 * k, 12, (255, 255, 255)) for k in range(5)]
    fnt = font(14)
    draw = ImageDraw.Draw(__import__("PIL.Image", fromlist=["Image"]).new("RGB", img_size))
    boxes = layout_labels(markers, img_size, lambda t: draw.textlength(t, font=fnt), 16)
    for a, b in itertools.combinations(boxes, 2):
        assert _disjoint(a, b)


@pytest.mark.parametrize("roll", [0.0, 30.0, 90.0])
def test_compass_points_where_astropy_says_north_and_east_are(roll):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src",
                             Pointing("midpoint", roll_deg=roll), noise=False))
    x, y = 511.5, 515.5
    north, east = sky_directions(frame.wcs, x, y)
    # image up (+y) is north turned toward east by the roll: north is at -roll from up, i.e.
    # toward image right (west side) for positive roll
    up_pa = SkyCoord(*frame.wcs.pixel_to_world_values(x, y), unit="deg").position_angle(
        SkyCoord(*frame.wcs.pixel_to_world_values(x, y + 50), unit="deg")).deg
    assert up_pa == pytest.approx(roll, abs=1e-3)
    r = math.radians(roll)
    assert north == pytest.approx([math.sin(r), math.cos(r)], abs=1e-3)
    assert east == pytest.approx([-math.cos(r), math.sin(r)], abs=1e-3)


def test_black_point_hides_every_noise_pixel():
    """An empty sky at the montage's black point: not one noise pixel lights up in a million."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene("2023-05-21T03:10", "mars", ["earth"], "hrsc-src", Pointing.parse("0,60"),
                             exposure=0.01, seed=5))
    img = annotated_image(frame, white_fraction=0.15, black_sigma=BLACK_SIGMA, time_label=False,
                          scale_bar=False, compass=False)
    grey = np.asarray(img)[..., 0]
    assert np.count_nonzero(grey) <= 1e-6 * grey.size + 1


def test_animation_holds_every_published_epoch_exactly():
    sc = load_scenario("mex-2023")
    epochs = to_et(list(sc.epochs))
    seq = sequence_epochs(sc.sequence, epochs)
    assert np.all(np.diff(seq) > 0)  # one time per frame
    for e in epochs:
        assert np.count_nonzero(seq == e) == 1
    assert "2023-06-02T15:00:00" in [str(x) for x in et_to_iso(seq)]
    grid = time_grid(sc.sequence["start"], sc.sequence["stop"], sc.sequence["step"])
    assert seq.size == grid.size + np.count_nonzero(~np.isin(epochs, grid))  # nothing else added


def test_montage_inset_keeps_earth_unsaturated_while_the_panel_burns_it_out():
    from PIL import Image

    from paledot.stories.report import _earth_inset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        frame = render(Scene("2023-05-15T14:08", "mars", ["earth", "moon"], "hrsc-src", seed=2))
    earth = frame.body("earth")
    panel = np.asarray(annotated_image(frame, white_fraction=0.15, black_sigma=BLACK_SIGMA,
                                       time_label=False, scale_bar=False, compass=False))[..., 0]
    y, x = frame.dn.shape[0] - 1 - round(earth.y), round(earth.x)
    assert np.count_nonzero(panel[y - 4 : y + 5, x - 4 : x + 5] == 255) >= 9  # burnt out there
    img = Image.new("RGB", (200, 200))
    _earth_inset(img, frame, earth, 13, 9, (40, 20, 180, 180))
    grey = np.asarray(img)[:, :, 0]
    # linear from the sky to Earth's brightest pixel: one frame pixel (9 x 9) reaches white
    assert np.count_nonzero(grey == 255) == 81
