from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp.accounts.passwords import password_problem
from surveyapp.models import County, User
from surveyapp.models.account import ROLES


class AccountError(ValueError):
    pass


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Hashed with the same method as real accounts, so that an unknown name costs the
    # same time as a wrong password: the answer's timing tells no one which names exist.
    return generate_password_hash("renke: no such account")


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = None
    if username and len(username) <= 80 and username.isprintable():
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or user.disabled_at is not None:
        return None
    return user


def check_password(username: str, password: str) -> None:
    """Raise AccountError when the policy refuses the password (length, name, common)."""
    problem = password_problem(username, password)
    if problem is not None:
        raise AccountError(problem)


def add_user(
    session: Session, username: str, password: str, role: str, county: County | None = None
) -> User:
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role == "evaluator" and county is None:
        raise AccountError("评估人员必须指定所属县（--county）")
    if session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名已存在：{username}")
    check_password(username, password)
    user = User(username=username, role=role, county=county)
    user.set_password(password)
    session.add(user)
    return user


def reset_password(user: User, password: str) -> None:
    """A new password (policy checked); every session of the user ends."""
    check_password(user.username, password)
    user.set_password(password)
