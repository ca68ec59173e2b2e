"""The ``directus`` / ``databases`` markers of tests/conftest.py: a test declares what it needs, the run
skips it (saying why) where the server lacks it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = '''
import pytest
from tests.conftest import pytest_collection_modifyitems, pytest_configure  # noqa: F401
'''


def run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, body: str, **env: str
) -> pytest.RunResult:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(body)
    return pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider",
                                        "-o", "asyncio_default_fixture_loop_scope=function")


BODY = '''
import pytest

@pytest.mark.directus("11", reason="policies arrived in 11")
def test_needs_11(): pass

@pytest.mark.databases("sqlite", reason="LIKE folds case there")
def test_sqlite_only(): pass

def test_anywhere(): pass
'''


def test_an_older_server_and_another_database_skip_with_the_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(pytester, monkeypatch, BODY, DIRECTUS_ORM_DIRECTUS="10.13.4", DIRECTUS_ORM_DB="postgres")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*needs Directus >= 11 (this run: 10.13.4): policies arrived in 11*",
                                 "*runs on sqlite only (this run: postgres): LIKE folds case there*"])


def test_a_server_that_has_it_runs_them(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(pytester, monkeypatch, BODY, DIRECTUS_ORM_DIRECTUS="11.17.4", DIRECTUS_ORM_DB="sqlite")
    result.assert_outcomes(passed=3)


def test_a_marker_without_a_reason_is_an_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(pytester, monkeypatch, "import pytest\n\n@pytest.mark.directus('11')\ndef test_x(): pass\n")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*use @pytest.mark.directus*"])
