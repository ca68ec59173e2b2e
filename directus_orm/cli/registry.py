"""Subcommand registry and the entry point."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

__all__ = ["COMMANDS", "EXIT_ERROR", "Command", "build_parser", "register"]

EXIT_ERROR = 2
"""Exit codes: 0 done (no difference), 1 differences found (``check``), 2 an error."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]
    """Runs the command; returns the exit code."""


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Add a subcommand (a later registration of the same name replaces the earlier one)."""
    COMMANDS[command.name] = command
    return command


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (defaults: the library's settings)")
    group.add_argument("--alias", default="default", help="the connection alias to use (default: default)")
    group.add_argument("--url", help="the Directus URL (overrides the alias's)")
    group.add_argument("--token", help="a static token (overrides the alias's credentials); "
                                       "DIRECTUS_TOKEN is read too")


def build_parser() -> argparse.ArgumentParser:
    """The parser for every registered command (import the modules registering them first)."""
    parser = argparse.ArgumentParser(prog="directus-orm", description="directus-orm command line tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in sorted(COMMANDS.values(), key=lambda c: c.name):
        cmd_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        _connection_arguments(cmd_parser)
        command.add_arguments(cmd_parser)
        cmd_parser.set_defaults(_command=command)
    return parser
