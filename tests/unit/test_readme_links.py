"""README.md is also the package index page: its links are absolute and lead somewhere that exists."""

from __future__ import annotations

from devtools.readme_links import DOCS_SITE, LINK, REPOSITORY, ROOT, relative_links


def test_readme_links_are_absolute() -> None:
    assert relative_links((ROOT / "README.md").read_text()) == []


def test_readme_links_name_existing_pages_and_files() -> None:
    missing = []
    for target in LINK.findall((ROOT / "README.md").read_text()):
        path = target.partition("#")[0]
        if path.startswith(DOCS_SITE):
            page = path.removeprefix(DOCS_SITE).rstrip("/")
            docs = ROOT / "docs"
            if not ((docs / f"{page}.md").exists() or (docs / page / "index.md").exists()):
                missing.append(target)
        elif path.startswith(REPOSITORY) and not (ROOT / path.removeprefix(REPOSITORY)).exists():
            missing.append(target)
    assert missing == []
