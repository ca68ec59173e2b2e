"""Paths, retry policy, log redaction and SEARCH bodies of the connection layer (no server)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from directus_orm.connection.failures import WITHHELD, withhold_secrets
from directus_orm.connection.logs import RedactSecrets, redact
from directus_orm.connection.paths import encode_params, item_path, key_in_path, query_body
from directus_orm.connection.retries import Retries, retries_from, retry_after
from directus_orm.exceptions import InvalidArgument, InvalidKey, InvalidUsage


def test_dot_keys_are_encoded_and_reserved_words_refused() -> None:
    assert item_path("c", ".") == "/items/c/%2E"
    assert item_path("c", "..") == "/items/c/%2E%2E"
    assert item_path("c", "a/b") == "/items/c/a%2Fb"
    assert item_path("c", "me") == "/items/c/me"  # a plain collection routes no words
    for collection, key in [("directus_users", "me"), ("directus_users", "Me"), ("directus_roles", "me"),
                            ("directus_files", "import"), ("c", ""), ("c", "k" * 2000)]:
        assert not key_in_path(collection, key)
        with pytest.raises(InvalidKey):
            item_path(collection, key)


def test_search_body_is_the_query_as_json() -> None:
    params = {"filter": {"id": {"_in": list(range(5))}}, "fields": ["id", "name"], "limit": -1,
              "meta": "total_count", "skip": None, "flag": True}
    encoded = encode_params(params)
    assert encoded is not None
    body = json.loads(query_body(params, encoded))
    assert body == {"query": {"filter": {"id": {"_in": [0, 1, 2, 3, 4]}}, "fields": ["id", "name"],
                              "limit": -1, "meta": "total_count", "flag": True}}


def test_retry_policy() -> None:
    assert retries_from(None).count == 0 and retries_from(3).count == 3
    assert retries_from({"count": 1, "backoff": 0.5}) == Retries(count=1, backoff=0.5)
    policy = Retries(backoff=0.1, max_backoff=0.3, max_retry_after=10)
    assert all(0 <= (policy.wait(n) or 0) <= 0.3 for n in range(10))
    answer = httpx.Response(429, headers={"Retry-After": "4"})
    assert retry_after(answer) == 4 and policy.wait(0, answer) == 4
    assert policy.wait(0, httpx.Response(503, headers={"Retry-After": "60"})) is None
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    with pytest.raises(InvalidArgument):  # a ValueError too
        Retries(count=-1)
    with pytest.raises(InvalidUsage, match="retries must be"):  # a TypeError too
        retries_from("3")
    with pytest.raises(InvalidUsage, match="unknown retry settings: tries"):
        retries_from({"tries": 3})


def test_a_chained_message_that_quotes_a_credential_is_withheld() -> None:
    request = httpx.Request("GET", "http://h/items/x?access_token=QUERYSECRET1&limit=10",
                            headers={"Cookie": "a=1; directus_session_token=COOKIESECRET2",
                                     "Authorization": "Bearer BEARERSECRET3", "X-Note": "harmless-value"})
    quoting = [OSError("no QUERYSECRET1"), OSError("b'COOKIESECRET2\\n'"), OSError("BEARERSECRET3"),
               UnicodeError("quoting 'COOKIESECRET2'")]
    innocent = [OSError("[Errno 111] Connection refused"), OSError("harmless-value"), OSError("limit 10")]
    for error in quoting + innocent:
        outer = httpx.ConnectError("All connection attempts failed", request=request)
        outer.__cause__ = error
        withhold_secrets(outer, request)
        assert str(outer) == "All connection attempts failed"
        assert (str(error) == WITHHELD) is (error in quoting), error


def test_secret_header_values_are_redacted() -> None:
    line = ("receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', "
            "[(b'Set-Cookie', b'directus_session_token=SECRET1; Path=/'), (b'Content-Type', b'json')])")
    assert "SECRET1" not in redact(line) and "b'json'" in redact(line)
    assert "SECRET2" not in redact("Authorization: Bearer SECRET2")
    assert "SECRET3" not in redact('{"refresh_token":"SECRET3","expires":900}')
    record = logging.LogRecord("httpcore.http11", logging.DEBUG, __file__, 1, "%s", (line,), None)
    assert RedactSecrets().filter(record) and "SECRET1" not in record.getMessage()


def test_websocket_and_server_loggers_are_redacted() -> None:
    """The realtime client's handshake lines (strict mode puts the token in the URL) and uvicorn's access
    lines (query strings) pass the same filter as the HTTP stack's."""
    import logging

    import directus_orm  # noqa: F401 - importing the client installs the filters

    for name in ("websockets.client", "uvicorn.access"):
        record = logging.LogRecord(name, logging.INFO, __file__, 1, "GET /websocket?access_token=%s",
                                   ("SECRET9",), None)
        for log_filter in logging.getLogger(name).filters:
            log_filter.filter(record)
        assert "SECRET9" not in record.getMessage(), name
