"""The public API: every exported name exists and is documented; one version; the Manager offers
every public QuerySet method."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import directus_orm
from directus_orm import Manager, QuerySet

ROOT = Path(__file__).parents[2]
#: The modules whose ``__all__`` users import from (the rest is internal layering).
PUBLIC = ["directus_orm", "directus_orm.exceptions", "directus_orm.sync", "directus_orm.sync_faces",
          "directus_orm.contrib.fastapi"]
#: QuerySet methods a Manager deliberately lacks, as in Django.
QUERYSET_ONLY = {
    "delete": "Model.objects.delete() would empty the collection by accident: .all().delete() says so",
}


def _modules() -> list[ModuleType]:
    mods = [directus_orm]
    for info in pkgutil.walk_packages(directus_orm.__path__, "directus_orm."):
        mods.append(importlib.import_module(info.name))
    return mods


def _docs() -> str:
    pages = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    return "\n".join(page.read_text() for page in pages)


def _own_docstring(obj: object) -> str | None:
    if inspect.isclass(obj):
        return obj.__dict__.get("__doc__")
    if inspect.isfunction(obj) or inspect.ismodule(obj):
        return obj.__doc__
    return None


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.__name__)
def test_every_exported_name_exists(module: ModuleType) -> None:
    missing = [name for name in getattr(module, "__all__", []) if not hasattr(module, name)]
    assert missing == []
    assert len(set(getattr(module, "__all__", []))) == len(getattr(module, "__all__", []))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_documented(name: str) -> None:
    """A docstring of its own, or a mention in docs/*.md or README.md."""
    module = importlib.import_module(name)
    docs = _docs()
    undocumented = [
        export for export in module.__all__
        if not (_own_docstring(getattr(module, export)) or "").strip()
        and not re.search(rf"\b{re.escape(export)}\b", docs)
    ]
    assert undocumented == []


def test_the_version_is_defined_once() -> None:
    """``directus_orm.__version__`` is the version: pyproject.toml reads it, never repeats it."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert not re.search(r"^version\s*=", project, re.MULTILINE)
    assert re.search(r'^dynamic = \["version"\]', project, re.MULTILINE)
    assert re.search(r'\[tool\.hatch\.version\]\npath = "directus_orm/__init__.py"', pyproject)
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", directus_orm.__version__)
    assert importlib.metadata.version("directus-orm") == directus_orm.__version__
    defined = [p for p in (ROOT / "directus_orm").rglob("*.py") if "__version__ =" in p.read_text()]
    assert defined == [ROOT / "directus_orm" / "__init__.py"]


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def _params(signature: inspect.Signature, model_var: str) -> list[tuple[str, object, object, str]]:
    """The parameters after self, the model's type variable spelled ``MODEL``."""
    return [
        (p.name, p.kind, p.default, re.sub(rf"\b{model_var}\b", "MODEL", str(p.annotation)))
        for p in list(signature.parameters.values())[1:]
    ]


def test_every_public_queryset_method_is_reachable_from_the_manager() -> None:
    """``Model.objects.x(...)`` works for each public ``QuerySet.x`` (same parameters, async stays
    async), as in Django; the exceptions are listed with their reason."""
    manager = _public_methods(Manager)
    problems = []
    for name, signature in _public_methods(QuerySet).items():
        if name in QUERYSET_ONLY:
            assert name not in manager, f"{name} is listed as QuerySet-only but the Manager has it"
            continue
        if name not in manager:
            problems.append(f"Manager lacks {name}{signature}")
            continue
        if _params(manager[name], "M") != _params(signature, "T"):
            problems.append(f"Manager.{name}{manager[name]} differs from QuerySet.{name}{signature}")
        if inspect.iscoroutinefunction(getattr(QuerySet, name)) != inspect.iscoroutinefunction(
                getattr(Manager, name)):
            problems.append(f"{name}: async on one side only")
    assert problems == []


def test_the_check_is_not_empty() -> None:
    assert {"get", "filter", "create", "bulk_update", "iterator"} <= set(_public_methods(QuerySet))
    assert "sync" not in _public_methods(QuerySet)  # a property, not a method
    assert sys.modules["directus_orm"] is directus_orm
