"""Keyset pagination: which orderings allow a cursor, and the condition for "after the cursor"."""

from __future__ import annotations

import datetime

from directus_orm import DirectusModel
from directus_orm.query.keyset import keyset_for
from directus_orm.query.schema import OpenSchema


class Ranked(DirectusModel):
    id: int | None = None
    rank: int
    maybe: int | None = None
    name: str
    when: datetime.date

    class Meta:
        collection = "unit_keyset"


class Coded(DirectusModel):
    code: str
    rank: int

    class Meta:
        collection = "unit_keyset_coded"
        pk = "code"


def test_orderings_that_allow_a_keyset() -> None:
    s = Ranked.objects.all().query.schema
    assert keyset_for(s, ["id"], None) is not None
    ks = keyset_for(s, ["-rank", "id"], None)
    assert ks is not None and ks.terms == (("rank", "_lt"), ("id", "_gt"))
    assert keyset_for(s, ["id", "name"], None) is not None  # after the key nothing decides
    for sort in (["maybe", "id"], ["name", "id"], ["when", "id"], ["author.name", "id"], ["year(when)", "id"],
                 ["rank"]):
        assert keyset_for(s, sort, None) is None, sort
    assert keyset_for(Coded.objects.all().query.schema, ["code"], None) is None  # no _gt on strings
    assert keyset_for(OpenSchema("c"), ["id"], None) is not None  # decided by the answered keys
    assert keyset_for(OpenSchema("c"), ["n", "id"], None) is None


def test_the_cursor_condition_and_the_columns_added_for_it() -> None:
    s = Ranked.objects.all().query.schema
    ks = keyset_for(s, ["rank", "-id"], ["name"])
    assert ks is not None and ks.added == ("rank", "id")
    assert ks.after((3, 40), None) == {"_or": [
        {"rank": {"_gt": 3}}, {"_and": [{"rank": {"_eq": 3}}, {"id": {"_lt": 40}}]}]}
    where = {"name": {"_eq": "x"}}
    assert ks.after((3, 40), where)["_and"][0] == where
    assert ks.cursor({"rank": 3, "id": 40, "name": "x"}) == (3, 40)
    assert ks.cursor({"rank": None, "id": 40}) is None
    assert ks.cursor({"rank": True, "id": 40}) is None
    rows = [{"rank": 3, "id": 40, "name": "x"}]
    ks.strip(rows)
    assert rows == [{"name": "x"}]
    star = keyset_for(s, ["id"], ["*", "tags.tags_id"])
    assert star is not None and star.added == ()  # "*" reads the key already
