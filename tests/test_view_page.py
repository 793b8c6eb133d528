"""paledot view without a browser: the page's weight and self-containment, the numbers it carries
against paledot.observe printed to the table's digits, its frames against paledot's own PNG of
the same render, the --serve frames, and the command's errors and file handling."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import urllib.request

import numpy as np
import pytest
from PIL import Image

from paledot import observe, to_et
from paledot.cameras import load_camera
from paledot.cli import main
from paledot.render import Pointing, Scene, render
from paledot.render.files import png_bytes
from paledot.view import spec_from_options, spec_from_scenario

MEX_EPOCHS = ["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49", "2023-06-02T15:00"]
AU_KM, MILE_KM = 149_597_870.7, 1.609344


def page_data(text: str) -> dict:
    m = re.search(r'<script id="paledot-data" type="application/json">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def expected_cells(observer, targets, when, camera) -> dict:
    """The table's cells at ``when``, formatted here from paledot.observe (the oracle)."""
    g = observe(observer, targets, [when])
    rng = g.range.to_value("km")[:, 0]
    out = {}
    for i, name in enumerate(g.target_names):
        diam = g.angular_diameter.to_value("arcsec")[i, 0]
        out[name] = {
            "range km": f"{rng[i]:,.0f}", "AU": f"{rng[i] / AU_KM:.6f}",
            "M miles": f"{rng[i] / MILE_KM / 1e6:.3f}",
            "km/s": f"{g.range_rate.to_value('km/s')[i, 0]:.3f}",
            "lt min": f"{g.light_time.to_value('s')[i, 0] / 60:.3f}",
            "RA deg": f"{g.ra.to_value('deg')[i, 0]:.4f}", "Dec deg": f"{g.dec.to_value('deg')[i, 0]:.4f}",
            "diam as": f"{diam:.3f}", "phase": f"{g.phase_angle.to_value('deg')[i, 0]:.1f}",
            "lit %": f"{100 * g.illuminated_fraction.value[i, 0]:.1f}",
            "elong": f"{g.sun_elongation.to_value('deg')[i, 0]:.1f}",
            "V mag": f"{g.magnitude.to_value('mag')[i, 0]:.2f}",
            "diam px": f"{g.angular_diameter.to_value('rad')[i, 0] / camera.pixel_scale_rad:.2f}",
        }
    if len(targets) == 2:
        out["pair"] = {"separation arcsec": f"{g.separation(*targets).to_value('arcsec')[0]:.2f}",
                       "position angle deg": f"{g.position_angle(*targets).to_value('deg')[0]:.2f}"}
    return out


@pytest.fixture(scope="module")
def mex_page(tmp_path_factory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("view") / "view-mex-2023.html"
    assert main(["view", "mex-2023", "--out", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    return text, page_data(text)


def test_page_is_light_and_loads_nothing(mex_page):
    text, data = mex_page
    assert len(text.encode()) < 5e6
    # no reference to anything outside the file: scripts and styles inline, images data: URIs
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text, re.I)
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet|@import|url\(", text, re.I)
    assert "<script>" in text and "<style>" in text
    for step in data["steps"]:
        assert step["frame"].startswith("data:image/png;base64,")


def test_steps_hold_the_published_epochs_and_span(mex_page):
    _, data = mex_page
    et = np.array([s["et"] for s in data["steps"]])
    published = to_et(MEX_EPOCHS)
    for k, e in enumerate(published):
        j = int(np.argmin(np.abs(et - e)))
        assert et[j] == e and data["steps"][j]["published"] == k
    assert np.all(np.diff(et) > 0)
    grid = to_et(["2023-05-15T00:00", "2023-05-15T06:00", "2023-06-02T00:00"])
    assert all(np.any(et == g) for g in grid)


@pytest.mark.parametrize("k", range(4))
def test_numbers_are_paledot_observe_to_the_printed_digits(mex_page, k):
    _, data = mex_page
    e = to_et([MEX_EPOCHS[k]])[0]
    step = next(s for s in data["steps"] if s["et"] == e)
    want = expected_cells("mars", ["earth", "moon"], MEX_EPOCHS[k], load_camera("hrsc-src"))
    for row in step["rows"]:
        assert row["cells"] | want[row["target"]] == row["cells"], row["target"]
        assert all(row["cells"][c] == v for c, v in want[row["target"]].items())
    pair = step["pairs"][0]
    assert pair["pair"] == "earth-moon"
    assert {k_: pair[k_] for k_ in want["pair"]} == want["pair"]


def _frame_box(data, step) -> np.ndarray:
    uri = step["frame"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_frames_are_paledot_pngs_of_the_same_render(mex_page):
    """Each embedded frame is the box of paledot's own PNG of render(Scene) at that instant."""
    _, data = mex_page
    box = data["box"]
    assert box["bin"] == 1
    for k in (0, 3):
        e = to_et([MEX_EPOCHS[k]])[0]
        step = next(s for s in data["steps"] if s["et"] == e)
        frame = render(Scene(MEX_EPOCHS[k], "mars", ["earth", "moon"], "hrsc-src", Pointing("midpoint"),
                             seed=data["seed"]))
        whole = np.asarray(Image.open(io.BytesIO(png_bytes(frame))))  # display order: top row first
        rows = whole.shape[0]
        top = rows - (box["y0"] + box["h"])
        want = whole[top:top + box["h"], box["x0"]:box["x0"] + box["w"]]
        np.testing.assert_array_equal(_frame_box(data, step), want)
        earth = frame.body("earth")
        assert box["x0"] <= earth.x < box["x0"] + box["w"] and box["y0"] <= earth.y < box["y0"] + box["h"]


def test_orbit_share_and_claims(mex_page):
    _, data = mex_page
    assert data["orbit"]["share"] > 0.5
    assert len(data["orbit"]["marks"]) == 4
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["half-orbit"]["verdict"] == "holds"
    assert claims["image-scale"]["epoch"] == 0
    assert claims["sun-dot"]["verdict"] == "does not hold"


def test_windows_are_those_of_paledot_windows(tmp_path):
    from paledot.plan import find_windows, separation

    out = tmp_path / "v.html"
    argv = ["view", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--target", "moon",
            "--start", "2023-05-15", "--stop", "2023-06-02", "--step", "1d", "--separation-min", "0.06",
            "--no-stars", "--out", str(out), "-q"]
    assert main(argv) == 0
    data = page_data(out.read_text())
    want = find_windows("mars", separation("earth", "moon", min=0.06), "2023-05-15", "2023-06-02")
    got = np.array([[w["start"], w["stop"]] for w in data["windows"]["spans"]])
    assert len(want) == 2
    np.testing.assert_allclose(got, want.spans, atol=1e-6, rtol=0)
    steps = np.array([s["et"] for s in data["steps"]])
    for a, b in want.spans:
        assert np.any((steps >= a) & (steps <= b))


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("extra,needle", [
    (["nosuch-scenario"], "unknown scenario 'nosuch-scenario'"),
    (["mex-2023", "--step", "1s"], "--step 1s gives"),
    (["mex-2023", "--step", "fortnight"], "fortnight"),
    (["mex-2023", "--start", "2023-02-30"], "2023-02-30"),
    (["mex-2023", "--start", "2023-06-01", "--stop", "2023-05-01"], "--stop '2023-05-01' is not after"),
    (["mex-2023", "--port", "70000"], "--port 70000"),
    (["mex-2023", "--frames", "0"], "--frames 0"),
    (["mex-2023", "--pointing", "12,95"], "12,95"),
    (["--observer", "mars", "--target", "earth", "--start", "2023-05-15", "--stop", "2023-05-16"],
     "--camera"),
    (["--observer", "vulcan", "--camera", "hrsc-src", "--target", "earth", "--start", "2023-05-15",
      "--stop", "2023-05-16"], "vulcan"),
    (["--observer", "mars", "--camera", "no-such-cam", "--target", "earth", "--start", "2023-05-15",
      "--stop", "2023-05-16"], "no-such-cam"),
])
def test_bad_input_is_one_line_naming_the_value(tmp_path, capsys, extra, needle):
    code, out, err = run(["view", *extra, "--out", str(tmp_path / "v.html"), "-q"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("paledot: error: "), err
    assert needle in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites_unasked_and_writes_whole(tmp_path, capsys):
    out = tmp_path / "v.html"
    out.write_text("mine")
    argv = ["view", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--start",
            "2023-05-15", "--stop", "2023-05-16", "--step", "12h", "--no-stars", "--out", str(out), "-q"]
    code, _, err = run(argv, capsys)
    assert code == 2 and "already exists" in err and out.read_text() == "mine"
    code, stdout, _ = run([*argv, "--overwrite"], capsys)
    assert code == 0 and "wrote" in stdout
    assert out.read_text().rstrip().endswith("</html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.html"]  # no temporary left


def test_an_interrupted_build_writes_nothing(tmp_path, monkeypatch, capsys):
    import paledot.view as view

    def broken(spec, progress=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(view, "build_page", broken)
    out = tmp_path / "v.html"
    code = main(["view", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--start",
                 "2023-05-15", "--stop", "2023-05-16", "--out", str(out), "-q"])
    assert code != 0 and list(tmp_path.iterdir()) == []


def test_serve_renders_frames_on_demand():
    from paledot.view.serve import ViewServer

    spec = spec_from_options("mars", "hrsc-src", ["earth", "moon"], "2023-05-21", "2023-05-21T12:00",
                             "6h", seed=3)
    server = ViewServer(spec, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = urllib.request.urlopen(server.url, timeout=30).read().decode()
        data = page_data(page)
        assert data["served"] and "frame" not in data["steps"][0]
        when = "2023-05-21T03:10"
        with urllib.request.urlopen(server.url + f"frame.png?time={when}", timeout=60) as r:
            assert r.headers["Content-Type"] == "image/png"
            body = r.read()
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        got = np.asarray(Image.open(io.BytesIO(body)))
        frame = render(Scene(when, "mars", ["earth", "moon"], "hrsc-src", seed=3))
        whole = np.asarray(Image.open(io.BytesIO(png_bytes(frame))))
        box = data["box"]
        top = whole.shape[0] - (box["y0"] + box["h"])
        np.testing.assert_array_equal(got, whole[top:top + box["h"], box["x0"]:box["x0"] + box["w"]])
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(server.url + "frame.png?time=2023-02-30", timeout=30)
        assert bad.value.code == 400 and b"2023-02-30" in bad.value.read()
    finally:
        server.shutdown()
        server.server_close()


def test_spec_from_scenario_uses_its_span():
    spec = spec_from_scenario("mex-2023")
    assert spec.step == "6h" and spec.targets == ("earth", "moon")
    assert spec.start == to_et(["2023-05-15"])[0] and spec.stop == to_et(["2023-06-02T15:00"])[0]


def test_gallery_links_each_scenario_to_its_viewer(tmp_path, capsys):
    out = tmp_path / "g"
    assert main(["gallery", "--out", str(out), "--scenario", "orex-2017", "--quiet"]) == 0
    assert "view.html" in capsys.readouterr().out
    index = (out / "index.html").read_text()
    assert "href='orex-2017/view.html'" in index
    data = page_data((out / "orex-2017" / "view.html").read_text())
    assert data["scenario"] == "orex-2017" and len(data["steps"]) <= 25 + 1
    assert main(["gallery", "--out", str(tmp_path / "n"), "--scenario", "orex-2017", "--quiet",
                 "--no-view"]) == 0
    assert not (tmp_path / "n" / "orex-2017" / "view.html").exists()
    assert "view.html" not in (tmp_path / "n" / "index.html").read_text()
