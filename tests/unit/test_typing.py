"""mypy --strict infers model types through managers and QuerySets (no plugin needed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SNIPPET = '''
from typing import Annotated, Any
from typing_extensions import assert_type
from directus_orm import (
    Count, Directus, DirectusModel, Manager, ManyToMany, Page, Prefetch, Q, QuerySet, ResultStream, Sum,
    collection, connections,
)
from directus_orm.sync_faces import SyncQuerySet


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: "list[Novel | int]" = []


class Tag(DirectusModel):
    id: int | None = None
    name: str


class Novel(DirectusModel):
    id: int | None = None
    title: str
    author: Author | int | None = None
    tags: Annotated[list[Tag | int], ManyToMany(through="novels_tags", target="tags_id")] = []


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
    assert_type(Language.objects.filter(code="el").sync.get(), Language)
    novel = await Novel.objects.select_related("author").prefetch_related(
        "tags", Prefetch("author__books", queryset=Novel.objects.filter(title__icontains="x"))).get(pk=1)
    assert_type(novel.author, Author | int | None)
    assert_type(novel.tags, list[Tag | int])
    if isinstance(novel.author, Author):
        assert_type(novel.author.books, list[Novel | int])
    novel.author = Author(name="new")  # nested save
    novel.author = 3
    novel.tags = [1, Tag(name="t")]
    assert_type(Novel.objects.only("title").defer("tags"), QuerySet[Novel])
    assert_type(await Novel.objects.values("title", "author__name"), list[dict[str, Any]])
    assert_type(Novel.objects.values_list("id", flat=True), QuerySet[Any])
    assert_type(await Novel.objects.aggregate(Sum("id"), n=Count("*")), dict[str, Any])
    assert_type(Author.objects.annotate(n=Count("books")), QuerySet[Author])
    assert_type(Novel.objects.values("author").annotate(n=Count("id")), QuerySet[dict[str, Any]])
    assert_type(await Novel.objects.all()[:10].with_meta(), Page[Novel])
    assert_type(Novel.objects.filter(title="x").values("id").distinct(), QuerySet[dict[str, Any]])


def sync_code(el: Language) -> None:
    """The sync face (obj.sync): each coroutine method as a blocking one, same parameters."""
    assert_type(Language.objects.sync.get(pk=1), Language)
    assert_type(Language.objects.filter(code="el").sync.first(), Language | None)
    assert_type(Language.objects.sync.get_or_create(code="x"), tuple[Language, bool])
    assert_type(Language.objects.sync.bulk_create([el], batch_size=10), list[Language])
    assert_type(Language.objects.all().sync[0], Language)
    assert_type(Language.objects.all().sync[:3], list[Language])
    # A chain begun on the sync face stays on it: its terminal calls block, its rows iterate.
    assert_type(Language.objects.sync.filter(code="el"), SyncQuerySet[Language])
    assert_type(Language.objects.sync.filter(code="el").exclude(name="x").order_by("-id").count(), int)
    assert_type(Language.objects.sync.all()[:2], list[Language])
    assert_type(Language.objects.sync.filter(code="el").first(), Language | None)
    assert_type(Language.objects.sync.values("code").first(), dict[str, Any] | None)
    assert_type([lang for lang in Language.objects.sync.filter(code="el")], list[Language])
    assert_type(Book.objects.sync.exclude(published=True).count(), int)
    assert_type(Language.objects.filter(code="el").sync.exclude(name="x").exists(), bool)
    assert_type(Language.objects.sync.iterator(100), ResultStream[Language])
    assert_type(Language.objects.all().sync.count(), int)
    assert_type(Book.objects.sync.count(), int)
    assert_type(collection("things").sync.get(pk=1), dict[str, Any])
    assert_type(Novel.objects.values("title").sync.first(), dict[str, Any] | None)
    assert_type(el.sync.save(update_fields=["name"]), None)
    assert_type(el.sync.delete(), tuple[int, dict[str, int]])
    assert_type(el.sync.is_stored, bool)
    conn = Directus("http://127.0.0.1:8055", token="t")
    assert_type(conn.sync.me(), dict[str, Any])
    assert_type(conn.sync.login("a@b.c", "pw"), None)
    assert_type(connections.sync.aclose_all(), None)
    assert_type(connections.sync["default"], Directus)
'''


def run_mypy(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    """mypy --strict on ``source`` (a file in tmp_path), from the repository root."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"),
         str(path)],
        capture_output=True, text=True, cwd=Path(__file__).parents[2],
    )


def test_mypy_infers_model_types(tmp_path: Path) -> None:
    result = run_mypy(tmp_path, "snippet.py", SNIPPET)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_a_wrong_type(tmp_path: Path) -> None:
    """The check above can fail: a wrong assertion is reported."""
    result = run_mypy(tmp_path, "wrong.py", SNIPPET.replace(
        "assert_type(await Language.objects.get(code=\"el\"), Language)",
        "assert_type(await Language.objects.get(code=\"el\"), Book)"))
    assert result.returncode == 1 and "assert-type" in result.stdout


def test_mypy_sees_the_sync_face(tmp_path: Path) -> None:
    """``reveal_type`` of a sync call is the model, not Any."""
    result = run_mypy(tmp_path, "reveal.py", SNIPPET + textwrap.dedent('''
        reveal_type(Language.objects.sync.get(pk=1))
        reveal_type(Language.objects.all().sync.first())
        reveal_type(Language(code="el").sync.save())
    '''))
    notes = [line.split("Revealed type is ", 1)[1] for line in result.stdout.splitlines()
             if "Revealed type is" in line]
    assert notes == ['"reveal.Language"', '"reveal.Language | None"', '"None"'], result.stdout


@pytest.mark.parametrize("typo", [
    "Language.objects.sync.gett(pk=1)",
    "Language.objects.all().sync.frist()",
    "Language(code=\"el\").sync.savee()",
    "Directus(\"http://127.0.0.1\").sync.mee()",
    "Language.objects.sync.get(pk=1).nme",
    "Language.objects.sync.count().upper()",
    "Language.objects.sync.filter(code=\"el\").cuont()",
])
def test_mypy_catches_a_typo_on_the_sync_face(tmp_path: Path, typo: str) -> None:
    result = run_mypy(tmp_path, "typo.py", SNIPPET + f"\n{typo}\n")
    assert result.returncode == 1 and "attr-defined" in result.stdout, result.stdout


def test_mypy_sees_the_key_in_an_unloaded_relation(tmp_path: Path) -> None:
    """A relation is typed as model-or-key: treating it as always loaded is an error."""
    result = run_mypy(tmp_path, "wrong_relation.py", SNIPPET.replace(
        "assert_type(novel.author, Author | int | None)", "assert_type(novel.author, Author)"))
    assert result.returncode == 1 and "assert-type" in result.stdout
