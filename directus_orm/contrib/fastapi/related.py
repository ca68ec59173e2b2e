"""A row rule across relations, failing closed.

A router with ``objects_filter`` reads, filters, sorts and writes through a relation only when the
related rows' rule is known: ``related_rules={"project": projects_router}`` names the related model's
own router (its ``objects_filter`` and archive apply), ``{"project": None}`` declares the related
collection open to every caller. Without a declaration, a ``?fields=``/``?expand=``/``?sort=`` path or a
filter through the relation, and a write setting it, answer 400 ``RELATION_RULE_UNKNOWN``.

With a router declared, a write setting a many-to-one relation must name a row that router serves
(else 403 ``OUTSIDE_RELATED_RULE``); reading, filtering or sorting through it, and writing a to-many
relation, answer 400 ``RELATED_RULE_NOT_APPLIED`` (the related rule is not yet applied to those).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, status

from ...exceptions import DirectusError
from ...query.schema import Schema, resolve_filter_key, split_to_many

if TYPE_CHECKING:
    from .router import DirectusRouter

__all__ = ["RelatedRules"]

_SEPARATORS = ("__", ".")


def first_segment(path: str) -> str:
    """The field a dotted or ``__`` path starts from (``-author.name`` -> ``author``)."""
    path = path.lstrip("-")
    for sep in _SEPARATORS:
        path = path.split(sep, 1)[0]
    return path


class RelatedRules:
    """Which relations of ``schema`` a rule-bound router may cross, and how."""

    def __init__(self, schema: Schema, model_name: str, rules: Mapping[str, DirectusRouter[Any] | None],
                 bound: bool) -> None:
        from ...exceptions import FieldError

        self.schema = schema
        self.model_name = model_name
        self.rules: dict[str, DirectusRouter[Any] | None] = dict(rules)
        self.bound = bound  # the router has an objects_filter
        unknown = sorted(n for n in self.rules if not self.is_relation(n))
        if unknown:
            raise FieldError(f"related_rules: {unknown} are not relations of {model_name}")

    def is_relation(self, name: str) -> bool:
        info = self.schema.get_field(name)
        return info is not None and info.relation is not None

    def _refuse(self, name: str, how: str) -> HTTPException:
        if name not in self.rules:
            return HTTPException(status.HTTP_400_BAD_REQUEST, detail={
                "message": f"{how} the relation {name!r}: {self.model_name}'s objects_filter does not say "
                           f"which related rows this request may see; declare it with "
                           f"related_rules={{{name!r}: <the related model's DirectusRouter> or None}}",
                "code": "RELATION_RULE_UNKNOWN", "field": name})
        return HTTPException(status.HTTP_400_BAD_REQUEST, detail={
            "message": f"{how} the relation {name!r} is not supported under its related rule",
            "code": "RELATED_RULE_NOT_APPLIED", "field": name})

    def check_paths(self, paths: Iterable[str], how: str) -> None:
        """400 for a path reading through a relation whose rule is not declared open."""
        if not self.bound:
            return
        for path in paths:
            name = first_segment(path)
            crosses = path.lstrip("-") != name or self.is_many(name)
            if crosses and self.is_relation(name) and self.rules.get(name, False) is not None:
                raise self._refuse(name, how)

    def check_filters(self, keys: Iterable[str]) -> None:
        """400 for a filter keyword (``project__name__icontains``) reaching through such a relation."""
        if not self.bound:
            return
        for key in keys:
            try:
                crosses = split_to_many(self.schema, key) is not None or \
                    len(resolve_filter_key(self.schema, key).path) > 1
            except DirectusError:
                crosses = True  # refused as the query compiler would, or crossing: never let it pass
            name = first_segment(key)
            if crosses and self.is_relation(name) and self.rules.get(name, False) is not None:
                raise self._refuse(name, "filtering through")

    def hidden(self) -> list[str]:
        """The to-many fields whose key lists a whole-row answer leaves out (the keys of other
        tenants' rows are not the caller's to see)."""
        if not self.bound:
            return []
        return [n for n in self.schema.field_names()
                if self.is_many(n) and self.rules.get(n, False) is not None]

    def is_many(self, name: str) -> bool:
        info = self.schema.get_field(name)
        return info is not None and info.relation is not None and info.relation.many

    async def check_write(self, request: Request, values: Mapping[str, Any],
                          exempt: Iterable[str] = ()) -> None:
        """A write setting a relation: allowed when open; a many-to-one key must be a row the related
        router serves (403 ``OUTSIDE_RELATED_RULE``); else 400."""
        if not self.bound:
            return
        skip = set(exempt)
        for name, value in values.items():
            if name in skip or value is None or value == [] or not self.is_relation(name):
                continue
            if name not in self.rules:
                raise self._refuse(name, "writing")
            related = self.rules[name]
            if related is None:
                continue
            if self.is_many(name):
                raise self._refuse(name, "writing")
            key = getattr(value, "pk", value)
            if isinstance(value, Mapping):
                key = value.get(related.pk_name)
            qs = await related.get_queryset(request, {})
            if key is None or not await qs.filter(**{related.pk_name: key}).exists():
                raise HTTPException(status.HTTP_403_FORBIDDEN, detail={
                    "message": f"{name!r} names a {related.model.__name__} this request may not use",
                    "code": "OUTSIDE_RELATED_RULE", "field": name})
