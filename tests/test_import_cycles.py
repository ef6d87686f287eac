"""No import cycle among the modules of app/, media_index/ and schedules/.

The graph is built from the source with `ast`: the imports a module runs when it is imported
(module level, also inside `if`/`try`; not under `if TYPE_CHECKING:`, and not inside functions,
which run later). An import of a package is an edge to its `__init__`; `from pkg import name`
is an edge to the module `pkg.name` when that is a module, else to `pkg`.

Function-local imports of our own modules are not cycles, but they hide one: the cure is to move
the function to the module it belongs to. None is allowed but those in LOCAL_IMPORTS_ALLOWED, each
with its reason; `python -m tests.test_import_cycles` lists them (and any cycle). Function-local
imports of heavy optional libraries (PyAV, pygal, openpyxl...) are on purpose: they keep
`dianjiao` quick to start (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import ast
import sys
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "media_index", "schedules")
SKIP = ("app.migrations",)  # Alembic's scripts, loaded by path, import only alembic and sqlalchemy
# (module, the module of ours it imports inside a function): why that import cannot be at the top.
LOCAL_IMPORTS_ALLOWED = {
    ("app", "app.features"): "app/__init__.py is the package every module of app imports first: "
                             "it loads the features' modules only when an app is made",
    ("app", "app.routes"): "every view, imported only by an app that serves requests "
                           "(create_app(pages=True)): a `dianjiao` command starts without them",
}


def module_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            if not name.startswith(SKIP):
                modules[name] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(body: list[ast.stmt], *, local: bool):
    """Yield the import statements of a body: run at import (local=False) or inside functions."""
    todo = [(node, False) for node in body]
    while todo:
        node, in_function = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            if in_function == local:
                yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node) and not in_function:
            todo.extend((n, False) for n in node.orelse)
            continue
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        todo.extend((child, inside) for child in ast.iter_child_nodes(node)
                    if isinstance(child, ast.stmt | ast.excepthandler | ast.match_case))


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool,
             modules: dict[str, Path]) -> list[str]:
    """The modules of ours an import statement in module `name` loads."""
    if isinstance(node, ast.Import):
        found = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        found = [f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                 for alias in node.names]
    return [target for target in dict.fromkeys(found) if target in modules]


def import_graph(modules: dict[str, Path], *, local: bool = False) -> dict[str, dict[str, int]]:
    """module -> {imported module: line}, for imports run at import time (or inside functions)."""
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: dict[str, int] = {}
        for node in _imports(tree.body, local=local):
            for target in _targets(node, name, path.name == "__init__.py", modules):
                if target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle for each group of modules that import each other (Tarjan's strongly connected
    components), each as a closed path a -> b -> ... -> a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the module count (~200)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_through(graph, group) for group in sorted(groups)]


def _path_through(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest closed path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target not in members or target in previous:
                    continue
                previous[target] = node
                if target == start:
                    path = [start]
                    while path[-1] != start or len(path) == 1:
                        path.append(previous[path[-1]])
                    return path[::-1]
                following.append(target)
        frontier = following
    return group  # not reached: a strongly connected group has a cycle through each member


def describe(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    steps = " -> ".join(f"{a} (line {graph[a][b]})" for a, b in pairwise(cycle))
    return f"{steps} -> {cycle[-1]}"


def test_no_import_cycles():
    graph = import_graph(module_files())
    found = cycles(graph)
    assert not found, ("import cycles (move the shared code down, or import a module that does not "
                       "import back):\n" + "\n".join(describe(graph, c) for c in found))


def test_no_function_local_imports_of_our_modules_but_the_allowed_ones():
    modules = module_files()
    local = import_graph(modules, local=True)
    found = {(name, target): line for name, edges in local.items() for target, line in edges.items()}
    unexpected = [f"{modules[name].relative_to(ROOT)}:{line} imports {target}"
                  for (name, target), line in sorted(found.items())
                  if (name, target) not in LOCAL_IMPORTS_ALLOWED]
    assert not unexpected, ("imports of our own modules inside functions (import at the top; if "
                            "that makes a cycle, move the function where it belongs):\n"
                            + "\n".join(unexpected))
    assert set(LOCAL_IMPORTS_ALLOWED) <= set(found), "an allowed import is gone: drop its entry"


def _graph_of(tmp_path: Path, files: dict[str, str]) -> dict[str, dict[str, int]]:
    for relative, source in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return import_graph(module_files(tmp_path, ("pkg",)))


def test_finds_a_cycle_through_a_package_and_relative_imports(tmp_path):
    graph = _graph_of(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "from . import views\n",
        "pkg/a/views.py": "from ..b.services import thing\n",
        "pkg/b/__init__.py": "",
        "pkg/b/services.py": "import os\nfrom pkg.a import bp\n",
    })
    assert cycles(graph) == [["pkg.a", "pkg.a.views", "pkg.b.services", "pkg.a"]]
    assert "pkg.a.views (line 1) -> pkg.b.services (line 2)" in describe(graph, cycles(graph)[0])


def test_imports_inside_functions_and_for_type_checking_are_not_cycles(tmp_path):
    graph = _graph_of(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/one.py": "from . import two\n",
        "pkg/two.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import one\n"
                       "def f():\n    from .one import g\n"),
    })
    assert cycles(graph) == []
    assert import_graph(module_files(tmp_path, ("pkg",)), local=True)["pkg.two"] == {"pkg.one": 5}


@pytest.mark.parametrize("source", [
    "try:\n    from . import one\nexcept ImportError:\n    pass\n",
    "if True:\n    import pkg.one\n",
    "from pkg import one\n",
])
def test_imports_run_at_import_count_wherever_they_stand(tmp_path, source):
    graph = _graph_of(tmp_path, {"pkg/__init__.py": "", "pkg/one.py": "from . import two\n",
                                 "pkg/two.py": source})
    assert cycles(graph) == [["pkg.one", "pkg.two", "pkg.one"]]


def main() -> int:
    modules = module_files()
    graph = import_graph(modules)
    found = cycles(graph)
    for cycle in found:
        print("cycle:", describe(graph, cycle))
    local = import_graph(modules, local=True)
    count = 0
    for name in sorted(local):
        for target, line in sorted(local[name].items(), key=lambda item: item[1]):
            allowed = " (allowed)" if (name, target) in LOCAL_IMPORTS_ALLOWED else ""
            print(f"function-local import: {modules[name].relative_to(ROOT)}:{line} {target}{allowed}")
            count += 1
    print(f"{len(found)} import cycles; {count} function-local imports of our own modules "
          f"(module pairs) in {len(modules)} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
