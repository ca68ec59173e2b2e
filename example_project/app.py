"""The example project's FastAPI app (``python3 -m example_project`` serves it; open /docs).

* configuration: ``DIRECTUS_SETTINGS_MODULE=example_project.settings`` (``DIRECTUS`` for the connection,
  ``DIRECTUS_FASTAPI`` for the cookie names);
* ``POST /login``: email + password passed through to Directus; answers the tokens (json mode) or sets
  the ``directus_session_token`` cookie (session mode);
* ``/languages``: generated list / retrieve / create / update (PATCH and PUT) / delete routes, the
  aggregate route (``/languages/aggregate?count=id&sum=speakers&group_by=family``), bulk routes
  (``/languages/bulk``) and a realtime websocket (``/languages/subscribe?family=Uralic``), run as the
  caller;
* ``GET /languages-by-family``: a hand-written endpoint using the ORM;
* ``GET /me``: who the caller is, as Directus sees it; ``GET /whoami``: the same through the
  ``current_user`` dependency (a typed model; verified tokens are cached for ``token_cache_ttl`` s).

Try it::

    curl -s -X POST localhost:8000/login -H 'content-type: application/json' \\
         -d '{"email": "admin@example.com", "password": "..."}'          # printed by the demo
    curl -s 'localhost:8000/languages?family=Uralic&sort=-speakers&fields=code,name' \\
         -H "Authorization: Bearer $ACCESS_TOKEN"
"""

from __future__ import annotations

import importlib
import os
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel

from directus_orm import Directus, connections
from directus_orm.contrib.fastapi import (
    ALL_ROUTE_NAMES,
    DirectusDependency,
    DirectusRouter,
    TokenCache,
    UserInfo,
    install_exception_handlers,
)

from .models import Language

# The registry reads DIRECTUS from the same module (``python3 -m example_project`` sets the variable).
_settings = importlib.import_module(os.environ.get("DIRECTUS_SETTINGS_MODULE") or "example_project.settings")
API_SETTINGS: dict[str, Any] = dict(getattr(_settings, "DIRECTUS_FASTAPI", {}))

#: The caller's connection for each request: Bearer header, access-token cookie or session cookie.
directus = DirectusDependency(
    access_cookie=API_SETTINGS.get("access_cookie"),
    session_cookie=API_SETTINGS.get("session_cookie", "directus_session_token"),
    # A token verified once is trusted this long without asking /users/me again (a revoked one too).
    token_cache=TokenCache(ttl=float(API_SETTINGS.get("token_cache_ttl", 30))),
)

#: ``conn: Caller`` in an endpoint: the caller's connection (explicit use; the ORM needs no argument).
Caller = Annotated[Directus, Depends(directus)]

app = FastAPI(title="directus-orm example", lifespan=directus.lifespan)
install_exception_handlers(app)

# Anyone signed in may read; writing needs Directus's own permission on the collection. PUT and the
# bulk routes take the guards of update / create / delete; the websocket those of list.
languages = DirectusRouter(
    Language,
    directus=directus,
    routes=ALL_ROUTE_NAMES,
    realtime=True,
    dependencies_for={
        "create": [directus.require_permission("languages", "create")],
        "update": [directus.require_permission("languages", "update")],
        "delete": [directus.require_permission("languages", "delete")],
    },
)
app.include_router(languages)


class FamilySummary(BaseModel):
    family: str | None
    languages: list[str]
    speakers: int


@app.get("/languages-by-family", tags=["Language"], dependencies=[Depends(directus)])
async def languages_by_family(min_speakers: int = 0) -> list[FamilySummary]:
    """A hand-written endpoint: plain ORM calls, run as the caller (no connection passed around)."""
    families: dict[str | None, FamilySummary] = {}
    qs = Language.objects.filter(speakers__gte=min_speakers) if min_speakers else Language.objects.all()
    async for lang in qs.order_by("family", "name"):
        summary = families.setdefault(lang.family,
                                      FamilySummary(family=lang.family, languages=[], speakers=0))
        summary.languages.append(lang.name or lang.code)
        summary.speakers += lang.speakers or 0
    return sorted(families.values(), key=lambda f: -f.speakers)


class AppUser(UserInfo):
    """The caller as the app uses them: ``UserInfo`` plus what this app shows."""

    title: str | None = None


@app.get("/whoami", tags=["auth"])
async def whoami(user: AppUser = Depends(directus.current_user(AppUser))) -> AppUser:  # noqa: B008
    """The caller through the ``current_user`` dependency (fields they may not read stay null)."""
    return user


@app.get("/me", tags=["auth"])
async def me(conn: Caller) -> dict[str, Any]:
    """The caller as Directus sees them (fields the caller may not read are left out)."""
    return await conn.me(fields="id,email,first_name,last_name,role.name")


class Login(BaseModel):
    email: str
    password: str
    otp: str | None = None
    mode: Literal["json", "session"] = "json"


class Tokens(BaseModel):
    access_token: str | None = None
    refresh_token: str | None = None
    expires: int | None = None


@app.post("/login", tags=["auth"], response_model=Tokens, response_model_exclude_none=True)
async def login(credentials: Login, response: Response) -> Tokens:
    """Passed through to Directus's ``/auth/login``. Refused credentials answer 401 (JSON).

    ``mode: "session"``: the session cookie is set on this app's answer (HttpOnly, SameSite=Lax), so a
    browser front end talks to this API with it; the body then carries ``expires`` only.
    """
    anonymous = Directus(connections["default"].url, pool=directus.pool)
    body = credentials.model_dump(exclude_none=True)
    answer = await anonymous.send("POST", "/auth/login", json=body)
    data = answer.json().get("data") or {}
    if credentials.mode == "session":
        cookie = directus.session_cookie or "directus_session_token"
        value = answer.cookies.get("directus_session_token")
        if value:
            max_age = int(data["expires"]) // 1000 if isinstance(data.get("expires"), int) else None
            response.set_cookie(cookie, value, httponly=True, samesite="lax", max_age=max_age)
        return Tokens(expires=data.get("expires"))
    return Tokens(**{k: data.get(k) for k in ("access_token", "refresh_token", "expires")})
