"""A loopback SMTP sink: accepts every message Directus sends (invites, password resets) and keeps it,
so a test can read the token from the mail. Just enough of RFC 5321 for nodemailer, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

__all__ = ["SmtpSink"]


class SmtpSink:
    """``with SmtpSink() as sink:`` a server on ``sink.port``; ``sink.wait_for(to)`` the next mail to
    ``to``, ``sink.env`` the Directus settings that send mail to it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-sink", daemon=True)
        self.port = 0

    @property
    def env(self) -> dict[str, str]:
        return {"EMAIL_TRANSPORT": "smtp", "EMAIL_SMTP_HOST": "127.0.0.1", "EMAIL_SMTP_PORT": str(self.port),
                "EMAIL_SMTP_SECURE": "false", "EMAIL_SMTP_IGNORE_TLS": "true",
                "EMAIL_FROM": "directus@example.com"}

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def wait_for(self, to: str, timeout: float = 20.0) -> EmailMessage:
        """The first kept message addressed to ``to`` (removed from the sink), waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.messages:
                    if to.lower() in str(message.get("To", "")).lower():
                        self.messages.remove(message)
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no mail to {to} within {timeout} s")
                self._changed.wait(left)

    @staticmethod
    def token(message: EmailMessage) -> str:
        """The ``token=`` value of the first link in the message."""
        body = message.get_body(("html", "plain"))
        text = body.get_content() if body is not None else ""
        found = re.search(r"token=([A-Za-z0-9._\-]+)", text)
        if found is None:
            raise AssertionError("no token= link in the mail")
        return found[1]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        reply("220 sink ESMTP")
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 30)
                if not line:
                    return
                verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                if verb == "DATA":
                    reply("354 go on")
                    await writer.drain()
                    data = await asyncio.wait_for(reader.readuntil(b"\r\n.\r\n"), 30)
                    raw = data[:-5].replace(b"\r\n..", b"\r\n.")
                    message = message_from_bytes(raw, policy=policy.default)
                    assert isinstance(message, EmailMessage)
                    with self._changed:
                        self.messages.append(message)
                        self._changed.notify_all()
                    reply("250 kept")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    return
                else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                    reply("250 ok")
                await writer.drain()
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()
