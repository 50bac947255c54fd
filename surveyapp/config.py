"""Settings, read from the environment (SPEC §6), with zero configuration for `make run`."""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from datetime import timedelta
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
        "password",
        "test",
        "renke",
        "renke-demo",
        "your-secret-key-here",
        "supersecret",
        "secretkey",
    }
)
SECRET_KEY_FILE = "secret_key"
ENVIRONMENTS = ("development", "test", "production")
# A production key: at least 32 characters (SPEC §6) and at least 3.5 bits of Shannon
# entropy per character over the key itself (a random token_urlsafe key has ~5.5;
# "aaaa…" or "passwordpassword…" fall well short).
MIN_KEY_LENGTH = 32
MIN_KEY_ENTROPY_BITS = 3.5
DEFAULT_SESSION_HOURS = 12


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
        if is_production(environ):
            check_production_key(key)
        if key.strip():
            return key
        # An empty key in development: as if unset (a Flask app cannot sign with "").
    path = instance_path / SECRET_KEY_FILE
    private_folder(instance_path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key


def private_folder(path: Path) -> None:
    """Create ``path`` readable by its owner only (0700): it holds the key and the data."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 unless it exists (the SQLite database)."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def check_production_key(key: str) -> None:
    """Refuse a SECRET_KEY that an attacker could guess or brute-force offline.

    A signed session cookie lets anyone with one cookie test candidate keys at leisure,
    so a weak key is a way in as any user.
    """
    if key.strip().lower() in PLACEHOLDER_KEYS:
        raise ConfigurationError(
            "SECRET_KEY 为空或为示例值，生产环境不能使用；请删除该变量以自动生成，或设置随机值"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY 太短（{len(key)} 个字符），生产环境至少 {MIN_KEY_LENGTH} 个字符；"
            "可用 python -c 'import secrets; print(secrets.token_urlsafe(48))' 生成"
        )
    if key_entropy(key) < MIN_KEY_ENTROPY_BITS:
        raise ConfigurationError("SECRET_KEY 过于规律（重复或常见字符串），请使用随机生成的值")


def key_entropy(key: str) -> float:
    """Shannon entropy of the key's characters, in bits per character."""
    counts = Counter(key)
    return -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())


def environment(environ: dict[str, str]) -> str:
    """RENKE_ENV, exactly one of development, test, production (SPEC §6)."""
    value = environ.get("RENKE_ENV", "development")
    if value not in ENVIRONMENTS:
        raise ConfigurationError(
            f"RENKE_ENV={value!r} 无效：只能是 {'、'.join(ENVIRONMENTS)} 之一（区分大小写，不含空格）"
        )
    return value


def is_production(environ: dict[str, str]) -> bool:
    return environment(environ) == "production"


def session_hours(environ: dict[str, str]) -> float:
    """RENKE_SESSION_HOURS: how long a sign-in lasts (default 12, one working day)."""
    text = environ.get("RENKE_SESSION_HOURS") or str(DEFAULT_SESSION_HOURS)
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 24 * 30:
        raise ConfigurationError(f"RENKE_SESSION_HOURS={text!r} 无效：应为 0 到 720 之间的小时数")
    return hours


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
    production = is_production(env)
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
        "RENKE_ENV": environment(env),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours(env)),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
