"""Build the release artefacts and check them: ``python -m devtools.package [OUTDIR]``.

Builds the sdist and the wheel (``python -m build --no-isolation``: hatchling comes with the dev extras),
runs ``twine check`` on both, and checks what the wheel holds: the package with ``py.typed``, the
``directus-orm`` console script and the license, and nothing else (no tests, bench, devtools, docs).
The test command runs it with the static checks; ``tests/integration/test_package_install.py`` installs
the wheel into fresh virtualenvs.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "directus_orm"
#: Top-level names the sdist may hold (besides its own PKG-INFO).
SDIST_ALLOWED = {PACKAGE, "docs", "README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml", "PKG-INFO"}


class PackageError(Exception):
    """A built artefact is not what a release needs."""


def build(outdir: Path, *, sdist: bool = True) -> tuple[Path, Path | None]:
    """Build the wheel (and the sdist) into ``outdir``; return their paths."""
    targets = ["--wheel", "--sdist"] if sdist else ["--wheel"]
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", *targets, "--outdir", str(outdir)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wheel = next(outdir.glob("*.whl"))
    return wheel, next(outdir.glob("*.tar.gz"), None)


def check_wheel(wheel: Path) -> None:
    """Raise PackageError when the wheel lacks what users need or ships what they must not get."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    tops = {name.split("/")[0] for name in names}
    problems = [f"unexpected top-level entry {top!r}" for top in sorted(tops - {PACKAGE, dist_info})]
    for needed in (f"{PACKAGE}/__init__.py", f"{PACKAGE}/py.typed", f"{dist_info}/licenses/LICENSE"):
        if needed not in names:
            problems.append(f"missing {needed}")
    if "directus-orm = directus_orm.cli:main" not in entry_points:
        problems.append("the directus-orm console script is not declared")
    problems += [f"ships {n}" for n in names if "/tests/" in n or n.endswith((".pyc", ".orig", ".rej"))]
    if problems:
        raise PackageError(f"{wheel.name}: " + "; ".join(problems))


def check_sdist(sdist: Path) -> None:
    """Raise PackageError when the sdist holds more than the package, its docs and metadata."""
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    root = names[0].split("/")[0]
    tops = {name.split("/")[1] for name in names if name.count("/") >= 1}
    extra = sorted(tops - SDIST_ALLOWED - {".gitignore"})
    if extra or not all(name.startswith(root) for name in names):
        raise PackageError(f"{sdist.name}: unexpected entries {extra}")


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        outdir = Path(argv[0]) if argv else Path(scratch)
        wheel, sdist = build(outdir)
        assert sdist is not None
        subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                       check=True)
        try:
            check_wheel(wheel)
            check_sdist(sdist)
        except PackageError as exc:
            print(f"package check failed: {exc}", file=sys.stderr)
            return 1
        print(f"built and checked {wheel.name}, {sdist.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
