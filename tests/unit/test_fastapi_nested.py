"""Which guards a nested router's routes get from its parent (no server: the routers' own tables)."""

from __future__ import annotations

import pytest
from fastapi import Depends
from fastapi.routing import APIRoute

from directus_orm.contrib.fastapi import ALL_ROUTE_NAMES, DirectusRouter
from tests.unit.test_fastapi_querystring import QsAuthor, QsBook


def marker() -> None:
    return None


def test_each_child_route_gets_the_parents_same_route_and_retrieve_guards_once() -> None:
    see, write, own = Depends(marker), Depends(marker), Depends(marker)
    parent = DirectusRouter(QsAuthor, prefix="/nest-authors",
                            dependencies_for={"retrieve": [see], "create": [write], "delete": [see, write]})
    child = parent.nested(QsBook, fk="author", dependencies_for={"update": [own]})
    ids = {route: [id(d) for d in deps] for route, deps in child.dependencies_for.items()}
    assert ids == {"list": [id(see)], "retrieve": [id(see)], "create": [id(see), id(write)],
                   "update": [id(see), id(own)], "delete": [id(see), id(write)],
                   "replace": [id(see)], "aggregate": [id(see)], "bulk_create": [id(see)],
                   "bulk_update": [id(see)], "bulk_delete": [id(see)]}
    # (that the served routes carry them: tests/integration/test_fastapi_limits.py)


def test_routes_like_another_take_its_guards() -> None:
    write, erase, see = Depends(marker), Depends(marker), Depends(marker)
    router = DirectusRouter(QsAuthor, prefix="/like-others", routes=ALL_ROUTE_NAMES,
                            dependencies_for={"update": [write], "delete": [erase], "list": [see]})
    guards = {(method, route.path): route.dependencies for route in router.routes
              if isinstance(route, APIRoute) for method in (route.methods or ())}
    assert write in guards[("PUT", "/like-others/{pk}")] and write in guards[("PATCH", "/like-others/bulk")]
    assert erase in guards[("DELETE", "/like-others/bulk")]
    assert see in guards[("GET", "/like-others/aggregate")]


def test_a_grandchild_inherits_through_its_parent() -> None:
    see = Depends(marker)
    top = DirectusRouter(QsAuthor, prefix="/nest-top", dependencies_for={"retrieve": [see]})
    books = top.nested(QsBook, fk="author")
    tags = books.nested(QsAuthor, fk="books", prefix="/{books_id}/again", routes=("list",))
    assert tags.dependencies_for["list"] == [see]


def test_unknown_route_names_in_a_childs_dependencies_for_are_refused() -> None:
    parent = DirectusRouter(QsAuthor, prefix="/nest-bad")
    with pytest.raises(ValueError, match="unknown route name"):
        parent.nested(QsBook, fk="author", dependencies_for={"explode": []})
