"""Words on the pictures, as a reader sees them."""

from __future__ import annotations

from PIL import Image, ImageDraw

from paledot.render import Scene, render
from paledot.render.files import _scale_bar, font


def test_scale_bar_names_the_body_with_a_capital():
    # was '500,000 km at earth' beside the labels 'Earth' and 'Moon'
    frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=1))
    img = Image.new("RGB", (1024, 1032))
    said = {}

    def record(draw, xy, px_per_unit, max_px, unit, fnt, note=""):
        said["text"] = f"{unit}{note}"
        return (0, 0, 1, 1)

    _scale_bar(ImageDraw.Draw(img), frame, img, 1, font(14), record)
    assert said["text"] == "km at Earth"


def test_render_json_names_every_file_and_the_epoch(tmp_path, capsys):
    import json

    from astropy.time import Time

    from paledot.cli import main
    from paledot.render.regions import regions_available

    out = tmp_path / "f.fits"
    assert main(["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-05-21T03:10",
                 "--target", "earth", "--out", str(out), "--png", str(tmp_path / "f.png"),
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    want = ["f.fits", "f.reg", "f.png"] if regions_available() else ["f.fits", "f.png"]
    assert doc["files"] == want and all((tmp_path / n).is_file() for n in want)
    assert doc["utc"] == "2023-05-21T03:10:00.000"
    t = Time("2023-05-21T03:10:00", scale="utc").tdb  # astropy as the oracle for ET
    assert abs(doc["et"] - ((t.jd1 - 2451545.0) + t.jd2) * 86400.0) < 1e-3


def test_a_span_of_one_value_is_written_once():
    from paledot.stories.claims import span

    assert span(4.81, 4.84, ".1f") == "4.8"
    assert span(4.59, 4.94, ".1f") == "4.6-4.9"
    assert span(112.2, 116.4, ".0f") == "112-116"


def test_reproduce_summary_of_one_epoch_has_no_x_to_x(tmp_path, capsys):
    from paledot.cli import main

    assert main(["reproduce", "mex-2023", "--out", str(tmp_path / "r"), "--time", "2023-05-21T03:10",
                 "-q"]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("Earth from"))
    assert " to " not in line and "4.8-4.8" not in line, line
    claims = out.split("Claims:\n", 1)[1].splitlines()
    rows = [r for r in claims if r.startswith("  ")]
    # the claim text starts in one column on every row, however long the verdict
    starts = {len(r) - len(r[2:].split("  ", 1)[1].lstrip()) for r in rows}
    assert len(starts) == 1, rows
    assert "32-32" not in out and "114-114x" not in out


def test_fits_times_of_a_sub_ms_exposure_differ(tmp_path):
    """DATE-BEG, DATE-AVG and DATE-END of a 0.75 ms HRSC frame were all '03:10:00.000'."""
    from astropy.io import fits
    from astropy.time import Time

    from paledot.render.files import write_fits

    frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=1))
    write_fits(frame, tmp_path / "f.fits")
    h = fits.getheader(tmp_path / "f.fits")
    beg, avg, end = (Time(h[k], scale="utc") for k in ("DATE-BEG", "DATE-AVG", "DATE-END"))
    assert h["DATE-BEG"] < h["DATE-AVG"] < h["DATE-END"]
    assert abs((end - beg).sec - h["EXPTIME"]) < 2e-6  # microsecond cards
    assert abs((avg - Time("2023-05-21T03:10", scale="utc")).sec) < 1e-6


def _frame():
    return render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=1))


def test_compass_is_not_drawn_over_a_body():
    """A crop with Earth in its top right corner (where the compass goes) moves the compass."""
    from paledot.render.annotate import View
    from paledot.render.files import annotated_image

    frame = _frame()
    earth = frame.body("earth")
    c0, r0 = int(earth.column) - 185, int(earth.row) + 15 - 200  # Earth 15 px from the top right
    img = annotated_image(frame, crop=(r0, c0, 200, 200), scale=3)
    x, y = View(c0, r0 + 200, 3).to_display(earth.column, earth.row)
    r = max(earth.diameter_px / 2 * 3 + 12, 12)
    bx0, by0, bx1, by1 = img.info["paledot_compass"]
    dx, dy = x - min(max(x, bx0), bx1), y - min(max(y, by0), by1)
    assert dx * dx + dy * dy >= r * r, (img.info["paledot_compass"], (x, y, r))
    assert 0 <= bx0 and bx1 <= img.width and 0 <= by0 and by1 <= img.height


def test_compass_stays_top_right_when_free():
    from paledot.render.files import annotated_image

    img = annotated_image(_frame())
    bx0, by0, bx1, by1 = img.info["paledot_compass"]
    assert bx0 > img.width / 2 and by1 < img.height / 4


def test_montage_has_no_inset_or_inset_words_for_a_resolved_earth():
    """A 13 px inset of a 62 px Earth cut a patch of clouds and drew a 560 px 'whole disk' circle
    across the panel; the caption still explained the inset."""
    import dataclasses

    from paledot.stories.report import _montage_caption, montage

    frame = _frame()
    big = dataclasses.replace(frame, bodies=[dataclasses.replace(b, diameter_px=62.0)
                                             if b.name == "earth" else b for b in frame.bodies])
    small = montage([frame], ["t"], "title")
    large = montage([big], ["t"], "title")
    assert large.height < small.height  # the caption lost its inset sentence
    assert "Insets" not in _montage_caption([big], big.camera, 200, 3, "asinh", 1.0, 0, 9)
    assert "Insets" in _montage_caption([frame], frame.camera, 200, 3, "asinh", 1.0, 13, 9)


def test_a_dropped_million_at_other_epochs_is_named():
    """'Some 187 miles away' against 2023-05-21 alone (177.8 million miles) said 'off by -100%'."""
    import numpy as np

    from paledot.stories.claims import MILE_KM, _distance_value

    class F:
        earth_range_km = np.array([177.8e6 * MILE_KM])

    computed, verdict, why = _distance_value({"id": "x", "value": 187, "unit": "mile"}, F())
    assert verdict == "off by +5% (typo?)" and "dropped 'million'" in why
    _, verdict, _ = _distance_value({"id": "x", "value": 187e6, "unit": "mile"}, F())
    assert verdict == "off by +5%"
    _, verdict, _ = _distance_value({"id": "x", "value": 177.9, "unit": "mile"}, F())
    assert verdict == "looks like a typo"


def test_a_span_of_nan_stays_visible_to_the_nan_check():
    from paledot.stories.claims import span

    assert span(float("nan"), float("nan"), ".0f") == "nan to nan"


def test_shortest_exposure_warning_says_saturate_only_when_it_does():
    """The SRC from the real IK needs 0.952 ms for Earth but its shortest is 1 ms: the warning said
    'it will saturate' while Earth's peak sat at three quarters of full well."""
    import warnings

    from paledot.cameras import load_camera
    from paledot.render import RenderWarning

    cam = load_camera("/work/shared/data/hrsc/MEX_HRSC_V03.TI", "MEX_HRSC_SRC")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], cam, seed=1, noise=False))
    said = [str(w.message) for w in caught if "shortest" in str(w.message)]
    earth = frame.body("earth")
    assert said and not earth.saturated
    assert "will saturate" not in said[0] and "of the ceiling" in said[0]
    pct = float(said[0].split("reaches ")[1].split("%")[0])
    ceiling = min(cam.full_well_e, (cam.max_dn - cam.bias_dn) * cam.gain_e_per_dn)
    assert abs(pct - 100 * earth.peak_electrons / ceiling) < 1.0  # the frame's own peak agrees


def test_geometry_table_has_no_nan_for_the_sun(capsys):
    """The Sun's phase, lit fraction, sub-solar point and bright limb are undefined: '-', not 'nan'."""
    from paledot.cli import main

    assert main(["geometry", "--observer", "mars", "--target", "earth", "--target", "sun",
                 "--time", "2023-05-21"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    sun = next(line for line in out.splitlines() if " sun " in line)
    assert sun.split()[11:13] == ["-", "-"]  # phase and lit %
    assert "deg)" in out  # Earth-Sun, ~32 deg apart, also given in degrees


def test_one_frame_scenario_report_words(tmp_path, capsys):
    """msl-2014 (one frame): 'Share of the Moon's orbit spanned: 0.0% (0 degrees)', 'differs by
    6.706e+05 mile', 'Earth from Curiosity At Gale'."""
    from paledot.cli import main

    assert main(["reproduce", "msl-2014", "--out", str(tmp_path / "m"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Earth from Curiosity at Gale:" in out and "of the Moon's orbit" not in out
    facts = (tmp_path / "m" / "facts.md").read_text()
    html = (tmp_path / "m" / "report.html").read_text()
    assert "Share of the Moon's orbit" not in facts and "Share of the Moon's orbit" not in html
    assert "e+0" not in facts and "670,557 miles" in facts  # 158,245,899 km vs 99 million miles


def test_distance_words():
    from paledot.stories.claims_physics import _words

    assert _words(670557.4, "mile") == "670,557 miles"
    assert _words(6.05538e9, "km") == "6.055 billion km"
    assert _words(1.0, "mile") == "1 mile"


def test_render_text_says_the_epoch(tmp_path, capsys):
    """'--time now' or 'ET:...' gave a frame with no word of when; the summary now says it in UTC."""
    from paledot.cli import main

    assert main(["render", "--observer", "mars", "--camera", "hrsc-src", "--time", "2023-135T03:10",
                 "--target", "earth", "--out", str(tmp_path / "f.fits")]) == 0
    assert "at 2023-05-15T03:10:00.000 UTC (mid-exposure)" in capsys.readouterr().out.splitlines()[0]
