"""Values a write may send: numbers Directus stores as given.

JSON has no NaN or infinity (Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e400`` as floats, which
no request to Directus can carry), and Directus is JavaScript: an integer beyond 2**53 - 1 loses
precision on the way (``2**63`` comes back as ``9223372036854776000``) or overflows the column's type
(``10**30`` is stored as a float that no longer reads as an integer). Both answer 422 before any write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException

__all__ = ["MAX_SAFE_INTEGER", "check_values"]

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer JavaScript (Directus) holds exactly."""
UNPROCESSABLE = 422


def _problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "a finite number (JSON has no NaN or infinity)"
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        return f"an integer between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER} (what Directus holds exactly)"
    if isinstance(value, Mapping):
        return next((p for p in map(_problem, value.values()) if p), None)
    if isinstance(value, (list, tuple)):
        return next((p for p in map(_problem, value) if p), None)
    return None


def check_values(values: Mapping[str, Any], loc: tuple[str | int, ...] = ("body",)) -> None:
    """422 (pydantic's error shape) for the first value no write may send."""
    for name, value in values.items():
        problem = _problem(value)
        if problem is not None:
            raise HTTPException(UNPROCESSABLE, detail=[{
                "type": "value_out_of_range", "loc": [*loc, name], "msg": f"Input should be {problem}"}])
