"""``conn.flows.trigger``: a webhook flow built through the API, triggered, its answer read. Every test
deletes the flows it made (the unlicensed core allows 5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from directus_orm import Directus
from directus_orm.exceptions import Forbidden, InvalidArgument
from tests.support import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

ECHO = ("module.exports = async function(data) "
        "{ return {got: data.$trigger.body, query: data.$trigger.query}; }")

MakeFlow = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_flow(admin: Directus) -> AsyncIterator[MakeFlow]:
    made: list[str] = []

    async def make(code: str = ECHO, method: str = "POST", run_async: bool = False,
                   accountability: str = "all") -> str:
        flow = (await admin.post("/flows", json={
            "name": "endpoints-test-flow", "status": "active", "trigger": "webhook",
            "accountability": accountability,
            "options": {"method": method, "async": run_async, "return": "$last"}}))["data"]
        made.append(flow["id"])
        operation = (await admin.post("/operations", json={
            "name": "run", "key": "run", "type": "exec", "flow": flow["id"],
            "position_x": 19, "position_y": 1, "options": {"code": code}}))["data"]
        await admin.patch(f"/flows/{flow['id']}", json={"operation": operation["id"]})
        return str(flow["id"])

    yield make
    for key in made:
        await admin.delete(f"/flows/{key}")  # its operations go with it
    if made:
        left = await admin.get("/flows", params={"filter": {"id": {"_in": made}}, "fields": ["id"]})
        assert not left["data"]


async def test_trigger_returns_what_the_flow_answers(admin: Directus, make_flow: MakeFlow) -> None:
    flow = await make_flow()
    answer = await admin.flows.trigger(flow, {"title": "hello", "n": 3}, params={"lang": "el"})
    assert answer == {"got": {"title": "hello", "n": 3}, "query": {"lang": "el"}}
    # a flow whose last step returns a plain string: JSON of any type comes back as it is
    text = await make_flow("module.exports = async function() { return 'plain'; }")
    assert await admin.flows.trigger(text) == "plain"
    numbers = await make_flow("module.exports = async function() { return [1, 2, 3]; }")
    assert await admin.flows.trigger(numbers) == [1, 2, 3]


async def test_get_flows_and_refusals(
    admin: Directus, make_flow: MakeFlow, directus_server: ServerInfo
) -> None:
    flow = await make_flow(method="GET")
    answer = await admin.flows.trigger(flow, method="GET", params={"a": "1"})
    assert answer == {"got": {}, "query": {"a": "1"}}
    with pytest.raises(Forbidden):  # the trigger accepts GET only
        await admin.flows.trigger(flow, {"x": 1})
    with pytest.raises(Forbidden):  # no such flow answers like a forbidden one
        await admin.flows.trigger("00000000-0000-4000-8000-000000000000", {})
    with pytest.raises(InvalidArgument):
        await admin.flows.trigger(flow, {"x": 1}, method="GET")
    with pytest.raises(InvalidArgument):
        await admin.flows.trigger("")
    # anyone may trigger a webhook flow (its accountability decides what it may do)
    async with Directus(directus_server.url) as public:
        assert (await public.flows.trigger(flow, method="GET"))["query"] == {}


async def test_an_asynchronous_flow_answers_nothing_and_still_runs(
    admin: Directus, make_flow: MakeFlow
) -> None:
    flow = await make_flow("module.exports = async function() { return {}; }", run_async=True)
    assert await admin.flows.trigger(flow, {"a": 1}) is None
    logs: Any = None
    for _ in range(100):  # the run is logged once it finished
        logs = (await admin.get("/activity", params={"filter": {"_and": [
            {"collection": {"_eq": "directus_flows"}}, {"item": {"_eq": flow}}, {"action": {"_eq": "run"}}]},
            "fields": ["id"]}))["data"]
        if logs:
            break
        await asyncio.sleep(0.1)
    assert logs


def test_sync_face(admin: Directus, directus_server: ServerInfo) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {directus_server.token}"}
    with httpx.Client(base_url=directus_server.url, headers=headers) as http:
        flow = http.post("/flows", json={
            "name": "endpoints-sync-flow", "status": "active", "trigger": "webhook",
            "options": {"method": "POST", "async": False}}).json()["data"]["id"]
        try:
            op = http.post("/operations", json={"name": "run", "key": "run", "type": "exec", "flow": flow,
                                                "position_x": 19, "position_y": 1,
                                                "options": {"code": ECHO}}).json()["data"]["id"]
            http.patch(f"/flows/{flow}", json={"operation": op}).raise_for_status()
            conn = Directus(directus_server.url, token=directus_server.token)
            try:
                assert conn.flows.sync.trigger(flow, {"a": 1})["got"] == {"a": 1}
            finally:
                conn.sync.aclose()
        finally:
            http.delete(f"/flows/{flow}")
