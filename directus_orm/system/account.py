"""``conn.account``: the account flows of Directus users - invitations, password resets, public
registration and two-factor authentication (``/users/invite``, ``/auth/password/*``,
``/users/register``, ``/users/me/tfa/*``). The current user itself: ``conn.me()``; logging in with a
one-time password: ``Directus(url, email=..., password=..., otp=...)`` or ``conn.login(..., otp=...)``.

Invitations, password resets and registrations send mail: Directus must have a mail transport
(``EMAIL_TRANSPORT``); the token the mail's link carries is what :meth:`Account.accept_invite` and
:meth:`Account.reset_password` take.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..connection.paths import path_segment
from ..exceptions import InvalidArgument, UnexpectedResponse
from ..sync import SyncFace
from .endpoints import Endpoints, data_of
from .keys import key_of

if TYPE_CHECKING:
    from .users import DirectusRole, DirectusUser

__all__ = ["Account", "TwoFactorSecret"]


@dataclass(frozen=True)
class TwoFactorSecret:
    """What ``/users/me/tfa/generate`` hands out: the TOTP ``secret`` (base32) and the
    ``otpauth://`` URL an authenticator app reads (usually shown as a QR code). Its repr hides both."""

    secret: str
    otpauth_url: str

    def __repr__(self) -> str:
        return "TwoFactorSecret(secret=***, otpauth_url=***)"


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{name} must be a non-empty string")
    return value


def _optional(body: dict[str, Any], **values: str | None) -> dict[str, Any]:
    for name, value in values.items():
        if value is not None:
            body[name] = _text(name, value)
    return body


class Account(Endpoints, SyncFace):
    """``conn.account`` (blocking: ``conn.account.sync.invite(...)``)."""

    # -- invitations ----------------------------------------------------------------------------------
    async def invite(
        self, email: str | Sequence[str], role: str | uuid.UUID | DirectusRole, *,
        invite_url: str | None = None,
    ) -> None:
        """Invite one or several people by mail into ``role`` (its id, or the role): each gets a user
        with status ``invited`` and a mail whose link carries the token for :meth:`accept_invite`.
        ``invite_url`` is the page the link opens (it must be in ``USER_INVITE_URL_ALLOW_LIST``;
        default: the app's). Needs permission to create users."""
        emails = [email] if isinstance(email, str) else list(email)
        if not emails:
            raise InvalidArgument("invite() needs at least one email")
        for value in emails:
            _text("email", value)
        body = _optional({"email": email if isinstance(email, str) else emails,
                          "role": str(key_of(role, "invite() role"))},
                         invite_url=invite_url)
        await self._conn().post("/users/invite", json=body)

    async def accept_invite(self, token: str, password: str) -> None:
        """Accept an invitation (any caller, the token is the credential): the invited user becomes
        active with ``password`` and can log in."""
        body = {"token": _text("token", token), "password": _text("password", password)}
        await self._conn().post("/users/invite/accept", json=body)

    # -- passwords ----------------------------------------------------------------------------------
    async def request_password_reset(self, email: str, *, reset_url: str | None = None) -> None:
        """Mail a password-reset link to ``email``. Directus answers the same whether or not such a
        user exists (and when the mail could not be sent), so nothing is learnt from it."""
        await self._conn().post("/auth/password/request",
                                json=_optional({"email": _text("email", email)}, reset_url=reset_url))

    async def reset_password(self, token: str, password: str) -> None:
        """Set a new password with the token of a reset mail (any caller)."""
        body = {"token": _text("token", token), "password": _text("password", password)}
        await self._conn().post("/auth/password/reset", json=body)

    # -- registration -------------------------------------------------------------------------------
    async def register(
        self,
        email: str,
        password: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        verification_url: str | None = None,
    ) -> None:
        """Public registration (``/users/register``): only when the project allows it (settings
        ``public_registration`` and a ``public_registration_role``), else ``Forbidden``. With
        ``public_registration_verify_email`` the user stays unverified until the mailed link is opened.
        Directus answers the same for an email already registered."""
        body = _optional({"email": _text("email", email), "password": _text("password", password)},
                         first_name=first_name, last_name=last_name, verification_url=verification_url)
        await self._conn().post("/users/register", json=body)

    # -- two-factor authentication ----------------------------------------------------------------
    async def generate_tfa(self, password: str | None = None) -> TwoFactorSecret:
        """A new TOTP secret for the current user (not active until :meth:`enable_tfa`). ``password`` is
        the user's own (required for password users)."""
        path = "/users/me/tfa/generate"
        body = {} if password is None else {"password": _text("password", password)}
        data = data_of(await self._conn().post(path, json=body), "POST", path)
        secret, url = data.get("secret"), data.get("otpauth_url")
        if not isinstance(secret, str) or not isinstance(url, str):
            raise UnexpectedResponse(f"POST {path} answered without a secret", status=200, method="POST",
                                     path=path)
        return TwoFactorSecret(secret=secret, otpauth_url=url)

    async def enable_tfa(self, secret: str | TwoFactorSecret, otp: str) -> None:
        """Turn two-factor authentication on with the generated secret and a current one-time password
        from it (a wrong one: ``InvalidPayload``, '"otp" is invalid'). Logins then need ``otp=``
        (without it, or with a wrong one: ``InvalidOTP``). Directus stores the secret on the user's
        row: the user's role needs permission to update ``directus_users`` (else ``Forbidden``)."""
        value = secret.secret if isinstance(secret, TwoFactorSecret) else _text("secret", secret)
        await self._conn().post("/users/me/tfa/enable", json={"secret": value, "otp": _text("otp", otp)})

    async def disable_tfa(self, otp: str) -> None:
        """Turn two-factor authentication off for the current user (a current one-time password; a
        wrong one: ``InvalidPayload``)."""
        await self._conn().post("/users/me/tfa/disable", json={"otp": _text("otp", otp)})

    async def disable_tfa_for(self, user: str | uuid.UUID | DirectusUser) -> None:
        """Turn two-factor authentication off for another user (its id, or the user; admin only; a user
        who lost their authenticator)."""
        key = key_of(user, "disable_tfa_for()")
        await self._conn().post(f"/users/{path_segment(str(key))}/tfa/disable")
