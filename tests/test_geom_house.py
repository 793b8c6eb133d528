"""The package's import graph has no cycle, and observers live in one package with its old names."""

import ast
import pathlib

import paledot

ROOT = pathlib.Path(paledot.__file__).parent


def _graph() -> dict[str, set[str]]:
    mods = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = p
    graph = {}
    for name, p in mods.items():
        pkg = name if p.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    deps.add(sub if sub in mods else target)
        # a package importing its own submodules re-exports them: not a dependency edge
        graph[name] = {d for d in deps if d in mods and d != name and not d.startswith(name + ".")}
    return graph


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
    assert "paledot.observers.sites" in graph and "paledot.geometry" not in graph["paledot.observers.sites"]


def test_observer_names_importable_from_package_and_top_level():
    from paledot import observers

    for name in ("as_observer", "BodyCentre", "KeplerOrbit", "SurfaceSite", "SpiceSpacecraft",
                 "TrajectoryFile", "FixedState", "place_by_sun_angle", "mars_express", "sky"):
        assert getattr(observers, name) is getattr(paledot, name)
