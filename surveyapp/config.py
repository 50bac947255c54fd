"""Settings, read from the environment (SPEC §6), with zero configuration for `make run`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# Keys that must never reach production: the empty key and well-known placeholders.
PLACEHOLDER_KEYS = frozenset(
    {
        "",
        "dev",
        "development",
        "secret",
        "changeme",
        "change-me",
        "change_me",
        "please-change",
        "your-secret-key",
        "secret-key",
        "xxx",
        "default",
    }
)
SECRET_KEY_FILE = "secret_key"


class ConfigurationError(RuntimeError):
    """A setting that makes it unsafe or impossible to start."""


def default_instance_path() -> Path:
    configured = os.environ.get("RENKE_INSTANCE")
    if configured:
        return Path(configured).resolve()
    # A checkout keeps its data beside the code; an installed package in the working dir.
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").exists():
        return root / "instance"
    return Path.cwd() / "instance"


def load_secret_key(instance_path: Path, environ: dict[str, str]) -> str:
    """The SECRET_KEY: from the environment, else generated once into the instance folder.

    The generated file is created exclusively with mode 0600, so concurrent workers
    starting together agree on one key.
    """
    if "SECRET_KEY" in environ:
        key = environ["SECRET_KEY"]
        if key.strip().lower() in PLACEHOLDER_KEYS and is_production(environ):
            raise ConfigurationError(
                "SECRET_KEY 为空或为示例值，生产环境不能使用；请删除该变量以自动生成，或设置随机值"
            )
        if key.strip():
            return key
        # An empty key in development: as if unset (a Flask app cannot sign with "").
    path = instance_path / SECRET_KEY_FILE
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key


def is_production(environ: dict[str, str]) -> bool:
    return environ.get("RENKE_ENV", "").lower() in {"production", "prod"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def settings_from_environment(
    instance_path: Path, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    env = dict(os.environ if environ is None else environ)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'renke.sqlite3'}"
    return {
        "SECRET_KEY": load_secret_key(instance_path, env),
        # Old keys, comma-separated, still accepted for signed forms and sessions.
        "SECRET_KEY_FALLBACKS": [k for k in env.get("SECRET_KEY_FALLBACKS", "").split(",") if k],
        "DATABASE_URL": normalise_database_url(database_url),
        "RENKE_PUBLIC_URL": (env.get("RENKE_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Submit limits in three tiers (SPEC §6; surveyapp.limits, docs/deterrence.md):
        # the device tier, or `off` to disable every tier (load tests only) …
        "RENKE_SUBMIT_RATE_LIMIT": env.get("RENKE_SUBMIT_RATE_LIMIT") or "10/minute;40/day",
        # … per link of a school (a class group of 40–60 parents within minutes fits) …
        "RENKE_LINK_RATE_LIMIT": env.get("RENKE_LINK_RATE_LIMIT") or "60/minute;600/hour",
        # … per county-level link (no school: posters, county-wide groups) …
        "RENKE_COUNTY_LINK_RATE_LIMIT": env.get("RENKE_COUNTY_LINK_RATE_LIMIT")
        or "300/minute;3000/hour",
        # … per address, generous: a school's parents behind one NAT, carrier NAT.
        "RENKE_ADDRESS_RATE_LIMIT": env.get("RENKE_ADDRESS_RATE_LIMIT") or "300/minute;3000/hour",
        # Signed-in interviewers and paper-entry clerks, per account instead of the tiers.
        "RENKE_ACCOUNT_RATE_LIMIT": env.get("RENKE_ACCOUNT_RATE_LIMIT") or "60/minute;1000/day",
        "RENKE_TRUSTED_PROXIES": int(env.get("RENKE_TRUSTED_PROXIES") or 0),
        "RENKE_TIMEZONE": env.get("RENKE_TIMEZONE") or "Asia/Shanghai",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RENKE_ENV": env.get("RENKE_ENV", "development"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production(env),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
