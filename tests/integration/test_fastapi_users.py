"""``current_user`` (the caller as a user model) and the ``TokenCache`` of verified credentials, against
the real server: what ``/users/me`` answers, how many times it is asked, and a revoked token.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from directus_orm import ConnectionPool, Directus
from directus_orm.contrib.fastapi import (
    DirectusDependency,
    TokenCache,
    UserInfo,
    current_user,
    install_exception_handlers,
)
from directus_orm.system import DirectusUser
from tests.integration.test_fastapi import _delete_where, bearer, before_11, make_role, make_user

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # tokens are minted per run

EMAIL = "uc-user@example.com"


class StaffUser(UserInfo):
    """A subclass asking for one more field."""

    title: str | None = None


@dataclass
class Caller:
    id: str
    token: str = field(repr=False)


@pytest.fixture(scope="module")
async def caller(admin: Directus) -> AsyncIterator[Caller]:
    # read on directus_users without a row filter (the unlicensed core refuses custom rules); no app
    # access, so the user takes no seat of the unlicensed core
    role = await make_role(admin, "UC Role", [{"collection": "directus_users", "action": "read"}])
    token = secrets.token_urlsafe(24)
    user_id = await make_user(admin, EMAIL, "uc-password-1", role, token)
    await admin.patch(f"/users/{user_id}", json={"first_name": "Ursula", "title": "Engineer"})
    yield Caller(user_id, token)
    await _delete_where(admin, "/users", {"email": {"_eq": EMAIL}})
    await _delete_where(admin, "/roles", {"name": {"_eq": "UC Role"}})
    if not await before_11(admin):
        await _delete_where(admin, "/policies", {"name": {"_eq": "UC Role policy"}})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class App:
    http: httpx.AsyncClient
    cache: TokenCache
    clock: Clock
    sent: list[httpx.Request]

    def me_calls(self) -> int:
        return sum(1 for r in self.sent if r.url.path.endswith("/users/me"))


@pytest.fixture
async def app(caller: Caller, registry: None) -> AsyncIterator[App]:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    pool = ConnectionPool(event_hooks={"request": [record]})
    clock = Clock()
    cache = TokenCache(ttl=30, max_size=2, clock=clock)
    directus = DirectusDependency(pool=pool, token_cache=cache)
    plain = DirectusDependency(pool=pool, allow_anonymous=True)
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)

    @api.get("/whoami")
    async def whoami(user: UserInfo = Depends(directus.current_user(UserInfo))) -> dict[str, Any]:  # noqa: B008
        return {"type": type(user).__name__, **user.model_dump()}

    @api.get("/me-model")
    async def me_model(user: DirectusUser = Depends(directus.current_user())) -> dict[str, Any]:  # noqa: B008
        return {"type": type(user).__name__, "id": user.pk, "first_name": user.first_name}

    @api.get("/staff")
    async def staff(user: StaffUser = Depends(current_user(directus, StaffUser))) -> dict[str, Any]:  # noqa: B008
        return {"type": type(user).__name__, **user.model_dump()}

    @api.get("/anyone")
    async def anyone(user: UserInfo = Depends(plain.current_user())) -> dict[str, Any]:  # noqa: B008
        return user.model_dump()

    @api.get("/ping", dependencies=[Depends(directus)])
    async def ping() -> str:
        return "pong"        # reads nothing: only the dependency's verification stands for the token

    @api.get("/fresh")
    async def fresh(conn: Directus = Depends(directus)) -> dict[str, Any]:  # noqa: B008
        return await conn.me(fields="id")      # the caller's own request: never cached

    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, cache, clock, sent)
    await pool.aclose()


async def test_current_user_default_and_subclass(app: App, caller: Caller, admin: Directus) -> None:
    stored = (await admin.get(f"/users/{caller.id}"))["data"]
    me = await app.http.get("/whoami", headers=bearer(caller.token))
    assert me.status_code == 200, me.text
    assert me.json() == {"type": "UserInfo", "id": caller.id, "email": EMAIL, "first_name": "Ursula",
                         "last_name": None, "role": stored["role"], "status": "active"}
    model = await app.http.get("/me-model", headers=bearer(caller.token))   # the default: the system model
    assert model.json() == {"type": "DirectusUser", "id": caller.id, "first_name": "Ursula"}, model.text
    assert [r.url.params["fields"] for r in app.sent if r.url.path.endswith("/users/me")][-1] == "*"
    staff = await app.http.get("/staff", headers=bearer(caller.token))
    assert staff.json()["type"] == "StaffUser" and staff.json()["title"] == "Engineer"
    asked = [r.url.params["fields"] for r in app.sent if r.url.path.endswith("/users/me")]
    assert "title" in asked[-1]                           # the subclass's fields are asked for
    anonymous = await app.http.get("/anyone")
    assert anonymous.status_code == 401
    refused = await app.http.get("/whoami", headers=bearer("not-a-token"))
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


async def test_token_cache_saves_the_verification(app: App, caller: Caller) -> None:
    app.sent.clear()
    for _ in range(3):
        assert (await app.http.get("/whoami", headers=bearer(caller.token))).status_code == 200
    assert app.me_calls() == 2                     # verify (id) and current_user's fields, once each
    app.clock.now += 31
    assert (await app.http.get("/whoami", headers=bearer(caller.token))).status_code == 200
    assert app.me_calls() == 4                     # expired: asked again
    assert len(app.cache) <= app.cache.max_size
    assert caller.token not in repr(app.cache) and caller.token not in repr(app.cache._entries)


async def test_revoked_token_is_honoured_within_the_ttl_only(app: App, caller: Caller,
                                                            admin: Directus) -> None:
    assert (await app.http.get("/ping", headers=bearer(caller.token))).status_code == 200
    new_token = secrets.token_urlsafe(24)
    await admin.patch(f"/users/{caller.id}", json={"token": new_token})
    try:
        # within the TTL the verification is remembered; anything asked of Directus is refused at once
        assert (await app.http.get("/ping", headers=bearer(caller.token))).status_code == 200
        assert (await app.http.get("/fresh", headers=bearer(caller.token))).status_code == 401
        app.clock.now += 31
        assert (await app.http.get("/ping", headers=bearer(caller.token))).status_code == 401
    finally:
        await admin.patch(f"/users/{caller.id}", json={"token": caller.token})
