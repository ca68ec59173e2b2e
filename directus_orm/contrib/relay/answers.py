"""How a failure is told to a client: an error frame's code and message, and whether the client's
connection ends.

Only a transport failure or a timeout (Directus did not answer) is ``SERVICE_UNAVAILABLE``: sending the
message again later makes sense. Directus's refusals keep their code (``FORBIDDEN`` ...); a missing row
is ``FORBIDDEN`` as Directus says for it (a row the user may not read looks the same). Credentials
Directus no longer accepts end the connection (``AUTH_FAILED``, close 4401). Messages never carry the
relay's own upstream requests (methods, paths).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ...exceptions import (
    APIError,
    AuthenticationError,
    NetworkError,
    ObjectDoesNotExist,
    RealtimeUnavailable,
    ServiceUnavailable,
)
from .rules import Refused

__all__ = ["CLOSE_TRY_AGAIN", "CLOSE_UNAUTHENTICATED", "Answer", "answer_for", "is_transport_failure"]

CLOSE_UNAUTHENTICATED = 4401
"""Close code when the client's credentials are not (or no longer) accepted, after an ``AUTH_FAILED``
error frame."""
CLOSE_TRY_AGAIN = 1013
"""Close code ("try again later") when the client's token could not be checked because Directus did not
answer, after a ``SERVICE_UNAVAILABLE`` error frame: the token may well be valid."""

FORBIDDEN_MESSAGE = "You don't have permission to access this."
"""Directus's own words for a refused (or missing) row."""


@dataclass(frozen=True)
class Answer:
    code: str
    message: str
    close: int | None = None  # the close code when the connection ends with this answer

    @property
    def retry(self) -> bool:
        return self.code == "SERVICE_UNAVAILABLE"


def is_transport_failure(exc: BaseException) -> bool:
    """Directus did not answer (or answered that it is unavailable): the same request may work later."""
    return isinstance(exc, (NetworkError, asyncio.TimeoutError, RealtimeUnavailable, ServiceUnavailable))


def answer_for(exc: BaseException, timeout: float) -> Answer:
    if isinstance(exc, Refused):
        return Answer(exc.code, str(exc))
    if is_transport_failure(exc):
        return Answer("SERVICE_UNAVAILABLE",
                      f"Directus did not answer (within {timeout:g}s): send it again later")
    if isinstance(exc, AuthenticationError):
        return Answer("AUTH_FAILED", "Directus no longer accepts these credentials: sign in again",
                      CLOSE_UNAUTHENTICATED)
    if isinstance(exc, ObjectDoesNotExist):
        return Answer("FORBIDDEN", FORBIDDEN_MESSAGE)
    if isinstance(exc, APIError):
        if exc.status >= 500:
            return Answer(exc.code or "INTERNAL_SERVER_ERROR", "Directus failed to answer this request")
        return Answer(exc.code or "FORBIDDEN", exc.message if exc.code else FORBIDDEN_MESSAGE)
    return Answer("INTERNAL_SERVER_ERROR", "the relay could not serve this request")
