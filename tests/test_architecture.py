"""The shape of the code, checked: imports point down (interfaces -> services/selectors -> store ->
protocol/spec), no cycles, and no import placed inside a function to hide one."""
from __future__ import annotations

import ast
import graphlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "webapi", "designer", "dashboard", "flowdeck", "alerts")
# Imports inside functions allowed here, and why: an AppConfig's ready() runs once the app
# registry is loaded (importing those modules at the top would be too early).
FUNCTION_IMPORTS_ALLOWED = {"engine/apps.py"}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imports(path: Path, name: str, known: set[str]) -> list[tuple[str, int, bool]]:
    """(module of ``known``, line, inside a function) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    found = []

    def add(target: str, node) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append((target, node.lineno, id(node) in nested))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}" if base else alias.name
                add(full if full in known else base, node)
    return found


def _graph():
    modules = _modules()
    known = set(modules)
    return modules, {name: _imports(path, name, known) for name, path in modules.items()}


def _cycle(graph) -> list[str]:
    """One import cycle (the modules on it, the first repeated at the end), or [] when there is none."""
    edges = {v: {t for t, _, _ in targets} for v, targets in graph.items()}
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def test_no_import_cycles():
    _, graph = _graph()
    assert _cycle(graph) == []


def test_no_engine_module_imports_inside_a_function():
    modules, graph = _graph()
    hidden = [f"{modules[name].relative_to(ROOT)}:{line} imports {target}"
              for name, targets in graph.items() if name.startswith("engine")
              for target, line, inside in targets
              if inside and str(modules[name].relative_to(ROOT)) not in FUNCTION_IMPORTS_ALLOWED]
    assert hidden == []


def test_imports_point_down():
    _, graph = _graph()
    above_the_store = ("engine.services", "engine.selectors", "engine.actors", "engine.executor",
                       "engine.scheduler", "engine.management")
    wrong = []
    for name, targets in graph.items():
        for target, line, _ in targets:
            if name.startswith("engine") and target.split(".")[0] in ("webapi", "designer", "dashboard", "alerts"):
                wrong.append(f"{name}:{line} -> {target} (engine has no HTTP and imports no web app)")
            if name.startswith("webapi") and target.split(".")[0] in ("designer", "dashboard", "flowdeck"):
                wrong.append(f"{name}:{line} -> {target} (webapi is shared by the apps: it imports none of them)")
            if name.startswith("engine.store") and target.startswith(above_the_store):
                wrong.append(f"{name}:{line} -> {target} (the store is the bottom: it is handed what it needs)")
            if name.startswith(("engine.spec", "engine.nodes", "engine.protocol", "engine.policy", "engine.states")) and \
                    target.startswith(("engine.store", *above_the_store)):
                wrong.append(f"{name}:{line} -> {target} (decisions are pure)")
    assert wrong == []


def test_base_settings_know_nothing_of_the_demo_shop():
    """flowdeck.settings is the product; the demo shop comes with the overlay flowdeck.settings_shop."""
    import flowdeck.settings as base
    import flowdeck.settings_shop as demo
    demo_names = [n for n in [*base.INSTALLED_APPS, *base.FLOWDECK_ACTIVITY_MODULES] if n.startswith("examples")]
    assert demo_names == [] and not hasattr(base, "FLOWDECK_SHOP_URL")
    assert "examples.shop" in demo.INSTALLED_APPS and "examples.shop.activities" in demo.FLOWDECK_ACTIVITY_MODULES
