"""Every public awaitable operation has a sync form, derived by one mechanism (directus_orm.sync)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import httpx
import pytest

import directus_orm
from directus_orm.sync import SyncFace, SyncProxy, SyncUsageError


def _public_modules() -> list[Any]:
    """The package and its subpackages: their ``__all__`` is the public API."""
    mods = [directus_orm]
    for info in pkgutil.walk_packages(directus_orm.__path__, "directus_orm."):
        # contrib: framework glue (FastAPI dependencies are awaited by the framework, not by users).
        if info.ispkg and ".contrib" not in info.name:
            mods.append(importlib.import_module(info.name))
    return mods


def _async_methods(cls: type) -> list[str]:
    return sorted(
        name for name, attr in inspect.getmembers(cls)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(attr) or inspect.isasyncgenfunction(attr))
    )


def _classes_with_async_api() -> dict[str, type]:
    found: dict[str, type] = {}
    for mod in _public_modules():
        for name in getattr(mod, "__all__", []):
            cls = getattr(mod, name)
            if not inspect.isclass(cls) or not cls.__module__.startswith("directus_orm"):
                continue
            if issubclass(cls, httpx.Auth):  # httpx's auth-flow protocol, driven by httpx itself
                continue
            if _async_methods(cls):
                found[f"{cls.__module__}.{cls.__name__}"] = cls
    return found


def test_the_enumeration_finds_the_core_api() -> None:
    names = set(_classes_with_async_api())
    for expected in ("directus_orm.connection.client.Directus", "directus_orm.query.queryset.QuerySet",
                     "directus_orm.models.manager.Manager", "directus_orm.models.base.DirectusModel",
                     "directus_orm.connection.registry.ConnectionHandler",
                     "directus_orm.connection.pool.ConnectionPool"):
        assert expected in names, sorted(names)


@pytest.mark.parametrize("qualname", sorted(_classes_with_async_api()))
def test_every_async_method_has_a_sync_form(qualname: str) -> None:
    cls = _classes_with_async_api()[qualname]
    sync_attr = inspect.getattr_static(cls, "sync", None)
    assert sync_attr is not None, f"{qualname} has coroutine methods but no .sync"
    assert isinstance(sync_attr, property), f"{qualname}.sync must be the derived SyncProxy property"
    for name in _async_methods(cls):
        # Build the proxy without an instance: SyncProxy only looks the attribute up on its target.
        blocking = getattr(SyncProxy(cls), name)
        assert callable(blocking)
        assert not inspect.iscoroutinefunction(blocking), f"{qualname}.sync.{name} is still async"
        # a classmethod is bound anew on each lookup: compare the functions
        wrapped, method = blocking.__wrapped__, getattr(cls, name)
        assert getattr(wrapped, "__func__", wrapped) is getattr(method, "__func__", method), \
            "derived from the async method, not a copy"


def test_module_level_coroutines_are_not_public_api() -> None:
    """Public operations live on classes (which all have .sync); no stray public async functions."""
    strays = []
    for mod in _public_modules():
        exported = getattr(mod, "__all__", [])
        for name in exported:
            obj = getattr(mod, name, None)
            if inspect.iscoroutinefunction(obj) or inspect.isasyncgenfunction(obj):
                strays.append(f"{mod.__name__}.{name}")
    assert strays == []


def test_syncface_is_the_only_mechanism() -> None:
    for qualname, cls in _classes_with_async_api().items():
        prop = inspect.getattr_static(cls, "sync")
        assert isinstance(prop, property)
        assert issubclass(cls, SyncFace) and prop is inspect.getattr_static(SyncFace, "sync"), qualname


async def test_sync_form_inside_a_loop_names_the_async_form() -> None:
    proxy = SyncProxy(directus_orm.Directus("http://127.0.0.1:9"))
    with pytest.raises(SyncUsageError, match=r"use the async form instead: await Directus\.me\(\.\.\.\)"):
        proxy.me()


async def test_sync_indexing_inside_a_loop_is_refused_before_any_request() -> None:
    qs = directus_orm.collection("sync_anything").all()
    with pytest.raises(SyncUsageError, match=r"QuerySet\.sync\[\.\.\.\] is the sync form"):
        qs.sync[0]


def test_sync_indexing_passes_plain_values_through() -> None:
    """``obj.sync[k]`` awaits only what is awaitable (``connections.sync["default"]`` is a connection)."""
    assert SyncProxy({"a": [1]})["a"] == [1]
    with pytest.raises(TypeError):
        SyncProxy(object())[0]


def test_sync_indexing_awaits_what_is_awaitable() -> None:
    async def row() -> str:
        return "row"

    assert SyncProxy({"k": row()})["k"] == "row"


class _Chainable(SyncFace):
    _sync_chains = True

    def again(self) -> _Chainable:
        return _Chainable()

    def plain(self) -> list[int]:
        return [1]

    def __iter__(self) -> Any:
        return iter([1, 2])


def test_a_method_returning_a_queryset_returns_its_sync_face() -> None:
    """What keeps ``Book.objects.sync.filter(...)`` sync: chainable results come back as their face,
    anything else (lists, classes such as ``Book.sync.DoesNotExist``) as it is."""
    face = _Chainable().sync.again().again()
    assert isinstance(face, SyncProxy) and isinstance(face._target, _Chainable)
    assert list(face) == [1, 2]  # plain ``for`` iterates the target
    assert _Chainable().sync.plain() == [1]
    errors = directus_orm.exceptions
    assert SyncProxy(errors).DirectusError is errors.DirectusError  # a class: not wrapped
    model = directus_orm.collection("sync_anything")
    assert isinstance(model.sync.filter(a=1).exclude(b=2), SyncProxy)
    assert isinstance(model.filter(a=1).sync.order_by("a")._target, directus_orm.QuerySet)


def test_a_sync_face_stands_for_its_queryset_where_one_is_expected() -> None:
    from directus_orm import Prefetch

    qs = directus_orm.collection("sync_anything").filter(a=1)
    assert Prefetch("rel", queryset=qs.sync.all()).queryset is not None
    assert isinstance(Prefetch("rel", queryset=qs.sync.all()).queryset, directus_orm.QuerySet)
    assert Prefetch("rel", queryset=qs).queryset is qs


def test_a_queryset_sync_face_has_no_truth_value() -> None:
    from directus_orm.exceptions import InvalidUsage

    with pytest.raises(InvalidUsage, match=r"qs\.sync\.exists\(\)"):
        bool(directus_orm.collection("sync_anything").sync.filter(a=1))
