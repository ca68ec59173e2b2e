"""The ``directus-orm`` console script: one ``argparse`` parser, one subcommand per registered command.

A command registers itself with :func:`register` (name, help, a function adding its arguments, a
coroutine running it); the schema commands are registered here, others (``relay``) plug in the same way.
"""

from __future__ import annotations

from .main import main
from .registry import Command, register

__all__ = ["Command", "main", "register"]
