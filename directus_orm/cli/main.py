"""The entry point of the ``directus-orm`` console script."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from ..exceptions import DirectusError
from . import relay_command, schema_commands  # noqa: F401  (register relay, inspect, migrate, check)
from .registry import EXIT_ERROR, Command, build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``directus-orm ARGS``; returns the exit code."""
    args = build_parser().parse_args(argv)
    command: Command = args._command
    try:
        return asyncio.run(command.run(args))
    except DirectusError as exc:
        print(f"directus-orm {command.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:  # pragma: no cover
        return 130
