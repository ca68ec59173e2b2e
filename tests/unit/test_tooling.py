"""One definition of the check pipeline: tox runs ``python -m devtools test``, which runs the checks
listed once in devtools (ruff, mypy --strict, mkdocs --strict) and then pytest."""

from __future__ import annotations

import configparser
from pathlib import Path

from devtools.__main__ import CHECKS, COMMANDS

ROOT = Path(__file__).parents[2]


def test_tox_runs_the_devtools_pipeline() -> None:
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    commands = [line.strip() for line in tox["testenv"]["commands"].splitlines() if line.strip()]
    assert commands == ["python -m devtools test {posargs}"]
    assert "DEVTOOLS_PYTHON = {envpython}" in tox["testenv"]["setenv"]


def test_the_pipeline_has_every_check() -> None:
    steps = [" ".join(args) for _, args in CHECKS]
    assert any(step.startswith("-m ruff check directus_orm tests devtools") for step in steps)
    assert "-m mypy directus_orm" in steps
    assert any(step.startswith("-m mkdocs build --strict") for step in steps)
    assert {"check", "test", "gen-sync"} <= set(COMMANDS)


def test_the_commands_run_on_a_bare_python() -> None:
    """``python3 -m devtools ...`` starts on the machine's own Python, before the virtualenv exists: it
    may import only the standard library (the package and its dependencies run inside .venv)."""
    import ast
    import sys

    for module in ("__main__.py", "browser.py"):
        tree = ast.parse((ROOT / "devtools" / module).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and not node.level}
        assert imported - set(sys.stdlib_module_names) - {"devtools"} == set(), module
