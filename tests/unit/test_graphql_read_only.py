"""Which GraphQL documents may be sent again: only queries (and fragments); anything spelt ``mutation``
or ``subscription`` at the top level, or a string left open, is a write."""

from __future__ import annotations

import pytest

from directus_orm.connection.graphql import read_only


@pytest.mark.parametrize("document", [
    "{ a { b } }",
    "query Q { a }",
    'query Q($x: String = "mutation") { a(s: $x) }',
    "# mutation in a comment\n{ a }",
    "{ mutation { id } }",  # a field called mutation
    '""" mutation in a description """ query { a }',
    'query { a(s: "x\\"mutation") }',
    "query @mutation { a }",  # a directive
    "fragment F on a { id } query { a { ...F } }",
])
def test_queries_are_read_only(document: str) -> None:
    assert read_only(document)


@pytest.mark.parametrize("document", [
    "mutation { a }",
    "subscription { x }",
    "query { a } mutation M { b }",
    '"open',
    '"""never closed',
])
def test_writes_and_doubtful_documents_are_not(document: str) -> None:
    assert not read_only(document)
