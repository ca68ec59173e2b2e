"""The public API: every exported name exists and is documented (every public class and method has a
docstring of its own, which the API reference renders); one version; the Manager offers every public
QuerySet method."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

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


#: The packages the API reference (docs/reference/*.md) renders, each from its ``__all__``.
REFERENCE = ["directus_orm", "directus_orm.connection", "directus_orm.models", "directus_orm.query",
             "directus_orm.exceptions", "directus_orm.files", "directus_orm.graphql", "directus_orm.realtime",
             "directus_orm.schema", "directus_orm.system", "directus_orm.sync",
             "directus_orm.contrib.fastapi", "directus_orm.contrib.relay", "directus_orm.testing"]
#: Public names deliberately without a docstring of their own ("module.Class.member" or "module.name").
UNDOCUMENTED: dict[str, str] = {}


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


def _reference_modules() -> list[ModuleType]:
    """The REFERENCE packages that exist (the relay may not yet; ``fastapi`` is a dev dependency)."""
    found = []
    for name in REFERENCE:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def _has_docstring(doc: str | None, cls: type | None = None) -> bool:
    # A dataclass without a docstring gets its signature as one: that is not documentation.
    if not doc or not doc.strip():
        return False
    return cls is None or not doc.startswith(f"{cls.__name__}(")


def _own_members(cls: type) -> dict[str, tuple[type, object]]:
    """Public methods and properties a class has from directus_orm classes (its own and inherited
    ones), not those of pydantic, httpx, FastAPI or the standard library: name -> (definer, member)."""
    found: dict[str, tuple[type, object]] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("directus_orm"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in found:
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, functools.cached_property):
                member = member.func
            if isinstance(member, property) or inspect.isfunction(member):
                found[name] = (klass, member)
    return found


def _undocumented(module: ModuleType) -> list[str]:
    missing = []
    for export in module.__all__:
        obj = getattr(module, export)
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj):
            if not _has_docstring(obj.__dict__.get("__doc__"), obj):
                missing.append(f"{obj.__module__}.{obj.__qualname__}")
            for name, (definer, member) in _own_members(obj).items():
                if not _has_docstring(member.__doc__):
                    missing.append(f"{definer.__module__}.{definer.__qualname__}.{name}")
        elif inspect.isfunction(obj) and not _has_docstring(obj.__doc__):
            missing.append(f"{obj.__module__}.{obj.__qualname__}")
    return missing


@pytest.mark.parametrize("module", _reference_modules(), ids=lambda m: m.__name__)
def test_every_public_class_and_method_has_a_docstring(module: ModuleType) -> None:
    """Each exported class, each of its public methods and properties (its own or inherited from a
    directus_orm class) and each exported function says what it does, in its own docstring (a
    docstring copied at run time would not show in the reference, which reads the source)."""
    missing = sorted(set(_undocumented(module)) - set(UNDOCUMENTED))
    assert missing == []


@functools.cache
def _griffe_package() -> Any:
    griffe = pytest.importorskip("griffe")
    return griffe.load("directus_orm", search_paths=[str(ROOT)], resolve_aliases=True, resolve_external=False)


@pytest.mark.parametrize("module", _reference_modules(), ids=lambda m: m.__name__)
def test_every_exported_value_has_a_docstring_the_reference_shows(module: ModuleType) -> None:
    """Exported constants and instances (``connections``, ``DEFAULT_ALIAS`` ...) carry an attribute
    docstring (a string right after the assignment), read the way mkdocstrings reads it: by griffe,
    from the source (a ``#:`` comment is not rendered)."""
    package = _griffe_package()
    where = package if module.__name__ == "directus_orm" else package[module.__name__.split(".", 1)[1]]
    missing = []
    for export in module.__all__:
        obj = getattr(module, export)
        if inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isfunction(obj):
            continue
        docstring = where[export].docstring
        if not (docstring and docstring.value.strip()) and f"{module.__name__}.{export}" not in UNDOCUMENTED:
            missing.append(export)
    assert missing == []


def test_the_docstring_check_sees_inherited_and_manager_methods() -> None:
    """The check covers what users call: the Manager's spelled-out QuerySet methods, properties, and
    methods a public class inherits from an internal directus_orm base."""
    from directus_orm import TokenAuth
    members = _own_members(Manager)
    assert {"filter", "get", "count", "get_queryset"} <= set(members)
    assert isinstance(_own_members(QuerySet)["ordered"][1], property)
    assert "async_auth_flow" in _own_members(TokenAuth)  # from the private _RefreshingAuth
    assert "model_copy" not in _own_members(directus_orm.DirectusModel)  # pydantic's own
