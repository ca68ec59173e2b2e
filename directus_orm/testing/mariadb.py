"""MariaDB for the test harness, from Debian's packages unpacked into the cache (no root, no install).

No registry package ships MySQL or MariaDB server binaries (as ``pgserver`` does for PostgreSQL), so
the server comes from Debian's own packages: ``apt-get download`` (no root needed, only apt's package
lists) of ``PACKAGES``, ``dpkg -x`` of each into ``$DIRECTUS_ORM_CACHE/mariadb-<version>``, run with
``LD_LIBRARY_PATH`` pointing into it. Each server gets a fresh data directory in a temporary working
directory (``mariadb-install-db``), listens on 127.0.0.1 and a socket in that directory, and is stopped
with the process that started it. Databases are ``utf8mb4`` with the ``utf8mb4_unicode_ci`` collation
(case- and accent-insensitive, as production MySQL/MariaDB databases usually are).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import LocalServerError
from .local import cache_root, file_lock, free_port
from .services import _stop_process, _wait_for_port

PACKAGES = ("mariadb-server-core", "mariadb-client-core", "mariadb-client", "mariadb-common",
            "libaio1", "liburing2", "libnuma1")
"""What ``mariadbd``, ``mariadb-install-db``, ``mariadb`` and ``mariadb-dump`` need beyond a base Debian."""
CHARSET = "utf8mb4"
COLLATION = "utf8mb4_unicode_ci"
USER = "directus"
PASSWORD = "directus"  # a throw-away server on loopback


def _log(msg: str) -> None:
    print(f"[mariadb] {msg}", file=sys.stderr, flush=True)


def _candidate() -> str | None:
    """The upstream version apt would download (``1:10.11.19-0+deb12u1`` -> ``10.11.19``), or None."""
    if shutil.which("apt-cache") is None:
        return None
    out = subprocess.run(["apt-cache", "policy", PACKAGES[0]], capture_output=True, text=True).stdout
    found = re.search(r"Candidate:\s*(?:\d+:)?(\d+(?:\.\d+)+)", out)
    return found.group(1) if found else None


def _cached() -> list[Path]:
    root = cache_root()
    if not root.is_dir():
        return []
    homes = [path for path in root.glob("mariadb-*") if (path / ".complete").exists()]
    return sorted(homes, key=lambda path: [int(part) for part in path.name.split("-", 1)[1].split(".")])


def _no_packages_message() -> str:
    return (
        "MariaDB for the test harness comes from Debian's packages (apt-get download, no root needed), "
        f"but apt knows no {PACKAGES[0]}: its package lists are missing. Run `sudo apt-get update` once "
        "(as root the harness runs it itself), or install MariaDB yourself, start Directus on it and set "
        "DIRECTUS_TEST_URL / DIRECTUS_TEST_TOKEN (see docs/testing.md)."
    )


def mariadb_home() -> Path:
    """The unpacked packages (``usr/bin``, ``usr/sbin``, ``usr/lib``, ``usr/share``): apt's candidate
    version, downloaded on first use; a cached one when apt has no candidate."""
    version = _candidate()
    if version is None and os.geteuid() == 0 and shutil.which("apt-get"):
        _log("apt has no package lists: apt-get update")
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        version = _candidate()
    if version is None:
        cached = _cached()
        if cached:
            return cached[-1]
        raise LocalServerError(_no_packages_message())
    home = cache_root() / f"mariadb-{version}"
    if not (home / ".complete").exists():
        try:
            _unpack(home)
        except LocalServerError as exc:
            cached = _cached()
            if not cached:
                raise
            # Stale apt lists name a version the mirror no longer has: the cached one still serves.
            _log(f"{exc}\nusing the cached {cached[-1].name}")
            return cached[-1]
    return home


def _unpack(home: Path) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(home.parent / f".{home.name}.lock"):
        if (home / ".complete").exists():
            return
        _log(f"downloading {', '.join(PACKAGES)} (apt-get download) into {home}")
        started = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{home.name}-", dir=home.parent))
        debs = tmp / "debs"
        debs.mkdir()
        # As root apt downloads as its sandbox user, who cannot write into a private cache.
        sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
        done = subprocess.run(["apt-get", "download", "-q", *sandbox, *PACKAGES], cwd=debs,
                              capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise LocalServerError(f"apt-get download {' '.join(PACKAGES)} failed:\n{done.stderr[-2000:]}")
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        shutil.rmtree(debs)
        missing = _missing_libraries(tmp)
        if missing:
            shutil.rmtree(tmp, ignore_errors=True)
            names = ", ".join(missing)
            raise LocalServerError(f"mariadbd needs system libraries this machine lacks: {names}")
        (tmp / ".complete").write_text(f"{' '.join(PACKAGES)}\n")
        shutil.rmtree(home, ignore_errors=True)
        os.replace(tmp, home)
        _log(f"unpacked in {time.monotonic() - started:.0f} s")


def _env(home: Path) -> dict[str, str]:
    libs = home / "usr" / "lib" / "x86_64-linux-gnu"
    return dict(os.environ, LD_LIBRARY_PATH=f"{libs}{os.pathsep}{os.environ.get('LD_LIBRARY_PATH', '')}")


def _missing_libraries(home: Path) -> list[str]:
    if shutil.which("ldd") is None:
        return []
    out = subprocess.run(["ldd", str(home / "usr" / "sbin" / "mariadbd")], env=_env(home),
                         capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if "not found" in line]


@dataclass
class MariaDBServer:
    """One MariaDB on 127.0.0.1 (user ``directus``, all privileges; no durability: a throw-away test
    server). Same interface as :class:`~directus_orm.testing.services.PostgresServer`."""

    port: int = 0
    workdir: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _home: Path | None = None
    _templates: set[str] = field(default_factory=set)

    @property
    def version(self) -> str:
        assert self._home is not None
        return self._home.name.split("-", 1)[1]

    def start(self, timeout: float = 60.0) -> MariaDBServer:
        self._home = home = mariadb_home()
        self.port = self.port or free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="directus-orm-mariadb-"))
        data = self.workdir / "data"
        usr = home / "usr"
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        log = self.workdir / "mariadb.log"
        with open(log, "wb") as out:
            done = subprocess.run(
                [str(usr / "bin" / "mariadb-install-db"), "--no-defaults", f"--basedir={usr}",
                 f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db",
                 "--skip-name-resolve", *as_root],
                stdout=out, stderr=subprocess.STDOUT, env=_env(home), cwd=self.workdir,
            )
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-3000:]
            raise LocalServerError(f"mariadb-install-db failed; see {log}:\n{tail}")
        out = open(log, "ab")  # noqa: SIM115 - owned by the process
        self._process = subprocess.Popen(
            [str(usr / "sbin" / "mariadbd"), "--no-defaults", f"--basedir={usr}", f"--datadir={data}",
             "--bind-address=127.0.0.1", f"--port={self.port}", f"--socket={self._socket()}",
             f"--pid-file={self.workdir / 'mariadbd.pid'}", f"--tmpdir={self.workdir}",
             f"--lc-messages-dir={usr / 'share' / 'mysql'}", "--skip-log-bin", "--skip-name-resolve",
             f"--character-set-server={CHARSET}", f"--collation-server={COLLATION}",
             "--max-connections=500", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
             "--sync-binlog=0", *as_root],
            stdout=out, stderr=subprocess.STDOUT, env=_env(home), cwd=self.workdir, start_new_session=True,
        )
        _wait_for_port(self.port, self._process, "MariaDB", log, timeout)
        self.sql(f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; "
                 f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'127.0.0.1' WITH GRANT OPTION")
        return self

    def _socket(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "mariadbd.sock"

    def _client(self, tool: str) -> list[str]:
        assert self._home is not None
        tool_path = self._home / "usr" / "bin" / tool
        return [str(tool_path), "--no-defaults", f"--socket={self._socket()}", "--user=root"]

    def sql(self, statement: str, database: str = "mysql") -> str:
        assert self._home is not None
        done = subprocess.run([*self._client("mariadb"), "-N", "-B", "-e", statement, database],
                              check=True, capture_output=True, text=True, env=_env(self._home))
        return done.stdout

    def dump(self, database: str, path: Path) -> None:
        assert self._home is not None
        with open(path, "wb") as out:
            subprocess.run([*self._client("mariadb-dump"), "--single-transaction", "--skip-comments",
                            database], check=True, stdout=out, env=_env(self._home))

    def restore(self, path: Path, database: str) -> None:
        assert self._home is not None
        with open(path, "rb") as dump:
            subprocess.run([*self._client("mariadb"), database], check=True, stdin=dump, env=_env(self._home))

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database; with ``template``, a copy of that one (MariaDB has no ``CREATE DATABASE ...
        TEMPLATE``: its dump is piped into the new one)."""
        assert self._home is not None
        self.sql(f"CREATE DATABASE `{name}` CHARACTER SET {CHARSET} COLLATE {COLLATION}")
        if template is not None:
            env = _env(self._home)
            dump = subprocess.Popen([*self._client("mariadb-dump"), "--single-transaction", "--skip-comments",
                                     template], stdout=subprocess.PIPE, env=env)
            load = subprocess.run([*self._client("mariadb"), name], stdin=dump.stdout, env=env)
            assert dump.stdout is not None
            dump.stdout.close()
            if dump.wait() != 0 or load.returncode != 0:
                raise LocalServerError(f"copying MariaDB database {template} into {name} failed")
        return name

    def drop_database(self, name: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS `{name}`")

    def directus_environment(self, database: str) -> dict[str, str]:
        """Directus's settings for ``database`` on this server (its ``mysql`` client, ``mysql2``)."""
        return {"DB_CLIENT": "mysql", "DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_USER": USER,
                "DB_PASSWORD": PASSWORD, "DB_DATABASE": database}

    def stop(self) -> None:
        _stop_process(self._process, signal.SIGTERM)  # SIGTERM: mariadbd's normal shutdown
        self._process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> MariaDBServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_shared: MariaDBServer | None = None


def shared_mariadb() -> MariaDBServer:
    """One MariaDB per process, started on first use and stopped at exit; each Directus gets its own
    database in it."""
    global _shared
    if _shared is None:
        _shared = MariaDBServer().start()
        atexit.register(_shared.stop)
    return _shared
