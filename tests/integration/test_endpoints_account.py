"""``conn.account``: invitations, password resets, registration and two-factor authentication, on a
server of their own that sends its mail to a loopback SMTP sink (the tests read the tokens from the
mails). Each test deletes the users and roles it made (the unlicensed core allows 3 users)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from directus_orm import Directus
from directus_orm.exceptions import (
    Forbidden,
    InvalidArgument,
    InvalidCredentials,
    InvalidOTP,
    InvalidPayload,
)
from directus_orm.system import TwoFactorSecret
from tests.support import ServerInfo, create_user
from tests.support.roles import before_11
from tests.support.server import another_server
from tests.support.smtp_sink import SmtpSink
from tests.support.totp import fresh_totp

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as mail:
        yield mail


@pytest.fixture(scope="module")
def mail_server(sink: SmtpSink) -> Iterator[ServerInfo]:
    with another_server(**sink.env, PRESSURE_LIMITER_ENABLED="false") as server:
        yield server


@pytest.fixture
async def root(mail_server: ServerInfo) -> AsyncIterator[Directus]:
    async with Directus(mail_server.url, token=mail_server.token) as conn:
        yield conn


@pytest.fixture
async def role(root: Directus) -> AsyncIterator[str]:
    """A role with app access, and cleanup of every user in it afterwards."""
    tag = uuid.uuid4().hex[:6]
    policy: dict[str, Any] | None = None
    if await before_11(root):  # Directus 10: the role has app access itself, no policies
        made = (await root.post("/roles", json={"name": f"acct-{tag}", "app_access": True}))["data"]
    else:
        policy = (await root.post("/policies", json={"name": f"acct-{tag}", "app_access": True}))["data"]
        made = (await root.post("/roles", json={"name": f"acct-{tag}",
                                                "policies": [{"policy": policy["id"]}]}))["data"]
    yield str(made["id"])
    mine = {"filter": {"role": {"_eq": made["id"]}}, "fields": ["id"]}
    users = (await root.get("/users", params=mine))["data"]
    if users:
        await root.delete("/users", json=[u["id"] for u in users])
    await root.delete(f"/roles/{made['id']}")
    if policy is not None:
        await root.delete(f"/policies/{policy['id']}")


async def user_row(root: Directus, email: str) -> dict[str, Any] | None:
    rows = (await root.get("/users", params={"filter": {"email": {"_eq": email}},
                                              "fields": ["id", "status", "role", "tfa_secret"]}))["data"]
    return dict(rows[0]) if rows else None


async def can_log_in(url: str, email: str, password: str, otp: str | None = None) -> bool:
    try:
        async with Directus(url, email=email, password=password, otp=otp) as conn:
            await conn.login()
            return bool((await conn.me("email"))["email"] == email)
    except InvalidCredentials:
        return False


async def test_invite_and_accept(root: Directus, role: str, sink: SmtpSink, mail_server: ServerInfo) -> None:
    email = f"invited-{uuid.uuid4().hex[:6]}@example.com"
    await root.account.invite(email, role)
    row = await user_row(root, email)
    assert row is not None and (row["status"], row["role"]) == ("invited", role)
    token = sink.token(sink.wait_for(email))
    async with Directus(mail_server.url) as anyone:  # the token is the credential
        await anyone.account.accept_invite(token, "accepted-password-1")
    row = await user_row(root, email)
    assert row is not None and row["status"] == "active"
    assert await can_log_in(mail_server.url, email, "accepted-password-1")
    with pytest.raises(InvalidPayload):  # a token is good once
        await root.account.accept_invite(token, "again-password-1")


async def test_refusals_before_any_request() -> None:
    async with Directus("http://127.0.0.1:9") as nobody:  # nothing listens: a request would fail
        with pytest.raises(InvalidArgument):
            await nobody.account.invite([], "role")
        with pytest.raises(InvalidArgument):
            await nobody.account.invite("a@example.com", "")
        with pytest.raises(InvalidArgument):
            await nobody.account.reset_password("", "x")
        with pytest.raises(InvalidArgument):
            await nobody.account.enable_tfa("secret", "")


async def test_password_reset(root: Directus, role: str, sink: SmtpSink, mail_server: ServerInfo) -> None:
    email = f"reset-{uuid.uuid4().hex[:6]}@example.com"
    await create_user(root, email, "old-password-1", role=role)
    async with Directus(mail_server.url) as anyone:
        await anyone.account.request_password_reset(email)
        # an unknown address answers the same (nothing to learn from it) and sends nothing
        await anyone.account.request_password_reset(f"nobody-{uuid.uuid4().hex[:6]}@example.com")
        token = sink.token(sink.wait_for(email))
        await anyone.account.reset_password(token, "new-password-1")
    assert await can_log_in(mail_server.url, email, "new-password-1")
    assert not await can_log_in(mail_server.url, email, "old-password-1")


async def test_two_factor(root: Directus, role: str, mail_server: ServerInfo) -> None:
    url = mail_server.url
    email, password = f"tfa-{uuid.uuid4().hex[:6]}@example.com", "tfa-password-1"
    await create_user(root, email, password, role=role)
    # Enabling writes the user's own tfa_secret: the role must be allowed to update directus_users.
    update_users = {"collection": "directus_users", "action": "update", "fields": ["*"]}
    if await before_11(root):
        await root.post("/permissions", json={"role": role, **update_users})
    else:
        policy = (await root.get(f"/roles/{role}", params={"fields": ["policies.policy"]}))["data"]
        await root.post("/permissions", json={"policy": policy["policies"][0]["policy"], **update_users})
    async with Directus(url, email=email, password=password) as user:
        secret = await user.account.generate_tfa(password)
        assert isinstance(secret, TwoFactorSecret) and secret.otpauth_url.startswith("otpauth://")
        assert secret.secret not in repr(secret)
        wrong = "000000" if fresh_totp(secret.secret) != "000000" else "111111"
        with pytest.raises(InvalidPayload, match="otp"):  # Directus: '"otp" is invalid'
            await user.account.enable_tfa(secret, wrong)
        assert (await user_row(root, email) or {})["tfa_secret"] is None
        await user.account.enable_tfa(secret, fresh_totp(secret.secret))
    assert (await user_row(root, email) or {})["tfa_secret"] is not None  # masked, but set
    with pytest.raises(InvalidOTP):  # the password alone no longer logs in
        await can_log_in(url, email, password)
    assert await can_log_in(url, email, password, otp=fresh_totp(secret.secret))
    async with Directus(url, email=email, password=password, otp=fresh_totp(secret.secret)) as user:
        await user.account.disable_tfa(fresh_totp(secret.secret))
    assert (await user_row(root, email) or {})["tfa_secret"] is None
    assert await can_log_in(url, email, password)
    async with Directus(url, email=email, password=password) as user:
        with pytest.raises(InvalidPayload):  # two-factor is off: no OTP to check
            await user.account.disable_tfa("123456")
    # an admin turns it off for a user who lost their authenticator
    async with Directus(url, email=email, password=password) as user:
        again = await user.account.generate_tfa(password)
        await user.account.enable_tfa(again.secret, fresh_totp(again.secret))
    row = await user_row(root, email)
    assert row is not None and row["tfa_secret"] is not None
    await root.account.disable_tfa_for(row["id"])
    assert (await user_row(root, email) or {})["tfa_secret"] is None


async def test_register(root: Directus, role: str, mail_server: ServerInfo) -> None:
    email = f"reg-{uuid.uuid4().hex[:6]}@example.com"
    async with Directus(mail_server.url) as anyone:
        with pytest.raises(Forbidden):  # public registration is off by default
            await anyone.account.register(email, "reg-password-1")
        assert await user_row(root, email) is None
        await root.patch("/settings", json={"public_registration": True, "public_registration_role": role,
                                            "public_registration_verify_email": False})
        try:
            await anyone.account.register(email, "reg-password-1", first_name="Reg")
        finally:
            await root.patch("/settings", json={"public_registration": False,
                                                "public_registration_role": None,
                                                "public_registration_verify_email": True})
    row = await user_row(root, email)
    assert row is not None and (row["status"], row["role"]) == ("active", role)
    assert await can_log_in(mail_server.url, email, "reg-password-1")


async def test_invite_without_a_mail_transport(admin: Directus) -> None:
    """The suite's server has no mail transport: Directus still answers 204 and makes the invited user
    (no mail leaves, so nobody receives the token)."""
    roles = (await admin.get("/roles", params={"fields": ["id"], "limit": 1}))["data"]
    email = f"nomail-{uuid.uuid4().hex[:6]}@example.com"
    try:
        await admin.account.invite(email, roles[0]["id"])
    finally:
        row = await user_row(admin, email)
        if row is not None:
            await admin.delete(f"/users/{row['id']}")
    assert row is not None and row["status"] == "invited"


def test_sync_face(mail_server: ServerInfo, sink: SmtpSink) -> None:
    conn = Directus(mail_server.url)
    try:
        conn.account.sync.request_password_reset(f"nobody-{uuid.uuid4().hex[:6]}@example.com")
    finally:
        conn.sync.aclose()
