"""``Directus.graphql()`` against the real server: data, validation errors (HTTP 400, nothing ran),
execution errors (HTTP 200, partial data kept on the error), the system endpoint, the sync face."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator

import httpx
import pytest

from directus_orm import Directus
from directus_orm.exceptions import (
    APIError,
    FailedValidation,
    Forbidden,
    GraphQLError,
    GraphQLExecutionError,
    GraphQLValidationError,
    InternalServerError,
    InvalidCredentials,
    InvalidQuery,
    InvalidUsage,
    QueryTooLarge,
    RecordNotUnique,
)
from tests.support import ServerInfo, create_collection, server_version

pytestmark = pytest.mark.integration

C = "gql_raw_items"


@pytest.fixture(scope="module")
async def items(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, C, [{"field": "name", "type": "string"}])
    await admin.post(f"/items/{C}", json=[{"name": "a"}, {"name": "b"}])
    yield
    await admin.delete(f"/collections/{C}")


async def test_data_comes_back_with_variables(admin: Directus, items: None) -> None:
    data = await admin.graphql(f"query($f: {C}_filter) {{ {C}(filter: $f, sort: [\"id\"]) {{ id name }} }}",
                               {"f": {"name": {"_eq": "b"}}})
    assert data == {C: [{"id": "2", "name": "b"}]}  # GraphQL IDs are strings


async def test_a_document_that_does_not_validate_is_a_validation_error(admin: Directus, items: None) -> None:
    with pytest.raises(GraphQLValidationError) as caught:
        await admin.graphql(f"{{ {C} {{ id nope }} }}")
    err = caught.value
    assert isinstance(err, GraphQLError) and isinstance(err, APIError)
    assert err.status == 400 and err.code == "GRAPHQL_VALIDATION"
    assert "nope" in str(err.extensions["errors"][0]["message"])
    with pytest.raises(GraphQLValidationError):
        await admin.graphql("{ this is not graphql")


async def test_a_failed_field_keeps_the_partial_data(admin: Directus, items: None) -> None:
    failing = f"{C}_by_id(id: 999) {{ id }}"  # a missing item reads as a forbidden one
    if server_version() < (11, 0, 0):
        # Directus 10 answers a missing item null with no error, and a failed field (an unknown sort
        # field: the database's error) without any data: there is no partial answer to keep there.
        assert await admin.graphql(f"{{ {failing} }}") == {f"{C}_by_id": None}
        with pytest.raises(InternalServerError) as failed:
            await admin.graphql(f'{{ missing: {C}(sort: ["nope"]) {{ id }} '
                                f"present: {C}_by_id(id: 1) {{ name }} }}")
        assert isinstance(failed.value, GraphQLExecutionError) and failed.value.data is None
        return
    with pytest.raises(GraphQLExecutionError) as caught:
        await admin.graphql(f"{{ missing: {failing} present: {C}_by_id(id: 1) {{ name }} }}")
    err = caught.value
    assert err.status == 200 and err.code == "FORBIDDEN"
    assert err.data == {"missing": None, "present": {"name": "a"}}
    assert err.errors[0]["path"] == ["missing"]
    assert "missing" in str(err)
    copy = pickle.loads(pickle.dumps(err))
    assert isinstance(copy, GraphQLExecutionError) and copy.data == err.data and copy.code == "FORBIDDEN"
    assert isinstance(copy, Forbidden) and type(copy) is type(err)


async def test_an_execution_error_is_also_the_error_rest_raises(admin: Directus) -> None:
    """Each code Directus sends in ``errors[].extensions.code`` of an HTTP 200 (measured: FORBIDDEN,
    RECORD_NOT_UNIQUE, FAILED_VALIDATION, INVALID_QUERY, INVALID_CREDENTIALS) raises an error that is
    both a ``GraphQLExecutionError`` (the partial data kept) and the class REST raises for that code, so
    ``except Forbidden:`` (or ``RecordNotUnique`` ...) works over both paths."""
    name = "gql_raw_codes"
    await create_collection(admin, name, [
        {"field": "name", "type": "string", "schema": {"is_unique": True}},
        {"field": "small", "type": "integer", "meta": {"validation": {"small": {"_lt": 10}}}}])
    try:
        await admin.post(f"/items/{name}", json={"name": "a", "small": 1})
        create = f"mutation($d: create_{name}_input!) {{ create_{name}_item(data: $d) {{ id }} }}"
        cases: list[tuple[str, dict[str, object] | None, bool, type[APIError], str]] = [
            *([(f"{{ {name}_by_id(id: 999) {{ id }} }}", None, False, Forbidden, "FORBIDDEN"),
               (f'{{ {name}(sort: ["nope"]) {{ id }} }}', None, False, Forbidden, "FORBIDDEN")]
              if server_version() >= (11, 0, 0) else  # 10: null (no error), and the database's error
              [(f'{{ {name}(sort: ["nope"]) {{ id }} }}', None, False, InternalServerError,
                "INTERNAL_SERVER_ERROR")]),
            (create, {"d": {"name": "a"}}, False, RecordNotUnique, "RECORD_NOT_UNIQUE"),
            (create, {"d": {"name": "b", "small": 50}}, False, FailedValidation, "FAILED_VALIDATION"),
            (f"{{ {name}(filter: {{name: {{_in: []}}}}) {{ id }} }}", None, False, InvalidQuery,
             "INVALID_QUERY"),
            ('mutation { auth_login(email: "nobody@example.com", password: "nope") { access_token } }',
             None, True, InvalidCredentials, "INVALID_CREDENTIALS"),
        ]
        for document, variables, system, rest_class, code in cases:
            with pytest.raises(GraphQLExecutionError) as caught:
                await admin.graphql(document, variables, system=system)
            err = caught.value
            assert isinstance(err, rest_class), (code, type(err).__mro__)
            assert err.code == code and err.status == 200
            copy = pickle.loads(pickle.dumps(err))
            assert type(copy) is type(err) and copy.code == code and copy.data == err.data
        rows = (await admin.get(f"/items/{name}", params={"fields": "name,small"}))["data"]
        assert rows == [{"name": "a", "small": 1}]  # nothing was written by the refused mutations
    finally:
        await admin.delete(f"/collections/{name}")


async def test_a_variable_of_the_wrong_type_is_an_execution_error(admin: Directus, items: None) -> None:
    with pytest.raises(GraphQLExecutionError) as caught:
        await admin.graphql(f"query($f: {C}_filter) {{ {C}(filter: $f) {{ id }} }}",
                            {"f": {"name": {"_eq": 5}}})
    assert caught.value.data is None


async def test_the_system_endpoint(admin: Directus, directus_server: ServerInfo) -> None:
    data = await admin.graphql("{ users(limit: 1) { email } server_ping }", system=True)
    assert data["server_ping"] == "pong"
    assert data["users"][0]["email"]
    with pytest.raises(GraphQLValidationError):
        await admin.graphql("{ users { email } }")  # not on the items endpoint


async def test_bad_arguments_are_refused_before_any_request(admin: Directus) -> None:
    with pytest.raises(InvalidUsage):
        await admin.graphql(b"{ x }")  # type: ignore[arg-type]
    with pytest.raises(InvalidUsage):
        await admin.graphql("{ x }", [1])  # type: ignore[arg-type]


def test_the_sync_face(directus_server: ServerInfo) -> None:
    conn = Directus(directus_server.url, token=directus_server.token)
    assert conn.sync.graphql("{ server_ping }", system=True) == {"server_ping": "pong"}


async def test_operation_name_picks_one_of_several_operations(admin: Directus, items: None) -> None:
    counted: dict[str, object]
    if server_version() < (11, 0, 0):  # Directus 10 answers countAll null (a row per item)
        count, counted = "countDistinct { id }", {"countDistinct": {"id": 2}}
    else:
        count, counted = "countAll", {"countAll": 2}
    document = (f"query Names {{ {C}(sort: [\"id\"]) {{ name }} }} "
                f"query Count {{ {C}_aggregated {{ {count} }} }}")
    assert await admin.graphql(document, operation_name="Names") == {C: [{"name": "a"}, {"name": "b"}]}
    assert await admin.graphql(document, operation_name="Count") == {f"{C}_aggregated": [counted]}
    with pytest.raises(GraphQLError):
        await admin.graphql(document)  # two operations and no name: the server cannot choose


async def test_a_body_over_the_payload_limit_is_refused_before_sending(admin: Directus, items: None) -> None:
    """Directus refuses bodies over MAX_PAYLOAD_SIZE (1 MB): as a REST query too large for a body, the
    document is refused before it is sent, whether its variables or its text are too long."""
    sent: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request)
    client = admin.pool.client()
    client.event_hooks["request"].append(hook)
    document = f"query($f: {C}_filter) {{ {C}(filter: $f) {{ id }} }}"
    try:
        with pytest.raises(QueryTooLarge, match="MAX_PAYLOAD_SIZE"):
            await admin.graphql(document, {"f": {"name": {"_in": ["x" * 100] * 11_000}}})
        with pytest.raises(QueryTooLarge):
            await admin.graphql("{ " + " ".join(f"a{i}: {C} {{ id }}" for i in range(60_000)) + " }")
        with pytest.raises(QueryTooLarge):  # a mutation too (never sent, so never half-done)
            await admin.graphql(
                f"mutation($d: [create_{C}_input!]) {{ create_{C}_items(data: $d) {{ id }} }}",
                {"d": [{"name": "x" * 100}] * 11_000})
        assert sent == []
        under = await admin.graphql(document, {"f": {"name": {"_in": ["x" * 100] * 9_000}}})  # 0.93 MB
    finally:
        client.event_hooks["request"].remove(hook)
    assert under == {C: []} and len(sent) == 1
    assert len((await admin.get(f"/items/{C}"))["data"]) == 2  # nothing was created
