"""The model registry (directus_orm/models/registry.py): one model per collection, a warning when two
different classes claim one, silence when the same class is declared again."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import directus_orm
from directus_orm import DirectusModel, get_model
from directus_orm.exceptions import ConflictingModelWarning, DeferredFieldError, DirectusError
from directus_orm.models import registered_models
from directus_orm.models.registry import is_model, is_model_class


def declare() -> type[DirectusModel]:
    class Shelf(DirectusModel):
        id: int | None = None

        class Meta:
            collection = "registry_shelves"

    return Shelf


def test_the_same_class_declared_again_replaces_it_silently() -> None:
    first = declare()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = declare()
    assert first is not second and get_model("registry_shelves") is second
    assert registered_models()["registry_shelves"] is second


def test_another_class_claiming_a_collection_warns_and_replaces_it() -> None:
    class Crate(DirectusModel):
        id: int | None = None

        class Meta:
            collection = "registry_crates"

    with pytest.warns(ConflictingModelWarning, match=r"claims collection 'registry_crates', already "
                      r"modelled by .*test_model_registry\.test_another_.*\.Crate") as record:
        class OtherCrate(DirectusModel):
            id: int | None = None

            class Meta:
                collection = "registry_crates"

    assert get_model("registry_crates") is OtherCrate
    assert record[0].filename == __file__  # attributed to the class statement
    assert issubclass(ConflictingModelWarning, UserWarning)
    assert issubclass(ConflictingModelWarning, DirectusError)


def test_abstract_models_do_not_claim_a_collection() -> None:
    class Stamped(DirectusModel):
        class Meta:
            abstract = True

    assert all(m is not Stamped for m in registered_models().values())
    assert is_model_class(Stamped) and is_model_class(DirectusModel) and not is_model_class(int)
    assert not is_model_class("Stamped") and not is_model(Stamped)


def test_is_model() -> None:
    shelf = declare().model_validate({"id": 1})
    assert is_model(shelf) and not is_model({"id": 1}) and not is_model(1)


def test_deferred_field_error_lives_with_the_others() -> None:
    from directus_orm.models import DeferredFieldError as from_models
    from directus_orm.models.base import DeferredFieldError as from_base

    assert DeferredFieldError.__module__ == "directus_orm.exceptions"
    assert from_models is from_base is directus_orm.DeferredFieldError is DeferredFieldError
    assert issubclass(DeferredFieldError, AttributeError)
    assert "DeferredFieldError" in directus_orm.exceptions.__all__


def test_a_projects_model_of_a_system_collection_does_not_warn() -> None:
    """``Meta.collection = "directus_users"`` (the project's own fields on it) replaces the library's
    model of the collection without a warning: importable under ``-W error``."""
    source = (
        "import uuid\n"
        "from directus_orm import DirectusModel, get_model\n"
        "class Agent(DirectusModel):\n"
        "    id: uuid.UUID | None = None\n"
        "    nickname: str | None = None\n"
        "    class Meta:\n"
        "        collection = 'directus_users'\n"
        "assert get_model('directus_users') is Agent\n"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", source], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
