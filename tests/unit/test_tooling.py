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
