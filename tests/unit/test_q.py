"""Q trees, the model metaclass (Meta, managers, exceptions) and dirty tracking without a server."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from directus_orm import (
    DirectusModel,
    ImproperlyConfigured,
    Manager,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    Q,
    QuerySet,
    get_model,
)


def test_q_combinators_build_trees() -> None:
    a, b = Q(x=1), Q(y=2)
    both = a & b
    assert both.connector == "AND" and both.children == [a, b] and not both.negated
    either = a | b
    assert either.connector == "OR"
    assert (~a).negated and not a.negated  # ~ copies
    assert ~~a == a
    assert (a & Q()) == a and (Q() | b) == b
    assert Q(b=1, a=2).children == [("a", 2), ("b", 1)]
    assert repr(~(a | b)) == "<Q: NOT (<Q: (x=1)> OR <Q: (y=2)>)>"
    with pytest.raises(TypeError):
        Q("x")  # type: ignore[arg-type]


class Base(DirectusModel):
    id: int | None = None
    created: str | None = None

    class Meta:
        abstract = True
        ordering = ["-created"]
        get_latest_by = "created"


class Article(Base):
    title: str

    class Meta:
        collection = "q_articles"


class PublishedQS(QuerySet["Post"]):
    def published(self) -> PublishedQS:
        return self.filter(status="published")


PostManager = Manager.from_queryset(PublishedQS)


class Post(DirectusModel):
    code: str
    status: str = "draft"
    tags: list[str] = []
    objects: ClassVar[Any] = PostManager()

    class Meta:
        collection = "q_posts"


def test_meta_options_and_inheritance_from_abstract_parents() -> None:
    meta = Article._meta
    assert (meta.collection, meta.pk_name, meta.ordering, meta.get_latest_by) == (
        "q_articles", "id", ("-created",), ("created",)
    )
    assert meta.connection == "default" and not meta.abstract
    assert {n: (i.kind, i.nullable) for n, i in meta.fields.items()} == {
        "id": ("integer", False), "created": ("string", True), "title": ("string", False)
    }
    assert Post._meta.pk_name == "code"  # no id: the first field
    assert Post._meta.fields["tags"].kind == "json"
    assert get_model("q_articles") is Article
    with pytest.raises(AttributeError):  # abstract models have no manager
        _ = Base.objects


def test_per_model_exceptions_subclass_the_common_bases() -> None:
    assert issubclass(Article.DoesNotExist, ObjectDoesNotExist)
    assert issubclass(Article.DoesNotExist, Base.DoesNotExist)
    assert issubclass(Article.MultipleObjectsReturned, MultipleObjectsReturned)
    assert Article.DoesNotExist is not Post.DoesNotExist


def test_managers_and_custom_querysets() -> None:
    assert isinstance(Article.objects, Manager) and Article.objects.model is Article
    assert isinstance(Article.objects.filter(title="x"), QuerySet)
    qs = Post.objects.published().filter(code="a")
    assert isinstance(qs, PublishedQS)
    assert qs.query.filter == {"_and": [{"status": {"_eq": "published"}}, {"code": {"_eq": "a"}}]}
    with pytest.raises(AttributeError, match="instances"):
        _ = Article(title="x").objects


def test_bad_meta_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown option"):
        class Bad(DirectusModel):
            x: int

            class Meta:
                colection = "typo"
    with pytest.raises(ImproperlyConfigured, match="primary key"):
        class NoPk(DirectusModel):
            x: int

            class Meta:
                pk = "nope"


def test_dirty_tracking_and_unknown_keys() -> None:
    post = Post._from_db({"code": "a", "status": "draft", "tags": ["x"], "added_later": 1}, "default")
    assert post.is_stored and post.get_changed_fields() == []
    assert post.model_extra == {"added_later": 1} and "added_later" not in post.model_dump()
    post.tags.append("y")  # in-place mutation is seen (the snapshot is a JSON copy)
    post.status = "published"
    assert post.get_changed_fields() == ["status", "tags"]
    new = Post(code="b")
    assert not new.is_stored and new._insert_payload() == {"code": "b", "status": "draft", "tags": []}
    with pytest.raises(ValueError):
        Post(code="c", unknown=1)  # type: ignore[call-arg]
    assert post.pk == "a"
