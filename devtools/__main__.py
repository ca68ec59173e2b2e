"""The project's commands. Each one sets up what it needs first (virtualenv, Directus) and is safe to rerun.

    python3 -m devtools test [--directus V] [--db postgres|mariadb] [--no-checks] [pytest args]
                                             the checks below, then the whole suite on a real Directus
                                             (default: 12.4.0 on SQLite; directus_orm/testing/server.py)
    python3 -m devtools check                ruff, mypy --strict, mkdocs --strict (no server)
    python3 -m devtools provision [--directus V] [--db postgres]
                                             install what ``test`` with those options needs, run nothing
    python3 -m devtools demo                 start Directus, seed it, run example_project against it
    python3 -m devtools record [pytest args] re-record the offline cassettes from a real Directus
    python3 -m devtools bench [--quick ...]  the benchmark suite, in its own .venv-bench (bench/README.md)
    python3 -m devtools gen-sync             regenerate directus_orm/sync_faces.py (the typed sync faces)

A virtualenv is made in ``.venv/`` (ignored by git) and the project installed into it in editable mode
with its dev extras; it is re-synced whenever pyproject.toml changes. ``DEVTOOLS_PYTHON=<interpreter>``
runs the commands in another environment instead (tox sets it to its own: tox.ini runs ``test``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"


def _say(msg: str) -> None:
    print(f"[devtools] {msg}", file=sys.stderr, flush=True)


def ensure_venv() -> Path:
    """Create .venv and install the project with its dev extras (again when pyproject.toml changed)."""
    stamp = VENV / ".pyproject.sha256"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and stamp.exists() and stamp.read_text() == digest:
        return PY
    if not PY.exists():
        _say(f"creating virtualenv in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say("installing directus-orm[dev] into .venv")
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev]"], check=True)
    stamp.write_text(digest)
    return PY


def _python() -> Path:
    """The interpreter the checks run in: ``DEVTOOLS_PYTHON`` when set (tox sets its environment's),
    else .venv (created or synced first)."""
    chosen = os.environ.get("DEVTOOLS_PYTHON")
    return Path(chosen) if chosen else ensure_venv()


def _in_venv(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run([str(_python()), *args], cwd=ROOT, env=env).returncode


#: The static checks, in order: ``check`` runs them, ``test`` runs them and then pytest, tox runs
#: ``test``. ``{site}`` is a temporary directory.
CHECKS: list[tuple[str, list[str]]] = [
    ("ruff", ["-m", "ruff", "check", "directus_orm", "tests", "devtools", "example_project", "bench",
              "docs/examples"]),
    ("mypy --strict directus_orm", ["-m", "mypy", "directus_orm"]),
    ("mkdocs build --strict (broken links or nav entries fail the run)",
     ["-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", "{site}"]),
    ("package: sdist + wheel, twine check, what the wheel holds", ["-m", "devtools.package"]),
]


def cmd_check(extra: list[str]) -> int:
    """The static checks alone (no Directus, no pytest)."""
    with tempfile.TemporaryDirectory() as site:
        for label, args in CHECKS:
            _say(label)
            if _in_venv([arg.replace("{site}", site) for arg in args]):
                return 1
    return 0


def _server_options(extra: list[str], env: dict[str, str]) -> list[str]:
    """Take ``--directus V`` and ``--db NAME`` off the pytest arguments into the environment the
    harness reads (``DIRECTUS_ORM_DIRECTUS``, ``DIRECTUS_ORM_DB``)."""
    names = {"--directus": "DIRECTUS_ORM_DIRECTUS", "--db": "DIRECTUS_ORM_DB"}
    rest: list[str] = []
    args = iter(extra)
    for arg in args:
        option, eq, value = arg.partition("=")
        if option in names:
            value = value if eq else next(args, "")
            if not value:
                raise SystemExit(f"{option} needs a value")
            env[names[option]] = value
        else:
            rest.append(arg)
    return rest


def cmd_provision(extra: list[str]) -> int:
    """The virtualenv, Directus and the database ``test`` would use with the same options; nothing run.
    CI installs the other versions with it in the background while the first leg runs."""
    env = dict(os.environ)
    if rest := _server_options(extra, env):
        raise SystemExit(f"provision takes --directus and --db only, not {' '.join(rest)}")
    _python()
    return _in_venv(["-m", "directus_orm.testing", "provision", "--with-db"], env=env)


def cmd_test(extra: list[str]) -> int:
    _python()
    env = dict(os.environ)
    extra = _server_options(extra, env)
    checks = "--no-checks" not in extra  # a second CI leg: the checks do not depend on the server
    extra = [arg for arg in extra if arg != "--no-checks"]
    offline = env.get("DIRECTUS_ORM_OFFLINE") == "1"
    # Install (or find cached) Directus and the database before pytest starts, so their output is not
    # captured; in the virtualenv: the harness is part of the package, which this interpreter may lack.
    needs_server = not offline and not env.get("DIRECTUS_TEST_URL")
    if needs_server and _in_venv(["-m", "directus_orm.testing", "provision", "--with-db"], env=env):
        return 1
    if checks and cmd_check([]):
        return 1
    if not any(not arg.startswith("-") for arg in extra):
        # The whole suite opens the docs site in a real browser: install one where we can, then
        # require the site test to run rather than skip.
        from devtools.browser import ensure_chromium

        if ensure_chromium():
            env["DIRECTUS_ORM_REQUIRE_BROWSER"] = "1"
    _say("pytest" + (" (offline: replaying cassettes)" if offline else " (live Directus)"))
    if not offline and not any(not arg.startswith("-") for arg in extra):
        # The whole suite: integration tests must run, never skip quietly (a subset may be unit-only).
        env["DIRECTUS_ORM_REQUIRE_SERVER"] = "1"
    return _in_venv(["-m", "pytest", *extra], env=env)


def cmd_record(extra: list[str]) -> int:
    _python()
    env = dict(os.environ, DIRECTUS_ORM_RECORD="1", DIRECTUS_ORM_REQUIRE_SERVER="1")
    env.pop("DIRECTUS_ORM_OFFLINE", None)
    return _in_venv(["-m", "pytest", "-m", "not live_only", *extra], env=env)


def cmd_demo(extra: list[str]) -> int:
    _python()
    return _in_venv(["-m", "example_project", *extra])


BENCH_VENV = ROOT / ".venv-bench"
BENCH_PY = BENCH_VENV / "bin" / "python"
BENCH_REQUIREMENTS = ROOT / "bench" / "requirements.txt"


def _libmagic_missing() -> bool:
    """python-magic (a py-directus dependency) loads the system libmagic1 when imported."""
    probe = subprocess.run([str(BENCH_PY), "-c", "import magic"], capture_output=True, text=True)
    return probe.returncode != 0 and "libmagic" in probe.stderr


def ensure_bench_venv() -> Path:
    """Create .venv-bench: the project (``pip install -e .``) plus bench/requirements.txt (py-directus,
    pyinstrument), which never enter .venv. Re-synced when pyproject.toml or the requirements change."""
    stamp = BENCH_VENV / ".bench.sha256"
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + BENCH_REQUIREMENTS.read_bytes()
    ).hexdigest()
    if not (BENCH_PY.exists() and stamp.exists() and stamp.read_text() == digest):
        if not BENCH_PY.exists():
            _say(f"creating virtualenv in {BENCH_VENV}")
            venv.EnvBuilder(with_pip=True).create(BENCH_VENV)
        _say("installing directus-orm and bench/requirements.txt into .venv-bench")
        pip = [str(BENCH_PY), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", str(ROOT), "-r", str(BENCH_REQUIREMENTS)], check=True)
        stamp.write_text(digest)
    if _libmagic_missing():
        if os.geteuid() == 0 and shutil.which("apt-get"):
            _say("py-directus needs the system library libmagic1: apt-get install -y libmagic1")
            subprocess.run(["apt-get", "install", "-y", "-q", "libmagic1"], check=True)
        else:
            raise SystemExit(
                "py-directus (benchmark contender) imports python-magic, which needs the system library "
                "libmagic1. Install it (Debian/Ubuntu: sudo apt-get install libmagic1) and rerun."
            )
    return BENCH_PY


def cmd_bench(extra: list[str]) -> int:
    """The benchmark suite (bench/README.md): Directus is provisioned first so its install output is
    not mixed into the report."""
    py = ensure_bench_venv()
    if not any(arg.startswith("--url") for arg in extra):
        subprocess.run([str(py), "-m", "directus_orm.testing", "provision", "--with-db"], cwd=ROOT,
                       check=True)
    return subprocess.run([str(py), "-m", "bench", *extra], cwd=ROOT).returncode


def cmd_gen_sync(extra: list[str]) -> int:
    """Rewrite directus_orm/sync_faces.py from the async classes (devtools/gensync.py); run it after
    adding or changing a public method of a class with a ``.sync``."""
    return _in_venv(["-m", "devtools.gensync", *extra])


COMMANDS = {
    "check": cmd_check, "test": cmd_test, "demo": cmd_demo, "record": cmd_record, "bench": cmd_bench,
    "gen-sync": cmd_gen_sync, "provision": cmd_provision,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
