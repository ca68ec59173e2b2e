"""The compiler pins the exact Directus JSON for each construct (no server involved)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from directus_orm import CurrentUser, DirectusModel, FieldError, Q, UnsupportedLookup, collection
from directus_orm.query.where import EVERYTHING, NOTHING


class Lang(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    ratio: float = 0.0
    active: bool = True
    born: datetime.date | None = None
    seen: datetime.datetime | None = None
    ref: uuid.UUID | None = None
    data: dict[str, Any] | None = None
    author: Any = None  # a relation (kind "any"): paths through it are left to the server

    class Meta:
        collection = "cmp_languages"
        ordering = ["name"]


def f(qs: Any) -> Any:
    """The compiled filter of a QuerySet."""
    return qs.query.params().get("filter", qs.query.filter)


L = Lang.objects


# --- every lookup ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"code": "el"}, {"code": {"_eq": "el"}}),
        ({"code__exact": "el"}, {"code": {"_eq": "el"}}),
        ({"name": None}, {"name": {"_null": True}}),
        ({"name__exact": None}, {"name": {"_null": True}}),
        ({"code__contains": "l"}, {"code": {"_contains": "l"}}),
        ({"code__icontains": "L"}, {"code": {"_icontains": "L"}}),
        ({"code__startswith": "e"}, {"code": {"_starts_with": "e"}}),
        ({"code__istartswith": "E"}, {"code": {"_istarts_with": "E"}}),
        ({"code__endswith": "l"}, {"code": {"_ends_with": "l"}}),
        ({"code__iendswith": "L"}, {"code": {"_iends_with": "L"}}),
        ({"code__in": ["en", "el"]}, {"code": {"_in": ["en", "el"]}}),
        ({"code__in": ("en", None)}, {"code": {"_in": ["en"]}}),
        ({"speakers__gt": 5}, {"speakers": {"_gt": 5}}),
        ({"speakers__gte": 5}, {"speakers": {"_gte": 5}}),
        ({"speakers__lt": 5}, {"speakers": {"_lt": 5}}),
        ({"speakers__lte": "5"}, {"speakers": {"_lte": 5}}),  # validated and coerced like the field
        ({"speakers__range": (1, 9)}, {"speakers": {"_between": [1, 9]}}),
        ({"name__isnull": True}, {"name": {"_null": True}}),
        ({"name__isnull": False}, {"name": {"_nnull": True}}),
        ({"name__empty": True}, {"name": {"_empty": True}}),
        ({"name__empty": False}, {"name": {"_nempty": True}}),
        ({"name__nempty": True}, {"name": {"_nempty": True}}),
        ({"speakers__between": [1, 2]}, {"speakers": {"_between": [1, 2]}}),
        ({"speakers__nbetween": [1, 2]}, {"speakers": {"_nbetween": [1, 2]}}),
        ({"code__neq": "x"}, {"code": {"_neq": "x"}}),
        ({"code__nin": ["x"]}, {"code": {"_nin": ["x"]}}),
        ({"code__ncontains": "x"}, {"code": {"_ncontains": "x"}}),
        ({"name__null": True}, {"name": {"_null": True}}),
        ({"name__nnull": True}, {"name": {"_nnull": True}}),
        ({"active": False}, {"active": {"_eq": False}}),
        ({"ratio__gt": Decimal("0.5")}, {"ratio": {"_gt": 0.5}}),
        ({"born__gte": datetime.date(2024, 1, 2)}, {"born": {"_gte": "2024-01-02"}}),
        ({"seen__lt": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)},
         {"seen": {"_lt": "2024-01-02T03:04:05Z"}}),
        ({"ref": uuid.UUID(int=1)}, {"ref": {"_eq": "00000000-0000-0000-0000-000000000001"}}),
        ({"data__isnull": False}, {"data": {"_nnull": True}}),
        ({"pk": 3}, {"id": {"_eq": 3}}),
        ({"pk__in": [1, 2]}, {"id": {"_in": [1, 2]}}),
        ({"author__name": "x"}, {"author": {"name": {"_eq": "x"}}}),
        ({"author__name__icontains": "x"}, {"author": {"name": {"_icontains": "x"}}}),
        ({"author__country__code__in": ["gr"]}, {"author": {"country": {"code": {"_in": ["gr"]}}}}),
        ({"author__intersects": {"type": "Point", "coordinates": [1, 2]}},
         {"author": {"_intersects": {"type": "Point", "coordinates": [1, 2]}}}),
    ],
)
def test_lookup(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert f(L.filter(**kwargs)) == expected


def test_several_keywords_are_anded_in_name_order() -> None:
    assert f(L.filter(speakers__gt=1, code="el")) == {
        "_and": [{"code": {"_eq": "el"}}, {"speakers": {"_gt": 1}}]
    }
    # chained filters flatten into one _and
    assert f(L.filter(code="el").filter(speakers__gt=1).filter(name="x")) == {
        "_and": [{"code": {"_eq": "el"}}, {"speakers": {"_gt": 1}}, {"name": {"_eq": "x"}}]
    }


# --- empty strings and empty lists (Directus refuses both in filters) ---------------------------------
def test_exact_empty_string_is_empty_and_not_null() -> None:
    assert f(L.filter(name="")) == {"_and": [{"name": {"_empty": True}}, {"name": {"_nnull": True}}]}
    assert f(L.exclude(name="")) == {"_or": [{"name": {"_nempty": True}}, {"name": {"_null": True}}]}


def test_contains_empty_string_matches_every_non_null() -> None:
    assert f(L.filter(name__contains="")) == {"name": {"_nnull": True}}
    assert f(L.exclude(name__startswith="")) == {"name": {"_null": True}}


def test_in_empty_list_matches_nothing_and_sends_nothing() -> None:
    qs = L.filter(code__in=[])
    assert qs.query.filter is NOTHING and qs.query.is_empty
    assert "no request" in str(qs.query)
    assert L.exclude(code__in=[]).query.filter is EVERYTHING
    assert L.filter(Q(code__in=[]) | Q(code="el")).query.filter == {"code": {"_eq": "el"}}
    assert L.filter(Q(code__in=[]) & Q(code="el")).query.filter is NOTHING
    assert L.none().query.is_empty


# --- negation: De Morgan, inverted operators, NULL kept like Django ------------------------------------
def test_exclude_keeps_null_rows_on_nullable_fields() -> None:
    assert f(L.exclude(name="x")) == {"_or": [{"name": {"_neq": "x"}}, {"name": {"_null": True}}]}
    assert f(L.exclude(speakers__gt=5)) == {"_or": [{"speakers": {"_lte": 5}}, {"speakers": {"_null": True}}]}
    assert f(L.exclude(speakers__gte=5)) == {"_or": [{"speakers": {"_lt": 5}}, {"speakers": {"_null": True}}]}
    assert f(L.exclude(speakers__range=(1, 2))) == {
        "_or": [{"speakers": {"_nbetween": [1, 2]}}, {"speakers": {"_null": True}}]
    }
    assert f(L.exclude(name__in=["a"])) == {"_or": [{"name": {"_nin": ["a"]}}, {"name": {"_null": True}}]}
    assert f(L.exclude(name__contains="a")) == {
        "_or": [{"name": {"_ncontains": "a"}}, {"name": {"_null": True}}]
    }
    assert f(L.exclude(name__istartswith="a")) == {
        "_or": [{"name": {"_nistarts_with": "a"}}, {"name": {"_null": True}}]
    }
    assert f(L.exclude(name__iendswith="a")) == {
        "_or": [{"name": {"_niends_with": "a"}}, {"name": {"_null": True}}]
    }


def test_exclude_on_non_nullable_fields_and_null_aware_lookups_adds_no_null_branch() -> None:
    assert f(L.exclude(code="x")) == {"code": {"_neq": "x"}}
    assert f(L.exclude(pk__in=[1])) == {"id": {"_nin": [1]}}
    assert f(L.exclude(name=None)) == {"name": {"_nnull": True}}
    assert f(L.exclude(name__isnull=False)) == {"name": {"_null": True}}
    assert f(L.exclude(name__empty=True)) == {"name": {"_nempty": True}}


def test_negation_of_compound_trees() -> None:
    q = ~(Q(code="el") & (Q(speakers__lt=10) | ~Q(name__startswith="A")))
    # NOT(a AND (b OR NOT c)) == NOT a OR (NOT b AND c)
    assert f(L.filter(q)) == {
        "_or": [
            {"code": {"_neq": "el"}},
            {"_and": [
                {"_or": [{"speakers": {"_gte": 10}}, {"speakers": {"_null": True}}]},
                {"name": {"_starts_with": "A"}},
            ]},
        ]
    }
    assert f(L.filter(~~Q(code="el"))) == {"code": {"_eq": "el"}}
    assert f(L.exclude(~Q(code="el"))) == {"code": {"_eq": "el"}}
    assert f(L.exclude(code="el", speakers=1)) == {
        "_or": [{"code": {"_neq": "el"}}, {"speakers": {"_neq": 1}}, {"speakers": {"_null": True}}]
    }
    assert f(L.filter(Q(code="a") | Q(code="b") | Q(code="c"))) == {
        "_or": [{"code": {"_eq": "a"}}, {"code": {"_eq": "b"}}, {"code": {"_eq": "c"}}]
    }


def test_relation_paths_negate_with_the_null_branch_on_the_path() -> None:
    assert f(L.exclude(author__name="x")) == {
        "_or": [{"author": {"name": {"_neq": "x"}}}, {"author": {"name": {"_null": True}}}]
    }


def test_empty_q_matches_everything() -> None:
    assert L.filter(Q()).query.filter is EVERYTHING
    assert L.filter(~Q()).query.filter is EVERYTHING
    assert "filter" not in L.filter(Q()).query.params()


# --- ordering, slicing, search ------------------------------------------------------------------------
def test_ordering() -> None:
    assert L.all().query.params() == {"sort": ["name", "id"]}  # Meta.ordering, then pk for stable pages
    assert L.order_by("-speakers").query.params() == {"sort": ["-speakers", "id"]}
    sort = L.order_by("-speakers", "author__name").query.params()["sort"]
    assert sort == ["-speakers", "author.name", "id"]
    assert L.order_by("-pk").query.params()["sort"] == ["-id"]
    assert L.order_by().query.params()["sort"] == ["id"]
    assert L.order_by("code").reverse().query.params()["sort"] == ["-code", "-id"]
    assert L.order_by().reverse().query.params()["sort"] == ["-id"]
    assert L.reverse().reverse().query.params()["sort"] == ["name", "id"]


def test_slicing() -> None:
    assert L.all()[10:20].query.params() == {"sort": ["name", "id"], "offset": 10, "limit": 10}
    assert L.all()[:5].query.params() == {"sort": ["name", "id"], "limit": 5}
    assert L.all()[7:].query.params() == {"sort": ["name", "id"], "offset": 7}
    assert L.all()[10:20][2:5].query.params() == {"sort": ["name", "id"], "offset": 12, "limit": 3}
    assert L.all()[10:20][5:50].query.params() == {"sort": ["name", "id"], "offset": 15, "limit": 5}
    assert L.all()[5:5].query.is_empty


def test_search_and_str() -> None:
    qs = L.filter(code="el").search("gree")
    assert qs.query.params() == {"filter": {"code": {"_eq": "el"}}, "search": "gree", "sort": ["name", "id"]}
    assert str(qs) == (
        'cmp_languages {"filter": {"code": {"_eq": "el"}}, "search": "gree", "sort": ["name", "id"]}'
    )
    assert str(qs) == str(qs.query)
    assert "cmp_languages" in repr(qs)


def test_querysets_are_immutable_clones() -> None:
    base = L.filter(code="el")
    narrowed = base.filter(speakers=1)
    assert base.query.filter == {"code": {"_eq": "el"}}
    assert narrowed is not base and narrowed.query.filter != base.query.filter
    assert type(base.using("other")) is type(base)
    assert base.using("other").db == "other" and base.db == "default"


def test_dict_collections_treat_every_field_as_nullable_and_unknown() -> None:
    qs = collection("things").exclude(whatever=1).filter(x__gt="b", rel__name__icontains="q")
    assert qs.query.params() == {
        "filter": {"_and": [
            {"_or": [{"whatever": {"_neq": 1}}, {"whatever": {"_null": True}}]},
            {"rel": {"name": {"_icontains": "q"}}},  # keywords in name order
            {"x": {"_gt": "b"}},
        ]},
        "sort": ["id"],
    }
    assert collection("things", pk="code").query.params() == {"sort": ["code"]}


def test_integer_keys_of_system_collections_refuse_what_is_no_integer() -> None:
    # Directus 10 answers every row to {"id": {"_eq": "me"}} on an integer key: refused before sending.
    perms = collection("directus_permissions")
    for bad in ("me", "1.5", "", True, 1.5, "1 "):
        with pytest.raises(FieldError):
            perms.filter(pk=bad).query.params()
    with pytest.raises(FieldError):
        perms.filter(id__in=[1, "me"]).query.params()
    assert perms.filter(pk="7").query.params()["filter"] == {"id": {"_eq": 7}}
    assert perms.filter(id__in=[1, "-2"]).query.params()["filter"] == {"id": {"_in": [1, -2]}}
    assert collection("things").filter(pk="me").query.params()["filter"] == {"id": {"_eq": "me"}}


# --- errors before any request ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: L.filter(nope=1), FieldError, "has no field 'nope'"),
        (lambda: L.order_by("-nope"), FieldError, "has no field 'nope'"),
        (lambda: L.filter(code__foo="x"), UnsupportedLookup, "unknown lookup 'foo'"),
        (lambda: L.filter(born__week_day=2), UnsupportedLookup, "weekday"),
        (lambda: L.filter(code__year=2024), FieldError, "applies to date"),
        (lambda: L.filter(speakers__regex="1"), UnsupportedLookup, "regex applies to string fields"),
        (lambda: L.filter(code__regex="("), FieldError, "invalid regular expression"),
        (lambda: L.filter(code__iregex=1), FieldError, "takes a regular expression"),
        (lambda: L.filter(code__gt="x"), UnsupportedLookup, "does not allow _gt on string field 'code'"),
        (lambda: L.filter(code__range=("a", "b")), UnsupportedLookup, "_between on string"),
        (lambda: L.filter(speakers__contains=1), UnsupportedLookup, "_contains on integer"),
        (lambda: L.filter(active__in=[True]), UnsupportedLookup, "_in on boolean"),
        (lambda: L.filter(data={"a": 1}), UnsupportedLookup, "_eq on json"),
        (lambda: L.filter(speakers__range=(1, 2, 3)), FieldError, "exactly 2 values"),
        (lambda: L.filter(speakers__range=5), FieldError, "takes (low, high)"),
        (lambda: L.filter(code__in="el"), FieldError, "list of values"),
        (lambda: L.filter(speakers="many"), FieldError, "invalid value 'many'"),
        (lambda: L.filter(born__gt="not a date"), FieldError, "invalid value"),
        (lambda: L.filter(ref=""), FieldError, r"'ref': invalid value '' for uuid field 'ref'"),
        (lambda: L.filter(speakers=""), FieldError, r"'speakers': invalid value '' for integer field"),
        (lambda: L.filter(name__isnull="yes"), FieldError, "True or False"),
        (lambda: L.filter(speakers__gt=None), FieldError, "isnull"),
        (lambda: L.filter(code__neq=""), FieldError, "empty strings"),
        (lambda: L.filter(code__name="x"), UnsupportedLookup, "unknown lookup 'name' for string field"),
        (lambda: L.filter(code__name__exact="x"), FieldError, "not a relation"),
        (lambda: L.order_by("code__name"), FieldError, "not a relation"),
        (lambda: L.order_by("?"), FieldError, "random"),
        (lambda: L.all()[2:4].filter(code="x"), TypeError, "slice"),
        (lambda: L.all()[2:4].order_by("code"), TypeError, "slice"),
        (lambda: L.all()[-1], ValueError, "Negative"),
        (lambda: L.all()[::2], ValueError, "step"),
    ],
)
def test_errors_before_any_request(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_unknown_field_error_lists_the_fields_and_unknown_lookup_lists_valid_ones() -> None:
    with pytest.raises(FieldError) as info:
        L.filter(nope=1)
    assert "code, name, speakers" in str(info.value)
    with pytest.raises(UnsupportedLookup) as lk:
        L.filter(speakers__foo=1)
    assert "valid lookups: exact, in, gt, gte, lt, lte, range, isnull" in str(lk.value)
    with pytest.raises(UnsupportedLookup) as kind:
        L.filter(speakers__startswith=1)
    assert "_starts_with on integer field 'speakers'; lookups for integer fields: exact" in str(kind.value)


def test_queryset_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="exists"):
        bool(L.all())


@pytest.mark.parametrize(("qs", "key"), [
    (lambda: L.filter(pk=5), 5),
    (lambda: L.filter(id=5).order_by("code").only("code"), 5),  # ordering and fields do not select
    (lambda: L.filter(pk=5, code="el"), None),
    (lambda: L.filter(pk__in=[5]), None),
    (lambda: L.exclude(pk=5), None),
    (lambda: L.filter(pk=5)[:1], None),
    (lambda: L.filter(pk=5).search("x"), None),
    (lambda: L.filter(pk=5).values("code"), None),
    (lambda: L.filter(code="el"), None),
    (lambda: L.all(), None),
    (lambda: collection("cmp_users", pk="id").filter(id=CurrentUser()), None),  # a filter variable
])
def test_single_key_is_only_a_primary_key_condition_alone(qs: Any, key: Any) -> None:
    """``get()`` sends these to the item endpoint (``GET /items/<c>/<key>``)."""
    assert qs().query.single_key() == key


# --- in lists: validated in one call, value by value when that call refuses ---------------------------
def test_in_lists_are_validated_as_a_whole_with_the_same_json() -> None:
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    ref = uuid.UUID(int=7)
    assert f(L.filter(speakers__in=["1", 2, None])) == {"speakers": {"_in": [1, 2]}}
    assert f(L.filter(seen__in=[when, "2024-01-02T03:04:05"])) == {
        "seen": {"_in": ["2024-01-02T03:04:05", "2024-01-02T03:04:05"]}}
    assert f(L.filter(ref__in=[ref, str(ref)])) == {"ref": {"_in": [str(ref), str(ref)]}}
    assert f(L.filter(speakers__in=range(20_000)))["speakers"]["_in"] == list(range(20_000))
    assert f(L.filter(code__in=["el", CurrentUser()])) == {"code": {"_in": ["el", "$CURRENT_USER"]}}
    coll = collection("cmp_open")
    assert f(coll.filter(ref__in=[ref, 1])) == {"ref": {"_in": [str(ref), 1]}}


def test_an_in_list_refused_names_the_value_at_fault() -> None:
    with pytest.raises(FieldError, match=r"'speakers__in': invalid value 'many' for integer field 'spe"):
        L.filter(speakers__in=[1, "many", 3])
    with pytest.raises(FieldError, match="empty strings"):
        L.filter(code__in=["el", ""])
