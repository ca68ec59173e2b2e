"""No import cycles between the modules of one package, read from the source with the standard
library's ``ast`` (nothing is imported).

Every ``import`` counts, at module level or inside a function (a deferred import is still a cycle the
reader has to hold in their head), except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "directus_orm"
PACKAGE = ROOT.name

def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: the whole tree minus ``if TYPE_CHECKING:`` bodies (their
    ``else:`` runs, so it is kept)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def targets(name: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules of this package ``node`` (in module ``name``) imports."""
    if isinstance(node, ast.Import):
        found = {alias.name for alias in node.names}
    else:
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            stem = ".".join([*base, *([node.module] if node.module else [])])
        else:
            stem = node.module or ""
        # ``from pkg import mod`` imports the submodule mod; ``from mod import name`` imports mod.
        found = {stem, *(f"{stem}.{alias.name}" for alias in node.names)}
    return {t for t in found if t in known}


def graph() -> dict[str, set[str]]:
    """importer -> imported, for modules that are siblings (the same parent package); a subpackage is
    a sibling of the modules beside it."""
    mods = modules()
    known = set(mods)
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in runtime_imports(tree):
            for target in targets(name, is_package, node, known):
                if target != name and target.rpartition(".")[0] == name.rpartition(".")[0]:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_inside_a_package() -> None:
    assert cycles(graph()) == []


def runtime_imports_in(source: str) -> list[ast.Import | ast.ImportFrom]:
    return sorted(runtime_imports(ast.parse(source)), key=lambda n: n.lineno)


# -- the checker itself --------------------------------------------------------------------------------
def test_checker_sees_deferred_imports_and_skips_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .b import X\nelse:\n    from .c import Y\n"
        "def f():\n    from .d import Z\n"
    )
    known = {"p.b", "p.c", "p.d"}
    found = set().union(*(targets("p.a", False, n, known) for n in runtime_imports(ast.parse(source))))
    assert found == {"p.c", "p.d"}


def test_checker_resolves_relative_imports_from_a_package_and_finds_cycles() -> None:
    first, second = runtime_imports_in("from . import a\nfrom .sub import b\n")
    known = {"p.a", "p.sub", "p.sub.b"}
    assert targets("p", True, first, known) == {"p.a"}
    assert targets("p", True, second, known) == {"p.sub", "p.sub.b"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_graph_covers_the_package() -> None:
    edges = graph()
    assert "directus_orm.models.options" in edges["directus_orm.models.base"]
    assert "directus_orm.contrib.fastapi.context" in edges["directus_orm.contrib.fastapi.dependency"]
