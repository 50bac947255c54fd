"""Zero configuration, and no default secret reaching production (SPEC §6)."""

from __future__ import annotations

import stat

import pytest

from surveyapp.config import (
    ConfigurationError,
    load_secret_key,
    normalise_database_url,
    settings_from_environment,
)


def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = load_secret_key(tmp_path, {})
    second = load_secret_key(tmp_path, {})
    assert first == second and len(first) >= 48
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("placeholder", ["", "  ", "changeme", "dev", "secret"])
def test_placeholder_secret_is_refused_in_production(tmp_path, placeholder):
    with pytest.raises(ConfigurationError):
        load_secret_key(tmp_path, {"SECRET_KEY": placeholder, "RENKE_ENV": "production"})
    # in development a placeholder is the developer's choice; an empty one means unset
    if placeholder.strip():
        assert load_secret_key(tmp_path, {"SECRET_KEY": placeholder}) == placeholder
    else:
        generated = load_secret_key(tmp_path, {"SECRET_KEY": placeholder})
        assert len(generated) >= 48 and generated == (tmp_path / "secret_key").read_text()


def test_defaults_need_no_configuration(tmp_path):
    settings = settings_from_environment(tmp_path, {})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    assert settings["RENKE_TIMEZONE"] == "Asia/Shanghai"
    assert settings["RENKE_PUBLIC_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u@h/db",
        "postgresql://u@h/db",
        "postgresql+psycopg2://u@h/db",
        "postgresql+psycopg://u@h/db",
    ],
)
def test_postgres_urls_use_psycopg3(url):
    assert normalise_database_url(url) == "postgresql+psycopg://u@h/db"


def test_public_url_trailing_slash_is_dropped(tmp_path):
    settings = settings_from_environment(
        tmp_path, {"RENKE_PUBLIC_URL": "https://survey.example.cn/"}
    )
    assert settings["RENKE_PUBLIC_URL"] == "https://survey.example.cn"
