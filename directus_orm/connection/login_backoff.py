"""Refused logins, remembered per server and account for the whole process.

Directus suspends a user after 25 failed logins. A password the server refused is not sent again for
a while (doubling per refusal), and that holds for every connection object logging in with the same
credentials - 27 fresh ``Directus(...)`` objects with a wrong password send one login, not 27. Another
password for the same account is a change of credentials: it is tried at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass

from ..exceptions import AuthenticationError

__all__ = ["LoginBackoff", "credentials_key", "refused_logins"]


def credentials_key(base_url: str, email: str, secret: str) -> tuple[str, str, str]:
    """The registry key of an account's credentials: the password only as a digest (never kept)."""
    return base_url.rstrip("/"), email.lower(), hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class _Refusal:
    error: AuthenticationError
    until: float
    count: int


class LoginBackoff:
    """The process-wide record of refused logins (thread-safe: sync faces run on their own loop)."""

    def __init__(self) -> None:
        self._refusals: dict[Hashable, _Refusal] = {}
        self._guard = threading.Lock()

    def refused(self, key: Hashable) -> AuthenticationError | None:
        """The error of the last refusal while its back-off lasts, else None."""
        with self._guard:
            entry = self._refusals.get(key)
            return entry.error if entry is not None and time.monotonic() < entry.until else None

    def refuse(self, key: Hashable, error: AuthenticationError, first: float, longest: float) -> None:
        """Count a refusal: no login with these credentials for ``first`` seconds, doubling per
        refusal in a row up to ``longest``."""
        with self._guard:
            entry = self._refusals.get(key)
            count = 1 if entry is None else entry.count + 1
            self._refusals[key] = _Refusal(error, time.monotonic() + min(longest, first * 2 ** (count - 1)),
                                           count)

    def accept(self, key: Hashable) -> None:
        with self._guard:
            self._refusals.pop(key, None)


refused_logins = LoginBackoff()
"""Shared by every connection of the process."""
