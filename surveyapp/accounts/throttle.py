"""Sign-in throttle: failures counted per account and per address over a window.

Kept in the database (table ``sign_in_failure``) so that every gunicorn worker sees the
same counts; nothing else in Renke needs shared limiter storage for this. The limits are
generous for people and tight for a script: a school office sharing one address may
fail many times without noticing the address limit, and an account is paused only after
:data:`ACCOUNT_LIMIT` failures in :data:`WINDOW` (300 guesses in 41 s meet it at the 10th).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from surveyapp.models import SignInFailure

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 10
ADDRESS_LIMIT = 100
THROTTLED_MESSAGE = "登录失败次数过多，请 15 分钟后再试"


def address_key(secret: str, address: str | None) -> str:
    """The client's address as a keyed hash: counted, never stored or logged in clear."""
    digest = hmac.new(secret.encode(), (address or "-").encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def account_key(username: str) -> str:
    """The name attempts are counted under; one a user could not have is counted as one."""
    if username and len(username) <= 80 and username.isprintable():
        return username
    return "<invalid>"


def is_throttled(session: Session, username: str, address: str, now: datetime) -> bool:
    since = now - WINDOW
    by_account = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.username == account_key(username), SignInFailure.at > since)
    )
    if (by_account or 0) >= ACCOUNT_LIMIT:
        return True
    by_address = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.address == address, SignInFailure.at > since)
    )
    return (by_address or 0) >= ADDRESS_LIMIT


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    session.add(SignInFailure(username=account_key(username), address=address, at=now))
    # Old entries go as new ones come: the table stays the size of one window.
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))


def forget_failures(session: Session, username: str) -> None:
    """A successful sign-in clears the account's count (not the address's)."""
    session.execute(delete(SignInFailure).where(SignInFailure.username == account_key(username)))
