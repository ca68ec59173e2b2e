"""Error mapping, each error produced by a real request to the real server.

TOKEN_EXPIRED and INVALID_OTP need the short-TTL server and a two-factor user: they are produced (and
checked) in test_auth.py. VALUE_TOO_LONG cannot be produced on SQLite, which does not enforce
``VARCHAR(n)`` lengths; its mapping is unit-tested in tests/unit/test_errors.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from directus_orm import ConnectionPool, Directus
from directus_orm.exceptions import (
    APIError,
    AuthenticationError,
    ContainsNullValues,
    DirectusError,
    FailedValidation,
    Forbidden,
    IntegrityError,
    InternalServerError,
    InvalidCredentials,
    InvalidForeignKey,
    InvalidPayload,
    InvalidQuery,
    InvalidToken,
    MethodNotAllowed,
    NetworkError,
    NotNullViolation,
    RangeNotSatisfiable,
    RecordNotUnique,
    RequestTimeout,
    RouteNotFound,
    UnsupportedMediaType,
)
from tests.conftest import ServerInfo, create_collection
from tests.support import server_database, server_version

pytestmark = pytest.mark.integration

ITEMS = "errors_items"
PARENTS = "errors_parents"
GENERATED = "errors_generated"
RESTRICTED_EMAIL = "errors-restricted@example.com"


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, PARENTS, [])
    await create_collection(admin, ITEMS, [
        {"field": "code", "type": "string", "schema": {"is_unique": True}},
        {"field": "required", "type": "string", "schema": {"is_nullable": False}},
        {"field": "note", "type": "string", "schema": {"is_nullable": True}},
        {"field": "parent", "type": "integer", "schema": {"is_nullable": True}},
    ])
    await create_collection(admin, GENERATED, [
        # Directus skips its not-null validation for "generated" specials; user-updated generates a
        # value on update only, so a create reaches the database with NULL and SQLite refuses it.
        {"field": "editor", "type": "uuid", "meta": {"special": ["user-updated"]},
         "schema": {"is_nullable": False}},
    ])
    await admin.post("/relations", json={"collection": ITEMS, "field": "parent",
                                         "related_collection": PARENTS, "schema": {"on_delete": "SET NULL"}})
    yield
    for name in (ITEMS, PARENTS, GENERATED):
        with contextlib.suppress(APIError):
            await admin.delete(f"/collections/{name}")


def check(err: APIError, cls: type[APIError], *, code: str, status: int, method: str, path: str,
          message: str, extensions: dict[str, Any]) -> None:
    assert type(err) is cls
    assert isinstance(err, APIError) and isinstance(err, DirectusError)
    assert (err.code, err.status, err.method, err.path) == (code, status, method, path)
    if server_version() < (11, 0, 0):  # Directus 10 words these differently: the class and code are the point
        message = err.message
        assert message and err.extensions["code"] == code
    else:
        assert err.message == message
        assert err.extensions == {**extensions, "code": code}
    assert err.errors and err.errors[0]["extensions"]["code"] == code
    assert str(err) == f"[{status} {code}] {message} ({method} {path})"


# --- integrity -----------------------------------------------------------------------------------------
async def test_record_not_unique(admin: Directus, schema: None) -> None:
    await admin.post(f"/items/{ITEMS}", json={"code": "dup", "required": "r"})
    with pytest.raises(RecordNotUnique) as info:
        await admin.post(f"/items/{ITEMS}", json={"code": "dup", "required": "r"})
    if server_database() == "mariadb":
        # MariaDB names only the index (errors_items_code_unique): Directus splits it at the first "_",
        # naming a wrong collection and field, and sends no value. Passed on as Directus says it.
        check(info.value, RecordNotUnique, code="RECORD_NOT_UNIQUE", status=400, method="POST",
              path=f"/items/{ITEMS}",
              message='Value for field "items_code" in collection "errors" has to be unique.',
              extensions={"collection": "errors", "field": "items_code", "primaryKey": False})
    else:
        check(info.value, RecordNotUnique, code="RECORD_NOT_UNIQUE", status=400, method="POST",
              path=f"/items/{ITEMS}",
              message=f'Value "dup" for field "code" in collection "{ITEMS}" has to be unique.',
              extensions={"collection": ITEMS, "field": "code", "value": "dup"})
    assert isinstance(info.value, IntegrityError)


@pytest.mark.live_only  # the request carries this run's admin token, which cassettes cannot match
async def test_record_not_unique_on_a_static_token_hides_the_token(admin: Directus,
                                                                   directus_server: ServerInfo) -> None:
    """Directus echoes the duplicate value, here someone's static token: we must not."""
    body = await admin.post("/users", json={"email": "errors-token-dup@example.com", "password": "pw-123456"})
    user_id = body["data"]["id"]
    try:
        with pytest.raises(RecordNotUnique) as info:
            await admin.patch(f"/users/{user_id}", json={"token": directus_server.token})
    finally:
        await admin.delete(f"/users/{user_id}")
    err = info.value
    if server_database() == "mariadb":  # no value to hide there (see test_record_not_unique)
        check(err, RecordNotUnique, code="RECORD_NOT_UNIQUE", status=400, method="PATCH",
              path=f"/users/{user_id}",
              message='Value for field "users_token" in collection "directus" has to be unique.',
              extensions={"collection": "directus", "field": "users_token", "primaryKey": False})
    else:
        check(err, RecordNotUnique, code="RECORD_NOT_UNIQUE", status=400, method="PATCH",
              path=f"/users/{user_id}",
              message='Value "***" for field "token" in collection "directus_users" has to be unique.',
              extensions={"collection": "directus_users", "field": "token", "value": "***"})
    for text in (str(err), repr(err), repr(err.errors), repr(err.extensions)):
        assert directus_server.token not in text


async def test_not_null_violation(admin: Directus, schema: None) -> None:
    if server_version() < (11, 0, 0):  # Directus 10 validates the generated field before the database
        with pytest.raises(FailedValidation) as refused:
            await admin.post(f"/items/{GENERATED}", json={})
        check(refused.value, FailedValidation, code="FAILED_VALIDATION", status=400, method="POST",
              path=f"/items/{GENERATED}", message="", extensions={})
        assert refused.value.extensions["field"] == "editor"
        return
    if server_database() == "mariadb":
        # A column left out of an INSERT is MySQL's "doesn't have a default value" (1364), which Directus
        # does not translate: a 500. An explicit NULL is the NOT NULL violation.
        with pytest.raises(InternalServerError, match="doesn't have a default value"):
            await admin.post(f"/items/{GENERATED}", json={})
        with pytest.raises(NotNullViolation) as info:
            await admin.post(f"/items/{GENERATED}", json={"editor": None})
    else:
        with pytest.raises(NotNullViolation) as info:
            await admin.post(f"/items/{GENERATED}", json={})
    check(info.value, NotNullViolation, code="NOT_NULL_VIOLATION", status=400, method="POST",
          path=f"/items/{GENERATED}",
          message=f'Value for field "editor" in collection "{GENERATED}" can\'t be null.',
          extensions={"collection": GENERATED, "field": "editor"})


async def test_invalid_foreign_key(admin: Directus, schema: None) -> None:
    with pytest.raises(InvalidForeignKey) as info:
        await admin.post(f"/items/{ITEMS}", json={"code": "fk", "required": "r", "parent": 424242})
    extensions: dict[str, Any]
    if server_database() == "sqlite":  # SQLite does not say which constraint failed: Directus sends nulls
        message, extensions = "Invalid foreign key.", {"collection": None, "field": None, "value": None}
    else:
        message = f'Invalid foreign key "424242" for field "parent" in collection "{ITEMS}".'
        extensions = {"collection": ITEMS, "field": "parent", "value": 424242}
    check(info.value, InvalidForeignKey, code="INVALID_FOREIGN_KEY", status=400, method="POST",
          path=f"/items/{ITEMS}", message=message, extensions=extensions)


async def test_contains_null_values(admin: Directus, schema: None) -> None:
    await admin.post(f"/items/{ITEMS}", json={"code": "cnv", "required": "r", "note": None})
    with pytest.raises(ContainsNullValues) as info:
        await admin.patch(f"/fields/{ITEMS}/note", json={"schema": {"is_nullable": False}})
    err = info.value
    # SQLite alters a column by copying the table: Directus names the temporary copy.
    table = err.extensions["collection"]
    assert table.startswith("_knex_temp_alter") if server_database() == "sqlite" else table == ITEMS
    check(err, ContainsNullValues, code="CONTAINS_NULL_VALUES", status=400, method="PATCH",
          path=f"/fields/{ITEMS}/note",
          message=f'Field "note" in collection "{table}" contains null values.',
          extensions={"collection": table, "field": "note"})


# --- validation and bad requests -------------------------------------------------------------------
async def test_failed_validation_for_null_in_non_nullable(admin: Directus, schema: None) -> None:
    with pytest.raises(FailedValidation) as info:
        await admin.post(f"/items/{ITEMS}", json={"code": "fv", "required": None})
    check(info.value, FailedValidation, code="FAILED_VALIDATION", status=400, method="POST",
          path=f"/items/{ITEMS}", message='Validation failed for field "required". Value can\'t be null.',
          extensions={"field": "required", "path": [], "type": "nnull"})
    assert isinstance(info.value, InvalidPayload)


async def test_invalid_query(admin: Directus, schema: None) -> None:
    with pytest.raises(InvalidQuery) as info:
        await admin.get(f"/items/{ITEMS}", params={"filter": {"code": {"_ieq": "x"}}})
    reason = '"string" field type does not contain the "_ieq" filter operator'
    check(info.value, InvalidQuery, code="INVALID_QUERY", status=400, method="GET", path=f"/items/{ITEMS}",
          message=f"Invalid query. {reason}.", extensions={"reason": reason})


async def test_invalid_payload_malformed_json(admin: Directus, schema: None) -> None:
    with pytest.raises(InvalidPayload) as info:
        await admin.post(f"/items/{ITEMS}", content=b"{not json",
                         headers={"Content-Type": "application/json"})
    err = info.value
    assert type(err) is InvalidPayload and (err.code, err.status) == ("INVALID_PAYLOAD", 400)
    assert (err.method, err.path) == ("POST", f"/items/{ITEMS}")
    assert err.message == f"Invalid payload. {err.extensions['reason']}."
    assert "JSON" in err.extensions["reason"]


async def test_invalid_payload_login_without_password(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url) as conn:
        with pytest.raises(InvalidPayload) as info:
            await conn.post("/auth/login", json={"email": directus_server.email})
    check(info.value, InvalidPayload, code="INVALID_PAYLOAD", status=400, method="POST", path="/auth/login",
          message='Invalid payload. "password" is required.', extensions={"reason": '"password" is required'})


@pytest.mark.live_only  # the request carries this run's admin token, which cassettes cannot match
async def test_invalid_payload_two_tokens(admin: Directus, directus_server: ServerInfo) -> None:
    """A token in the query and another in the header; the query string stays out of the error."""
    with pytest.raises(InvalidPayload) as info:
        await admin.get("/users/me", params={"access_token": directus_server.token})
    reason = "The request uses more than one method for including an access token"
    check(info.value, InvalidPayload, code="INVALID_PAYLOAD", status=400, method="GET", path="/users/me",
          message=f"Invalid payload. {reason}.", extensions={"reason": reason})
    assert directus_server.token not in repr(info.value)


async def test_route_not_found(admin: Directus) -> None:
    with pytest.raises(RouteNotFound) as info:
        await admin.get("/nope")
    check(info.value, RouteNotFound, code="ROUTE_NOT_FOUND", status=404, method="GET", path="/nope",
          message="Route /nope doesn't exist.", extensions={"path": "/nope"})


async def test_method_not_allowed(admin: Directus) -> None:
    with pytest.raises(MethodNotAllowed) as info:
        await admin.request("PUT", "/graphql", json={"query": "{ __typename }"})
    check(info.value, MethodNotAllowed, code="METHOD_NOT_ALLOWED", status=405, method="PUT", path="/graphql",
          message='Invalid method "PUT" used. Should be one of "GET", "POST".',
          extensions={"allowed": ["GET", "POST"], "current": "PUT"})


@pytest.mark.live_only  # a multipart body's boundary is random: cassettes cannot match it
async def test_unsupported_media_type(admin: Directus, schema: None) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        await admin.post(f"/utils/import/{ITEMS}", files={"file": ("rows.txt", b"hello", "text/plain")})
    check(info.value, UnsupportedMediaType, code="UNSUPPORTED_MEDIA_TYPE", status=415, method="POST",
          path=f"/utils/import/{ITEMS}", message='Unsupported media type "text/plain" in file import.',
          extensions={"mediaType": "text/plain", "where": "file import"})


@pytest.mark.live_only  # a multipart body's boundary is random: cassettes cannot match it
async def test_range_not_satisfiable(admin: Directus) -> None:
    body = await admin.post("/files", files={"file": ("ten.txt", b"0123456789", "text/plain")})
    file_id = body["data"]["id"]
    try:
        with pytest.raises(RangeNotSatisfiable) as info:
            await admin.get(f"/assets/{file_id}", headers={"Range": "bytes=100-200"})
    finally:
        await admin.delete(f"/files/{file_id}")
    check(info.value, RangeNotSatisfiable, code="RANGE_NOT_SATISFIABLE", status=416, method="GET",
          path=f"/assets/{file_id}",
          message='Range "100-200" is invalid or the file\'s size doesn\'t match the requested range.',
          extensions={"range": {"start": 100, "end": 200}})


# --- permissions and credentials -------------------------------------------------------------------------
async def test_forbidden_unknown_collection(admin: Directus) -> None:
    with pytest.raises(Forbidden) as info:
        await admin.get("/items/errors_no_such_collection")
    reason = ('You don\'t have permission to access collection "errors_no_such_collection" or it does not '
              "exist. Queried in root.")
    check(info.value, Forbidden, code="FORBIDDEN", status=403, method="GET",
          path="/items/errors_no_such_collection", message=reason, extensions={"reason": reason})


async def test_forbidden_for_a_restricted_user(admin: Directus, directus_server: ServerInfo,
                                               schema: None) -> None:
    token = "errors-restricted-static-token-1"
    found = await admin.get("/users", params={"filter": {"email": {"_eq": RESTRICTED_EMAIL}}, "fields": "id"})
    for row in found["data"]:
        await admin.delete(f"/users/{row['id']}")
    await admin.post("/users", json={"email": RESTRICTED_EMAIL, "password": "pw-restricted-1",
                                     "status": "active", "token": token})
    async with Directus(directus_server.url, token=token) as user:
        with pytest.raises(Forbidden) as info:
            await user.get(f"/items/{ITEMS}")
    reason = (f'You don\'t have permission to access collection "{ITEMS}" or it does not exist. '
              "Queried in root.")
    check(info.value, Forbidden, code="FORBIDDEN", status=403, method="GET", path=f"/items/{ITEMS}",
          message=reason, extensions={"reason": reason})
    assert token not in repr(info.value)


async def test_invalid_credentials(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url) as conn:
        with pytest.raises(InvalidCredentials) as info:
            await conn.login(directus_server.email, "wrong-password-for-errors")
    check(info.value, InvalidCredentials, code="INVALID_CREDENTIALS", status=401, method="POST",
          path="/auth/login", message="Invalid user credentials.", extensions={})
    assert isinstance(info.value, AuthenticationError)
    assert "wrong-password-for-errors" not in repr(info.value)


@pytest.mark.live_only  # cassettes scrub issued tokens, and this test edits one
async def test_invalid_token_is_a_403(directus_server: ServerInfo) -> None:
    """A JWT Directus did not sign (here: a real one with a changed signature) is INVALID_TOKEN, 403."""
    async with Directus(directus_server.url) as conn:
        await conn.login(directus_server.email, directus_server.password)
        token = conn.auth.access_token  # type: ignore[union-attr]
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    async with Directus(directus_server.url, token=forged) as conn:
        with pytest.raises(InvalidToken) as info:
            await conn.me()
    check(info.value, InvalidToken, code="INVALID_TOKEN", status=403, method="GET", path="/users/me",
          message="Invalid token.", extensions={})
    assert forged not in repr(info.value)


# --- no HTTP answer -----------------------------------------------------------------------------------
@pytest.fixture
def refused_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback socket that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.mark.live_only  # no HTTP answer to record: the cassette player would refuse the request
async def test_network_error_on_a_refused_port(refused_port: int) -> None:
    async with Directus(f"http://127.0.0.1:{refused_port}", token="t0ken-not-shown") as conn:
        with pytest.raises(NetworkError) as info:
            await conn.get("/server/ping", params={"access_token": "query-secret"})
    err = info.value
    assert type(err) is NetworkError
    assert (err.method, err.path) == ("GET", "/server/ping")
    assert "ConnectError" in str(err)
    assert "t0ken-not-shown" not in repr(err) and "query-secret" not in str(err)


@pytest.mark.live_only  # depends on the clock
async def test_request_timeout(silent_server: int) -> None:
    pool = ConnectionPool(timeout=0.3)
    async with Directus(f"http://127.0.0.1:{silent_server}", pool=pool) as conn:
        started = asyncio.get_running_loop().time()
        with pytest.raises(RequestTimeout) as info:
            await conn.get("/server/ping")
        elapsed = asyncio.get_running_loop().time() - started
    await pool.aclose()
    assert isinstance(info.value, NetworkError)
    assert (info.value.method, info.value.path) == ("GET", "/server/ping")
    assert "ReadTimeout" in str(info.value)
    assert elapsed < 5
