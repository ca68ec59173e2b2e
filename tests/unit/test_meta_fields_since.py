"""``Meta.fields_since``: fields only newer servers have are left out of reads from older ones."""

from __future__ import annotations

import pytest

from directus_orm.exceptions import ImproperlyConfigured
from directus_orm.files import File, Folder
from directus_orm.models import DirectusModel


def test_older_servers_are_not_asked_for_newer_fields() -> None:
    query = File.objects.select_related("folder").query
    assert "folder.type" in (query.fields() or [])
    old = query._replace(server_version=(11, 17, 4))
    assert "folder.type" not in (old.fields() or []) and "folder.name" in (old.fields() or [])
    assert "folder.type" in (query._replace(server_version=(12, 4, 0)).fields() or [])
    folders = Folder.objects.all().query._replace(server_version=(11, 17, 4))
    assert folders.fields() is None  # `*`: the server answers the fields it has (extras kept), None filled in
    assert Folder.objects.all().query.fields() is None  # version unknown: `*`


def test_absent_fields_read_none_in_rows_and_related_rows() -> None:
    query = File.objects.select_related("folder").query._replace(server_version=(11, 17, 4))
    rows = [{"id": "a", "folder": {"id": "f", "name": "n"}}, {"id": "b", "folder": None}]
    query.fill_absent(rows)
    assert rows[0]["folder"] == {"id": "f", "name": "n", "type": None} and rows[1]["folder"] is None


def test_a_version_that_is_not_one_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="fields_since"):
        class Bad(DirectusModel):
            id: int | None = None
            kind: str | None = None

            class Meta:
                collection = "bad_since"
                fields_since = {"kind": "twelve"}
