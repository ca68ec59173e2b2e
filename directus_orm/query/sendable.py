"""Values a write must not send, refused (or left out) before any request.

Concealed fields (``Meta.concealed``; Directus's ``special: conceal``) are read as a mask, never their
value. A save must not write the mask back as the value: an insert of a loaded row (a copy, a row deleted
elsewhere and saved again) leaves them out, and a write that names one holding the mask is refused
(``ConcealedValue``).

Integers beyond 2**53 - 1 either way: Directus parses JSON into JavaScript numbers, which keep no more
precision, so it would store another number than the one sent (and answer it as a float).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ..exceptions import ConcealedValue, InvalidArgument

__all__ = ["MASK", "MAX_SAFE_INTEGER", "drop_masked", "refuse_unsendable"]

MASK = "**********"
"""What Directus answers for a concealed field that holds a value."""
MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER)."""


def _masked(concealed: Collection[str], values: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    return [n for n in names if n in concealed and values.get(n) == MASK]


def drop_masked(concealed: Collection[str], payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` without the concealed fields holding the mask (an insert: the server keeps its
    default, e.g. no password)."""
    for name in _masked(concealed, payload, list(payload)):
        del payload[name]
    return payload


def refuse_unsendable(
    model: str, concealed: Collection[str], values: Mapping[str, Any], names: Iterable[str]
) -> None:
    """Raise before a write of ``names`` (values in ``values``) that would send a concealed field's
    mask (``ConcealedValue``) or an integer Directus cannot hold exactly (``InvalidArgument``)."""
    names = list(names)
    found = _masked(concealed, values, names)
    if found:
        raise ConcealedValue(model, found)
    big = [n for n in names if type(values.get(n)) is int and abs(values[n]) > MAX_SAFE_INTEGER]
    if big:
        raise InvalidArgument(
            f"{model}: field(s) {big} hold integers beyond +/-(2**53 - 1); Directus reads JSON numbers as "
            f"JavaScript numbers and would store another value. Nothing was written")
