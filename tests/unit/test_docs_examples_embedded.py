"""Every Python example the docs show is code the suite runs: each ```python block of docs/**/*.md only
embeds a section of a script in docs/examples (pymdownx.snippets; tests/integration/test_docs_examples.py
runs every script against a real Directus), each python block of README.md (which the package index shows
as it is, so it cannot embed) is a section of such a script verbatim, and each section is shown somewhere
or listed here as deliberately not."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"

#: Sections marked in docs/examples that no page shows, with why.
NOT_EMBEDDED: dict[str, str] = {}
#: A block that shows another library's code (the py-directus side of "Coming from py-directus") says so
#: on its first line: it cannot run here.
OTHER_LIBRARY = "# py-directus"

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
EMBED = re.compile(r'^--8<-- "(?P<file>[^":]+\.py):(?P<section>[A-Za-z0-9_-]+)"$')
MARKER = re.compile(r"^\s*# --8<-- \[(?P<which>start|end):(?P<name>[^\]]+)\]\s*$")


def _blocks(text: str) -> list[tuple[int, str, str]]:
    """The fenced blocks of a markdown text: (line number, language, content dedented)."""
    found: list[tuple[int, str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, ticks = opening["indent"], opening["ticks"]
        language = opening["info"].split()[0].lower() if opening["info"].strip() else ""
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^{re.escape(indent)}{ticks}\s*$", lines[j]):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        found.append((i + 1, language, "\n".join(body)))
        i = j + 1
    return found


def _python_blocks(page: Path) -> list[tuple[int, str]]:
    return [(line, body) for line, language, body in _blocks(page.read_text())
            if language in {"python", "py", "python3"}]


def _sections(script: Path) -> dict[str, str]:
    """A script's sections as the page shows them: the lines between the markers, other markers left
    out, dedented (mkdocs.yml sets dedent_subsections)."""
    sections: dict[str, list[str]] = {}
    open_: list[str] = []
    for line in script.read_text().split("\n"):
        marker = MARKER.match(line)
        if marker:
            name = marker["name"]
            if marker["which"] == "start":
                assert name not in sections, f"{script.name}: section {name} marked twice"
                sections[name] = []
                open_.append(name)
            else:
                assert name in open_, f"{script.name}: section {name} ends before it starts"
                open_.remove(name)
            continue
        for name in open_:
            sections[name].append(line)
    assert not open_, f"{script.name}: sections {open_} never end"
    return {name: textwrap.dedent("\n".join(body)).strip("\n") for name, body in sections.items()}


def _all_sections() -> dict[tuple[str, str], str]:
    return {(script.relative_to(EXAMPLES).as_posix(), name): text for script in sorted(EXAMPLES.rglob("*.py"))
            for name, text in _sections(script).items()}


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _embeds(body: str) -> list[tuple[str, str]] | None:
    """The (file, section) pairs a block embeds, or None if it holds anything else."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    matches = [EMBED.match(line) for line in lines]
    if not lines or not all(matches):
        return None
    return [(m["file"], m["section"]) for m in matches if m]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_python_block_embeds_a_section_that_exists(page: Path) -> None:
    sections = _all_sections()
    problems = []
    for line, body in _python_blocks(page):
        if body.lstrip().startswith(OTHER_LIBRARY):
            continue
        embeds = _embeds(body)
        if embeds is None:
            problems.append(f"{page.name}:{line}: a python block that is not an embed of docs/examples")
            continue
        problems += [f"{page.name}:{line}: {file}:{section} does not exist"
                     for file, section in embeds if (file, section) not in sections]
    assert problems == []


def test_every_section_is_shown_or_listed() -> None:
    shown = {pair for page in _pages() for _, body in _python_blocks(page) for pair in _embeds(body) or []}
    readme = {text for _, text in _readme_blocks()}
    unused = [f"{file}:{name}" for (file, name), text in _all_sections().items()
              if (file, name) not in shown and text not in readme and f"{file}:{name}" not in NOT_EMBEDDED]
    assert unused == []
    assert not set(NOT_EMBEDDED) - {f"{file}:{name}" for file, name in _all_sections()}


def _readme_blocks() -> list[tuple[int, str]]:
    return [(line, body.strip("\n")) for line, body in _python_blocks(ROOT / "README.md")]


def test_every_readme_python_block_is_a_section_of_an_example() -> None:
    """The README cannot embed (the package index shows it as it is): each of its python blocks is,
    verbatim, a section of a script the suite runs."""
    sections = set(_all_sections().values())
    missing = [f"README.md:{line}" for line, body in _readme_blocks() if body not in sections]
    assert _readme_blocks() and missing == []


def test_the_parser_sees_blocks_and_sections() -> None:
    page = "text\n\n    ```python\n    --8<-- \"a.py:x\"\n    ```\n\n```bash\nls\n```\n"
    assert _blocks(page) == [(3, "python", '--8<-- "a.py:x"'), (7, "bash", "ls")]
    assert _embeds('--8<-- "a.py:x"\n') == [("a.py", "x")]
    assert _embeds('import os\n--8<-- "a.py:x"') is None


def _collection_names(script: Path) -> list[str]:
    """The collection names a script spells out: ``Meta.collection`` values and ``"collection"`` keys of
    dict literals (request bodies), module-level constants resolved; an f-string by its literal start."""
    tree = ast.parse(script.read_text())
    constants: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else node.targets
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(targets, values, strict=False):
                if isinstance(target, ast.Name):
                    constants[target.id] = value

    def text(value: ast.expr | None) -> str | None:
        if isinstance(value, ast.Name) and value.id in constants:
            value = constants[value.id]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
        if isinstance(value, ast.JoinedStr):
            first = value.values[0] if value.values else None
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
        return None

    found: list[str | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Meta":
            found += [text(item.value) for item in node.body if isinstance(item, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == "collection" for t in item.targets)]
        elif isinstance(node, ast.Dict):
            found += [text(value) for key, value in zip(node.keys, node.values, strict=True)
                      if isinstance(key, ast.Constant) and key.value == "collection"]
    return [name for name in found if name is not None]


SCRIPTS = sorted(EXAMPLES.rglob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_examples_use_collection_names_of_their_own(script: Path) -> None:
    """Examples must never drop or overwrite a collection a user may have: what they create is named
    ``docs_<page>_...`` (system collections, ``directus_*``, are only read or extended)."""
    names = _collection_names(script)
    assert [n for n in names if not n.startswith(("docs_", "directus_"))] == []


def test_the_collection_name_check_finds_names() -> None:
    """Some examples only use system collections or start their own server: most declare collections, so
    a reader that found none would prove nothing."""
    assert sum(bool(_collection_names(script)) for script in SCRIPTS) >= len(SCRIPTS) // 2
