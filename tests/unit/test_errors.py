"""``error_from_response``: every mapped code, status fallbacks, odd bodies, pickling, redaction."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from directus_orm import exceptions as exc
from directus_orm.exceptions import APIError, error_from_response, execution_error_class

#: Every Directus error code we map, with the class it must become (12.4.0's ErrorCode enum, plus
#: FAILED_VALIDATION from @directus/validation).
CODES: dict[str, type[APIError]] = {
    "INVALID_CREDENTIALS": exc.InvalidCredentials,
    "INVALID_TOKEN": exc.InvalidToken,
    "TOKEN_EXPIRED": exc.TokenExpired,
    "INVALID_OTP": exc.InvalidOTP,
    "USER_SUSPENDED": exc.UserSuspended,
    "INVALID_IP": exc.InvalidIP,
    "INVALID_PROVIDER": exc.InvalidProvider,
    "FORBIDDEN": exc.Forbidden,
    "RESOURCE_RESTRICTED": exc.Forbidden,
    "COLLECTION_INACTIVE": exc.Forbidden,
    "LIMIT_EXCEEDED": exc.LimitExceeded,
    "INVALID_QUERY": exc.InvalidQuery,
    "INVALID_PAYLOAD": exc.InvalidPayload,
    "FAILED_VALIDATION": exc.FailedValidation,
    "INVALID_INVITE": exc.InvalidInvite,
    "INVALID_PATH_PARAMETER": exc.InvalidPathParameter,
    "UNPROCESSABLE_CONTENT": exc.UnprocessableContent,
    "IMPORT_CYCLICAL_RELATION": exc.UnprocessableContent,
    "VERSION_HASH_MISMATCH": exc.VersionHashMismatch,
    "UNSUPPORTED_MEDIA_TYPE": exc.UnsupportedMediaType,
    "CONTENT_TOO_LARGE": exc.ContentTooLarge,
    "RANGE_NOT_SATISFIABLE": exc.RangeNotSatisfiable,
    "ILLEGAL_ASSET_TRANSFORMATION": exc.IllegalAssetTransformation,
    "METHOD_NOT_ALLOWED": exc.MethodNotAllowed,
    "ROUTE_NOT_FOUND": exc.RouteNotFound,
    "RECORD_NOT_UNIQUE": exc.RecordNotUnique,
    "NOT_NULL_VIOLATION": exc.NotNullViolation,
    "INVALID_FOREIGN_KEY": exc.InvalidForeignKey,
    "CONTAINS_NULL_VALUES": exc.ContainsNullValues,
    "VALUE_TOO_LONG": exc.ValueTooLong,
    "VALUE_OUT_OF_RANGE": exc.ValueOutOfRange,
    "REQUESTS_EXCEEDED": exc.RequestsExceeded,
    "EMAIL_LIMIT_EXCEEDED": exc.RequestsExceeded,
    "SERVICE_UNAVAILABLE": exc.ServiceUnavailable,
    "OUT_OF_DATE": exc.ServiceUnavailable,
    "UNEXPECTED_RESPONSE": exc.ServiceUnavailable,
    "INVALID_PROVIDER_CONFIG": exc.ServiceUnavailable,
    "OUT_OF_TIME": exc.OutOfTime,
    "INTERNAL_SERVER_ERROR": exc.InternalServerError,
}


def body(code: str | None, message: str = "Something.", **extensions: Any) -> dict[str, Any]:
    ext = dict(extensions)
    if code is not None:
        ext["code"] = code
    return {"errors": [{"message": message, "extensions": ext}]}


@pytest.mark.parametrize(("code", "cls"), sorted(CODES.items()))
def test_every_code_maps_to_its_class(code: str, cls: type[APIError]) -> None:
    # A status that would map elsewhere: the code wins.
    err = error_from_response(418, body(code, "Told.", field="f"), method="PATCH", path="/items/x/1")
    assert type(err) is cls
    assert (err.code, err.status, err.method, err.path, err.message) == (code, 418, "PATCH", "/items/x/1",
                                                                         "Told.")
    assert err.extensions == {"field": "f", "code": code}
    assert str(err) == f"[418 {code}] Told. (PATCH /items/x/1)"


def test_families() -> None:
    for cls in (exc.InvalidCredentials, exc.InvalidToken, exc.TokenExpired, exc.InvalidOTP,
                exc.UserSuspended, exc.InvalidIP, exc.InvalidProvider):
        assert issubclass(cls, exc.AuthenticationError)
    for cls in (exc.RecordNotUnique, exc.NotNullViolation, exc.InvalidForeignKey, exc.ContainsNullValues,
                exc.ValueTooLong, exc.ValueOutOfRange):
        assert issubclass(cls, exc.IntegrityError)
    assert issubclass(exc.FailedValidation, exc.InvalidPayload)
    assert issubclass(exc.LimitExceeded, exc.Forbidden)
    assert issubclass(exc.RequestTimeout, exc.NetworkError)
    for name in exc.__all__:
        obj = getattr(exc, name)
        assert not isinstance(obj, type) or issubclass(obj, exc.DirectusError), name


def test_value_too_long_mapping() -> None:
    """SQLite does not enforce VARCHAR(n), so the suite cannot provoke this; Postgres sends it so."""
    payload = body("VALUE_TOO_LONG", 'Value for field "code" in collection "langs" is too long.',
                   collection="langs", field="code")
    err = error_from_response(400, payload, method="POST", path="/items/langs")
    assert type(err) is exc.ValueTooLong and err.extensions["field"] == "code"


@pytest.mark.parametrize(("status", "cls"), [
    (401, exc.AuthenticationError), (403, exc.Forbidden), (404, exc.RouteNotFound),
    (405, exc.MethodNotAllowed), (408, exc.OutOfTime), (413, exc.ContentTooLarge),
    (415, exc.UnsupportedMediaType), (416, exc.RangeNotSatisfiable), (422, exc.UnprocessableContent),
    (429, exc.RequestsExceeded), (500, exc.InternalServerError), (503, exc.ServiceUnavailable),
    (400, APIError), (409, APIError), (502, APIError),
])
def test_status_fallback_without_a_code(status: int, cls: type[APIError]) -> None:
    err = error_from_response(status, body(None), method="GET", path="/x")
    assert type(err) is cls and err.code is None and err.status == status
    assert str(err) == f"[{status} HTTP_ERROR] Something. (GET /x)"


def test_unknown_code_falls_back_on_status() -> None:
    err = error_from_response(403, body("SOMETHING_NEW"), method="GET", path="/x")
    assert type(err) is exc.Forbidden and err.code == "SOMETHING_NEW"
    err = error_from_response(409, body("LICENSE_MANAGED_BY_ENV"), method="GET", path="/x")
    assert type(err) is APIError and err.code == "LICENSE_MANAGED_BY_ENV"


@pytest.mark.parametrize("odd", [
    None, "", "<html>Bad gateway</html>", [], {}, {"errors": None}, {"errors": "nope"}, {"errors": []},
    {"errors": ["not a dict"]}, {"errors": [{}]}, {"errors": [{"extensions": "nope"}]},
    {"data": {"id": 1}},
])
def test_missing_or_odd_bodies(odd: Any) -> None:
    err = error_from_response(502, odd, method="DELETE", path="/items/x/1")
    assert type(err) is APIError
    assert err.code is None and err.message == "HTTP 502" and err.extensions == {}
    assert str(err) == "[502 HTTP_ERROR] HTTP 502 (DELETE /items/x/1)"


def test_a_code_that_is_not_a_string_is_ignored() -> None:
    err = error_from_response(403, {"errors": [{"message": None, "extensions": {"code": 42}}]},
                              method="GET", path="/x")
    assert type(err) is exc.Forbidden and err.code is None and err.message == "HTTP 403"
    assert err.extensions == {"code": 42}  # kept as sent


def test_several_errors_keep_all_and_use_the_first() -> None:
    payload = {"errors": [
        {"message": "first", "extensions": {"code": "FAILED_VALIDATION", "field": "a"}},
        {"message": "second", "extensions": {"code": "FAILED_VALIDATION", "field": "b"}},
    ]}
    err = error_from_response(400, payload, method="POST", path="/items/x")
    assert type(err) is exc.FailedValidation and err.message == "first"
    assert [e["extensions"]["field"] for e in err.errors] == ["a", "b"]


def test_no_method_no_suffix() -> None:
    assert str(error_from_response(500, None, method="", path="")) == "[500 HTTP_ERROR] HTTP 500"


@pytest.mark.parametrize("cls", sorted(set(CODES.values()) | {APIError}, key=lambda c: c.__name__))
def test_pickling_round_trip(cls: type[APIError]) -> None:
    code = cls.codes[0] if cls.codes else None
    err = error_from_response(400, body(code, "Pickled.", field="f"), method="POST", path="/items/x")
    assert type(err) is cls
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is cls
    assert (clone.message, clone.status, clone.code, clone.extensions, clone.errors, clone.method,
            clone.path) == (err.message, err.status, err.code, err.extensions, err.errors, err.method,
                            err.path)
    assert str(clone) == str(err)


def test_network_errors_pickle() -> None:
    for cls in (exc.NetworkError, exc.RequestTimeout):
        err = cls("network error: ConnectError", method="GET", path="/x")
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is cls and str(clone) == "network error: ConnectError (GET /x)"
        assert (clone.message, clone.method, clone.path) == ("network error: ConnectError", "GET", "/x")


# --- secrets that Directus echoes ---------------------------------------------------------------------
def test_secret_field_values_are_redacted() -> None:
    token = "s3cr3t-static-token-value"
    payload = body("RECORD_NOT_UNIQUE",
                   f'Value "{token}" for field "token" in collection "directus_users" has to be unique.',
                   collection="directus_users", field="token", value=token)
    err = error_from_response(400, payload, method="PATCH", path="/users/1")
    assert err.extensions["value"] == "***"
    assert err.message == 'Value "***" for field "token" in collection "directus_users" has to be unique.'
    for text in (str(err), repr(err), repr(err.errors), repr(pickle.loads(pickle.dumps(err)))):
        assert token not in text
    assert payload["errors"][0]["extensions"]["value"] == token  # the caller's body is left alone


def test_other_field_values_are_kept() -> None:
    payload = body("RECORD_NOT_UNIQUE", 'Value "el" for field "code" in collection "langs" has to be unique.',
                   collection="langs", field="code", value="el")
    err = error_from_response(400, payload, method="POST", path="/items/langs")
    assert err.extensions["value"] == "el" and '"el"' in err.message


# --- misuse raises typed errors that are also the builtin Django raises -------------------------------
def _misuse_cases() -> list[tuple[Any, type[Exception], type[Exception]]]:
    from directus_orm import DirectusModel, Now, Q

    class Misused(DirectusModel):
        id: int | None = None
        name: str = ""

        class Meta:
            collection = "err_misused"

    objs = Misused.objects
    return [
        (lambda: objs.all()[:2].filter(name="a"), exc.InvalidUsage, TypeError),
        (lambda: bool(objs.all()), exc.InvalidUsage, TypeError),
        (lambda: objs.all()["a"], exc.InvalidUsage, TypeError),  # type: ignore[call-overload]
        (lambda: objs.all()[::2], exc.InvalidArgument, ValueError),
        (lambda: objs.all()[-1], exc.InvalidArgument, ValueError),
        (lambda: objs.values_list("id", "name", flat=True), exc.InvalidUsage, TypeError),
        (lambda: objs.annotate(5), exc.InvalidUsage, TypeError),  # type: ignore[arg-type]
        (lambda: Q(5), exc.InvalidUsage, TypeError),  # type: ignore[arg-type]
        (lambda: Q(a=1) & 5, exc.InvalidUsage, TypeError),  # type: ignore[operator]
        (lambda: Now("soon"), exc.InvalidArgument, ValueError),
        (lambda: asyncio.run(objs.values("id").delete()), exc.InvalidUsage, TypeError),
    ]


@pytest.mark.parametrize("index", range(11))
def test_misuse_is_a_directus_error_and_the_builtin(index: int) -> None:
    call, typed, builtin = _misuse_cases()[index]
    with pytest.raises(typed) as info:
        call()
    assert isinstance(info.value, exc.DirectusError) and isinstance(info.value, builtin)


def test_a_count_that_is_not_a_number_is_a_typed_error() -> None:
    """Directus 12.4 on SQLite answers ``count`` over a date field with a date: not a count."""
    from directus_orm.exceptions import UnexpectedResponse
    from directus_orm.query.aggregates import Count

    assert Count("id").convert("3", None) == 3
    with pytest.raises(UnexpectedResponse, match="1970-01-01"):
        Count("published").convert("1970-01-01", None)


@pytest.mark.parametrize(("code", "cls"), sorted(exc._BY_CODE.items()))
def test_a_graphql_execution_error_is_also_the_class_of_its_code(code: str, cls: type[APIError]) -> None:
    twin = execution_error_class(code)
    assert issubclass(twin, exc.GraphQLExecutionError)
    if not issubclass(cls, exc.GraphQLError):
        assert issubclass(twin, cls) and twin.__qualname__ == f"GraphQLExecutionError.{cls.__name__}"
    err = twin("m", data={"a": None}, status=200, code=code, method="POST", path="/graphql")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is twin and copy.data == {"a": None} and copy.code == code and copy.status == 200


def test_a_code_without_a_class_is_a_plain_execution_error() -> None:
    assert execution_error_class(None) is exc.GraphQLExecutionError
    assert execution_error_class("SOMETHING_NEW") is exc.GraphQLExecutionError
    assert execution_error_class("GRAPHQL_VALIDATION") is exc.GraphQLExecutionError
