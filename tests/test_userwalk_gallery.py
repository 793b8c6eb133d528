"""Gallery panel captions: the camera's name fits its panel, never cut in the middle of a word
(the montage showed 'Voyager ISS Narrow Angle Camera (vidicon, clear filt')."""

from __future__ import annotations

from PIL import Image, ImageDraw

from paledot.cameras import list_cameras
from paledot.render.files import font
from paledot.stories.gallery import CROP, ZOOM, _fit


def test_every_camera_title_fits_its_panel_at_a_word():
    d = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    small = font(13)
    width = CROP * ZOOM - 16
    for title in list_cameras().values():
        shown = _fit(d, title, small, width)
        assert d.textlength(shown, font=small) <= width, shown
        core = shown.removesuffix("\u2026")
        assert title.startswith(core), (title, shown)
        rest = title[len(core):]
        assert rest == "" or rest[0] == " ", f"cut mid-word: {shown!r} from {title!r}"


def test_a_title_that_fits_is_kept_whole():
    d = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    assert _fit(d, "Juno JunoCam", font(13), 384) == "Juno JunoCam"
    assert _fit(d, "A very long camera name (with a long remark)", font(13), 150) in (
        "A very long camera name", "A very long camera\u2026", "A very long\u2026", "A very\u2026")
