"""Connections & authentication, end to end. Needs DIRECTUS_URL and DIRECTUS_TOKEN (an admin token).

    python -m directus_orm.testing run        # in another terminal; it prints the two variables
    .venv/bin/python docs/examples/connections.py
"""

import asyncio
import os
import uuid

import directus_orm
from directus_orm import ConnectionPool, Directus, Retries, collection, connections
from directus_orm.exceptions import FieldError, InvalidCredentials

URL = os.environ["DIRECTUS_URL"]
TOKEN = os.environ["DIRECTUS_TOKEN"]


async def main() -> None:
    pool = ConnectionPool()
    admin = Directus(URL, token=TOKEN, pool=pool)

    # A second user, then a connection that logs in as them over the same pool.
    email, password = "docs-editor@example.com", "docs-editor-password"
    users = await admin.get("/users", params={"filter": {"email": {"_eq": email}}})
    if users["data"]:
        editor_id = users["data"][0]["id"]
    else:
        created = await admin.post("/users", json={"email": email, "password": password, "status": "active"})
        editor_id = created["data"]["id"]
    editor = Directus(URL, email=email, password=password, pool=pool)
    # A user with no role may read only their own id: enough to prove who we are.
    assert (await editor.me(fields="id"))["id"] == editor_id    # logged in on first request
    print("editor logged in as", email)

    await editor.refresh()                                      # refresh now (automatic otherwise)
    await editor.logout()

    try:
        await Directus(URL, email=email, password="wrong", pool=pool).me()
    except InvalidCredentials as exc:
        print("refused:", exc.code, exc.status)

    # The registry, configured explicitly, and a block that runs as another connection.
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    print("default is", (await connections["default"].me())["email"])
    session_user = Directus(URL, pool=pool)
    await session_user.login(email, password, mode="session")
    async with connections.override(session_user):
        assert (await connections["default"].me(fields="id"))["id"] == editor_id
        print("inside override: the session user")
    await session_user.logout()

    # Time and retries: a 10 s deadline per request, reads retried up to 4 times.
    patient = Directus(URL, token=TOKEN, pool=pool, deadline=10, retries=Retries(count=4, backoff=0.5))
    print("deadline", patient.deadline, "s; reads retried", patient.retries.count, "times")

    # Keys are data: "me" is not the current user here, and 20,000 keys travel in a SEARCH body.
    async with connections.override(admin):
        try:
            await collection("directus_users").get(pk="me")
        except FieldError:  # user keys are UUIDs: refused before sending, on every database
            print('"me" is not a user key')
        keys = [editor_id, *(str(uuid.UUID(int=i)) for i in range(20_000))]
        found = await collection("directus_users").filter(id__in=keys).count()
        print("users among 20,000 keys:", found)

    await connections.aclose_all()
    await pool.aclose()


if __name__ == "__main__":
    asyncio.run(main())
