"""Lookup values are literal, and every negation works with Django's NULL semantics, against the real
server: ``%``, ``_`` and ``\\`` in contains/startswith/endswith (and their i-forms) in reads, count,
exists, aggregate, update and delete; ``exclude()`` / ``~Q`` of every lookup (``icontains``, ``iexact``,
``regex`` included) with NULL rows present, nested in ``&`` / ``|`` trees, across many-to-one, one-to-many
and many-to-many relations. Expected answers come from a plain-Python oracle over the seeded rows;
writes are checked through raw REST.

Values used with the case-sensitive lookups either hold a wildcard (then the check is exact, in Python)
or no letter at all: SQLite's LIKE ignores ASCII case, so ``contains`` acts as ``icontains`` there.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import pytest

from directus_orm import Directus, DirectusModel, Q, UnsupportedLookup
from directus_orm.exceptions import APIError
from directus_orm.models import ManyToMany
from directus_orm.query import Count, Prefetch

pytestmark = pytest.mark.integration

OWNERS, ITEMS, TAGS, ITEMS_TAGS = "lit_owners", "lit_items", "lit_tags", "lit_items_tags"


class LitOwner(DirectusModel):
    id: int | None = None
    name: str | None = None
    items: list[LitItem | int] = []

    class Meta:
        collection = OWNERS
        ordering = ["id"]


class LitTag(DirectusModel):
    id: int | None = None
    label: str

    class Meta:
        collection = TAGS
        ordering = ["id"]


class LitItem(DirectusModel):
    id: int | None = None
    sku: str
    name: str | None = None
    note: str | None = None
    qty: int | None = None
    owner: LitOwner | int | None = None
    tags: Annotated[list[LitTag | int],
                    ManyToMany(through=ITEMS_TAGS, source="items_id", target="tags_id")] = []

    class Meta:
        collection = ITEMS
        ordering = ["id"]


OWNER_ROWS = [
    {"id": 1, "name": "50% off"},
    {"id": 2, "name": "a_b shop"},
    {"id": 3, "name": "axb shop"},
    {"id": 4, "name": None},
    {"id": 5, "name": "back\\slash"},
]
TAG_ROWS = [{"id": 1, "label": "100%"}, {"id": 2, "label": "1000"}, {"id": 3, "label": "snake_case"},
            {"id": 4, "label": "snakeXcase"}]
ITEM_ROWS: list[dict[str, Any]] = [
    {"id": 1, "sku": "TMP_1", "name": "50%", "qty": 1, "owner": 1},
    {"id": 2, "sku": "TMPXkeep", "name": "500", "qty": 2, "owner": 1},
    {"id": 3, "sku": "TMP-keep", "name": "5000", "qty": 3, "owner": 2},
    {"id": 4, "sku": "a_b", "name": "a_b", "qty": 4, "owner": 2},
    {"id": 5, "sku": "axb", "name": "axb", "qty": 5, "owner": 3},
    {"id": 6, "sku": "A_B", "name": "A_B", "qty": 6, "owner": None},
    {"id": 7, "sku": "back", "name": "a\\b", "qty": 7, "owner": 5},
    {"id": 8, "sku": "ab", "name": "ab", "qty": None, "owner": 3},
    {"id": 9, "sku": "null", "name": None, "qty": 9, "owner": None},
    {"id": 10, "sku": "pct", "name": "100% pure", "qty": 10, "owner": 4},
    {"id": 11, "sku": "mix", "name": "x%y_z", "qty": 11, "owner": 5},
    {"id": 12, "sku": "under", "name": "_", "qty": 12, "owner": None},
    {"id": 13, "sku": "xyz", "name": "xyz", "qty": 13, "owner": None},
]
JUNCTION_ROWS = [{"items_id": i, "tags_id": t} for i, t in [(1, 1), (2, 2), (4, 3), (5, 4), (10, 1), (10, 3)]]
OWNERS_BY_ID = {o["id"]: o for o in OWNER_ROWS}
TAGS_BY_ID = {t["id"]: t for t in TAG_ROWS}


def _f(name: str, type_: str, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "schema": schema, "meta": {}}


def _alias(name: str, special: str) -> dict[str, Any]:
    return {"field": name, "type": "alias", "meta": {"special": [special]}}


def _pk() -> dict[str, Any]:
    return {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True},
            "meta": {"hidden": True}}


async def _drop(conn: Directus) -> None:
    for name in (ITEMS_TAGS, ITEMS, TAGS, OWNERS):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await _drop(admin)
    for name, fields in [
        (OWNERS, [_f("name", "string")]),
        (TAGS, [_f("label", "string", is_nullable=False)]),
        (ITEMS, [_f("sku", "string", is_nullable=False), _f("name", "string"), _f("note", "string"),
                 _f("qty", "integer"), _f("owner", "integer")]),
        (ITEMS_TAGS, [_f("items_id", "integer"), _f("tags_id", "integer")]),
    ]:
        await admin.post("/collections", json={"collection": name, "schema": {}, "meta": {},
                                                "fields": [_pk(), *fields]})
    await admin.post(f"/fields/{OWNERS}", json=_alias("items", "o2m"))
    await admin.post("/relations", json={"collection": ITEMS, "field": "owner", "related_collection": OWNERS,
                                         "meta": {"one_field": "items"}, "schema": {"on_delete": "SET NULL"}})
    await admin.post(f"/fields/{ITEMS}", json=_alias("tags", "m2m"))
    await admin.post("/relations", json={
        "collection": ITEMS_TAGS, "field": "items_id", "related_collection": ITEMS,
        "meta": {"one_field": "tags", "junction_field": "tags_id"}, "schema": {"on_delete": "CASCADE"}})
    await admin.post("/relations", json={
        "collection": ITEMS_TAGS, "field": "tags_id", "related_collection": TAGS,
        "meta": {"one_field": None, "junction_field": "items_id"}, "schema": {"on_delete": "CASCADE"}})
    await admin.post(f"/items/{OWNERS}", json=OWNER_ROWS)
    await admin.post(f"/items/{TAGS}", json=TAG_ROWS)
    yield
    await _drop(admin)


@pytest.fixture
async def db(schema: None, registry: None, admin: Directus) -> None:
    """The items seeded afresh for each test (writes change them)."""
    await admin.delete(f"/items/{ITEMS}", json={"query": {"limit": -1}})
    await admin.post(f"/items/{ITEMS}", json=[{k: v for k, v in r.items()} for r in ITEM_ROWS])
    await admin.post(f"/items/{ITEMS_TAGS}", json=JUNCTION_ROWS)


async def server_items(admin: Directus) -> dict[int, dict[str, Any]]:
    """The items as the server holds them (raw REST, not the ORM)."""
    body = await admin.get(f"/items/{ITEMS}", params={"limit": -1, "sort": ["id"]})
    return {row["id"]: row for row in body["data"]}


# --- the oracle: Django's meaning, in plain Python ----------------------------------------------------
Pred = Callable[[Any], bool]
TESTS: dict[str, Callable[[str, Any], bool]] = {
    "exact": lambda s, v: s == v,
    "iexact": lambda s, v: s.lower() == v.lower(),
    "contains": lambda s, v: v in s,
    "icontains": lambda s, v: v.lower() in s.lower(),
    "startswith": lambda s, v: s.startswith(v),
    "istartswith": lambda s, v: s.lower().startswith(v.lower()),
    "endswith": lambda s, v: s.endswith(v),
    "iendswith": lambda s, v: s.lower().endswith(v.lower()),
    "regex": lambda s, v: re.search(v, s) is not None,
    "iregex": lambda s, v: re.search(v, s, re.IGNORECASE) is not None,
}


def item_value(row: dict[str, Any], path: str) -> Any:
    if path == "owner__name":
        owner = OWNERS_BY_ID.get(row["owner"]) if row["owner"] is not None else None
        return None if owner is None else owner["name"]
    return row[path]


def leaf(path: str, lookup: str, value: Any) -> Pred:
    """A condition on an item, false when the value is NULL (as SQL's, hence Django's)."""
    def pred(row: dict[str, Any]) -> bool:
        s = item_value(row, path)
        if lookup == "isnull":
            return (s is None) == value
        return s is not None and TESTS[lookup](s, value)
    return pred


def oracle(q: Any) -> Pred:
    """A Q tree -> a predicate on item rows (keys: plain fields or owner__name)."""
    def pred(row: dict[str, Any]) -> bool:
        results = []
        for child in q.children:
            if isinstance(child, Q):
                results.append(oracle(child)(row))
            else:
                key, value = child
                path, _, lookup = key.rpartition("__") if key.rsplit("__", 1)[-1] in TESTS or key.endswith(
                    "__isnull") else (key, "", "exact")
                results.append(leaf(path, lookup, value)(row))
        out = all(results) if q.connector == "AND" else any(results)
        return not out if q.negated else out
    return pred


def expected(q: Any) -> list[int]:
    test = oracle(q)
    return [r["id"] for r in ITEM_ROWS if test(r)]


async def got(q: Any) -> list[int]:
    return [i.id for i in await LitItem.objects.filter(q)]


# --- item 2: literal values -----------------------------------------------------------------------------
LITERAL_CASES = [
    ("name__contains", "%"), ("name__contains", "_"), ("name__contains", "\\"), ("name__contains", "0%"),
    ("name__icontains", "A_"), ("name__icontains", "%"), ("name__startswith", "_"),
    ("name__startswith", "a\\"),
    ("name__istartswith", "A_"), ("name__endswith", "%"), ("name__endswith", "_"), ("name__iendswith", "_B"),
    ("name__iendswith", "\\B"), ("sku__startswith", "TMP_"), ("sku__istartswith", "tmp_"),
    ("name__contains", "%y_"), ("owner__name__contains", "%"), ("owner__name__icontains", "A_B"),
    ("owner__name__startswith", "back\\"),
]


@pytest.mark.parametrize(("key", "value"), LITERAL_CASES)
async def test_wildcards_are_literal_in_filter_and_exclude(db: None, key: str, value: str) -> None:
    q = Q(**{key: value})
    assert await got(q) == expected(q), str(LitItem.objects.filter(q).query)
    assert await got(~q) == expected(~q)  # the NULL rows are kept, as Django's exclude() does
    assert [i.id for i in await LitItem.objects.exclude(**{key: value})] == expected(~q)


async def test_the_reported_delete_removes_only_literal_matches(db: None, admin: Directus) -> None:
    deleted = await LitItem.objects.filter(sku__startswith="TMP_").delete()
    assert deleted == (1, {ITEMS: 1})
    rows = await server_items(admin)
    assert sorted(rows) == [r["id"] for r in ITEM_ROWS if r["id"] != 1]  # TMPXkeep and TMP-keep stay


async def test_contains_percent_does_not_match_every_row(db: None) -> None:
    found = await LitItem.objects.filter(name__contains="%")
    assert sorted(i.name or "" for i in found) == ["100% pure", "50%", "x%y_z"]
    assert await LitItem.objects.filter(name__contains="%").count() == 3
    assert await LitItem.objects.filter(name__contains="%%").exists() is False
    assert await LitItem.objects.filter(name__icontains="0%").aggregate(n=Count("*"), total=Count("qty")) == {
        "n": 2, "total": 2}
    assert await LitItem.objects.filter(name__contains="_").values_list("id", flat=True) == [4, 6, 11, 12]
    assert (await LitItem.objects.get(name__endswith="_")).id == 12
    assert sorted(await LitItem.objects.filter(name__startswith="x%").in_bulk()) == [11]
    page = await LitItem.objects.filter(name__contains="%").with_meta()
    assert (page.filter_count, [i.id for i in page]) == (3, [1, 10, 11])


async def test_update_touches_only_literal_matches(db: None, admin: Directus) -> None:
    assert await LitItem.objects.filter(name__contains="_").update(note="under") == 4
    assert await LitItem.objects.exclude(name__icontains="a_").update(qty=0) == 11
    rows = await server_items(admin)
    assert [i for i, r in rows.items() if r["note"] == "under"] == [4, 6, 11, 12]
    assert [i for i, r in rows.items() if r["qty"] != 0] == [4, 6]  # NULL names were updated too


async def test_delete_by_exclude_keeps_exactly_the_matches(db: None, admin: Directus) -> None:
    assert await LitItem.objects.exclude(name__icontains="A_B").delete() == (11, {ITEMS: 11})
    assert sorted(await server_items(admin)) == [4, 6]
    assert await LitItem.objects.filter(name__endswith="\\").delete() == (0, {ITEMS: 0})
    assert sorted(await server_items(admin)) == [4, 6]


async def test_a_literal_match_on_nothing_sends_no_main_request(db: None) -> None:
    qs = LitItem.objects.filter(name__contains="%_%")
    assert "emulated" in str(qs.query) and "1 request" in str(qs.query)
    assert await qs == []
    assert await qs.count() == 0
    assert await qs.update(note="x") == 0


# --- item 3: every negation -----------------------------------------------------------------------------
NEGATION_CASES = [
    Q(name__icontains="b"), Q(name__iexact="A_b"), Q(name__iexact="AB"), Q(name__regex=r"^a.b$"),
    Q(name__iregex=r"^A\\B$"), Q(name="ab"), Q(name__isnull=True), Q(owner__name__iexact="AXB SHOP"),
    Q(owner__name__icontains="SHOP"), Q(owner__name="a_b shop"), Q(owner__name__isnull=True),
    Q(name__icontains="b") | Q(sku__iexact="PCT"), Q(name__iexact="a_b") & ~Q(owner__name__icontains="x"),
    ~(Q(name__icontains="5") | Q(name__regex="_")) & Q(sku__istartswith="t"),
]


@pytest.mark.parametrize("q", NEGATION_CASES, ids=repr)
async def test_every_negation_with_django_null_semantics(db: None, q: Q) -> None:
    assert await got(q) == expected(q)
    assert await got(~q) == expected(~q)
    assert [i.id for i in await LitItem.objects.exclude(q)] == expected(~q)
    assert await LitItem.objects.exclude(q).count() == len(expected(~q))


async def test_exclude_on_nullable_fields_keeps_null_rows(db: None) -> None:
    """Directus's _neq is SQL's <>, false for NULL: exclude() adds the NULL branch, so NULL rows stay."""
    kept = [i.id for i in await LitItem.objects.exclude(name="ab")]
    assert kept == [r["id"] for r in ITEM_ROWS if r["id"] != 8]
    assert 9 in [i.id for i in await LitItem.objects.exclude(name__icontains="a")]
    # across a nullable many-to-one: rows without owner, and owners without name, stay
    kept = [i.id for i in await LitItem.objects.exclude(owner__name="a_b shop")]
    assert kept == [r["id"] for r in ITEM_ROWS if r["owner"] != 2]


@pytest.mark.parametrize("seed", range(12))
async def test_random_q_trees_agree_with_the_oracle(db: None, seed: int) -> None:
    rng = random.Random(seed)
    # case-sensitive lookups: a wildcard, or no letter
    ci_values = ["%", "_", "\\", "0%", "a_", "_b", "TMP_", "x%y", "50", "5"]
    i_values = ["A_", "b", "%", "AB", "tmp_", "X%Y", "a\\B", "shop", "A_B SHOP"]
    lookups = {"contains": ci_values, "startswith": ci_values, "endswith": ci_values, "icontains": i_values,
               "istartswith": i_values, "iendswith": i_values, "iexact": i_values,
               "regex": ["^a", "b$", r"\d"]}

    def make(depth: int) -> Q:
        if depth == 0 or rng.random() < 0.3:
            path = rng.choice(["name", "sku", "owner__name"])
            lookup = rng.choice([*lookups, "isnull", "exact"])
            if lookup == "isnull":
                q = Q(**{f"{path}__isnull": rng.random() < 0.5})
            elif lookup == "exact":
                q = Q(**{path: rng.choice(["ab", "a_b", "50%", "axb shop"])})
            else:
                q = Q(**{f"{path}__{lookup}": rng.choice(lookups[lookup])})
        else:
            parts = [make(depth - 1) for _ in range(rng.randint(2, 3))]
            q = parts[0]
            for part in parts[1:]:
                q = q & part if rng.random() < 0.5 else q | part
        return ~q if rng.random() < 0.4 else q

    for _ in range(4):
        q = make(3)
        assert await got(q) == expected(q), f"{q!r}: {LitItem.objects.filter(q).query}"


# --- across to-many relations ----------------------------------------------------------------------------
def owners_where(test: Callable[[list[dict[str, Any]]], bool]) -> list[int]:
    return [o["id"] for o in OWNER_ROWS if test([r for r in ITEM_ROWS if r["owner"] == o["id"]])]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in items if r["name"] is not None]


async def owner_ids(qs: Any) -> list[int]:
    return [o.id for o in await qs]


async def test_one_to_many_literal_and_negated(db: None) -> None:
    O = LitOwner.objects  # noqa: E741
    assert await owner_ids(O.filter(items__name__contains="%")) == owners_where(
        lambda its: any("%" in n for n in names(its)))
    assert await owner_ids(O.exclude(items__name__contains="%")) == owners_where(
        lambda its: not any("%" in n for n in names(its)))
    assert await owner_ids(O.exclude(items__name__icontains="A_")) == owners_where(
        lambda its: not any("a_" in n.lower() for n in names(its)))
    assert await owner_ids(O.filter(~Q(items__name__iexact="AB"))) == owners_where(
        lambda its: not any(n.lower() == "ab" for n in names(its)))
    # Django: the conditions of one exclude() on a to-many relation need not hold for the same row
    assert await owner_ids(O.exclude(items__name__icontains="a", items__qty__gte=5)) == owners_where(
        lambda its: not (any("a" in n.lower() for n in names(its))
                         and any((r["qty"] or 0) >= 5 for r in its)))
    # a "none" around a compound condition (Directus would ignore it and match every row)
    assert await owner_ids(O.filter(items__none=Q(name__contains="%") | Q(qty__gte=10))) == owners_where(
        lambda its: not any("%" in (r["name"] or "") or (r["qty"] or 0) >= 10 for r in its))
    # in one filter() call, conditions on the same relation hold for the same related row
    assert await owner_ids(O.filter(items__name__contains="_", items__qty__lte=4)) == owners_where(
        lambda its: any("_" in (r["name"] or "") and (r["qty"] or 0) <= 4 for r in its))


async def test_none_behind_a_many_to_one(db: None) -> None:
    """exclude(owner__items__name=...): no item of my owner has that name (NULL owners kept)."""
    got_ids = [i.id for i in await LitItem.objects.exclude(owner__items__name__icontains="a_b")]
    bad_owners = {r["owner"] for r in ITEM_ROWS
                  if r["owner"] is not None and "a_b" in (r["name"] or "").lower()}
    assert got_ids == [r["id"] for r in ITEM_ROWS if r["owner"] not in bad_owners]


async def test_many_to_many_literal_and_negated(db: None) -> None:
    def tagged(test: Callable[[str], bool]) -> list[int]:
        return [r["id"] for r in ITEM_ROWS
                if any(test(TAGS_BY_ID[j["tags_id"]]["label"])
                       for j in JUNCTION_ROWS if j["items_id"] == r["id"])]

    assert [i.id for i in await LitItem.objects.filter(tags__label__contains="_")] == tagged(
        lambda s: "_" in s)
    assert [i.id for i in await LitItem.objects.filter(tags__label__endswith="0%")] == tagged(
        lambda s: s.endswith("0%"))
    with_pct = set(tagged(lambda s: "%" in s))
    assert [i.id for i in await LitItem.objects.exclude(tags__label__icontains="%")] == [
        r["id"] for r in ITEM_ROWS if r["id"] not in with_pct]


async def test_prefetch_queryset_with_an_emulated_filter(db: None) -> None:
    owners = await LitOwner.objects.prefetch_related(
        Prefetch("items", queryset=LitItem.objects.filter(name__contains="%"))).filter(id__in=[1, 4, 2])
    assert {o.id: sorted(i.id for i in o.items) for o in owners} == {1: [1], 2: [], 4: [10]}
    nothing = await LitOwner.objects.prefetch_related(
        Prefetch("items", queryset=LitItem.objects.filter(name__contains="%%"))).filter(id=1)
    assert nothing[0].items == []


async def test_no_primary_key_is_a_clear_error() -> None:
    from directus_orm.query.schema import OpenSchema
    from directus_orm.query.where import compile_condition

    with pytest.raises(UnsupportedLookup, match="no primary key"):
        compile_condition(OpenSchema("lit_x", ""), "name__icontains", "x", negated=True)


async def test_fastapi_router_filters_are_literal(db: None, directus_server: Any) -> None:
    """The router's ``?name__contains=%`` goes through QuerySet.filter: literal, emulated alike."""
    import httpx
    from fastapi import FastAPI

    from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers

    directus = DirectusDependency()
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(LitItem, directus=directus, routes=("list",)))
    headers = {"Authorization": f"Bearer {directus_server.token}"}
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        for query, q in [({"name__contains": "%"}, Q(name__contains="%")),
                         ({"sku__startswith": "TMP_"}, Q(sku__startswith="TMP_")),
                         ({"name__iexact": "a_B"}, Q(name__iexact="a_B"))]:
            response = await http.get(f"/{ITEMS}", params=query, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            assert ([r["id"] for r in page["results"]], page["count"]) == (expected(q), len(expected(q)))


async def test_negations_across_relations_inside_and_or_trees(db: None) -> None:
    def items_of(owner: int) -> list[dict[str, Any]]:
        return [r for r in ITEM_ROWS if r["owner"] == owner]

    got_owners = await owner_ids(LitOwner.objects.filter(
        Q(name__isnull=True) | ~Q(items__name__iexact="AB") & Q(name__icontains="_")))
    assert got_owners == [o["id"] for o in OWNER_ROWS if o["name"] is None or (
        not any((r["name"] or "").lower() == "ab" for r in items_of(o["id"])) and "_" in o["name"])]

    def labels(item: dict[str, Any]) -> list[str]:
        return [TAGS_BY_ID[j["tags_id"]]["label"] for j in JUNCTION_ROWS if j["items_id"] == item["id"]]

    got_items = [i.id for i in await LitItem.objects.filter(
        ~Q(owner__name__icontains="SHOP") | (Q(tags__label__contains="_") & ~Q(name__regex="^1")))]
    assert got_items == [r["id"] for r in ITEM_ROWS if not (
        r["owner"] is not None and "shop" in (OWNERS_BY_ID[r["owner"]]["name"] or "").lower()
    ) or (any("_" in s for s in labels(r)) and not re.search("^1", r["name"] or "\0"))]
    assert await LitItem.objects.filter(name__startswith="100%").exists() is True
