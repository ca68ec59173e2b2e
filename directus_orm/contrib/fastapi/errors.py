"""directus-orm's exceptions as HTTP answers: ``install_exception_handlers(app)``.

Every answer is JSON: ``{"detail": "...", "code": "..."}`` (plus ``"errors"``/``"field"`` where Directus
gave them). Messages come from :mod:`directus_orm.exceptions`, which never hold a token, password or
cookie value.

====================================================  ======
Directus / directus-orm                               HTTP
====================================================  ======
``AuthenticationError`` (INVALID_CREDENTIALS, ...)    401 + ``WWW-Authenticate: Bearer``
``Forbidden`` (FORBIDDEN, also unknown collections)   403
``RecordNotUnique``                                   409
``IntegrityError`` (NOT_NULL_VIOLATION, ...)          409
``InvalidPayload`` / ``FailedValidation``             422
``InvalidArgument`` (a value that cannot work)        422
``InvalidRow`` (a stored row the model cannot hold)   502
``InvalidQuery`` / ``FieldError`` / ``UnsupportedLookup``   400
``NoSession`` (``logout()`` of a Bearer caller)       400
``ObjectDoesNotExist`` / ``RouteNotFound``            404
``RequestsExceeded``                                  429
``RequestTimeout`` / ``NetworkError``                 504 / 502
other ``APIError``                                    its own status (5xx as 502)
====================================================  ======

The rest of ``InvalidUsage`` (``Q(5)``, ``bool(qs)`` ...) is a mistake in the route's code, whatever
the caller sent: it is left to the server's error handling (500, logged with its traceback).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...exceptions import (
    APIError,
    AuthenticationError,
    FieldError,
    Forbidden,
    IntegrityError,
    InvalidArgument,
    InvalidPayload,
    InvalidQuery,
    InvalidRow,
    NetworkError,
    NoSession,
    ObjectDoesNotExist,
    RecordNotUnique,
    RequestsExceeded,
    RequestTimeout,
    RouteNotFound,
    UnprocessableContent,
    UnsupportedLookup,
)

__all__ = ["error_response", "http_status_for", "install_exception_handlers"]


def http_status_for(exc: Exception) -> int:
    """The HTTP status a directus-orm exception maps to."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, (RecordNotUnique, IntegrityError)):
        return 409
    if isinstance(exc, (InvalidPayload, UnprocessableContent, InvalidArgument)):
        return 422
    if isinstance(exc, InvalidRow):  # the server's data, not the request, is at fault
        return 502
    if isinstance(exc, (InvalidQuery, FieldError, UnsupportedLookup, NoSession)):
        return 400
    if isinstance(exc, (ObjectDoesNotExist, RouteNotFound)):
        return 404
    if isinstance(exc, RequestsExceeded):
        return 429
    if isinstance(exc, RequestTimeout):
        return 504
    if isinstance(exc, NetworkError):
        return 502
    if isinstance(exc, APIError):
        # Directus's own failure is a bad gateway for us; its 4xx we pass on.
        return 502 if exc.status >= 500 else exc.status
    return 500


def error_response(exc: Exception, *, realm: str = "directus") -> JSONResponse:
    """The JSON answer for a directus-orm exception."""
    status = http_status_for(exc)
    body: dict[str, Any] = {"detail": str(exc)}
    headers: dict[str, str] = {}
    if isinstance(exc, APIError):
        body["detail"] = exc.message
        body["code"] = exc.code or "HTTP_ERROR"
        field = exc.extensions.get("field")
        if isinstance(field, str):
            body["field"] = field
        if len(exc.errors) > 1:
            body["errors"] = [
                {"message": e.get("message"), "code": (e.get("extensions") or {}).get("code"),
                 "field": (e.get("extensions") or {}).get("field")}
                for e in exc.errors
            ]
    else:
        body["code"] = type(exc).__name__
        if isinstance(exc, InvalidRow):
            body["code"] = "INVALID_ROW"
        elif isinstance(exc, FieldError):
            body["code"] = "FIELD_ERROR"
        elif isinstance(exc, InvalidArgument):
            body["code"] = "INVALID_ARGUMENT"
        elif isinstance(exc, UnsupportedLookup):
            body["code"] = "UNSUPPORTED_LOOKUP"
        elif isinstance(exc, NoSession):
            body["code"] = "NO_SESSION"
        elif isinstance(exc, ObjectDoesNotExist):
            body["code"] = "NOT_FOUND"
        elif isinstance(exc, RequestTimeout):
            body["code"] = "UPSTREAM_TIMEOUT"
        elif isinstance(exc, NetworkError):
            body["code"] = "UPSTREAM_UNREACHABLE"
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="{realm}", error="invalid_token"'
    return JSONResponse(body, status_code=status, headers=headers or None)


def install_exception_handlers(app: FastAPI, *, realm: str = "directus") -> None:
    """Register JSON handlers for directus-orm's exceptions (and give 401/403 ``HTTPException`` s a
    ``code``)."""

    async def handle_directus(request: Request, exc: Exception) -> JSONResponse:
        return error_response(exc, realm=realm)

    for cls in (APIError, NetworkError, ObjectDoesNotExist, FieldError, UnsupportedLookup, InvalidArgument,
                NoSession):
        app.add_exception_handler(cls, handle_directus)

    async def handle_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        detail = exc.detail
        body: dict[str, Any] = {"detail": detail}
        if isinstance(detail, dict) and "message" in detail:  # ours: {"message", "code", "valid"...}
            body = {"detail": detail["message"], **{k: v for k, v in detail.items() if k != "message"}}
        code = getattr(exc, "code", None)
        if isinstance(code, str):
            body["code"] = code
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    # FastAPI's HTTPException subclasses Starlette's: one handler serves both.
    app.add_exception_handler(StarletteHTTPException, handle_http)
