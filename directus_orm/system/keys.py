"""Keys the endpoint namespaces take: a key as the library hands it out (a string, an int, a UUID) or
the stored row itself (a model instance)."""

from __future__ import annotations

import uuid
from typing import Any

from ..exceptions import InvalidArgument
from ..models.base import DirectusModel

__all__ = ["key_of"]


def key_of(value: Any, what: str) -> str | int:
    """``value``'s key: a stored instance's primary key, a UUID as its string; anything else that is
    not a non-empty str or an int raises ``InvalidArgument`` before any request."""
    if isinstance(value, DirectusModel):
        if not value.is_stored:
            raise InvalidArgument(f"{what}: {type(value).__name__} is not stored yet (it has no row)")
        value = value.pk
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise InvalidArgument(f"{what} takes a key (str, int or UUID) or a stored instance, got {value!r}")
    return value
