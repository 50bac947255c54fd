"""Rate limits on the submit POST, in three tiers (SPEC §2.5, §6), with ``limits``.

- **device**: tight. Keyed by the device cookie; a post without one is keyed by its
  address in this tier (it is refused anyway, see :mod:`surveyapp.security`, and a
  script that drops cookies gets no more tries than a phone).
- **link**: a ceiling well above the link's honest peak (a class group of 40–60 parents
  answering within minutes of the teacher's message); county-level links, which have
  no school, have their own, far higher ceiling.
- **address**: only a generous ceiling, since a school's parents may share one NAT
  address and mobile carriers put many phones behind one.

A signed-in interviewer or paper-entry clerk is limited per account instead of by the
three tiers (:func:`submitting_account`; 代填 and 纸质 are entered by interviewers and
evaluators, see docs/field.md). Only the submit is limited: the form itself costs one read, is
useless to a script without its cookie, and refusing it would turn an honest parent
away before they have answered anything.

Storage is Redis when ``REDIS_URL`` is set (shared by every worker), memory otherwise,
which counts **per worker process**: with four gunicorn workers a limit is effectively
up to four times its value. Keys are hashed before they reach the storage, so no raw
address or cookie is kept (SPEC §2.5).

A post takes one of every limit of its tiers, or none: a refused post counts in no tier.
In Redis that is one round trip (:data:`TAKE_ALL`, a script on the moving windows as
``limits`` keeps them), instead of a test and a hit per limit; in memory it is the test
of each, then the hit of each. Only the storage and the strategy of ``limits`` are used:
the submit is limited by the view, not by a hook on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.commands.core import Script

from surveyapp.collect.links import RespondentLink
from surveyapp.config import ConfigurationError

#: Settings of each tier, with their defaults in :mod:`surveyapp.config`.
TIER_SETTINGS = {
    "device": "RENKE_SUBMIT_RATE_LIMIT",
    "link": "RENKE_LINK_RATE_LIMIT",
    "county_link": "RENKE_COUNTY_LINK_RATE_LIMIT",
    "address": "RENKE_ADDRESS_RATE_LIMIT",
    "account": "RENKE_ACCOUNT_RATE_LIMIT",
}
#: Roles whose submissions are limited per account: interviewers record 代填 answers,
#: interviewers and evaluators (admins too) enter paper sheets (docs/field.md).
ACCOUNT_LIMITED_ROLES = frozenset({"interviewer", "evaluator", "admin"})
EXTENSION = "renke.limits"
#: Take one entry of every moving window, or none when one is full; 0, or the (1-based)
#: number of the first full window. KEYS: the windows; ARGV: now, then each window's
#: limit and expiry. The windows are lists of timestamps, newest first, as ``limits``
#: keeps them, so its ``get_window_stats`` reads them (the reset of a refusal).
TAKE_ALL = """
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
    local limit, expiry = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
    local entry = redis.call('lindex', KEYS[i], limit - 1)
    if entry and tonumber(entry) >= now - expiry then
        return i
    end
end
for i = 1, #KEYS do
    local limit, expiry = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
    redis.call('lpush', KEYS[i], now)
    redis.call('ltrim', KEYS[i], 0, limit - 1)
    redis.call('expire', KEYS[i], expiry)
end
return 0
"""


@dataclass(frozen=True)
class SubmitLimits:
    """The parsed tiers and the moving-window strategy on the storage."""

    strategy: MovingWindowRateLimiter
    tiers: dict[str, list[RateLimitItem]]
    #: :data:`TAKE_ALL` registered with Redis; None for the other storages (memory).
    take_all: Script | None = None

    def retry_after(self, link: RespondentLink, device_id: str | None) -> int | None:
        """Seconds to wait when a tier is exhausted, else None (and the post is counted)."""
        checks = [
            (item, ("submit", tier, key))
            for tier, key in _tier_keys(link, device_id)
            for item in self.tiers[tier]
        ]
        full = self._take_all(checks)
        if full is None:
            return None
        item, identifiers = checks[full]
        reset = self.strategy.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _take_all(self, checks: Sequence[tuple[RateLimitItem, tuple[str, ...]]]) -> int | None:
        """One entry of every limit, or none: the index of the first full one, if any."""
        storage = self.strategy.storage
        if self.take_all is not None:
            assert isinstance(storage, RedisStorage)
            keys = [storage.prefixed_key(item.key_for(*ids)) for item, ids in checks]
            windows = [value for item, _ in checks for value in (item.amount, item.get_expiry())]
            full = int(self.take_all(keys, [time.time(), *windows]))
            return full - 1 if full else None
        for index, (item, identifiers) in enumerate(checks):
            if not self.strategy.test(item, *identifiers):
                return index
        for item, identifiers in checks:
            self.strategy.hit(item, *identifiers)
        return None


def init_app(app: Flask) -> None:
    """Read the tiers (refusing a value that cannot be parsed) and set up the storage."""
    if app.config["RENKE_SUBMIT_RATE_LIMIT"].strip().lower() == "off":
        app.extensions[EXTENSION] = None
        return
    tiers = {tier: _parse(setting, app.config[setting]) for tier, setting in TIER_SETTINGS.items()}
    storage = storage_from_string(app.config["REDIS_URL"] or "memory://")
    take_all = None
    # one script on several keys: not on a cluster, whose keys live on different nodes
    if isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage):
        take_all = storage.get_connection().register_script(TAKE_ALL.encode())
    app.extensions[EXTENSION] = SubmitLimits(MovingWindowRateLimiter(storage), tiers, take_all)


def submit_limits() -> SubmitLimits | None:
    """The app's limits; None when ``RENKE_SUBMIT_RATE_LIMIT=off`` (load tests)."""
    limits: SubmitLimits | None = current_app.extensions[EXTENSION]
    return limits


def submitting_account() -> int | None:
    """The signed-in interviewer or paper-entry clerk submitting, limited per account."""
    user = g.get("user")
    if user is not None and user.role in ACCOUNT_LIMITED_ROLES:
        return int(user.id)
    return None


def _tier_keys(link: RespondentLink, device_id: str | None) -> list[tuple[str, str]]:
    account = submitting_account()
    if account is not None:
        return [("account", str(account))]
    address = _pseudonym(request.remote_addr or "")
    device = _pseudonym(device_id) if device_id else f"address:{address}"
    link_tier = "link" if link.school is not None else "county_link"
    return [("device", device), (link_tier, str(link.id)), ("address", address)]


def _pseudonym(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:24]


def _parse(setting: str, value: str) -> list[RateLimitItem]:
    try:
        items = parse_many(value)
    except ValueError as error:
        raise ConfigurationError(
            f"{setting} 无法识别：“{value}”（应如 10/minute;40/day，或设 RENKE_SUBMIT_RATE_LIMIT=off 关闭）"
        ) from error
    if not items:
        raise ConfigurationError(f"{setting} 为空")
    return list(items)
