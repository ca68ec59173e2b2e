"""The relay's counters, as a dict or as Prometheus-style text."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Metrics"]


@dataclass
class Metrics:
    """The relay's counters and gauges (``relay.metrics``): connected clients, upstream sockets and
    subscriptions, messages in and out, refusals, slow-consumer disconnects and dropped messages."""

    clients: int = 0  # connected clients (gauge)
    upstream_sockets: int = 0  # Directus identities with a live upstream socket (gauge)
    subscriptions: int = 0  # upstream subscriptions (gauge)
    client_subscriptions: int = 0  # subscriptions of clients, several may share an upstream one (gauge)
    messages_in: int = 0  # messages received from clients
    messages_out: int = 0  # messages sent to clients
    refused: int = 0  # client messages answered with an error
    denied: int = 0  # upgrades refused (401/403) and failed first-message authentications
    slow_disconnects: int = 0  # clients cut off for falling behind
    dropped: int = 0  # messages not delivered because their client was cut off

    _GAUGES = ("clients", "upstream_sockets", "subscriptions", "client_subscriptions")

    def as_dict(self) -> dict[str, int]:
        """The counters as ``{name: value}`` (e.g. for a JSON health endpoint)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def text(self) -> str:
        """The counters in Prometheus's text format (``directus_relay_clients``,
        ``directus_relay_messages_in_total`` ...), each with its ``# TYPE`` line."""
        lines = []
        for name, value in self.as_dict().items():
            kind = "gauge" if name in self._GAUGES else "counter"
            metric = f"directus_relay_{name}" + ("" if kind == "gauge" else "_total")
            lines += [f"# TYPE {metric} {kind}", f"{metric} {value}"]
        return "\n".join(lines) + "\n"
