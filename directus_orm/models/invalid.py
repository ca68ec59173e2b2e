"""Rows the server answered that do not fit their model become ``InvalidRow`` (typed, with pydantic's
messages but never the values: a value may be a secret)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..exceptions import InvalidRow

__all__ = ["invalid_row"]


def invalid_row(model: str, key: Any, exc: ValidationError, *, written: bool = False) -> InvalidRow:
    errors = [f"{'.'.join(map(str, e['loc'])) or '<row>'}: {e['msg']}"
              for e in exc.errors(include_input=False, include_url=False)]
    return InvalidRow(model, key, errors, written=written)
