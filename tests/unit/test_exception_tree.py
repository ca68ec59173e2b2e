"""The exceptions module's docstring draws the hierarchy: it matches the classes."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import directus_orm
from directus_orm import exceptions, sync
from directus_orm.exceptions import DirectusError


def _drawn() -> dict[str, str]:
    """child -> parent, read from the tree in ``exceptions.__doc__``."""
    doc = exceptions.__doc__ or ""
    lines = doc.split("DirectusError\n", 1)[1].splitlines()
    parents: dict[str, str] = {}
    stack = ["DirectusError"]
    for line in lines:
        found = re.search(r"[├└]── (\w+)", line)
        if not found:
            break
        depth = (found.start() - 4) // 4  # the tree is indented by four spaces
        del stack[depth + 1:]
        parents[found.group(1)] = stack[-1]
        stack.append(found.group(1))
    return parents


def _actual() -> dict[str, str]:
    for info in pkgutil.walk_packages(directus_orm.__path__, "directus_orm."):
        importlib.import_module(info.name)
    out: dict[str, str] = {}

    def walk(cls: type[DirectusError]) -> None:
        for sub in cls.__subclasses__():
            # not each model's DoesNotExist (File.DoesNotExist is declared in the package, nested)
            if sub.__module__.startswith("directus_orm") and "." not in sub.__qualname__:
                out[sub.__name__] = cls.__name__
                walk(sub)

    walk(DirectusError)
    return out


def test_the_docstring_tree_is_the_hierarchy() -> None:
    assert _drawn() == _actual()


def test_sync_usage_error_lives_with_the_others() -> None:
    assert sync.SyncUsageError is exceptions.SyncUsageError
    assert exceptions.SyncUsageError.__module__ == "directus_orm.exceptions"
    assert issubclass(exceptions.SyncUsageError, RuntimeError)
    assert "SyncUsageError" in exceptions.__all__ and "SyncUsageError" in sync.__all__


def test_every_exported_exception_is_a_directus_error() -> None:
    classes = [getattr(exceptions, name) for name in exceptions.__all__]
    classes = [cls for cls in classes if isinstance(cls, type)]
    assert len(classes) > 50
    assert [c.__name__ for c in classes if not issubclass(c, DirectusError)] == []


# --- no bare builtin raised: each is a DirectusError mixed with the builtin -------------------------
BUILTINS = frozenset({"ValueError", "TypeError", "RuntimeError", "KeyError", "AttributeError"})
PACKAGE = Path(directus_orm.__file__).parent
#: Converted: nothing in them may raise a bare builtin again.
CONVERTED = ("connection", "sync.py", "exceptions.py", "_compat.py", "__init__.py", "sync_faces.py")


def _bare_raises(paths: list[Path], root: Path = PACKAGE.parent) -> list[str]:
    """``raise ValueError(...)`` (or a bare class name) of the builtins above, as ``file:line``."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Name) and raised.id in BUILTINS:
                found.append(f"{path.relative_to(root)}:{node.lineno} {raised.id}")
    return sorted(found)


def test_the_scan_finds_a_bare_raise(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("def f(x):\n    if x:\n        raise TypeError('no')\n    raise KeyError\n"
                      "def g():\n    raise InvalidArgument('fine')\n")
    assert _bare_raises([module], tmp_path) == ["probe.py:3 TypeError", "probe.py:4 KeyError"]


def test_no_bare_builtin_raised_in_the_converted_modules() -> None:
    paths = [p for name in CONVERTED for p in ([PACKAGE / name] if name.endswith(".py")
                                                 else sorted((PACKAGE / name).rglob("*.py")))]
    assert len(paths) > 10
    assert _bare_raises(paths) == []


def test_no_bare_builtin_raised_anywhere() -> None:
    assert _bare_raises(sorted(PACKAGE.rglob("*.py"))) == []
