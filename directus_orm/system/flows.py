"""``conn.flows``: trigger a flow whose trigger is a webhook (``/flows/trigger/<id>``) and read what it
answers (its last operation's result, or what the flow's ``return`` option names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..connection.paths import path_segment
from ..exceptions import InvalidArgument
from ..sync import SyncFace
from .endpoints import Endpoints, json_or_text, without_retries

__all__ = ["Flows"]


class Flows(Endpoints, SyncFace):
    """``conn.flows`` (blocking: ``conn.flows.sync.trigger(flow_id, {...})``)."""

    async def trigger(
        self,
        flow: str,
        data: Any = None,
        *,
        method: Literal["GET", "POST"] = "POST",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Run a webhook flow and return its answer, decoded: JSON of any type, the text when it is not
        JSON, None when the flow answers nothing (an asynchronous flow answers at once with nothing).
        ``data`` is the JSON body (``$trigger.body``), ``params`` the query (``$trigger.query``);
        ``method`` must be the one the flow's trigger accepts (another one answers ``Forbidden``, as an
        unknown or inactive flow does). Never retried: a flow may write."""
        if not isinstance(flow, str) or not flow:
            raise InvalidArgument(f"trigger() takes the flow's id, got {flow!r}")
        if method not in ("GET", "POST"):
            raise InvalidArgument(f"a webhook flow is triggered with GET or POST, got {method!r}")
        if method == "GET" and data is not None:
            raise InvalidArgument("a GET trigger sends no body: pass params= instead of data")
        path = f"/flows/trigger/{path_segment(flow)}"
        response = await without_retries(self._conn()).send(method, path, params=params, json=data)
        return json_or_text(response)
