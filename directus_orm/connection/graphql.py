"""``Directus.graphql()``: one GraphQL document sent to ``/graphql`` (items) or ``/graphql/system``.

Directus answers a document that does not parse or validate with HTTP 400 ``GRAPHQL_VALIDATION``
(raised by the ordinary error path as :class:`~directus_orm.exceptions.GraphQLValidationError`), and a
document that ran with HTTP 200 even when fields failed: ``errors`` beside the partial ``data``, raised
here as :class:`~directus_orm.exceptions.GraphQLExecutionError` carrying that data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import (
    GraphQLExecutionError,
    InvalidRequest,
    InvalidUsage,
    QueryTooLarge,
    error_from_response,
    execution_error_class,
)

if TYPE_CHECKING:
    from .client import Directus

__all__ = ["ITEMS_ENDPOINT", "SYSTEM_ENDPOINT", "execute", "read_only"]

ITEMS_ENDPOINT = "/graphql"
SYSTEM_ENDPOINT = "/graphql/system"


async def execute(
    conn: Directus, query: str, variables: Mapping[str, Any] | None = None, *, system: bool = False,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """Send ``query`` (POST, JSON body) and return the answer's ``data``; ``operation_name`` picks the
    operation to run from a document holding several."""
    if not isinstance(query, str):
        raise InvalidUsage(f"graphql(): the query is a string (a GraphQL document), got "
                                  f"{type(query).__name__}")
    if variables is not None and not isinstance(variables, Mapping):
        raise InvalidUsage(f"graphql(): variables is a mapping, got {type(variables).__name__}")
    path = SYSTEM_ENDPOINT if system else ITEMS_ENDPOINT
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = dict(variables)
    if operation_name is not None:
        if not isinstance(operation_name, str):
            raise InvalidUsage(f"graphql(): operation_name is a string, got {type(operation_name).__name__}")
        body["operationName"] = operation_name
    content = _encoded(body, path, conn.max_payload)
    if read_only(query):
        answer = await conn._post_read(path, content=content) or {}
    else:
        answer = await conn.post(path, content=content, headers=JSON_HEADERS) or {}
    data = answer.get("data")
    errors = answer.get("errors")
    if errors:
        raise execution_error(answer, path)
    if not isinstance(data, dict):
        raise execution_error({"errors": [{"message": "the answer holds no data"}]}, path)
    return data


JSON_HEADERS = {"Content-Type": "application/json"}


def _encoded(body: Mapping[str, Any], path: str, max_payload: int) -> bytes:
    """The request body, refused before sending when the server would refuse it for its size (as a
    REST query too large for a body is)."""
    try:
        # httpx's own encoding of ``json=``, so the size measured is the size sent
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:  # never echo the values
        raise InvalidRequest(f"cannot build POST {path}: {type(exc).__name__}") from None
    if len(content) > max_payload:
        raise QueryTooLarge(
            f"the GraphQL document and its variables take {len(content):,} bytes, over the server's payload "
            f"limit ({max_payload:,} bytes, MAX_PAYLOAD_SIZE): split it (e.g. fewer keys per filter)")
    return content


def execution_error(answer: Mapping[str, Any], path: str) -> GraphQLExecutionError:
    """The typed error of an HTTP 200 answer holding ``errors`` (secret values Directus echoes are
    masked as in every error): also of the class REST raises for the first error's code
    (``GraphQLExecutionError.Forbidden`` is a ``Forbidden``)."""
    base = error_from_response(200, answer, method="POST", path=path)
    where = [".".join(str(p) for p in e.get("path") or ()) for e in base.errors]
    shown = f" at {where[0]}" if where and where[0] else ""
    more = f" (and {len(base.errors) - 1} more errors)" if len(base.errors) > 1 else ""
    data = answer.get("data")
    return execution_error_class(base.code)(
        f"{base.message}{shown}{more}", data=data if isinstance(data, dict) else None, status=200,
        code=base.code, extensions=base.extensions, errors=base.errors, method="POST", path=path,
    )


_TOKEN = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n]*|[_A-Za-z][_0-9A-Za-z]*'
                    r'|\s+|.', re.DOTALL)
"""The GraphQL tokens that matter for nesting: block strings, strings, comments, names, punctuators."""
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")
_WRITES = frozenset({"mutation", "subscription"})


def read_only(document: str) -> bool:
    """True when ``document`` holds only queries (and fragments): nothing in it can change data, so it
    may be sent again. Any top-level name ``mutation`` or ``subscription`` - an operation's keyword, or
    anything spelt so outside a selection - makes it a write, and so does a string left open: when in
    doubt, the document is not retried."""
    depth = 0
    after_at = False
    for found in _TOKEN.finditer(document):
        token = found.group()
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
        elif token[0] == '"' and (len(token) < 2 or not token.endswith('"')):
            return False  # an unterminated string
        elif depth == 0 and not after_at and token in _WRITES:
            return False
        if not token.isspace() and token[0] != "#":
            after_at = token == "@"
    return True
