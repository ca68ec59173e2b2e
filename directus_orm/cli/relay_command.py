"""``directus-orm relay``: serve a websocket relay with uvicorn (needs the ``relay`` extra)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from ..exceptions import ImproperlyConfigured
from .registry import Command, register
from .settings import connection_for

__all__: list[str] = []


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    parser.add_argument("--config", metavar="MODULE:NAME",
                        help="a RelayConfig (or a function returning one) to serve; the options below "
                             "build one otherwise")
    parser.add_argument("--collection", action="append", default=[], metavar="NAME[:FIELD,FIELD]",
                        help="a collection clients may subscribe to, with its allowed fields (default: "
                             "every field the client may read); repeat for more")
    parser.add_argument("--origin", action="append", default=None, metavar="ORIGIN",
                        help="a browser origin allowed to connect, scheme://host[:port] (default: the "
                             "relay's own origin); "
                             "'*' allows any; repeat for more")
    parser.add_argument("--allow-missing-origin", action="store_true",
                        help="with --origin, also accept clients that send no Origin header (not browsers)")
    parser.add_argument("--allow-reads", action="store_true", help="also relay item reads")
    parser.add_argument("--max-queue", type=int, default=1000,
                        help="messages a client may fall behind before it is disconnected (default: 1000)")
    parser.add_argument("--path", default="/", help="the websocket path (default: /)")
    parser.add_argument("--metrics-path", default="/metrics", help="where metrics are served ('' for none)")
    parser.add_argument("--log-level", default="info", help="uvicorn's log level (default: info)")


def build_config(args: argparse.Namespace) -> Any:
    from ..contrib.relay import RelayConfig

    if args.config:
        return _load_config(args.config)
    if not args.collection:
        raise ImproperlyConfigured("pass --collection at least once (or --config)")
    collections: dict[str, list[str] | None] = {}
    for entry in args.collection:
        name, _, fields = entry.partition(":")
        collections[name] = [f for f in fields.split(",") if f] if fields else None
    return RelayConfig(
        connection=connection_for(args), collections=collections, origins=args.origin,
        allow_missing_origin=args.allow_missing_origin, allow_reads=args.allow_reads,
        max_queue=args.max_queue, path=args.path, metrics_path=args.metrics_path or None,
    )


def _load_config(target: str) -> Any:
    from ..contrib.relay import RelayConfig

    module_name, _, attr = target.partition(":")
    sys.path.insert(0, str(Path.cwd()))
    try:
        value = getattr(importlib.import_module(module_name), attr or "RELAY")
    except (ImportError, AttributeError) as exc:
        raise ImproperlyConfigured(f"cannot load {target!r}: {exc}") from None
    finally:
        sys.path.pop(0)
    if callable(value) and not isinstance(value, RelayConfig):
        value = value()
    if not isinstance(value, RelayConfig):
        raise ImproperlyConfigured(f"{target} is not a RelayConfig")
    return value


async def _relay(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..contrib.relay import Relay
    except ImportError:
        raise ImproperlyConfigured("the relay needs its extra: pip install 'directus-orm[relay]'") from None
    relay = Relay(build_config(args))
    # No access log: a client that puts a token in the URL would see it written there.
    config = uvicorn.Config(relay.app, host=args.host, port=args.port, log_level=args.log_level,
                            access_log=False, lifespan="on")
    await _server_class()(config, relay).serve()
    return 0


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """Closes the relay's clients with 1001 first: uvicorn's own shutdown closes open websockets
        with 1012 before the app's lifespan ends."""

        def __init__(self, config: uvicorn.Config, relay: Any) -> None:
            super().__init__(config)
            self.relay = relay

        async def shutdown(self, sockets: Any = None) -> None:
            await self.relay.close_clients()
            await super().shutdown(sockets)

    return Server


register(Command("relay", "serve a websocket relay: realtime for browsers without exposing Directus",
                 _arguments, _relay))
