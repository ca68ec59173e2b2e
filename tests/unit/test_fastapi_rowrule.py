"""``rowrule.decide``: a row rule decided in Python exactly, or left undecided (None) for Directus."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from directus_orm import CurrentUser, DirectusModel, Q
from directus_orm.contrib.fastapi.rowrule import decide


class RuleOwner(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "unit_rule_owners"


class RuleRow(DirectusModel):
    id: int | None = None
    tenant: str | None = None
    score: int | None = None
    active: bool | None = None
    key: uuid.UUID | None = None
    day: datetime.date | None = None
    at: datetime.datetime | None = None
    price: Decimal | None = None
    owner: RuleOwner | int | None = None

    class Meta:
        collection = "unit_rule_rows"


ROW: dict[str, Any] = {
    "id": 1, "tenant": "acme", "score": 5, "active": True, "key": uuid.UUID(int=7),
    "day": datetime.date(2024, 5, 1), "at": datetime.datetime(2024, 5, 1, 12), "price": Decimal("9.99"),
    "owner": 3,
}


def check(q: Q, row: dict[str, Any] | None = None) -> bool | None:
    return decide(q, RuleRow._meta, ROW if row is None else row)


@pytest.mark.parametrize("q, expected", [
    (Q(tenant="acme"), True),
    (Q(tenant="globex"), False),
    (Q(tenant__in=["globex", "acme"]), True),
    (Q(tenant__in=["globex"]), False),
    (Q(tenant__in=[]), False),
    (Q(score__gte=5), True),
    (Q(score__gt=5), False),
    (Q(score__range=(1, 4)), False),
    (Q(score="5"), True),                               # the field's type decides, as on the server
    (Q(active=True), True),
    (Q(key=str(uuid.UUID(int=7)).upper()), True),      # one UUID, two spellings
    (Q(day__lt=datetime.date(2024, 6, 1)), True),
    (Q(owner=3), True),
    (Q(owner=RuleOwner(id=4, name="x")), False),       # a related row compares by key
    (Q(owner__isnull=True), False),
    (Q(tenant__startswith="ac"), True),
    (Q(tenant__icontains="CM"), True),
    (Q(tenant__endswith="x"), False),
    (Q(pk=1), True),
    (Q(), True),
])
def test_decided_exactly(q: Q, expected: bool) -> None:
    assert check(q) is expected
    assert check(~q) is (not expected if q.children else True)


@pytest.mark.parametrize("q", [
    Q(tenant="ACME"),                       # equal under a case-insensitive collation (MySQL)
    Q(tenant="acmé"),                       # ... or an accent-insensitive one
    Q(tenant__contains="a%"),               # a SQL wildcard in a pattern
    Q(owner__name="x"),                     # a related row's field
    Q(day__year=2024),                      # a date part
    Q(tenant=CurrentUser("tenant")),        # resolved by the server
    Q(at__gte=datetime.datetime(2024, 1, 1)),   # time zones
    Q(price=Decimal("9.99")),               # rounding
    Q(nope=1),                              # not a field: the compiler says so later
])
def test_undecided(q: Q) -> None:
    assert check(q) is None
    assert check(~q) is None


def test_null_follows_sql_and_exclude() -> None:
    row = {**ROW, "tenant": None}
    assert check(Q(tenant="acme"), row) is False
    assert check(Q(tenant__neq="acme"), row) is False         # _neq leaves NULL rows out
    assert check(~Q(tenant="acme"), row) is True               # exclude() keeps them
    assert check(Q(tenant__isnull=True), row) is True
    assert check(Q(tenant=None), row) is True
    assert check(Q(tenant__in=["acme", None]), row) is False   # None is dropped from __in


def test_three_valued_logic() -> None:
    unknown = Q(day__year=2024)
    assert check(Q(tenant="globex") & unknown) is False
    assert check(Q(tenant="acme") | unknown) is True
    assert check(Q(tenant="acme") & unknown) is None
    assert check(Q(tenant="globex") | unknown) is None


def test_a_field_missing_from_the_row_is_unknown() -> None:
    row = {k: v for k, v in ROW.items() if k != "tenant"}
    assert check(Q(tenant="acme"), row) is None
    assert check(Q(tenant="acme", score=6), row) is False
