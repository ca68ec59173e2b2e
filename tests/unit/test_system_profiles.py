"""Endpoint profiles and client-side filters, without a server: what each profile refuses is refused
before any request (no connection is configured here), and the local filter agrees with the compiler."""

from __future__ import annotations

import pytest

from directus_orm import Q, collection
from directus_orm.connection.profiles import SYSTEM_PROFILES, endpoint_profile
from directus_orm.exceptions import UnsupportedOperation
from directus_orm.query.local import local_filter_problem, matches
from directus_orm.system import DirectusField, DirectusSettings

ROWS = [{"collection": "a", "hidden": False, "group": None},
        {"collection": "b", "hidden": True, "group": "g"},
        {"collection": "c", "hidden": False, "group": "g"}]


@pytest.mark.parametrize(("q", "expected"), [
    (Q(collection="a"), ["a"]),
    (Q(collection__in=["a", "c"]), ["a", "c"]),
    (~Q(group="g"), ["a"]),  # the compiler keeps NULL rows in a negation, as Django does
    (Q(group__isnull=True), ["a"]),
    (Q(collection="a") | Q(hidden=True), ["a", "b"]),
    (Q(group="g") & ~Q(collection="b"), ["c"]),
])
def test_local_filter_matches_compiled_filters(q: Q, expected: list[str]) -> None:
    where = collection("directus_collections", pk="collection").filter(q).query.filter
    assert isinstance(where, dict) and local_filter_problem(where) is None
    assert [r["collection"] for r in ROWS if matches(where, r)] == expected


def test_local_filter_refuses_what_it_cannot_evaluate() -> None:
    assert local_filter_problem({"collection": {"_starts_with": "a"}}) is not None
    assert local_filter_problem({"meta": {"hidden": {"_eq": True}}}) is not None


def test_profiles() -> None:
    assert endpoint_profile("articles").reads == "query"
    assert endpoint_profile("articles", singleton=True).reads == "singleton"
    assert endpoint_profile("directus_settings").reads == "singleton"
    assert SYSTEM_PROFILES["directus_permissions"].keyed_rows_only
    assert not endpoint_profile("directus_activity").writes


async def test_refusals_need_no_connection() -> None:
    # No connection is configured: a request would fail with ImproperlyConfigured, not this.
    with pytest.raises(UnsupportedOperation) as info:
        await DirectusField.objects.filter(field__contains="x")
    assert (info.value.collection, info.value.operation) == ("directus_fields", "filter()")
    with pytest.raises(UnsupportedOperation):
        await collection("directus_settings").filter(project_name="x").count()
    with pytest.raises(UnsupportedOperation):
        await DirectusSettings.objects.get(project_name="x")
    with pytest.raises(UnsupportedOperation):
        await DirectusField(collection="x", field="y").save()
