"""Signed form keys and salted device identities for the respondent's path.

A form key is issued with each questionnaire page. It is signed (itsdangerous), names
its link, the time it was issued (so the answering time is measured on the server,
SPEC §6) and a random nonce. The nonce is stored with the response, unique, so a
double tap or a retried submission stores one response. The key also serves as the
form's CSRF token and lives as long as the form: it does not expire, since a
respondent has no session or privilege a forged request could borrow and each key
stores at most one response, while a phone may keep a half-answered form open for days.
Keys signed with a key listed in ``SECRET_KEY_FALLBACKS`` are still read, so rotating
the secret does not turn open forms away.

A device is a random cookie; only ``HMAC(secret, assessment:device)`` is stored, so the
stored hash cannot be linked across assessments or back to the cookie (SPEC §2.5).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

DEVICE_COOKIE = "rk_device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600


class FormKeyInvalid(Exception):
    """A key that was not issued by us for this link."""


@dataclass(frozen=True)
class FormKey:
    nonce: str
    issued_at: datetime


def _serializer() -> URLSafeSerializer:
    # itsdangerous signs with the last key and accepts any of them.
    keys = [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt="renke.form-key")


def issue_form_key(link_token: str, now: datetime) -> str:
    payload = {"l": link_token, "t": round(now.timestamp(), 3), "n": secrets.token_urlsafe(16)}
    return _serializer().dumps(payload)


def read_form_key(key: str, link_token: str, now: datetime) -> FormKey:
    try:
        payload = _serializer().loads(key)
    except BadSignature as error:
        raise FormKeyInvalid from error
    if not isinstance(payload, dict) or payload.get("l") != link_token:
        raise FormKeyInvalid
    issued_at = datetime.fromtimestamp(float(payload["t"]), UTC)
    if (issued_at - now).total_seconds() > 5:  # from the future: not ours
        raise FormKeyInvalid
    return FormKey(nonce=str(payload["n"]), issued_at=min(issued_at, now))


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def device_hash(device_id: str, assessment_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{assessment_id}:{device_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]
