"""paledot view in a real browser (headless Chromium driven by playwright): the page opened from
disk, the slider moved to given instants, and what it shows checked against paledot itself —
the numbers against paledot.observe to the printed digits, Earth's dot in the frame's canvas
pixels against the frame's WCS, the windows against paledot.plan.find_windows — and that it makes
no request but for its own file and data: URIs.

Skipped, with the reason, only where playwright or a Chromium cannot be found (``make test``
installs both: playwright from the test extra, Debian's chromium through apt-get).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from test_view_page import MEX_EPOCHS, expected_cells

from paledot import observe, to_et
from paledot.cameras import load_camera
from paledot.cli import main
from paledot.plan import find_windows, separation
from paledot.render import Pointing, Scene, render

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install 'paledot[test]')")


def _chromium() -> str | None:
    for path in (os.environ.get("PALEDOT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if path and os.path.exists(path):
            return path
    return None


SEP_MIN_DEG = 0.06


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("viewb") / "view.html"
    assert main(["view", "mex-2023", "--separation-min", str(SEP_MIN_DEG), "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set PALEDOT_CHROMIUM)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe)
        yield b
        b.close()


@pytest.fixture()
def page(browser, page_file):
    pg = browser.new_page(viewport={"width": 1500, "height": 1300})
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.goto(page_file.as_uri())
    pg.wait_for_function("window.paledotView && window.paledotView.current >= 0")
    yield pg
    assert pg.errors == []
    pg.close()


def step_of(pg, when: str) -> int:
    steps = pg.evaluate("window.paledotView.data.steps.map(s => s.et)")
    e = to_et([when])[0]
    j = int(np.argmin(np.abs(np.array(steps) - e)))
    assert steps[j] == e
    return j


def move_slider(pg, j: int) -> None:
    """Move the slider as a user does (its value, then the input event it fires)."""
    pg.locator("#slider").fill(str(j))
    pg.wait_for_function(f"document.getElementById('frame').dataset.drawnStep === '{j}'")


def shown_numbers(pg) -> dict:
    return pg.evaluate("""() => {
        const out = {};
        for (const td of document.querySelectorAll('#numbers td')) {
            (out[td.dataset.target] ||= {})[td.dataset.col] = td.textContent;
        }
        const p = document.querySelector('#pairs .pair');
        out.pair = {};
        for (const s of p.querySelectorAll('span[data-col]')) out.pair[s.dataset.col] = s.textContent;
        return out;
    }""")


@pytest.mark.parametrize("when", [*MEX_EPOCHS, "2023-05-18T06:00", "2023-05-30T18:00"])
def test_numbers_shown_are_paledot_observe(page, when):
    move_slider(page, step_of(page, when))
    shown = shown_numbers(page)
    want = expected_cells("mars", ["earth", "moon"], when, load_camera("hrsc-src"))
    assert shown == want
    assert page.locator("#utc").inner_text().startswith(when.replace("T", " "))


@pytest.mark.parametrize("when", MEX_EPOCHS)
def test_earth_dot_in_the_canvas_is_where_the_wcs_puts_it(page, when):
    move_slider(page, step_of(page, when))
    pix = page.evaluate("""() => {
        const c = document.getElementById('frame');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let best = -1, at = [];
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] > best) { best = d[i]; at = []; }
            if (d[i] === best) at.push(i / 4);
        }
        return {best, at, width: c.width, zoom: window.paledotView.canvasZoom,
                box: window.paledotView.data.box};
    }""")
    zoom, box = pix["zoom"], pix["box"]
    cols = np.array(pix["at"]) % pix["width"]
    rows = np.array(pix["at"]) // pix["width"]
    # canvas (column, row from the top) -> camera pixel (x, y up), through the box shown
    x = box["x0"] + (cols.mean() + 0.5) / zoom - 0.5
    y = box["y0"] + box["h"] - (rows.mean() + 0.5) / zoom - 0.5
    frame = render(Scene(when, "mars", ["earth", "moon"], "hrsc-src", Pointing("midpoint"), seed=0))
    g = observe("mars", ["earth"], [when])
    wx, wy = frame.wcs.world_to_pixel_values(g.ra.to_value("deg")[0, 0], g.dec.to_value("deg")[0, 0])
    assert pix["best"] == 255
    # Earth is ~4.8 px across and 73% lit: its brightest pixels sit within ~1 px of its centre
    assert abs(x - wx) < 1.5 and abs(y - wy) < 1.5, (x, y, wx, wy)


def test_a_window_click_moves_the_slider_into_it(page):
    want = find_windows("mars", separation("earth", "moon", min=SEP_MIN_DEG), "2023-05-15",
                        "2023-06-02T15:00")
    assert len(want) == 2
    rects = page.locator("#timeline rect.window")
    assert rects.count() == 2
    move_slider(page, step_of(page, "2023-05-24T00:00"))  # between the two windows
    for k, (a, b) in enumerate(want.spans):
        rects.nth(k).click()
        et = page.evaluate("window.paledotView.data.steps[window.paledotView.current].et")
        assert a <= et <= b, (k, et, a, b)
        assert int(page.locator("#slider").input_value()) == page.evaluate("window.paledotView.current")
        assert f"in window {k + 1}" in page.locator("#stepinfo").inner_text()


def test_keyboard_arrows_step(page):
    start = page.evaluate("window.paledotView.current")
    page.locator("body").press("ArrowRight")
    page.locator("body").press("ArrowRight")
    assert page.evaluate("window.paledotView.current") == start + 2
    page.locator("body").press("ArrowLeft")
    assert page.evaluate("window.paledotView.current") == start + 1
    page.locator("#slider").focus()
    page.keyboard.press("ArrowLeft")  # the slider's own arrows: one step, not two
    assert page.evaluate("window.paledotView.current") == start
    page.locator("body").press("End")
    n = page.evaluate("window.paledotView.data.steps.length")
    assert page.evaluate("window.paledotView.current") == n - 1


def test_claims_sit_beside_the_frame_they_concern(page):
    move_slider(page, step_of(page, MEX_EPOCHS[0]))
    assert "About 2,570 km per pixel" in page.locator("#frame-claims").inner_text()
    assert page.locator("#claims li.current").count() >= 1
    move_slider(page, step_of(page, MEX_EPOCHS[1]))
    assert "2,570" not in page.locator("#frame-claims").inner_text()


def test_no_network_request(page):
    move_slider(page, step_of(page, MEX_EPOCHS[2]))
    page.locator("#play").click()
    page.wait_for_timeout(600)
    page.locator("#play").click()
    assert page.requests, "the page's own file is a request"
    assert all(u.startswith(("file:", "data:")) for u in page.requests), \
        [u for u in page.requests if not u.startswith(("file:", "data:"))]
