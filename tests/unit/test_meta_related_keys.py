"""``Meta.related_keys``: fields holding another collection's keys, which GraphQL types as objects."""

from __future__ import annotations

from typing import Any

import pytest

from directus_orm.exceptions import ImproperlyConfigured
from directus_orm.files import File
from directus_orm.graphql.selection import function_filter, select
from directus_orm.models import DirectusModel
from directus_orm.query.schema import AnnotatedSchema, key_relations
from directus_orm.system import DirectusRevision, DirectusRole


def test_graphql_selects_the_key_of_a_declared_field_and_rest_is_unchanged() -> None:
    schema = AnnotatedSchema(File._meta, key_relations(File._meta))
    root, fix = select(schema, None, None)
    root.name = "files"
    by_name = {child.name: child for child in root.children or []}
    assert [c.name for c in by_name["uploaded_by"].children or []] == ["id"]
    assert not by_name["title"].children
    me = "0b4c6a5e-6a63-4d9f-9d7a-0d6c1d0f3c11"
    row: dict[str, Any] = {"id": "x", "uploaded_by": {"id": me}, "modified_by": None}
    fix(row)
    assert row["uploaded_by"] == me and row["modified_by"] is None  # the model parses the UUID
    assert function_filter({"uploaded_by": {"_eq": me}}, schema) == {"uploaded_by": {"id": {"_eq": me}}}
    assert File._meta.fields["uploaded_by"].relation is None  # REST reads and filters as before
    assert File.objects.filter(uploaded_by=me).query.filter_params()["filter"] == {"uploaded_by": {"_eq": me}}


def test_key_lists_and_integer_keys() -> None:
    role = AnnotatedSchema(DirectusRole._meta, key_relations(DirectusRole._meta))
    info = role.get_field("users")
    assert info is not None and info.relation is not None and info.relation.many
    revision = AnnotatedSchema(DirectusRevision._meta, key_relations(DirectusRevision._meta))
    _, fix = select(revision, None, None)
    row: dict[str, Any] = {"id": "7", "activity": {"id": "12"}, "parent": None, "version": None}
    fix(row)
    assert row["id"] == 7 and row["activity"] == 12  # integer keys as REST sends them


def test_names_that_are_not_fields_are_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="related_keys"):
        class Bad(DirectusModel):
            id: int | None = None

            class Meta:
                collection = "bad_related_keys"
                related_keys = {"owner": "directus_users"}
