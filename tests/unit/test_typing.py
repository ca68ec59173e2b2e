"""mypy --strict infers model types through managers and QuerySets (no plugin needed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SNIPPET = '''
from typing import Any
from typing_extensions import assert_type
from directus_orm import DirectusModel, Manager, Q, QuerySet, collection


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None

    class Meta:
        collection = "languages"


class BookManager(Manager["Book"]):
    def published(self) -> QuerySet["Book"]:
        return self.filter(published=True)


class Book(DirectusModel):
    id: int | None = None
    published: bool = False
    objects = BookManager()


async def main() -> None:
    assert_type(Language.objects, Manager[Language])
    assert_type(Language.objects.filter(code="el"), QuerySet[Language])
    qs = Language.objects.filter(Q(code="el") | ~Q(name=None)).order_by("-name")[:3]
    assert_type(qs, QuerySet[Language])
    assert_type(await Language.objects.get(code="el"), Language)
    assert_type(await Language.objects.filter(code="el").get(), Language)
    assert_type(await Language.objects.all(), list[Language])
    assert_type(await Language.objects.all()[0], Language)
    assert_type(await Language.objects.first(), Language | None)
    assert_type(await Language.objects.get_or_create(code="x"), tuple[Language, bool])
    async for lang in Language.objects.exclude(code="x"):
        assert_type(lang, Language)
    assert_type(Book.objects, BookManager)
    assert_type(Book.objects.published(), QuerySet[Book])
    assert_type(await collection("things").filter(a=1), list[dict[str, Any]])
    el = await Language.objects.get(code="el")
    await el.save()
    try:
        await el.refresh_from_db()
    except Language.DoesNotExist:
        pass
    Language.objects.filter(code="el").sync.get()
'''


def test_mypy_infers_model_types(tmp_path: Path) -> None:
    path = tmp_path / "snippet.py"
    path.write_text(textwrap.dedent(SNIPPET))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"),
         str(path)],
        capture_output=True, text=True, cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_a_wrong_type(tmp_path: Path) -> None:
    """The check above can fail: a wrong assertion is reported."""
    path = tmp_path / "wrong.py"
    path.write_text(SNIPPET.replace("assert_type(await Language.objects.get(code=\"el\"), Language)",
                                    "assert_type(await Language.objects.get(code=\"el\"), Book)"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"),
         str(path)],
        capture_output=True, text=True, cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 1 and "assert-type" in result.stdout
