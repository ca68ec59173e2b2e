"""Refusing a REST read of a collection without a model (``collection("x")``) that names a field the
collection lacks, on servers that do not refuse it themselves.

From Directus 11 on, REST answers such a read (a field in ``fields``, ``sort`` or ``filter``) with 403
``FORBIDDEN``, the field named; so does the library over GraphQL (``introspected.py``). Directus 10
answers it another way each time, measured on 10.13.4: a field in ``fields`` is left out of the answer
(``{}`` for one through a relation: a silently different answer), a filter key is an ``INVALID_QUERY``
and a sort field a database error (500). On servers older than 11 these reads are checked here first
against the GraphQL schema the connection's role sees, and refused with the ``Forbidden`` 11 and 12
send (unless the server refuses introspection, ``GRAPHQL_INTROSPECTION=false``: then the read is sent
unchecked). Models are not checked: their fields are declared, and a declared field the server leaves out of
its answer is deferred (reading it raises ``DeferredFieldError``).
"""

from __future__ import annotations

from typing import Any

from ..connection.client import Directus, collection_path
from ..connection.serverinfo import Version, server_info
from ..exceptions import GraphQLError, InvalidArgument
from .introspected import check_field_paths, check_filter_fields, introspect, needed_depth
from .query import Query
from .schema import OpenSchema

__all__ = ["FIELDS_REFUSED_SINCE", "refuse_unknown_fields"]

FIELDS_REFUSED_SINCE: Version = (11, 0, 0)
"""Directus refuses a field the collection lacks (403) from this version on; 10 leaves it out."""


async def refuse_unknown_fields(conn: Directus, query: Query) -> None:
    """Raise ``Forbidden`` before a REST read of ``query`` (a collection without a model) that names
    a field the collection lacks (or the role may not read), on a server older than 11."""
    schema = query.schema
    if not isinstance(schema, OpenSchema):
        return
    where: Any = query.filter_params().get("filter")
    named = (*(query.fields() or ()), *query.sort())
    paths = [p for p in named if p.lstrip("-") not in ("*", schema.pk_name)]
    if not paths and where is None:
        return  # the key and every field: nothing named that the server could leave out
    if (await server_info(conn)).at_least(FIELDS_REFUSED_SINCE) is not False:
        return
    collection = schema.collection
    try:
        described = await introspect(conn, collection, schema.pk_name, collection.startswith("directus_"),
                                     needed_depth(paths, where))
    except InvalidArgument:
        return  # a collection (or key) the role's GraphQL schema lacks: the server answers for itself
    except GraphQLError:
        return  # introspection refused (GRAPHQL_INTROSPECTION=false): not checked, sent as it is
    path = collection_path(collection)
    check_filter_fields(described, where, path)
    check_field_paths(described, paths, path)
