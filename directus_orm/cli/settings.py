"""The connection a command uses: the library's settings for ``--alias``, with ``--url`` / ``--token``
overriding them."""

from __future__ import annotations

import argparse

from ..connection import Directus, connections
from ..exceptions import ImproperlyConfigured

__all__ = ["connection_for"]


def connection_for(args: argparse.Namespace) -> Directus:
    if not args.url and not args.token:
        return connections[args.alias]
    try:
        conf = dict(connections.settings.get(args.alias) or {})
    except ImproperlyConfigured:
        conf = {}
    url = args.url or conf.get("url")
    if not url:
        raise ImproperlyConfigured(f"no URL: pass --url or configure the connection {args.alias!r}")
    if args.token:
        return Directus(url, token=args.token, alias=args.alias)
    conf.pop("page_size", None)
    conf["url"] = url
    return Directus(alias=args.alias, **conf)
