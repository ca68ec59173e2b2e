"""The system collections and endpoints against the real server, as a new user's trial found them:
concealed fields never written back as their mask, reads that do not validate raising typed errors,
concurrent version saves, account arguments, and the smaller API edges. Writes are checked through raw
REST."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from directus_orm import Directus
from directus_orm.exceptions import APIError, ConcealedValue
from directus_orm.system import DirectusUser
from tests.conftest import ServerInfo

pytestmark = pytest.mark.integration


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
async def users(registry: None, admin: Directus) -> AsyncIterator[list[Any]]:
    """Keys of users a test created, deleted after it (3 seats per server)."""
    created: list[Any] = []
    yield created
    for key in created:
        with contextlib.suppress(APIError):
            await admin.delete(f"/users/{key}")


async def login_works(server: ServerInfo, email: str, password: str) -> bool:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post("/auth/login", json={"email": email, "password": password})
        return answer.status_code == 200


async def stored_secrets(admin: Directus, key: Any) -> dict[str, Any]:
    """What the server holds for the concealed fields: the mask when set, None when not."""
    row = (await admin.get(f"/users/{key}", params={"fields": ["password", "token"]}))["data"]
    return {"password": row["password"], "token": row["token"]}


# -- concealed fields ------------------------------------------------------------------------------

async def test_copy_of_a_loaded_user_writes_no_masked_secret(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-src")
    src = await DirectusUser.objects.create(email=email, password="a-real-secret-1",
                                            token=f"tok-{uuid.uuid4().hex}")
    users.append(src.id)
    loaded = await DirectusUser.objects.get(email=email)
    assert loaded.password == loaded.token == "**********"
    loaded.pk = None
    loaded.email = unique_email("orm-copy")
    await loaded.save()
    users.append(loaded.id)
    assert await stored_secrets(admin, loaded.id) == {"password": None, "token": None}
    assert not await login_works(directus_server, loaded.email, "**********")
    assert await login_works(directus_server, email, "a-real-secret-1")


async def test_resave_of_a_deleted_user_writes_no_masked_password(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-gone")
    await DirectusUser.objects.create(email=email, password="real-secret-1")
    user = await DirectusUser.objects.get(email=email)
    users.append(user.id)
    await admin.delete(f"/users/{user.id}")
    user.first_name = "Back"
    await user.save()
    raw = (await admin.get(f"/users/{user.id}", params={"fields": ["first_name", "password"]}))["data"]
    assert raw == {"first_name": "Back", "password": None}
    assert not await login_works(directus_server, email, "**********")


async def test_update_fields_naming_a_masked_secret_is_refused(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-uf")
    await DirectusUser.objects.create(email=email, password="real-secret-2")
    user = await DirectusUser.objects.get(email=email)
    users.append(user.id)
    user.first_name = "Named"
    with pytest.raises(ConcealedValue) as caught:
        await user.save(update_fields=["first_name", "password"])
    assert caught.value.fields == ["password"]
    assert (await admin.get(f"/users/{user.id}"))["data"]["first_name"] is None  # nothing written
    assert user.get_changed_fields() == ["first_name"]
    assert await login_works(directus_server, email, "real-secret-2")
    with pytest.raises(ConcealedValue):
        await DirectusUser.objects.bulk_update([user], ["first_name", "password"])
    # A key as the library hands it out (a UUID) is written as its string.
    user.last_name = "Bulk"
    assert await DirectusUser.objects.bulk_update([user], ["last_name"]) == 1
    assert (await admin.get(f"/users/{user.id}"))["data"]["last_name"] == "Bulk"
    await user.save(update_fields=["first_name"])
    assert (await admin.get(f"/users/{user.id}"))["data"]["first_name"] == "Named"
    assert await login_works(directus_server, email, "real-secret-2")
