"""The `directus-orm` command lines of docs/schema.md, run as written (docs/examples/schema_commands.sh)
from a project directory holding `myapp/models.py`. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin), which
the commands read as the library's settings. Creates the docs_schema_books and docs_schema_authors
collections (it stops if one exists already) and drops them at the end."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COMMANDS = Path(__file__).with_name("schema_commands.sh")
COLLECTIONS = ["docs_schema_books", "docs_schema_authors"]
MODELS = '''
from __future__ import annotations

from pydantic import Field

from directus_orm import DirectusModel


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_schema_authors"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: Author | int | None = None

    class Meta:
        collection = "docs_schema_books"
'''


def rest(method: str, path: str) -> object:
    request = urllib.request.Request(f"{URL}{path}", method=method,
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = answer.read()
    return json.loads(body)["data"] if body else None


def sections() -> dict[str, list[list[str]]]:
    """Each section of the .sh file: its command lines, split as a shell would (comments dropped)."""
    found: dict[str, list[list[str]]] = {}
    current = None
    for line in COMMANDS.read_text().splitlines():
        if "--8<-- [start:" in line:
            current = found.setdefault(line.split("[start:")[1].rstrip("]"), [])
        elif "--8<-- [end:" in line:
            current = None
        elif current is not None and line.strip():
            current.append(shlex.split(line, comments=True))
    return found


def run(project: Path, expect: int, *commands: list[str]) -> list[str]:
    """Runs the commands side by side (each is a process start), checks their exit codes, and returns
    what each printed on standard output."""
    env = dict(os.environ, PYTHONPATH=str(project))
    started = [(argv, subprocess.Popen([str(Path(sys.executable).with_name(argv[0])), *argv[1:]], cwd=project,
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
               for argv in commands]
    outputs = []
    for argv, process in started:
        out, err = process.communicate(timeout=120)
        if process.returncode != expect:
            raise SystemExit(f"{shlex.join(argv)}: exit {process.returncode}, expected {expect}\n{out}{err}")
        print(f"$ {shlex.join(argv)}   (exit {process.returncode})")
        outputs.append(out)
    return outputs


def main(project: Path) -> None:
    commands = sections()
    (project / "myapp").mkdir()
    (project / "myapp" / "__init__.py").write_text("")
    (project / "myapp" / "models.py").write_text(MODELS)

    plan, apply, prune = commands["migrate"]
    print(run(project, 0, plan)[0].strip())
    run(project, 0, apply)
    print("  nothing left to do:", json.loads(run(project, 0, prune)[0]))

    every_collection, _ = run(project, 0, *commands["inspect"])
    print("  models of every collection:", every_collection.count("(DirectusModel)"))
    print("  models.py:", [line for line in (project / "models.py").read_text().splitlines()
                            if line.startswith("class ")])

    rest("DELETE", "/fields/docs_schema_books/pages")  # someone removes a field the model declares
    lines, as_json = run(project, 1, *commands["check"])
    print(lines.strip())
    print("  as JSON:", json.loads(as_json))


if __name__ == "__main__":
    taken = set(COLLECTIONS) & {row["collection"] for row in rest("GET", "/collections")}  # type: ignore[union-attr]
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
    finally:
        for name in COLLECTIONS:
            if name in {row["collection"] for row in rest("GET", "/collections")}:  # type: ignore[union-attr]
                rest("DELETE", f"/collections/{name}")
