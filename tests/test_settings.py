from __future__ import annotations

from pathlib import Path

import pytest

from cms.errors import ConfigError
from cms.settings import Settings, shared_secret_problem


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


def test_a_machine_local_key_file_is_used_when_no_key_is_set(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-the-file\n")
    settings = Settings.from_env({"CMS_SECRET_KEY_FILE": str(key_file)})
    assert (settings.secret_key, settings.secret_key_source) == ("from-the-file", "file")
    explicit = Settings.from_env({"CMS_SECRET_KEY_FILE": str(key_file), "CMS_SECRET_KEY": "set"})
    assert (explicit.secret_key, explicit.secret_key_source) == ("set", "env")


def test_several_processes_need_an_explicit_key(tmp_path: Path) -> None:
    missing = str(tmp_path / "none")
    alone = Settings.from_env({"CMS_SECRET_KEY_FILE": missing})
    assert shared_secret_problem(alone) is None
    several = Settings.from_env({"CMS_SECRET_KEY_FILE": missing, "CMS_WORKERS": "4"})
    assert "set CMS_SECRET_KEY" in (shared_secret_problem(several) or "")
    redis = Settings.from_env({"CMS_SECRET_KEY_FILE": missing, "CMS_REDIS_URL": "redis://127.0.0.1:6379"})
    assert "CMS_REDIS_URL" in (shared_secret_problem(redis) or "")
    assert shared_secret_problem(Settings.from_env({"CMS_SECRET_KEY": "k", "CMS_WORKERS": "4"})) is None


def test_public_and_site_urls_are_checked_and_kept_apart() -> None:
    settings = Settings.from_env(
        {"CMS_PUBLIC_URL": "https://cms.example.org/", "CMS_BASE_URL": "https://example.org"}
    )
    assert (settings.public_url, settings.base_url) == ("https://cms.example.org", "https://example.org")
    with pytest.raises(ConfigError):
        Settings.from_env({"CMS_PUBLIC_URL": "javascript:alert(1)"})
    with pytest.raises(ConfigError):
        Settings.from_env({"CMS_ARTICLE_URL": "{base}/{nope}"})


def test_site_identity_comes_from_settings_with_the_name_as_publisher() -> None:
    from cms.services.site import site

    identity = site(
        Settings.from_env({"CMS_SITE_NAME": "The  Peninsula", "CMS_SITE_TIME_ZONE": "Asia/Seoul"})
    )
    assert (identity.name, identity.publisher, str(identity.time_zone)) == (
        "The Peninsula",
        "The Peninsula",
        "Asia/Seoul",
    )
    assert identity.home_url.endswith("/examples/peninsula/")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CMS_SITE_TIME_ZONE", "Mars/Olympus"),
        ("CMS_SITE_LANGUAGE", "english!"),
        ("CMS_SITE_NAME", "Two\x07lines"),
        ("CMS_SITE_LOGO_URL", "javascript:alert(1)"),
    ],
)
def test_a_bad_site_setting_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CMS_SMTP_SECURITY": "ssl"}, "starttls, tls, none"),
        ({"CMS_MAIL_DIGEST_TIME": "7am"}, "time of day"),
        ({"CMS_MAIL_FROM": "News <news@example.org>\r\nBcc: x@example.org"}, "CMS_MAIL_FROM"),
        ({"CMS_MAIL_FROM": "nobody"}, "CMS_MAIL_FROM"),
        ({"CMS_RATE_LIMIT_SUBSCRIBE": "lots"}, "rate"),
    ],
)
def test_bad_mail_settings_fail_with_a_message_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_smtp_ports_follow_the_security_unless_given() -> None:
    from cms.services.smtp import port_of

    assert port_of(Settings.from_env({})) == 587
    assert port_of(Settings.from_env({"CMS_SMTP_SECURITY": "tls"})) == 465
    assert port_of(Settings.from_env({"CMS_SMTP_SECURITY": "none", "CMS_SMTP_PORT": "2525"})) == 2525
