"""README links that work on the package index too: ``python -m devtools.readme_links [--fix]``.

PyPI shows README.md without the repository around it, so a relative link (``docs/queries.md``) is
broken there. Each link must be absolute: docs pages point at the documentation site, other files at the
repository. ``--fix`` rewrites relative links that way; without it, the relative ones are listed (exit 1).
tests/unit/test_readme_links.py runs the check and also checks that each absolute link names a page or file
that exists here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS_SITE = "https://directus-orm.github.io/directus-orm/"
REPOSITORY = "https://github.com/directus-orm/directus-orm/blob/main/"
#: ``[text](target)`` (not images' inner brackets); the target up to its closing parenthesis.
LINK = re.compile(r"\]\(([^)\s]+)\)")


def absolute(target: str) -> str:
    """The absolute form of a README link target (absolute and in-page links unchanged)."""
    if re.match(r"[a-z]+:", target) or target.startswith("#"):
        return target
    path, _, anchor = target.partition("#")
    fragment = f"#{anchor}" if anchor else ""
    if path.startswith("docs/") and path.endswith(".md"):
        page = path.removeprefix("docs/").removesuffix(".md").removesuffix("index").rstrip("/")
        return DOCS_SITE + (f"{page}/" if page else "") + fragment
    return REPOSITORY + path + fragment


def relative_links(text: str) -> list[str]:
    return [t for t in LINK.findall(text) if absolute(t) != t]


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if "--fix" in argv:
        readme.write_text(LINK.sub(lambda m: f"]({absolute(m.group(1))})", text))
        return 0
    found = relative_links(text)
    for target in found:
        print(f"README.md: relative link {target} (python -m devtools.readme_links --fix)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
