"""Accounts: invitations, password resets, public registration and two-factor authentication.

These send mail, so the example runs its own local Directus (directus_orm.testing.DirectusServer, the
install the test suite uses) whose mail goes to a loopback SMTP sink started here, and reads the tokens
from the mails as a user would from their inbox; the one-time passwords come from the secret as an
authenticator app makes them. Nothing is created on DIRECTUS_URL; the server and its database are thrown
away at the end.

Needs Directus >= 11: its reader role gets its permissions through a policy (/policies arrived in 11)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import struct
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from directus_orm import Directus
from directus_orm.testing import DirectusServer

MAILS: list[EmailMessage] = []


async def smtp_session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Just enough of SMTP for Directus's mailer: every message is kept in MAILS."""
    writer.write(b"220 sink ESMTP\r\n")
    while line := await asyncio.wait_for(reader.readline(), 30):
        verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
        if verb == "DATA":
            writer.write(b"354 go on\r\n")
            await writer.drain()
            data = await asyncio.wait_for(reader.readuntil(b"\r\n.\r\n"), 30)
            message = message_from_bytes(data[:-5].replace(b"\r\n..", b"\r\n."), policy=policy.default)
            assert isinstance(message, EmailMessage)
            MAILS.append(message)
        answer = {"QUIT": b"221 bye\r\n", "DATA": b"250 kept\r\n"}.get(verb, b"250 ok\r\n")
        writer.write(answer)
        await writer.drain()
        if verb == "QUIT":
            break
    writer.close()


async def token_mailed_to(address: str) -> str:
    """The token= of the link in the latest mail to ``address`` (what the user clicks)."""
    for _ in range(200):
        for message in reversed(MAILS):
            if address in str(message.get("To", "")):
                MAILS.remove(message)
                body = message.get_body(("html", "plain"))
                found = re.search(r"token=([A-Za-z0-9._\-]+)", body.get_content() if body else "")
                assert found is not None, "no link with a token in the mail"
                return found[1]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no mail to {address}")


def one_time_password(secret: str) -> str:
    """RFC 6238, as an authenticator app computes it; waits out the last seconds of a 30 s step."""
    if 30 - time.time() % 30 < 3:
        time.sleep(3.1)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)


async def accounts(url: str, admin_token: str) -> None:
    async with Directus(url, token=admin_token) as conn, Directus(url) as anyone:
        # A role whose users have no app access (so they take no seat of the unlicensed server) and may
        # read and update users (enabling two-factor stores the secret on the user's row).
        policy = (await conn.post("/policies", json={"name": "Readers", "app_access": False}))["data"]
        for action in ("read", "update"):
            await conn.post("/permissions", json={"policy": policy["id"], "collection": "directus_users",
                                                  "action": action, "fields": ["*"]})
        role_id = (await conn.post("/roles", json={"name": "Readers", "policies": [{"policy": policy["id"]}]}
                                   ))["data"]["id"]
        await conn.patch("/settings", json={"public_registration": True, "public_registration_role": role_id,
                                            "public_registration_verify_email": False})

        # --8<-- [start:invite]
        await conn.account.invite(["ada@example.com", "alan@example.com"], role_id)
        # --8<-- [end:invite]
        token = await token_mailed_to("ada@example.com")
        # --8<-- [start:accept]
        await anyone.account.accept_invite(token, "new password")       # the token from the invite mail
        await anyone.account.request_password_reset("ada@example.com")
        # --8<-- [end:accept]
        token = await token_mailed_to("ada@example.com")
        # --8<-- [start:reset]
        await anyone.account.reset_password(token, "new password")      # the token from the reset mail
        await anyone.account.register("grace@example.com", "password", first_name="Grace")
        # --8<-- [end:reset]
        users = (await conn.get("/users", params={"fields": ["email", "status"], "sort": ["email"]}))["data"]
        print("users:", [(u["email"], u["status"]) for u in users])

        email, password = "ada@example.com", "new password"
        async with Directus(url, email=email, password=password) as user:
            # --8<-- [start:tfa]
            secret = await user.account.generate_tfa(password)  # .secret, .otpauth_url (repr hides both)
            # --8<-- [end:tfa]
            print("a secret:", secret)
            otp_from_the_app = one_time_password(secret.secret)
            # --8<-- [start:tfa-enable]
            await user.account.enable_tfa(secret, otp_from_the_app)
            # --8<-- [end:tfa-enable]
        otp = one_time_password(secret.secret)
        # --8<-- [start:tfa-login]
        user = Directus(url, email=email, password=password, otp=otp)   # logging in then needs the OTP
        # --8<-- [end:tfa-login]
        async with user:
            print("logged in with the OTP as", (await user.me("email"))["email"])
            otp = one_time_password(secret.secret)
            # --8<-- [start:tfa-disable]
            await user.account.disable_tfa(otp)
            # --8<-- [end:tfa-disable]
        async with Directus(url, email=email, password=password) as user:
            print("logged in without one again:", (await user.me("email"))["email"])
            await user.account.enable_tfa(secret := await user.account.generate_tfa(password),
                                          one_time_password(secret.secret))
        admin = conn
        user_id = (await conn.get("/users", params={"filter": {"email": {"_eq": email}}}))["data"][0]["id"]
        # --8<-- [start:tfa-admin]
        await admin.account.disable_tfa_for(user_id)
        # --8<-- [end:tfa-admin]
        row = (await conn.get(f"/users/{user_id}", params={"fields": ["tfa_secret"]}))["data"]
        print("two-factor off by the admin:", row["tfa_secret"] is None)


async def main() -> None:
    sink = await asyncio.start_server(smtp_session, "127.0.0.1", 0)
    port = sink.sockets[0].getsockname()[1]
    mail = {"EMAIL_TRANSPORT": "smtp", "EMAIL_SMTP_HOST": "127.0.0.1", "EMAIL_SMTP_PORT": str(port),
            "EMAIL_SMTP_SECURE": "false", "EMAIL_SMTP_IGNORE_TLS": "true",
            "EMAIL_FROM": "directus@example.com", "PRESSURE_LIMITER_ENABLED": "false"}
    server = DirectusServer(extra_env=mail)
    await asyncio.to_thread(server.start)
    try:
        await accounts(server.url, server.admin_token)
    finally:
        await asyncio.to_thread(server.stop)
        sink.close()


if __name__ == "__main__":
    asyncio.run(main())
