"""The shape of the code, checked: imports point down (interfaces -> services/selectors -> store ->
protocol/spec), no cycles, and no import placed inside a function to hide one."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "designer", "dashboard", "flowdeck")
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


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    edges = {v: sorted({t for t, _, _ in targets}) for v, targets in graph.items()}
    index, low, on_stack, stack, groups, counter = {}, {}, set(), [], [], 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            if i < len(edges[v]):
                work.append((v, i + 1))
                w = edges[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            for w in edges[v]:
                if w in on_stack:
                    low[v] = min(low[v], low[w])
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycles():
    _, graph = _graph()
    assert _cycles(graph) == []


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
            if name.startswith("engine") and target.split(".")[0] in ("designer", "dashboard"):
                wrong.append(f"{name}:{line} -> {target} (engine has no HTTP and imports neither app)")
            if name.startswith("engine.store") and target.startswith(above_the_store):
                wrong.append(f"{name}:{line} -> {target} (the store is the bottom: it is handed what it needs)")
            if name.startswith(("engine.spec", "engine.protocol", "engine.policy", "engine.states")) and \
                    target.startswith(("engine.store", *above_the_store)):
                wrong.append(f"{name}:{line} -> {target} (decisions are pure)")
    assert wrong == []
