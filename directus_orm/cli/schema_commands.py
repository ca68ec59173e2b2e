"""``inspect``, ``migrate`` and ``check``."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from ..exceptions import DirectusError, SchemaError
from ..models import DirectusModel
from ..schema import SchemaTools
from ..schema.plan import Step
from .registry import Command, register
from .settings import connection_for

__all__ = ["load_models"]


def load_models(target: str) -> list[type[DirectusModel]]:
    """The models a module defines: a dotted name (importable from the current directory) or a .py file."""
    sys.path.insert(0, str(Path.cwd()))
    try:
        if target.endswith(".py"):
            path = Path(target).resolve()
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise SchemaError(f"cannot load {target}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except DirectusError:
        raise
    except Exception as exc:  # a missing file, a syntax error, the module's own failure: not drift
        raise SchemaError(f"cannot import {target!r}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.pop(0)
    models = [v for v in vars(module).values()
              if isinstance(v, type) and issubclass(v, DirectusModel) and v.__module__ == module.__name__]
    if not models:
        raise SchemaError(f"{target} defines no DirectusModel")
    return models


def _print_steps(steps: list[Step], as_json: bool, label: str) -> None:
    if as_json:
        print(json.dumps([s.as_dict() for s in steps], indent=2))
    elif not steps:
        print(label)
    else:
        for step in steps:
            print(f"{step.kind:<18} {step.message}")


# -- inspect -----------------------------------------------------------------------------------------------
def _inspect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("collections", nargs="*", metavar="COLLECTION",
                        help="collections to write (default: every user collection; related ones follow)")
    parser.add_argument("-o", "--output", help="write to this file instead of the standard output")


async def _inspect(args: argparse.Namespace) -> int:
    conn = connection_for(args)
    code = await SchemaTools(conn).inspect(args.collections)
    if args.output:
        Path(args.output).write_text(code, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(code)
    return 0


# -- migrate -----------------------------------------------------------------------------------------------
def _module_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="the module holding the models (dotted name or path to a .py file)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _migrate_arguments(parser: argparse.ArgumentParser) -> None:
    _module_arguments(parser)
    parser.add_argument("--plan", action="store_true", help="show the changes, change nothing")
    parser.add_argument("--prune", action="store_true",
                        help="also drop fields of the models' collections that no model declares")
    parser.add_argument("--convert", action="store_true",
                        help="change a column's type even while it holds values (they are converted)")


async def _migrate(args: argparse.Namespace) -> int:
    models = load_models(args.module)
    conn = connection_for(args)
    if args.plan:
        steps = await SchemaTools(conn).plan(models, prune=args.prune)
        _print_steps(steps, args.json, "nothing to change")
        return 0

    def progress(i: int, n: int, step: Step) -> None:
        if not args.json:
            print(f"[{i}/{n}] {step.kind} {step.collection}{'.' + step.field if step.field else ''}",
                  file=sys.stderr, flush=True)

    steps = await SchemaTools(conn).migrate(models, prune=args.prune, convert=args.convert,
                                             progress=progress)
    _print_steps(steps, args.json, "nothing to change")
    return 0


# -- check -------------------------------------------------------------------------------------------------
async def _check(args: argparse.Namespace) -> int:
    models = load_models(args.module)
    differences = await SchemaTools(connection_for(args)).check(models)
    if args.json:
        out: Any = [d.as_dict() for d in differences]
        print(json.dumps(out, indent=2))
    elif not differences:
        print(f"{len(models)} model(s) match the server")
    else:
        for d in differences:
            print(f"{d.drift}: {d.message}")
    return 1 if differences else 0


register(Command("inspect", "print (or write) model code for the server's collections",
                 _inspect_arguments, _inspect))
register(Command("migrate", "create or alter collections, fields and relations to match the models",
                 _migrate_arguments, _migrate))
register(Command("check", "name every difference between the models and the server (exit 1 if any)",
                 _module_arguments, _check))
