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


STRONG = "q7Hk2pX9vLm4Rt8Wz1Nc6Bf3Yd5Gs0Ja"


@pytest.mark.parametrize("value", ["production ", "Production", "prod", "staging", ""])
def test_renke_env_accepts_only_the_three_names(tmp_path, value):
    with pytest.raises(ConfigurationError, match="RENKE_ENV"):
        settings_from_environment(tmp_path, {"RENKE_ENV": value, "SECRET_KEY": STRONG})


@pytest.mark.parametrize("value", ["development", "test", "production"])
def test_renke_env_names(tmp_path, value):
    settings = settings_from_environment(tmp_path, {"RENKE_ENV": value, "SECRET_KEY": STRONG})
    assert settings["RENKE_ENV"] == value
    assert settings["SESSION_COOKIE_SECURE"] is (value == "production")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("password", "示例值"),
        ("renke-demo", "示例值"),
        ("x" * 31, "太短"),
        ("a" * 64, "过于规律"),
        ("passwordpasswordpasswordpassword", "过于规律"),
        ("abababababababababababababababab", "过于规律"),
    ],
)
def test_weak_secret_keys_are_refused_in_production(tmp_path, key, message):
    with pytest.raises(ConfigurationError, match=message):
        load_secret_key(tmp_path, {"SECRET_KEY": key, "RENKE_ENV": "production"})


def test_a_random_key_is_accepted_in_production(tmp_path):
    import secrets

    for _ in range(20):
        key = secrets.token_urlsafe(32)
        assert load_secret_key(tmp_path, {"SECRET_KEY": key, "RENKE_ENV": "production"}) == key


def test_the_instance_folder_and_database_are_private(tmp_path, monkeypatch):
    from surveyapp import create_app

    for name in ("DATABASE_URL", "SECRET_KEY", "RENKE_ENV", "RENKE_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "fresh-instance"
    create_app({"INSTANCE_PATH": str(instance)}).extensions["renke.engine"].dispose()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "renke.sqlite3").stat().st_mode) == 0o600


@pytest.mark.parametrize(("hours", "ok"), [("8", True), ("0.5", True), ("0", False), ("x", False)])
def test_session_lifetime_is_a_setting(tmp_path, hours, ok):
    from datetime import timedelta

    environ = {"RENKE_SESSION_HOURS": hours}
    if ok:
        lifetime = settings_from_environment(tmp_path, environ)["PERMANENT_SESSION_LIFETIME"]
        assert lifetime == timedelta(hours=float(hours))
    else:
        with pytest.raises(ConfigurationError, match="RENKE_SESSION_HOURS"):
            settings_from_environment(tmp_path, environ)
