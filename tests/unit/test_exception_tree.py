"""The exceptions module's docstring draws the hierarchy: it matches the classes."""

from __future__ import annotations

import importlib
import pkgutil
import re

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
