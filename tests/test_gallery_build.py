"""`paledot gallery`: the folder, the montage and the self-contained page (two small scenarios)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from paledot._io.errors import PaledotError
from paledot.cli import main
from paledot.stories.gallery import build_gallery

PICK = ["mgs-2003", "cassini-2013-nac"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("g") / "gallery"
    return build_gallery(out, progress=False, names=PICK)


def test_every_image_in_the_page_is_an_embedded_png_that_decodes(built):
    page = (built.folder / "index.html").read_text()
    srcs = re.findall(r"<img[^>]*src=['\"]([^'\"]+)['\"]", page)
    assert len(srcs) == 1 + len(PICK)  # the montage and one thumbnail per picture
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).verify()
    assert "<script" not in page and "http" not in page  # self-contained, no external fetches


def test_each_row_links_to_its_own_report_which_exists(built):
    page = (built.folder / "index.html").read_text()
    links = set(re.findall(r"href='([^']+)'", page))
    assert links == {f"{n}/report.html" for n in PICK}
    assert all((built.folder / link).is_file() for link in links)


def test_every_claim_appears_with_its_verdict(built):
    page = (built.folder / "index.html").read_text()
    for entry in built.entries:
        for v in entry.verdicts:
            assert v.claim.replace("'", "&#x27;") in page and v.verdict in page


def test_montage_has_one_panel_per_picture_at_the_common_scale(built):
    from paledot.stories.gallery import CAPTION_H, CROP, ZOOM

    img = Image.open(built.folder / "montage.png")
    assert img.width >= len(PICK) * CROP * ZOOM
    assert all(e.panel.size == (CROP * ZOOM, CROP * ZOOM + CAPTION_H) for e in built.entries)
    # Earth in the MOC panel is a lit disk ~25 px across x2 zoom: bright pixels near the centre
    moc = next(e for e in built.entries if e.scenario.name == "mgs-2003").panel.convert("L")
    h = CROP * ZOOM // 2
    centre = moc.crop((h - 40, h - 40, h + 40, h + 40))
    import numpy as np

    assert np.asarray(centre).max() == 255


def test_existing_folder_needs_overwrite(built):
    with pytest.raises(PaledotError, match="overwrite"):
        build_gallery(built.folder, progress=False, names=PICK[:1])


def test_cli_runs_one_scenario_and_rejects_an_unknown_one(tmp_path, capsys):
    assert main(["gallery", "--out", str(tmp_path / "g"), "--scenario", "orex-2017", "--quiet"]) == 0
    assert "1 pictures" in capsys.readouterr().out
    assert main(["gallery", "--out", str(tmp_path / "h"), "--scenario", "nope", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nope'" in err and err.count("\n") == 1
