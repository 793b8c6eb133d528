"""The house by station: the package's folders are DESIGN.md's path, data only flows forward.

The import graph (deferred imports inside functions included) is read from the source with
``ast``: it must have no cycle between modules, and no module may import a station above its own.
"""

import ast
import pathlib

import pytest

import paledot

ROOT = pathlib.Path(paledot.__file__).parent

#: The stations, lowest first. A module may import its own station and the ones before it.
STATIONS = (
    "_io", "time", "celestial", "cameras", "scale", "light", "observers", "geometry", "render",
    "measure", "stories", "plan", "view", "cli",
)
#: The engine: it never imports a frame, a measurement, a story, a plan, the runner or the CLI.
ENGINE = ("_io", "time", "celestial", "light", "observers", "geometry")


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return mods


def _graph() -> dict[str, set[str]]:
    """Module -> the paledot modules it imports (relative or absolute, at any depth of the file)."""
    mods = _modules()
    graph = {}
    for name, p in mods.items():
        pkg = name if p.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").startswith("paledot"):
                    target = node.module
                else:
                    continue
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    deps.add(sub if sub in mods else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("paledot"))
        # a package importing its own submodules re-exports them: not a dependency edge
        graph[name] = {d for d in deps if d in mods and d != name and not d.startswith(name + ".")}
    return graph


def _station(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package's face, paledot/__init__


def test_every_room_is_a_station():
    rooms = {p.name for p in ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"}
    files = {p.name for p in ROOT.iterdir() if p.is_file() and p.suffix == ".py"}
    assert rooms == set(STATIONS) and files == {"__init__.py"}, (rooms ^ set(STATIONS), files)


def test_import_graph_has_no_cycle_including_deferred_imports():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for m in graph[n]:
            assert state.get(m) != 1, "import cycle: " + " -> ".join([*path, m])
            if m not in state:
                visit(m, [*path, m])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [n])
    sites = graph["paledot.observers.sites"]
    assert not any(d.startswith("paledot.geometry") for d in sites)


def test_no_import_climbs_to_a_higher_station():
    rank = {s: i for i, s in enumerate(STATIONS)}
    climbs = []
    for mod, deps in _graph().items():
        here = _station(mod)
        for dep in deps:
            there = _station(dep)
            if there is None and here is not None:
                climbs.append(f"{mod} -> paledot (the package's face)")
            elif here is not None and rank[there] > rank[here]:
                climbs.append(f"{mod} ({here}) -> {dep} ({there})")
    assert climbs == [], "\n".join(sorted(climbs))


def test_the_engine_never_imports_the_shell():
    shell = set(STATIONS) - set(ENGINE) - {"cameras"}
    bad = [f"{m} -> {d}" for m, deps in _graph().items() if _station(m) in ENGINE
           for d in deps if _station(d) in shell]
    assert bad == [], bad


@pytest.mark.parametrize("limit", [520])
def test_no_module_is_two_ideas(limit):
    """The guide is ~500 lines: past it a module is usually two ideas (DESIGN.md)."""
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > limit}
    assert long == {}, long


def test_observer_names_importable_from_package_and_top_level():
    from paledot import observers

    for name in ("as_observer", "BodyCentre", "KeplerOrbit", "SurfaceSite", "SpiceSpacecraft",
                 "TrajectoryFile", "FixedState", "place_by_sun_angle", "mars_express", "sky"):
        assert getattr(observers, name) is getattr(paledot, name)


def test_public_face_names_resolve_to_their_stations():
    from paledot.measure import measure, read_observation
    from paledot.plan import find_windows
    from paledot.render import Scene, render

    assert paledot.Scene is Scene and paledot.find_windows is find_windows
    assert paledot.read_observation is read_observation
    assert callable(render) and callable(measure) and callable(paledot.observe)
    assert paledot.sky.__module__ == "paledot.observers.sites"  # the function, not a package
