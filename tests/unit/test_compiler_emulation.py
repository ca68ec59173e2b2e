"""Emulated conditions (no server): what the compiler leaves for emulation, the exact sub-queries the
resolver sends (a recording fake connection) and the exact filter it builds from their answers; and
that everything Directus evaluates itself still compiles to the same JSON with no extra request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from directus_orm import DirectusError, Q, UnsupportedLookup, collection
from directus_orm.query.emulation import emulate
from directus_orm.query.keysets import KeySet, Pending, broad_filter
from directus_orm.query.where import EVERYTHING, NOTHING
from tests.unit.test_compiler import L
from tests.unit.test_compiler_relations import A, B


class FakeConn:
    """Answers ``GET /items/<c>`` with canned rows and records the requests."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.rows, self.sent = rows, []  # type: list[tuple[str, dict[str, Any]]]

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        self.sent.append((path, dict(params or {})))
        return {"data": self.rows.get(path, [])}


LANGS = [{"id": i, "name": n} for i, n in [(1, "50%"), (2, "500"), (3, "a_b"), (4, "A_B"), (5, "axb")]]


def run(qs: Any, rows: dict[str, list[dict[str, Any]]]) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    conn = FakeConn(rows)
    query = asyncio.run(emulate(qs.query, conn))  # type: ignore[arg-type]
    return query.params().get("filter", query.filter), conn.sent


@pytest.mark.parametrize(("value", "operator", "expected"), [
    ("50%", "contains", {"name": {"_contains": "50"}}),
    ("TMP_", "starts_with", {"name": {"_starts_with": "TMP"}}),
    ("_x", "starts_with", {"name": {"_contains": "x"}}),
    ("a%b_c", "iends_with", {"_and": [{"name": {"_icontains": "a"}}, {"name": {"_icontains": "b"}},
                                      {"name": {"_iends_with": "c"}}]}),
    ("AB", "ieq", {"_and": [{"name": {"_istarts_with": "AB"}}, {"name": {"_iends_with": "AB"}}]}),
    ("%\\_", "contains", {"name": {"_nnull": True}}),
    # A fragment that folds beyond ASCII is or-ed with its plain form (SQLite's LOWER() is ASCII-only).
    ("ÉL_", "istarts_with", {"_or": [{"name": {"_istarts_with": "ÉL"}}, {"name": {"_starts_with": "ÉL"}}]}),
    ("é_A", "ieq", {"_and": [{"name": {"_istarts_with": "é"}}, {"name": {"_iends_with": "A"}}]}),
])
def test_the_broad_filter_keeps_every_literal_match(value: str, operator: str, expected: Any) -> None:
    assert broad_filter(("name",), operator, value) == expected


def test_literal_contains_reads_keys_and_checks_in_python() -> None:
    qs = L.filter(name__contains="0%")
    assert isinstance(qs.query.filter, KeySet) and qs.query.needs_emulation
    got, sent = run(qs, {"/items/cmp_languages": LANGS})
    assert sent == [("/items/cmp_languages",
                     {"fields": ["id", "name"], "limit": -1, "filter": {"name": {"_contains": "0"}}})]
    assert got == {"id": {"_in": [1]}}


def test_exclude_icontains_is_nin_of_the_matching_keys_no_check() -> None:
    got, sent = run(L.exclude(name__icontains="x"), {"/items/cmp_languages": [{"id": 5}]})
    assert sent[0][1] == {"fields": ["id"], "limit": -1, "filter": {"name": {"_icontains": "x"}}}
    assert got == {"id": {"_nin": [5]}}  # NULL names are not in the list: kept


def test_iexact_and_its_negation() -> None:
    got, _ = run(L.filter(name__iexact="a_B"), {"/items/cmp_languages": LANGS})
    assert got == {"id": {"_in": [3, 4]}}
    got, _ = run(L.exclude(name__iexact="a_B"), {"/items/cmp_languages": LANGS})
    assert got == {"id": {"_nin": [3, 4]}}
    assert L.filter(name__iexact=None).query.filter == {"name": {"_null": True}}
    assert L.filter(speakers__iexact=5).query.filter == {"speakers": {"_eq": 5}}  # no case to ignore


def test_regex_reads_every_non_null_value() -> None:
    got, sent = run(L.filter(name__iregex=r"^a.B$"), {"/items/cmp_languages": LANGS})
    assert sent[0][1]["filter"] == {"name": {"_nnull": True}}
    assert got == {"id": {"_in": [3, 4, 5]}}


def test_no_match_folds_to_the_constants() -> None:
    got, _ = run(L.filter(name__contains="%%"), {"/items/cmp_languages": LANGS})
    assert got is NOTHING
    got, _ = run(L.exclude(name__contains="%%"), {"/items/cmp_languages": LANGS})
    assert got is EVERYTHING
    got, _ = run(L.filter(Q(name__contains="%%") | Q(code="el")), {"/items/cmp_languages": LANGS})
    assert got == {"code": {"_eq": "el"}}


def test_negated_positive_pattern_keeps_null_rows_and_ncontains_drops_them() -> None:
    q = L.exclude(name__ncontains="0%").query.filter  # not (not contains): contains, or NULL
    assert isinstance(q, dict) and isinstance(q["_or"][0], KeySet)
    assert q["_or"][1] == {"name": {"_null": True}}
    got, _ = run(L.filter(name__ncontains="0%"), {"/items/cmp_languages": LANGS})
    assert got == {"_and": [{"id": {"_nin": [1]}}, {"name": {"_nnull": True}}]}


def test_to_many_literal_is_finished_after_the_related_keys() -> None:
    qs = A.filter(books__title__contains="%")
    assert isinstance(qs.query.filter, Pending)
    got, sent = run(qs, {"/items/cr_books": [{"id": 7, "title": "1%"}, {"id": 8, "title": "1"}]})
    assert [p for p, _ in sent] == ["/items/cr_books"]
    assert got == {"books": {"_some": {"id": {"_in": [7]}}}}
    got, _ = run(A.exclude(books__title__contains="%"), {"/items/cr_books": [{"id": 7, "title": "1%"}]})
    assert got == {"books": {"_none": {"id": {"_in": [7]}}}}
    got, _ = run(A.exclude(books__title__contains="%"), {})
    assert got is EVERYTHING  # no such book: nobody has one
    got, _ = run(B.filter(tags__name__startswith="s_"), {"/items/cr_tags": [{"id": 4, "name": "s_x"}]})
    assert got == {"tags": {"_some": {"tags_id": {"id": {"_in": [4]}}}}}


def test_none_directus_cannot_evaluate_becomes_nin_of_keys() -> None:
    got, sent = run(B.exclude(author__books__title="X"), {"/items/cr_books": [{"id": 2}, {"id": 3}]})
    assert sent == [("/items/cr_books", {"fields": ["id"], "limit": -1,
                                         "filter": {"author": {"books": {"title": {"_eq": "X"}}}}})]
    assert got == {"id": {"_nin": [2, 3]}}
    got, sent = run(A.filter(books__none=Q(title="X") | Q(title="Y")), {"/items/cr_authors": [{"id": 1}]})
    assert sent[0][1]["filter"] == {"books": {"_or": [{"title": {"_eq": "X"}}, {"title": {"_eq": "Y"}}]}}
    assert got == {"id": {"_nin": [1]}}


def test_exclude_of_several_to_many_conditions_is_djangos_or_of_nones() -> None:
    assert A.exclude(books__title="X", books__price=1).query.filter == {"_or": [
        {"books": {"_none": {"price": {"_eq": "1"}}}}, {"books": {"_none": {"title": {"_eq": "X"}}}}]}


def test_queries_directus_evaluates_need_no_emulation() -> None:
    for qs in [L.filter(name__contains="50"), L.exclude(name__contains="x"), L.exclude(name__istartswith="x"),
               A.exclude(books__title="X"), B.filter(author__books__title="X"), L.filter(name__contains="")]:
        assert not qs.query.needs_emulation
        assert asyncio.run(emulate(qs.query, FakeConn({}))) is qs.query  # type: ignore[arg-type]


def test_unresolved_conditions_are_never_sent_and_are_shown() -> None:
    query = L.exclude(name__icontains="x").query
    with pytest.raises(DirectusError, match="internal error"):
        query.params()
    with pytest.raises(DirectusError, match="internal error"):
        query.filter_params()
    text = str(query)
    assert "emulated NOT name icontains 'x'" in text and "1 request to cmp_languages" in text
    assert "not atomic" in text


def test_dynamic_variables_are_not_wildcards() -> None:
    from directus_orm import CurrentUser

    assert collection("t").filter(name__contains=CurrentUser()).query.filter == {
        "name": {"_contains": "$CURRENT_USER"}}


def test_a_collection_without_primary_key_cannot_emulate() -> None:
    with pytest.raises(UnsupportedLookup, match="no primary key"):
        collection("t", pk="").filter(name__iexact="x")


def test_resolved_queries_need_nothing_more_and_none_sends_nothing() -> None:
    conn = FakeConn({"/items/cmp_languages": LANGS})
    resolved = asyncio.run(emulate(L.filter(name__contains="0%").query, conn))  # type: ignore[arg-type]
    assert not resolved.needs_emulation and resolved.params()["filter"] == {"id": {"_in": [1]}}
    empty = asyncio.run(emulate(L.filter(name__contains="0%").none().query, conn))  # type: ignore[arg-type]
    assert empty.is_empty and len(conn.sent) == 1
