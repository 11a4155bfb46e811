from __future__ import annotations

from pathlib import Path

import pytest

from cms.errors import ConfigError
from cms.settings import Settings


def test_defaults_give_a_working_sqlite_setup() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./cms.db"
    assert settings.media_root == Path("./media")
    assert settings.max_page_size == 100
    assert settings.default_page_size == 20


def test_hosting_style_postgres_urls_use_psycopg3() -> None:
    for url in ("postgres://u@h/db", "postgresql://u@h/db"):
        assert Settings.from_env({"CMS_DATABASE_URL": url}).database_url == "postgresql+psycopg://u@h/db"


def test_base_url_loses_its_trailing_slash() -> None:
    assert Settings.from_env({"CMS_BASE_URL": "https://example.org/"}).base_url == "https://example.org"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CMS_MAX_PAGE_SIZE": "lots"}, "whole number"),
        ({"CMS_MAX_PAGE_SIZE": "0"}, "positive"),
        ({"CMS_DEFAULT_PAGE_SIZE": "200"}, "cannot exceed"),
    ],
)
def test_bad_settings_fail_with_a_message_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)
