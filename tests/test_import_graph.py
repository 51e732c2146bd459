"""The packages under backoffice/ import one another in one direction only: no cycle between
them, counting every import in every file (inside functions too)."""

import ast
from pathlib import Path

import backoffice

ROOT = Path(backoffice.__file__).parent


def package_of(module: str) -> str | None:
    """``backoffice.customers.views`` -> ``customers``; None outside a package of backoffice/."""
    parts = module.split(".")
    if parts[0] != "backoffice" or len(parts) < 2 or not (ROOT / parts[1]).is_dir():
        return None
    return parts[1]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    """package -> the other packages its files import."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        module = ".".join(("backoffice", *path.relative_to(ROOT).with_suffix("").parts))
        source = package_of(module)
        if source is None:
            continue
        targets = {package_of(name) for name in imported_modules(path)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path (first node repeated at the end), or []."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str]:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return []
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(node)
        return []

    for node in sorted(graph):
        if cycle := visit(node):
            return cycle
    return []


def test_no_import_cycle_between_packages():
    cycle = find_cycle(package_graph())
    assert not cycle, "packages import each other: " + " -> ".join(cycle)


def test_the_graph_is_read_from_the_files():
    graph = package_graph()
    assert "customers" in graph["orders"]  # orders upserts its buyers as customers
    assert "orders" not in graph["customers"]  # ...and adds its section to their page itself
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
