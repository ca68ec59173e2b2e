"""The harness's cache of compiled native Node modules (directus_orm/testing/native.py), on fake
installs whose ``node`` loads a module when its build says "good"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directus_orm.testing import native

FAKE_NODE = """#!/bin/sh
if [ "$1" = "-p" ]; then echo 127; exit 0; fi
module=$(echo "$2" | sed 's/require("\\(.*\\)")/\\1/')
grep -q good node_modules/"$module"/out/*.node 2>/dev/null
"""


def install(root: Path, build: str | None = None) -> Path:
    node = native.node_binary(root)
    node.parent.mkdir(parents=True)
    node.write_text(FAKE_NODE)
    node.chmod(0o755)
    package = root / "node_modules" / "isolated-vm"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "isolated-vm", "version": "5.0.3",
                                                       "scripts": {"install": "node-gyp rebuild"}}))
    if build is not None:
        (package / "out").mkdir()
        (package / "out" / "isolated_vm.node").write_text(build)
    return root


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIRECTUS_ORM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_build_is_kept_and_reused_by_the_next_install(tmp_path: Path, cache: Path) -> None:
    built = install(tmp_path / "a", build="good")
    abi = native.node_abi(built, {})
    assert abi == "127" and native.loads(built, {}, "isolated-vm")
    native.remember(built, "isolated-vm", abi)
    assert (cache / "native" / "isolated-vm@5.0.3-abi127-linux-x64" / "out" / "isolated_vm.node").is_file()
    fresh = install(tmp_path / "b")
    assert not native.loads(fresh, {}, "isolated-vm")
    assert native.restore(fresh, {}, "isolated-vm", abi)
    assert (fresh / "node_modules" / "isolated-vm" / "out" / "isolated_vm.node").read_text() == "good"
    assert not native.restore(fresh, {}, "isolated-vm", "115")  # another Node ABI: nothing cached


def test_a_cached_build_that_does_not_load_is_not_used(tmp_path: Path, cache: Path) -> None:
    native.remember(install(tmp_path / "a", build="broken"), "isolated-vm", "127")
    assert not native.restore(install(tmp_path / "b"), {}, "isolated-vm", "127")  # the caller rebuilds


def test_scripted_packages_are_installed_packages_only(tmp_path: Path) -> None:
    root = install(tmp_path / "a")
    example = root / "node_modules" / "isolated-vm" / "native-example"
    example.mkdir()
    (example / "package.json").write_text(json.dumps({"name": "example", "scripts": {"install": "x"}}))
    scoped = root / "node_modules" / "@s" / "gyp"
    scoped.mkdir(parents=True)
    (scoped / "package.json").write_text(json.dumps({"name": "@s/gyp"}))
    (scoped / "binding.gyp").write_text("{}")
    plain = root / "node_modules" / "plain"
    plain.mkdir()
    (plain / "package.json").write_text(json.dumps({"name": "plain", "scripts": {"test": "x"}}))
    assert native.scripted_packages(root) == ["@s/gyp", "isolated-vm"]
