"""No import cycle among clientele's modules: each imports only what is below it, so any one of
them can be imported first, and no import has to be moved into a function to dodge a cycle."""

import ast
import importlib.util
import pkgutil
from pathlib import Path

import clientele

ROOT = Path(clientele.__file__).parent


def _modules() -> dict[str, Path]:
    found = {"clientele": ROOT / "__init__.py"}
    for info in pkgutil.walk_packages([str(ROOT)], prefix="clientele."):
        if ".migrations.versions." in info.name:
            continue  # revisions are loaded by Alembic by path, never imported by a module
        spec = importlib.util.find_spec(info.name)
        assert spec is not None
        assert spec.origin is not None
        found[info.name] = Path(spec.origin)
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[str]:
    """Modules a module imports: when loaded or later, in a function (a late import does not
    make a cycle harmless, only hidden); not those imported for type checking alone."""
    names: list[str] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` needs the module; `from module import name`, the module.
            names += [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending += node.orelse
        else:
            pending += ast.iter_child_nodes(node)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            # A module's own packages are loaded before it, whatever it imports from them.
            if imported in modules and not (name + ".").startswith(imported + "."):
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_modules_of_clientele_import_each_other_without_a_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])
