"""Signed form keys bound to a device, and salted device identities.

A form key is issued with each questionnaire page. It is signed (itsdangerous) and
names its link, the device it was issued to (a keyed hash of the device cookie, never
the cookie itself), the time the form was first shown (so the answering time is
measured on the server, SPEC §6), the time this key was signed, and a random nonce.

- The nonce is stored with the response, unique, so a double tap or a retried
  submission stores one response.
- A post whose device cookie is missing or differs from the key's is not stored: a
  script that drops cookies gets its form back, never a stored response (SPEC §2.5).
- A key reissued with a returned form keeps the first issue time and the nonce and is
  signed anew; only a key we did not sign starts the clock again, so an honest
  resubmission is never "too fast" and no one skips the minimum time by forging.
- The key expires ``form_key_hours`` after it was *signed* (the standard's setting):
  a form left open for days comes back once with a fresh key, answers kept, and the
  answering time still counts from the first issue.

The key also serves as the form's CSRF token. Keys signed with a key listed in
``SECRET_KEY_FALLBACKS`` are still read, so rotating the secret does not turn open
forms away.

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
CLOCK_SKEW_S = 5


class FormKeyInvalid(Exception):
    """A key that was not issued by us for this link."""


@dataclass(frozen=True)
class FormKey:
    """A key we signed: its nonce, when the form was first shown and when it was signed."""

    nonce: str
    issued_at: datetime
    signed_at: datetime
    device: str

    def bound_to(self, device_id: str | None) -> bool:
        """Whether the post's device cookie is the one this key was issued to."""
        return device_id is not None and hmac.compare_digest(self.device, device_tag(device_id))


def _serializer() -> URLSafeSerializer:
    # itsdangerous signs with the last key and accepts any of them.
    keys = [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt="renke.form-key")


def issue_form_key(
    link_token: str, now: datetime, device_id: str, *, reissue: FormKey | None = None
) -> str:
    """A new key for ``device_id``; a reissue keeps the first issue time and the nonce."""
    first = reissue.issued_at if reissue else now
    payload = {
        "l": link_token,
        "t": round(first.timestamp(), 3),
        "s": round(now.timestamp(), 3),
        "n": reissue.nonce if reissue else secrets.token_urlsafe(16),
        "d": device_tag(device_id),
    }
    return _serializer().dumps(payload)


def read_form_key(key: str, link_token: str, now: datetime) -> FormKey:
    """The key's content, or :class:`FormKeyInvalid` when we did not sign it for this link."""
    try:
        payload = _serializer().loads(key)
    except BadSignature as error:
        raise FormKeyInvalid from error
    if not isinstance(payload, dict) or payload.get("l") != link_token:
        raise FormKeyInvalid
    try:
        issued_at = datetime.fromtimestamp(float(payload["t"]), UTC)
        signed_at = datetime.fromtimestamp(float(payload["s"]), UTC)
        nonce, device = str(payload["n"]), str(payload["d"])
    except (KeyError, TypeError, ValueError) as error:  # an older key format: not ours now
        raise FormKeyInvalid from error
    if (signed_at - now).total_seconds() > CLOCK_SKEW_S or issued_at > signed_at:
        raise FormKeyInvalid  # from the future: not ours
    return FormKey(
        nonce=nonce, issued_at=min(issued_at, now), signed_at=min(signed_at, now), device=device
    )


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def device_tag(device_id: str) -> str:
    """The device as the form key carries it: a hash, not the cookie itself.

    Unkeyed, so a rotated secret still matches open forms; the cookie is 128 random
    bits, so its hash reveals nothing and links nothing the cookie does not.
    """
    return hashlib.sha256(f"renke.device:{device_id}".encode()).hexdigest()[:22]


def device_hash(device_id: str, assessment_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{assessment_id}:{device_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]
