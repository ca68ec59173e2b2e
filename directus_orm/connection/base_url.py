"""A connection's base URL: one absolute http(s) URL, checked before any request is built."""

from __future__ import annotations

import re

import httpx

from ..exceptions import ImproperlyConfigured

__all__ = ["base_url"]

SEVERAL = ("a connection talks to one Directus: give one URL per alias, and for several instances a load "
           "balancer's URL (docs/connections.md, 'Several Directus instances')")


def base_url(value: object, setting: str = "Directus url") -> str:
    """``value`` as a base URL without its trailing slash, or :class:`ImproperlyConfigured` naming
    ``setting``: not a string (a list of URLs), or not one absolute ``http(s)://host`` URL (several
    joined by commas or spaces, no scheme)."""
    if isinstance(value, httpx.URL):
        value = str(value)
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{setting} must be a str, got {type(value).__name__}; {SEVERAL}")
    why = _malformed(value)
    if why:
        raise ImproperlyConfigured(
            f"{setting} must be one absolute http:// or https:// URL, got {_redacted(value)!r} ({why}); "
            f"{SEVERAL}"
        )
    return value.rstrip("/")


def _malformed(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return "no http:// or https:// scheme"
    if re.search(r"\s", url):
        return "it holds whitespace"
    if "," in url or url.count("://") > 1:
        return "it holds several URLs"
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "not a valid URL"
    if not parsed.host:
        return "no host"
    return ""


def _redacted(url: str) -> str:
    """The URL without a password in its user-info parts (``https://user:secret@host``)."""
    return re.sub(r"//[^/@]*@", "//***@", url)
