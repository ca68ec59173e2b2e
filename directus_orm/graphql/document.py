"""GraphQL documents built from parts: a :class:`Field` tree (name, arguments, sub-fields) per read, and
one document holding several reads under aliases, every argument passed as a variable (values are
data, never spliced into the document text)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import InvalidArgument

__all__ = ["Document", "Field"]

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
"""GraphQL's ``Name``: a field name is written into the document, so anything else is refused."""


@dataclass
class Field:
    """One selected field: ``name(arg: $var ...) { children }``. ``arguments`` maps an argument's name
    to its GraphQL type and value (``{"filter": ("books_filter", {...})}``)."""

    name: str
    arguments: dict[str, tuple[str, Any]] = field(default_factory=dict)
    children: list[Field] | None = None

    def child(self, name: str) -> Field:
        """The sub-field called ``name`` (added when missing)."""
        if self.children is None:
            self.children = []
        for existing in self.children:
            if existing.name == name:
                return existing
        added = Field(name)
        self.children.append(added)
        return added


class Document:
    """Reads under aliases ``r0``, ``r1`` ...; ``text`` and ``variables`` are what is sent."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._declared: list[str] = []
        self.variables: dict[str, Any] = {}

    def add(self, alias: str, root: Field) -> None:
        """Add the read ``root`` under ``alias`` (its arguments become the document's variables)."""
        self._parts.append(f"{alias}: {self._render(root, alias)}")

    def _render(self, node: Field, prefix: str) -> str:
        if not _NAME.match(node.name):
            raise InvalidArgument(f"{node.name[:100]!r} is not a GraphQL name: Directus allows it in a "
                                  "field name, but no GraphQL document can select it; read it over REST "
                                  "(without using_graphql()), or name the other fields with only()")
        text = node.name
        if node.arguments:
            args = []
            for name, (type_name, value) in node.arguments.items():
                var = f"{prefix}_{len(self.variables)}"
                self.variables[var] = value
                self._declared.append(f"${var}: {type_name}")
                args.append(f"{name}: ${var}")
            text += f"({', '.join(args)})"
        if node.children:
            text += " { " + " ".join(self._render(c, prefix) for c in node.children) + " }"
        return text

    @property
    def text(self) -> str:
        """The GraphQL query text, with its variable declarations: ``query($v0: ...) { a0: books(...) {...}
        }``."""
        declared = f"({', '.join(self._declared)})" if self._declared else ""
        return f"query{declared} {{ {' '.join(self._parts)} }}"

    def __repr__(self) -> str:
        return f"<Document {self.text} variables={json.dumps(self.variables, default=str)[:200]}>"


Fixer = Callable[[Any], Any]


def fix_each(fixers: Sequence[Fixer]) -> Fixer:
    """One fixer applying ``fixers`` in turn to a row (None rows pass through)."""
    def fix(row: Any) -> Any:
        if isinstance(row, Mapping):
            for fixer in fixers:
                fixer(row)
        return row
    return fix
