"""A headless Chromium for the docs-site test: Debian's ``chromium`` package, installed when missing.

CI runs as root on Debian, so ``apt-get`` can install it; elsewhere an existing Chromium is used
(``CHROMIUM`` names another binary) and the site test is skipped with the reason when there is none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

#: Flags for a closed network: without the background-networking ones Chromium keeps trying (and
#: failing) to reach Google's hosts; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named
    return next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)


def ensure_chromium() -> str | None:
    """Chromium's path, installing Debian's package first when it is missing and we may (root, apt)."""
    found = chromium_path()
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("[devtools] installing Debian's chromium for the docs-site test", file=sys.stderr, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)  # type: ignore[call-overload]
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
                   check=False, **quiet)  # type: ignore[call-overload]
    return chromium_path()
