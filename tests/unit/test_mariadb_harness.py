"""Where the harness's MariaDB comes from when apt cannot tell (directus_orm/testing/mariadb.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from directus_orm.exceptions import DirectusError, LocalServerError
from directus_orm.testing import mariadb


@pytest.fixture
def no_apt_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DIRECTUS_ORM_CACHE", str(tmp_path))
    monkeypatch.setattr(mariadb, "_candidate", lambda: None)
    monkeypatch.setattr(mariadb.os, "geteuid", lambda: 1000)  # not root: no apt-get update
    return tmp_path


def test_without_root_or_apt_lists_the_message_says_what_to_do(no_apt_lists: Path) -> None:
    with pytest.raises(LocalServerError, match=r"sudo apt-get update") as info:
        mariadb.mariadb_home()
    assert isinstance(info.value, DirectusError) and "DIRECTUS_TEST_URL" in str(info.value)


def test_without_apt_lists_the_newest_cached_install_serves(no_apt_lists: Path) -> None:
    for version in ("10.11.9", "10.11.19", "10.6.1"):
        (no_apt_lists / f"mariadb-{version}").mkdir()
        (no_apt_lists / f"mariadb-{version}" / ".complete").write_text("ok\n")
    (no_apt_lists / "mariadb-10.11.20").mkdir()  # unfinished: never used
    assert mariadb.mariadb_home() == no_apt_lists / "mariadb-10.11.19"
