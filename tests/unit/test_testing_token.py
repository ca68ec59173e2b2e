"""The harness's static admin tokens read as values on a command line (``--token <token>``)."""

from directus_orm.testing.server import DirectusServer


def test_admin_tokens_never_start_with_a_dash() -> None:
    tokens = {DirectusServer().admin_token for _ in range(2000)}
    assert len(tokens) == 2000
    assert not any(token.startswith("-") for token in tokens)
