"""The typed sync faces (directus_orm/sync_faces.py) are generated from the async classes: never stale."""

from __future__ import annotations

import difflib

from devtools import gensync
from directus_orm import sync_faces
from directus_orm.sync import SyncFace


def test_the_checked_in_faces_are_current() -> None:
    expected = gensync.generate()
    current = gensync.TARGET.read_text()
    diff = "".join(difflib.unified_diff(current.splitlines(True), expected.splitlines(True),
                                        "checked in", "generated"))
    assert current == expected, f"stale: run `python3 -m devtools gen-sync`\n{diff}"


def test_every_class_with_a_sync_face_has_a_typed_one() -> None:
    faced = [cls for cls in SyncFace.__subclasses__() if cls.__module__.startswith("directus_orm")]
    assert faced
    for cls in faced:
        assert f"Sync{cls.__name__}" in sync_faces.__all__, cls


def test_a_face_lists_each_coroutine_method_as_a_blocking_one() -> None:
    from directus_orm import QuerySet

    text = gensync.TARGET.read_text()
    assert "    def get(self, *args: Q, **kwargs: Any) -> T: ..." in text
    assert "    async def" not in text
    assert hasattr(QuerySet, "get")
