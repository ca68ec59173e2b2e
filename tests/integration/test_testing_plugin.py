"""The pytest plugin users import (directus_orm.testing.plugin), run as a user's own test session would run
it: a separate pytest process with the plugin enabled in its conftest, pointed at the suite's server."""

from __future__ import annotations

import pytest

from tests.conftest import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # a subprocess: not replayable

CONFTEST = 'pytest_plugins = ["directus_orm.testing.plugin"]\n'

USER_TESTS = '''
import uuid

import httpx
import pytest

from directus_orm import DirectusModel
from directus_orm.testing import LocalDirectus


class Gadget(DirectusModel):
    id: int | None = None
    name: str
    stock: int = 0

    class Meta:
        collection = "plugin_gadgets"


@pytest.mark.directus_models([Gadget])
async def test_async_with_a_model(directus: LocalDirectus) -> None:
    await Gadget.objects.create(name="lamp", stock=3)
    assert [g.name async for g in Gadget.objects.filter(stock__gt=1)] == ["lamp"]
    assert "token" not in repr(directus) and directus.token not in repr(directus)


@pytest.mark.directus_models([Gadget])
def test_sync_with_the_same_model(directus: LocalDirectus) -> None:
    # A fresh collection: the async test's row went with its collection.
    assert Gadget.objects.sync.count() == 0
    Gadget.objects.sync.create(name="fan")
    assert Gadget.objects.sync.get(name="fan").stock == 0


class Shopper(DirectusModel):
    id: uuid.UUID | None = None
    plugin_shoe_size: int | None = None

    class Meta:
        collection = "directus_users"


@pytest.mark.directus_models([Shopper])
def test_a_field_on_an_existing_collection(directus: LocalDirectus) -> None:
    answer = httpx.get(f"{directus.url}/fields/directus_users/plugin_shoe_size",
                       headers={"Authorization": f"Bearer {directus.token}"})
    assert answer.status_code == 200


def test_collections_and_added_fields_are_dropped_after_each_test(directus: LocalDirectus) -> None:
    auth = {"Authorization": f"Bearer {directus.token}"}
    answer = httpx.get(f"{directus.url}/collections/plugin_gadgets", headers=auth)
    assert answer.status_code == 403
    answer = httpx.get(f"{directus.url}/fields/directus_users/plugin_shoe_size", headers=auth)
    assert answer.status_code == 403, answer.text
'''


def test_a_users_session_with_the_plugin(pytester: pytest.Pytester, directus_server: ServerInfo,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_TEST_URL", directus_server.url)
    monkeypatch.setenv("DIRECTUS_TEST_TOKEN", directus_server.token)
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_shop=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)
