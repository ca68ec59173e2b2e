"""Typed exceptions.

Everything the library raises derives from :class:`DirectusError`. Errors the server returns are
:class:`APIError` subclasses chosen by Directus's ``errors[].extensions.code`` (falling back on the HTTP
status); network failures are :class:`NetworkError`; mistakes caught before any request is sent are
:class:`ImproperlyConfigured`, :class:`FieldError` and :class:`UnsupportedLookup`.

No message, repr or attribute here ever holds a token, password or cookie value: only the method, the
path (without its query string, which may carry ``access_token``) and what Directus said. A
:class:`NetworkError` (and a :class:`RequestTimeout` from httpx) is chained to the httpx exception that
caused it (``__cause__``), whose messages are withheld where they could quote a credential.

A :class:`GraphQLExecutionError` whose Directus code has a class below is raised as that class's
GraphQL twin, nested in it and not drawn: ``GraphQLExecutionError.Forbidden`` is both a
``GraphQLExecutionError`` (its partial ``data`` kept) and a ``Forbidden``, so ``except Forbidden:``
catches the same failure over REST and over GraphQL. A QuerySet's document refused because the role's
schema lacks its collection is a ``GraphQLValidationError.Forbidden`` likewise.

The hierarchy (with the Directus error codes each class stands for)::

    DirectusError
    ├── ImproperlyConfigured
    │   └── RealtimeNotInstalled            directus_orm.realtime: the websockets extra is missing
    ├── InvalidArgument                     also a ValueError
    │   ├── ConcealedValue                  a save would write a concealed field's mask
    │   └── UnsupportedSubscription         directus_orm.realtime
    ├── InvalidUsage                        also a TypeError
    │   ├── UnsupportedOperation            the collection's endpoint does not offer the operation
    │   └── NoSession                       logout() of a connection that holds no session
    ├── NotStored                           also a ValueError
    ├── PartialRelationError
    ├── TruncatedList
    ├── InexactNumber                   an integer answered as a JSON number past 2**53 - 1 (not exact)
    ├── ExportFailed                        conn.utils.export(): Directus failed it in the background
    ├── FieldError
    │   └── SchemaMismatch
    │       └── InvalidRow                  a row the server answered does not fit the model
    ├── UnsupportedLookup
    ├── UnsupportedByServer                 the server's Directus version lacks the feature
    ├── ObjectDoesNotExist                  each model's Model.DoesNotExist
    ├── MultipleObjectsReturned             each model's own subclass
    ├── InvalidRequest                      also a ValueError
    │   ├── InvalidKey
    │   ├── InvalidCollectionName
    │   └── QueryTooLarge
    ├── ConnectionClosed                    also a RuntimeError
    ├── SyncUsageError                      also a RuntimeError
    ├── DeferredFieldError                  also an AttributeError
    ├── ManagerUnavailable                  also an AttributeError
    ├── LocalServerError                    also a RuntimeError; directus_orm.testing's local servers
    ├── ConflictingModelWarning             a UserWarning: issued (warnings.warn), not raised
    ├── SourceChanged                       an upload's source changed size
    ├── SchemaError                         the schema tools (inspect, migrate, check)
    │   ├── SchemaAccessDenied              not an admin
    │   ├── NotDirectusServer               the URL answers, but not as Directus
    │   └── MigrationError                  a migration step was refused
    ├── RealtimeError                       directus_orm.realtime
    │   ├── RealtimeUnavailable
    │   └── SubscriptionOverflow
    ├── Refused                             directus_orm.contrib.relay: a client's message it does not relay
    ├── NetworkError
    │   ├── RequestTimeout
    │   └── ConnectionLost                  directus_orm.realtime: reconnecting gave up
    └── APIError
        ├── AuthenticationError
        │   ├── InvalidCredentials          INVALID_CREDENTIALS
        │   ├── InvalidToken                INVALID_TOKEN
        │   ├── TokenExpired                TOKEN_EXPIRED
        │   │   └── SocketTokenExpired      the websocket's token expired and cannot be renewed
        │   ├── InvalidOTP                  INVALID_OTP
        │   ├── UserSuspended               USER_SUSPENDED
        │   ├── InvalidIP                   INVALID_IP
        │   ├── InvalidProvider             INVALID_PROVIDER
        │   ├── LoggedOut                   the connection logged out: refused before sending
        │   └── SocketAuthFailed            AUTH_FAILED, AUTH_TIMEOUT (websocket); directus_orm.realtime
        ├── Forbidden                       FORBIDDEN, RESOURCE_RESTRICTED ...
        │   └── LimitExceeded               LIMIT_EXCEEDED
        ├── InvalidQuery                    INVALID_QUERY
        ├── InvalidPayload                  INVALID_PAYLOAD
        │   ├── FailedValidation            FAILED_VALIDATION
        │   └── InvalidInvite               INVALID_INVITE
        ├── InvalidPathParameter            INVALID_PATH_PARAMETER
        ├── UnprocessableContent            UNPROCESSABLE_CONTENT, IMPORT_CYCLICAL_RELATION
        │   └── VersionHashMismatch         VERSION_HASH_MISMATCH
        ├── UnsupportedMediaType            UNSUPPORTED_MEDIA_TYPE
        ├── ContentTooLarge                 CONTENT_TOO_LARGE
        ├── RangeNotSatisfiable             RANGE_NOT_SATISFIABLE
        ├── IllegalAssetTransformation      ILLEGAL_ASSET_TRANSFORMATION
        ├── MethodNotAllowed                METHOD_NOT_ALLOWED
        ├── RouteNotFound                   ROUTE_NOT_FOUND
        ├── IntegrityError
        │   ├── RecordNotUnique             RECORD_NOT_UNIQUE
        │   ├── NotNullViolation            NOT_NULL_VIOLATION
        │   ├── InvalidForeignKey           INVALID_FOREIGN_KEY
        │   ├── ContainsNullValues          CONTAINS_NULL_VALUES
        │   ├── ValueTooLong                VALUE_TOO_LONG
        │   └── ValueOutOfRange             VALUE_OUT_OF_RANGE
        ├── RequestsExceeded                REQUESTS_EXCEEDED, EMAIL_LIMIT_EXCEEDED
        ├── ServiceUnavailable              SERVICE_UNAVAILABLE, OUT_OF_DATE ...
        ├── OutOfTime                       OUT_OF_TIME
        ├── UnexpectedResponse              not a Directus answer (HTML, empty 301, ...)
        ├── GraphQLError                    an answer of /graphql (connection.graphql())
        │   ├── GraphQLValidationError      GRAPHQL_VALIDATION (HTTP 400: nothing ran)
        │   └── GraphQLExecutionError       errors[] beside the (partial) data of an HTTP 200 (see above)
        └── InternalServerError             INTERNAL_SERVER_ERROR"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConflictingModelWarning",
    "ConnectionClosed",
    "ConnectionLost",
    "ContainsNullValues",
    "ContentTooLarge",
    "DeferredFieldError",
    "DirectusError",
    "FailedValidation",
    "FieldError",
    "Forbidden",
    "GraphQLError",
    "GraphQLExecutionError",
    "GraphQLValidationError",
    "IllegalAssetTransformation",
    "ImproperlyConfigured",
    "InexactNumber",
    "IntegrityError",
    "InternalServerError",
    "InvalidArgument",
    "InvalidCollectionName",
    "InvalidCredentials",
    "InvalidForeignKey",
    "InvalidIP",
    "InvalidInvite",
    "InvalidKey",
    "InvalidOTP",
    "InvalidPathParameter",
    "InvalidPayload",
    "InvalidProvider",
    "InvalidQuery",
    "InvalidRequest",
    "InvalidToken",
    "InvalidUsage",
    "LimitExceeded",
    "LocalServerError",
    "LoggedOut",
    "ManagerUnavailable",
    "MethodNotAllowed",
    "MigrationError",
    "MultipleObjectsReturned",
    "NetworkError",
    "NoSession",
    "NotDirectusServer",
    "NotNullViolation",
    "NotStored",
    "ObjectDoesNotExist",
    "OutOfTime",
    "PartialRelationError",
    "QueryTooLarge",
    "RangeNotSatisfiable",
    "RealtimeError",
    "RealtimeNotInstalled",
    "RealtimeUnavailable",
    "RecordNotUnique",
    "RequestTimeout",
    "RequestsExceeded",
    "RouteNotFound",
    "SchemaAccessDenied",
    "SchemaError",
    "SchemaMismatch",
    "ServiceUnavailable",
    "SocketAuthFailed",
    "SocketTokenExpired",
    "SourceChanged",
    "SubscriptionOverflow",
    "SyncUsageError",
    "TokenExpired",
    "TruncatedList",
    "UnexpectedResponse",
    "UnprocessableContent",
    "UnsupportedByServer",
    "UnsupportedLookup",
    "UnsupportedMediaType",
    "UnsupportedOperation",
    "UnsupportedSubscription",
    "UserSuspended",
    "ValueOutOfRange",
    "ValueTooLong",
    "VersionHashMismatch",
    "error_from_response",
    "execution_error_class",
    "forbidden_document",
]


class DirectusError(Exception):
    """Base class of every exception raised by directus-orm."""


class ImproperlyConfigured(DirectusError):
    """A connection setting is missing or contradictory (named in the message, with where we looked)."""


class FieldError(DirectusError):
    """A query names a field the model does not have, or uses one in a way it cannot be used."""


class UnsupportedLookup(DirectusError):
    """A lookup name is unknown, or Directus cannot evaluate it for this field (raised before sending)."""


class UnsupportedByServer(DirectusError):
    """The connected Directus is older than a feature needs: ``feature``, the ``required`` version and
    the version ``found`` are attributes and in the message (raised before the feature's requests)."""

    def __init__(self, feature: str, required: str, found: str) -> None:
        self.feature, self.required, self.found = feature, required, found
        super().__init__(f"{feature} needs Directus >= {required}; this server runs Directus {found}")

    def __reduce__(self) -> Any:
        return (type(self), (self.feature, self.required, self.found))


class InvalidArgument(DirectusError, ValueError):
    """An argument or option has a value that cannot work (``iterator(chunk_size=0)``); raised when it
    is given, before any request."""


class ConcealedValue(InvalidArgument):
    """A concealed field (``Meta.concealed``: a password, a static token, a 2FA secret) holds the mask
    Directus reads it as (``**********``) and a save names it: writing the mask would make it the real
    value. ``fields`` is an attribute; raised before any request."""

    def __init__(self, model: str, fields: list[str]) -> None:
        self.model, self.fields = model, fields
        super().__init__(
            f"{model}: concealed field(s) {fields} hold the mask Directus reads them as, not their "
            f"value; saving them would store the mask. Assign the real value, or leave them out; nothing "
            f"was written")

    def __reduce__(self) -> Any:
        return (type(self), (self.model, self.fields))


class InvalidUsage(DirectusError, TypeError):
    """A call that cannot work as made, whatever the values: an argument of the wrong type
    (``Q(5)``, ``qs["a"]``), or an operation the QuerySet's state does not allow (``filter()`` after a
    slice, ``delete()`` after ``values()``, ``bool(qs)``); raised before any request, where Django
    raises ``TypeError``."""


class UnsupportedOperation(InvalidUsage):
    """The collection's endpoint does not offer this operation (a filter on ``/collections``, a write on
    ``directus_activity``, a list of a singleton ...): ``collection`` and ``operation`` are attributes;
    raised before any request."""

    def __init__(self, collection: str, operation: str, reason: str) -> None:
        self.collection, self.operation, self.reason = collection, operation, reason
        super().__init__(f"{operation} is not available on {collection!r}: {reason}")

    def __reduce__(self) -> Any:
        return (type(self), (self.collection, self.operation, self.reason))


class NoSession(InvalidUsage):
    """``logout()`` of a connection that holds no session: a static token (or an access token given as
    one), no credentials, or an ``auth=`` that is not one of directus-orm's flows; raised before any
    request, the connection unchanged. Unlike the rest of :class:`InvalidUsage` it follows from the
    credentials a caller chose, not from the code: the FastAPI handlers answer it ``400``."""


class NotStored(DirectusError, ValueError):
    """The instance has no stored row to act on (never saved, or already deleted)."""


class SchemaMismatch(FieldError):
    """The model declares a field the Directus collection does not have (or the role may not read)."""


class InvalidRow(SchemaMismatch):
    """A row the server answered does not fit the model (a value out of the field's type, e.g. an
    integer column holding ``1e+30``): ``model``, ``key`` and ``errors`` (pydantic's, values left out)
    say which. ``written`` is True when the row is a save's answer: the write happened, only reading
    it back failed (the instance keeps its changes as unsaved)."""

    def __init__(self, model: str, key: Any, errors: list[str], *, written: bool = False) -> None:
        self.model, self.key, self.errors, self.written = model, key, errors, written
        head = (f"{model} was saved (pk {key!r}), but the server's answer does not fit the model"
                if written else f"a {model} row the server answered (pk {key!r}) does not fit the model")
        super().__init__(f"{head}: {'; '.join(errors)}. Change the field's type, or the stored value")

    def __reduce__(self) -> Any:
        return (_rebuild_invalid_row, (type(self), self.model, self.key, self.errors, self.written))


def _rebuild_invalid_row(cls: type[InvalidRow], model: str, key: Any, errors: list[str],
                         written: bool) -> InvalidRow:
    return cls(model, key, errors, written=written)


class ExportFailed(DirectusError):
    """``conn.utils.export()``: Directus failed the export in the background (it notified its user;
    e.g. the role may read the rows but not create files). ``collection``, ``file_id`` and ``reason``
    (the notification's text) are attributes; no file was stored."""

    def __init__(self, collection: str, file_id: str, reason: str) -> None:
        self.collection, self.file_id, self.reason = collection, file_id, reason
        super().__init__(f"the export of {collection!r} failed on the server (file id {file_id}): {reason}")

    def __reduce__(self) -> Any:
        return (type(self), (self.collection, self.file_id, self.reason))


class PartialRelationError(DirectusError):
    """A to-many list that does not hold every related row (a filtered or sliced ``Prefetch``) was
    assigned as a whole: saving it cannot tell which of the rows it lacks should stay related."""


class TruncatedList(DirectusError):
    """A nested to-many list came back with as many rows as the server's ``queryLimit.max``
    (``QUERY_LIMIT_MAX``): Directus cuts nested lists there without an error, so the list may lack rows
    and is not taken as whole. ``path`` (``"books"``, ``"books.tags"``) and ``cap`` are attributes.
    Read the related rows with their own QuerySet (it pages), or raise the server's limit."""

    def __init__(self, path: str, cap: int) -> None:
        self.path, self.cap = path, cap
        super().__init__(f"the to-many list {path!r} came back with {cap} rows, the server's queryLimit.max: "
                         f"Directus cuts nested lists there, so it may lack rows. Read the related rows with "
                         f"their own QuerySet (it pages), or raise QUERY_LIMIT_MAX on the server")

    def __reduce__(self) -> Any:
        return (type(self), (self.path, self.cap))


class InexactNumber(DirectusError):
    """Directus answered an integer result as a JSON number beyond +/-(2**53 - 1): it went through a
    JavaScript number, which holds no more, so it may not be what the database computed (SQLite's
    ``Sum`` over a ``bigInteger`` field past 2**53; PostgreSQL answers such numbers as exact strings).
    ``field`` and ``what`` (``"Sum"``, ...) are attributes; the number is not handed back."""

    def __init__(self, field: str, what: str) -> None:
        self.field, self.what = field, what
        super().__init__(
            f"{what} of {field!r}: Directus answered a JSON number beyond +/-(2**53 - 1), which passed "
            f"through a JavaScript number and may have lost its last digits (SQLite's driver and GraphQL's "
            f"aggregates give doubles); the exact value is unknown. PostgreSQL over REST answers it exactly")

    def __reduce__(self) -> Any:
        return (type(self), (self.field, self.what))


class InvalidRequest(DirectusError, ValueError):
    """The request cannot be built: a header value that is not latin-1, a URL httpx refuses ...
    (raised before anything is sent)."""


class InvalidKey(InvalidRequest):
    """A primary key that cannot address an item endpoint: it would be read as a route
    (``/users/me``) or does not fit in a URL. Reads by such a key use a filter query instead."""


class InvalidCollectionName(InvalidRequest):
    """A collection name that cannot name a Directus collection: empty, ``.``/``..``, or holding a path,
    query or fragment character (``/ \\ ? # %``), whitespace or a control character. A name is data,
    never a path; raised before any request."""


class QueryTooLarge(InvalidRequest):
    """A query too large to send at all, even in a request body (over ``max_payload`` bytes)."""


class ConnectionClosed(DirectusError, RuntimeError):
    """The connection (its pool) was closed with ``aclose()``; build a new one."""


class ObjectDoesNotExist(DirectusError):
    """``get()`` found no row. Each model has its own ``Model.DoesNotExist`` subclass."""


class MultipleObjectsReturned(DirectusError):
    """``get()`` found more than one row. Each model has its own subclass."""


class SyncUsageError(DirectusError, RuntimeError):
    """A sync form was called from inside a running event loop (it would block that loop)."""


class DeferredFieldError(DirectusError, AttributeError):
    """A field left out by ``only()`` / ``defer()`` (or missing from the server's answer) was read."""


class SourceChanged(DirectusError):
    """A source gave another number of bytes than it announced (a file changed while it was being
    uploaded), or a one-shot source (an async iterator) was asked for its content twice. Nothing
    was stored: the request was cut short."""


class SchemaError(DirectusError):
    """A schema tool cannot do what it was asked (a model it cannot map, an answer it cannot read)."""


class SchemaAccessDenied(SchemaError):
    """The connection's user is not an admin: Directus shows non-admins a filtered schema."""


class NotDirectusServer(SchemaError):
    """The URL answers, but not as Directus does (no Directus error codes, not JSON): a wrong URL, a
    path prefix missing, a proxy's page."""


class MigrationError(SchemaError):
    """A migration step was refused by the server; the steps before it were applied (named in the
    message), the ones after it were not."""


class ManagerUnavailable(DirectusError, AttributeError):
    """A manager read where there is none: on an instance (``obj.objects``), or on an abstract model or
    a manager not attached to one (Django raises ``AttributeError`` there too)."""


class LocalServerError(DirectusError, RuntimeError):
    """A local server of the testing harness (Directus, PostgreSQL, Redis) did not start, or a test's
    collections could not be dropped (``directus_orm.testing``)."""


class ConflictingModelWarning(DirectusError, UserWarning):
    """A warning, not an error: a model class claims a collection another model class already claimed,
    and replaces it in the model registry (``get_model()``). ``-W error`` raises it."""


class NetworkError(DirectusError):
    """The request never got an HTTP answer (connection refused, reset, DNS, ...)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(f"{message} ({method} {path})")
        self.message = message
        self.method = method
        self.path = path

    def __reduce__(self) -> Any:  # picklable despite keyword-only arguments (e.g. across processes)
        return (_rebuild_network_error, (type(self), self.message, self.method, self.path))


def _rebuild_network_error(cls: type[NetworkError], message: str, method: str, path: str) -> NetworkError:
    return cls(message, method=method, path=path)


class RequestTimeout(NetworkError):
    """The request timed out: a connect, read, write or pool timeout, the connection's total
    ``deadline`` for the request, or the wait for another request's login/refresh."""


class APIError(DirectusError):
    """Directus answered with an error.

    ``code`` is Directus's error code (``"FORBIDDEN"``, ``"RECORD_NOT_UNIQUE"`` ...), ``status`` the HTTP
    status, ``extensions`` the first error's extensions, ``errors`` every error object returned.
    """

    codes: tuple[str, ...] = ()
    """The Directus error codes this class stands for (used to build the lookup table below)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method else ""
        super().__init__(f"[{status} {code or 'HTTP_ERROR'}] {message}{where}")

    def __reduce__(self) -> Any:  # keep exceptions picklable despite keyword-only arguments
        return (
            _rebuild_api_error,
            (type(self), self.message, self.status, self.code, self.extensions, self.errors,
             self.method, self.path),
        )


def _rebuild_api_error(cls: type[APIError], *args: Any) -> APIError:
    message, status, code, extensions, errors, method, path = args
    return cls(message, status=status, code=code, extensions=extensions, errors=errors,
               method=method, path=path)


class UnexpectedResponse(APIError):
    """The answer is not a Directus answer: a redirect, an HTML page, a body that is not JSON, an
    empty answer where Directus sends data ... (a proxy, a maintenance page, a wrong URL).
    ``status``, ``content_type``, ``method`` and ``path`` say what came back from where. A write
    answered this way may or may not have happened: check before repeating it."""

    def __init__(self, message: str, *, status: int, content_type: str = "", method: str = "",
                 path: str = "") -> None:
        self.content_type = content_type
        super().__init__(message, status=status, method=method, path=path)
        self.args = (f"{message} ({method} {path})" if method else message,)  # no Directus code to show

    def __reduce__(self) -> Any:
        return (_rebuild_unexpected, (type(self), self.message, self.status, self.content_type,
                                      self.method, self.path))


def _rebuild_unexpected(cls: type[UnexpectedResponse], message: str, status: int, content_type: str,
                        method: str, path: str) -> UnexpectedResponse:
    return cls(message, status=status, content_type=content_type, method=method, path=path)


# --- authentication (mostly 401) -------------------------------------------------------------------
class AuthenticationError(APIError):
    """The credentials were refused (``status`` 401 unless given: an app may raise it itself)."""

    def __init__(self, message: str = "authentication failed", *, status: int = 401, **details: Any) -> None:
        super().__init__(message, status=status, **details)


class InvalidCredentials(AuthenticationError):
    """A login refused: wrong email or password (or a static token Directus does not know)."""

    codes = ("INVALID_CREDENTIALS",)


class InvalidToken(AuthenticationError):
    """A token Directus cannot read, or one revoked (a logged-out refresh token)."""

    codes = ("INVALID_TOKEN",)


class TokenExpired(AuthenticationError):
    """An access token past its expiry; connections with a refresh token renew it and retry once."""

    codes = ("TOKEN_EXPIRED",)


class InvalidOTP(AuthenticationError):
    """A login that needs a one-time password got none, or a wrong one (two-factor authentication)."""

    codes = ("INVALID_OTP",)


class UserSuspended(AuthenticationError):
    """The user is suspended (``status`` not active), e.g. after too many failed logins."""

    codes = ("USER_SUSPENDED",)


class InvalidIP(AuthenticationError):
    """The user's role or policy allows logins only from other IP addresses."""

    codes = ("INVALID_IP",)


class InvalidProvider(AuthenticationError):
    """The login went to an auth provider the server does not have or has disabled."""

    codes = ("INVALID_PROVIDER",)


class LoggedOut(AuthenticationError):
    """The connection was logged out (``logout()``): its requests are refused before anything is sent
    (``status`` 0, ``code`` ``"LOGGED_OUT"``, ``method`` and ``path`` of the refused request) until a
    ``login()`` succeeds. Not a Directus answer: no Directus error code maps to it."""


# --- permissions ---------------------------------------------------------------------------------
class Forbidden(APIError):
    """403: the role may not do this. Directus also answers this for collections that do not exist.
    (``status`` 403 unless given: an app may raise it itself.)"""

    codes: tuple[str, ...] = ("FORBIDDEN", "RESOURCE_RESTRICTED", "COLLECTION_INACTIVE")

    def __init__(self, message: str = "forbidden", *, status: int = 403, **details: Any) -> None:
        super().__init__(message, status=status, **details)


class LimitExceeded(Forbidden):
    """A licence limit of the unlicensed core: 25 user collections, 3 seats, 5 flows (12.1+)."""

    codes: tuple[str, ...] = ("LIMIT_EXCEEDED",)


# --- bad requests --------------------------------------------------------------------------------
class InvalidQuery(APIError):
    """Directus refused the query parameters (an unknown field, a malformed filter, a limit over
    ``QUERY_LIMIT_MAX``)."""

    codes = ("INVALID_QUERY",)


class InvalidPayload(APIError):
    """Directus refused the body of a write (its shape, not a field's value)."""

    codes = ("INVALID_PAYLOAD",)


class FailedValidation(InvalidPayload):
    """A field's validation rule (or required / not-nullable check) refused the value."""

    codes = ("FAILED_VALIDATION",)


class InvalidInvite(InvalidPayload):
    """A user invitation could not be accepted (unknown, used or expired invite token)."""

    codes = ("INVALID_INVITE",)


class InvalidPathParameter(APIError):
    """A key or name in the path Directus refuses (e.g. a collection name it cannot use)."""

    codes = ("INVALID_PATH_PARAMETER",)


class UnprocessableContent(APIError):
    """Directus understood the request and refused it on its content (e.g. an import cycle)."""

    codes: tuple[str, ...] = ("UNPROCESSABLE_CONTENT", "IMPORT_CYCLICAL_RELATION")


class VersionHashMismatch(UnprocessableContent):
    """A content version was promoted from a main item that changed since (422)."""

    codes = ("VERSION_HASH_MISMATCH",)


class UnsupportedMediaType(APIError):
    """The request's content type is not one the endpoint takes (uploads, imports)."""

    codes = ("UNSUPPORTED_MEDIA_TYPE",)


class ContentTooLarge(APIError):
    """The body is over the server's limit (``MAX_PAYLOAD_SIZE``, ``FILES_MAX_UPLOAD_SIZE``)."""

    codes = ("CONTENT_TOO_LARGE",)


class RangeNotSatisfiable(APIError):
    """A ranged download asked for bytes the file does not have."""

    codes = ("RANGE_NOT_SATISFIABLE",)


class IllegalAssetTransformation(APIError):
    """An asset transformation (``/assets/<id>?...``) that the server's settings do not allow."""

    codes = ("ILLEGAL_ASSET_TRANSFORMATION",)


class MethodNotAllowed(APIError):
    """The endpoint does not take this HTTP method."""

    codes = ("METHOD_NOT_ALLOWED",)


class RouteNotFound(APIError):
    """No such endpoint on the server (an extension's route missing, a misspelled path)."""

    codes = ("ROUTE_NOT_FOUND",)


# --- database integrity (Directus translates the driver's errors into these) ---------------------
class IntegrityError(APIError):
    """A database constraint refused the write (Django's name for the family)."""


class RecordNotUnique(IntegrityError):
    """A write would duplicate a value of a unique field (Django's ``IntegrityError``)."""

    codes = ("RECORD_NOT_UNIQUE",)


class NotNullViolation(IntegrityError):
    """A write left a required (NOT NULL) field empty."""

    codes = ("NOT_NULL_VIOLATION",)


class InvalidForeignKey(IntegrityError):
    """A write points a relation at a row that does not exist."""

    codes = ("INVALID_FOREIGN_KEY",)


class ContainsNullValues(IntegrityError):
    """A schema change would make a field required while rows hold NULL in it."""

    codes = ("CONTAINS_NULL_VALUES",)


class ValueTooLong(IntegrityError):
    """A value is longer than its column allows (databases that enforce lengths, not SQLite)."""

    codes = ("VALUE_TOO_LONG",)


class ValueOutOfRange(IntegrityError):
    """A number outside its column's range."""

    codes = ("VALUE_OUT_OF_RANGE",)


# --- server side ---------------------------------------------------------------------------------
class RequestsExceeded(APIError):
    """Rate limited (``429``): the server's or the email rate limiter refused the request;
    reads are retried after ``Retry-After``."""

    codes = ("REQUESTS_EXCEEDED", "EMAIL_LIMIT_EXCEEDED")


class ServiceUnavailable(APIError):
    """The server cannot answer now (``503``: starting, overloaded, a dependency down);
    reads are retried."""

    codes = ("SERVICE_UNAVAILABLE", "OUT_OF_DATE", "UNEXPECTED_RESPONSE", "INVALID_PROVIDER_CONFIG")


class OutOfTime(APIError):
    """The server gave up on a long operation (an import, ...): 408 ``OUT_OF_TIME``. A request that
    gets no answer in time on our side is :class:`RequestTimeout` instead."""

    codes = ("OUT_OF_TIME",)


class InternalServerError(APIError):
    """Directus failed on its side (``500``); the message is Directus's."""

    codes = ("INTERNAL_SERVER_ERROR",)


# --- GraphQL ---------------------------------------------------------------------------------------
class GraphQLError(APIError):
    """An error answer of ``/graphql`` or ``/graphql/system``."""


class GraphQLValidationError(GraphQLError):
    """The document does not parse or does not match the schema (HTTP 400): nothing was executed.
    ``errors[0]["extensions"]["errors"]`` lists graphql-js's messages (unknown field, wrong type ...)."""

    codes = ("GRAPHQL_VALIDATION",)

    def __init__(self, message: str, **kwargs: Any) -> None:
        # Directus's message is always "GraphQL validation error.": what failed is in extensions.errors.
        found = (kwargs.get("extensions") or {}).get("errors")
        details = " ".join(str(e.get("message")) for e in found if isinstance(e, Mapping)
                           ) if isinstance(found, list) else ""
        if details and not message.endswith(details):  # (not twice when unpickled)
            message = f"{message} {details}"
        super().__init__(message, **kwargs)


class GraphQLExecutionError(GraphQLError):
    """The document ran and some fields failed (Directus answers HTTP 200 with ``errors``): ``data``
    holds what did resolve (a failed field is None), ``errors`` every error with its ``path``, ``code``
    the first error's Directus code (``FORBIDDEN`` for a missing or forbidden item ...)."""

    def __init__(self, message: str, *, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self.data: dict[str, Any] | None = dict(data) if data is not None else None
        super().__init__(message, **kwargs)

    def __reduce__(self) -> Any:
        return (_rebuild_execution_error, (type(self), self.message, self.data, self.status, self.code,
                                           self.extensions, self.errors, self.method, self.path))


def _rebuild_execution_error(cls: type[GraphQLExecutionError], message: str, data: Any, *args: Any
                             ) -> GraphQLExecutionError:
    status, code, extensions, errors, method, path = args
    return cls(message, data=data, status=status, code=code, extensions=extensions, errors=errors,
               method=method, path=path)


_Twin = TypeVar("_Twin", bound=GraphQLError)


def _graphql_twin(parent: type[_Twin], base: type[APIError]) -> type[_Twin]:
    """``<parent>.<Base>``: a GraphQL error that REST raises as ``base``, so ``except Forbidden:``
    catches the same failure on both paths (nested, as each model's ``DoesNotExist``: not drawn in
    the tree above)."""
    name = base.__name__
    twin = type(name, (parent, base), {
        "__module__": __name__, "__qualname__": f"{parent.__name__}.{name}", "codes": (),
        "__doc__": f"A :class:`{parent.__name__}` that is also a :class:`{name}` ({', '.join(base.codes)})."})
    setattr(parent, name, twin)  # where pickle finds it by its qualified name
    return cast("type[_Twin]", twin)


_FORBIDDEN_DOCUMENT = _graphql_twin(GraphQLValidationError, Forbidden)


def forbidden_document(error: GraphQLValidationError) -> GraphQLValidationError:
    """``error`` as a ``GraphQLValidationError.Forbidden``: a document refused because the role's schema
    lacks a collection it reads, which REST refuses with ``403 FORBIDDEN``."""
    return _FORBIDDEN_DOCUMENT(error.message, status=error.status, code=error.code,
                               extensions=error.extensions, errors=error.errors, method=error.method,
                               path=error.path)


def _all_subclasses(cls: type[APIError]) -> list[type[APIError]]:
    found: list[type[APIError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


_BY_CODE: dict[str, type[APIError]] = {
    code: cls for cls in _all_subclasses(APIError) for code in cls.codes
}

def _graphql_by_code() -> dict[str, type[GraphQLExecutionError]]:
    twins: dict[type[APIError], type[GraphQLExecutionError]] = {}
    for cls in _BY_CODE.values():
        if not issubclass(cls, GraphQLError) and cls not in twins:
            twins[cls] = _graphql_twin(GraphQLExecutionError, cls)
    return {code: twins[cls] for code, cls in _BY_CODE.items() if cls in twins}


_GRAPHQL_BY_CODE = _graphql_by_code()


def execution_error_class(code: str | None) -> type[GraphQLExecutionError]:
    """The class of a GraphQL execution error with Directus's ``code``: the twin of the class REST
    raises for that code (see ``_BY_CODE``), else :class:`GraphQLExecutionError` itself."""
    return _GRAPHQL_BY_CODE.get(code or "", GraphQLExecutionError)


# When Directus sends no (known) code, the status decides.
_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: Forbidden,
    404: RouteNotFound,
    405: MethodNotAllowed,
    408: OutOfTime,
    413: ContentTooLarge,
    415: UnsupportedMediaType,
    416: RangeNotSatisfiable,
    422: UnprocessableContent,
    429: RequestsExceeded,
    500: InternalServerError,
    503: ServiceUnavailable,
}


SECRET_FIELDS = frozenset(
    {"token", "password", "tfa_secret", "auth_data", "access_token", "refresh_token", "session_token",
     "secret"}
)
"""Fields whose values Directus may echo in an error (``RECORD_NOT_UNIQUE`` on ``directus_users.token``
answers ``Value "<the token>" for field "token" ... has to be unique``): we redact them."""
REDACTED = "***"


def _redact(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    secrets: set[str] = set()
    for error in errors:
        ext = error.get("extensions")
        if isinstance(ext, dict) and ext.get("field") in SECRET_FIELDS and ext.get("value") not in (None, ""):
            secrets.add(str(ext["value"]))
    if not secrets:
        return errors
    cleaned: list[dict[str, Any]] = []
    for error in errors:
        error = dict(error)
        message = error.get("message")
        if isinstance(message, str):
            for secret in secrets:
                message = message.replace(secret, REDACTED)
            error["message"] = message
        ext = error.get("extensions")
        if isinstance(ext, dict):
            ext = dict(ext)
            if ext.get("field") in SECRET_FIELDS and "value" in ext:
                ext["value"] = REDACTED
            for key, value in list(ext.items()):
                if isinstance(value, str):
                    for secret in secrets:
                        value = value.replace(secret, REDACTED)
                    ext[key] = value
            error["extensions"] = ext
        cleaned.append(error)
    return cleaned


def error_from_response(status: int, body: Any, *, method: str, path: str) -> APIError:
    """Build the typed exception for an error response (``body`` is the decoded JSON, or anything).

    Values of secret fields (``token``, ``password`` ...) that Directus echoes are replaced by ``***``.
    """
    errors: list[dict[str, Any]] = []
    if isinstance(body, Mapping) and isinstance(body.get("errors"), list):
        errors = _redact([e for e in body["errors"] if isinstance(e, dict)])
    first = errors[0] if errors else {}
    raw_extensions = first.get("extensions")
    extensions: dict[str, Any] = raw_extensions if isinstance(raw_extensions, dict) else {}
    code = extensions.get("code") if isinstance(extensions.get("code"), str) else None
    message = str(first.get("message") or f"HTTP {status}")
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status) or APIError
    return cls(message, status=status, code=code, extensions=extensions, errors=errors,
               method=method, path=path)


class RealtimeError(DirectusError):
    """Base of the failures only the realtime socket has."""


class RealtimeNotInstalled(ImproperlyConfigured):
    """The ``websockets`` package is missing: ``pip install 'directus-orm[realtime]'``."""


class RealtimeUnavailable(RealtimeError):
    """The server does not offer the REST websocket (``WEBSOCKETS_ENABLED`` / ``WEBSOCKETS_REST_ENABLED``
    off, another path, or the upgrade refused)."""


class UnsupportedSubscription(InvalidArgument):
    """The QuerySet cannot be a subscription (a slice, ``values()``, an emulated condition ...);
    raised before anything is sent."""


class SubscriptionOverflow(RealtimeError):
    """The consumer fell behind by more than the subscription's ``max_queue`` events: the events
    already queued were delivered, the later ones were not (nothing is dropped silently)."""


class ConnectionLost(NetworkError):
    """The socket was lost and could not be re-established within the reconnect policy."""


class SocketAuthFailed(AuthenticationError):
    """The socket's authentication was refused (``AUTH_FAILED``) or not answered in time
    (``AUTH_TIMEOUT``)."""


class SocketTokenExpired(TokenExpired):
    """The websocket's access token expired and the connection cannot get another one (a static token
    that is a JWT, an access token without a refresh token): the subscriptions end with this error
    instead of reconnecting with a token the server will refuse. Connect with credentials that can be
    refreshed (email/password, an access/refresh pair, a session) or a non-expiring static token."""
