"""Directus 10's GraphQL has no ``_some`` / ``_none``: ``_some`` is unwrapped, ``_none`` refused."""

from __future__ import annotations

import pytest

from directus_orm.exceptions import UnsupportedByServer
from directus_orm.graphql.quantifiers import _unwrapped


def test_some_is_unwrapped_and_operator_values_stay_data() -> None:
    variables = {"r0_0": {"_and": [{"tags": {"_some": {"tags_id": {"name": {"_eq": "sf"}}}}},
                                   {"meta": {"_eq": {"_some": 1}}}]},
                 "r0_1": ["-id"]}
    assert {k: _unwrapped(v, "10.13.4") for k, v in variables.items()} == {
        "r0_0": {"_and": [{"tags": {"tags_id": {"name": {"_eq": "sf"}}}}, {"meta": {"_eq": {"_some": 1}}}]},
        "r0_1": ["-id"]}


def test_none_is_refused_naming_the_versions() -> None:
    with pytest.raises(UnsupportedByServer) as caught:
        _unwrapped({"books": {"_none": {"pages": {"_gt": 100}}}}, "10.13.4")
    assert (caught.value.required, caught.value.found) == ("11.0.0", "10.13.4")
