"""Benchmark: the mex-2023 viewer page, its weight and how fast its slider answers in a browser.

Builds the page as ``paledot view mex-2023`` does (timed), then opens it from disk in headless
Chromium (playwright, with Debian's chromium) and moves the slider through every step, twice
(forward, then backward), timing each step in the page with ``performance.now()``:
- *update*: the script's work for one step (the slider's input event to the frame drawn, the
  overlays, sky chart, numbers, timeline cursor and orbit marker redone);
- *painted*: from the input event until the browser has painted the new step (a task queued from
  the next animation frame: style, layout and paint included, and the wait for the display's next
  frame, up to 16.7 ms at 60 Hz).
Median and maximum over all steps (at least 50). Run: ``.venv/bin/python bench/view.py [chromium]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from paledot.view import build_page, spec_from_scenario

CHROMIUM = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PALEDOT_CHROMIUM", "/usr/bin/chromium")

MEASURE = """async (order) => {
    const slider = document.getElementById('slider');
    // an animation frame runs just before the browser paints; a task queued from it runs just after
    const painted_ = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const update = [], painted = [];
    for (const i of order) {
        const t0 = performance.now();
        slider.value = String(i);
        slider.dispatchEvent(new Event('input', {bubbles: true}));
        update.push(performance.now() - t0);
        await painted_();
        painted.push(performance.now() - t0);
        const drawn = document.getElementById('frame').dataset.drawnStep;
        if (drawn !== String(i)) throw new Error('not drawn ' + i);
    }
    return {update, painted};
}"""


def main() -> None:
    t0 = time.perf_counter()
    html = build_page(spec_from_scenario("mex-2023"))
    build_s = time.perf_counter() - t0
    size = len(html.encode("utf-8"))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view-mex-2023.html"
        path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1500, "height": 1250})
            t1 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.paledotView && window.paledotView.current >= 0")
            load_s = time.perf_counter() - t1
            n = page.evaluate("window.paledotView.data.steps.length")
            page.evaluate(MEASURE, list(range(n)))  # warm-up pass: every frame decoded once
            order = [*range(n), *range(n - 1, -1, -1)]
            res = page.evaluate(MEASURE, order)
            browser.close()
    up, pa = res["update"], res["painted"]
    print(f"mex-2023 page: {size / 1e6:.2f} MB, {n} steps, built in {build_s:.1f} s, "
          f"opened in {load_s:.2f} s")
    print(f"slider, {len(up)} steps: update median {statistics.median(up):.1f} ms, max {max(up):.1f} ms; "
          f"painted median {statistics.median(pa):.1f} ms, max {max(pa):.1f} ms")


if __name__ == "__main__":
    main()
