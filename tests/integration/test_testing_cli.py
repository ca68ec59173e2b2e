"""``python -m directus_orm.testing run`` as a user runs it (a subprocess against real instances): the
cluster listens on --port and the port after it and takes --env; when an instance dies, ``run`` says
which and the other keeps serving; it exits 1 once none is left; a taken --port is refused at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from directus_orm.exceptions import LocalServerError
from directus_orm.testing import ADMIN_EMAIL, ADMIN_PASSWORD, DirectusServer
from directus_orm.testing.local import free_port, port_in_use

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # subprocesses: not replayable

START_TIMEOUT = 300  # a cold PostgreSQL template and two Directus starts on a loaded machine


def two_free_ports() -> int:
    """A port P with P and P + 1 free on 127.0.0.1."""
    for _ in range(50):
        port = free_port()
        if port < 65535 and not port_in_use(port + 1):
            return port
    raise AssertionError("no two consecutive free ports")


class Run:
    """``python -m directus_orm.testing run ...`` in the background, its output in files."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.out, self.err = tmp_path / "run.out", tmp_path / "run.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "directus_orm.testing", "run", *args],
                                            stdout=out, stderr=err)

    def text(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait_for(self, check: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if check(text):
                return text
            if self.process.poll() is not None:
                raise AssertionError(f"run exited ({self.process.returncode}):\n{self.text()}")
            time.sleep(0.5)
        raise AssertionError(f"not seen within {timeout} s:\n{self.text()}")

    def instance_pid(self, port: int) -> int:
        """The node process ``run`` started for the instance on ``port`` (its child with PORT=port)."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                environ = (proc / "environ").read_bytes().split(b"\0") if ppid == self.process.pid else []
            except (OSError, IndexError, ValueError):
                continue
            if f"PORT={port}".encode() in environ:
                return int(proc.name)
        raise AssertionError(f"no instance of run on port {port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # run stops its servers, like Ctrl-C
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    started: list[Run] = []

    def start(*args: str) -> Run:
        started.append(Run(tmp_path, *args))
        return started[-1]

    yield start
    for run in started:
        run.stop()


def ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server/ping", timeout=5) as answer:
            return bool(answer.read() == b"pong")
    except OSError:
        return False


def login_expires(url: str) -> int:
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    request = urllib.request.Request(f"{url}/auth/login", method="POST", data=body,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(json.load(answer)["data"]["expires"])


def test_cluster_takes_port_and_env_and_survives_losing_one_instance(runs: Callable[..., Run]) -> None:
    port = two_free_ports()
    a, b = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
    run = runs("--cluster", "--port", str(port), "--env", "ACCESS_TOKEN_TTL=8s")
    out = run.wait_for(lambda text: "DIRECTUS_TOKEN" in text, START_TIMEOUT)
    assert f"cluster at {a} {b} " in out
    assert ping(a) and ping(b)
    assert login_expires(a) == 8000 and login_expires(b) == 8000  # 900000 (15 min) when --env was ignored

    os.kill(run.instance_pid(port + 1), signal.SIGKILL)
    run.wait_for(lambda text: f"Directus at {b} exited (killed by SIGKILL); still serving: {a}" in text, 30)
    time.sleep(1)
    assert run.process.poll() is None and ping(a) and login_expires(a) == 8000 and not ping(b)

    os.kill(run.instance_pid(port), signal.SIGKILL)
    assert run.process.wait(timeout=60) == 1
    assert f"Directus at {a} exited (killed by SIGKILL); none is left" in run.text()


def test_a_single_server_that_dies_ends_run_with_1_saying_so(runs: Callable[..., Run]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = runs("--port", str(port))  # on the leg's database (DIRECTUS_ORM_DB)
    run.wait_for(lambda text: "DIRECTUS_TOKEN" in text, START_TIMEOUT)
    assert ping(url)
    os.kill(run.instance_pid(port), signal.SIGTERM)
    assert run.process.wait(timeout=60) == 1
    assert f"Directus at {url} exited (" in run.text() and "none is left" in run.text()


@pytest.mark.parametrize("cluster", [False, True])
def test_a_taken_port_is_refused_at_once(runs: Callable[..., Run], cluster: bool) -> None:
    """The port asked for, or (cluster) the next one, held by another listener: run says which and exits
    2 before starting anything (the instances used to listen elsewhere, or Directus died on EADDRINUSE)."""
    port = two_free_ports()
    taken = port + 1 if cluster else port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        run = runs(*(["--cluster"] if cluster else []), "--port", str(port))
        assert run.process.wait(timeout=60) == 2
        assert f"--port {port}: port {taken} on 127.0.0.1 is taken" in run.text()
        with pytest.raises(LocalServerError, match=rf"port {taken} on 127.0.0.1 is taken"):
            DirectusServer(port=taken).start()
