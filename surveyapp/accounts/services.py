from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import County, User
from surveyapp.models.account import ROLES


class AccountError(ValueError):
    pass


def authenticate(session: Session, username: str, password: str) -> User | None:
    if not username or len(username) > 80 or not username.isprintable():
        return None
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.check_password(password):
        return None
    return user


def add_user(
    session: Session, username: str, password: str, role: str, county: County | None = None
) -> User:
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role == "evaluator" and county is None:
        raise AccountError("评估人员必须指定所属县（--county）")
    if session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名已存在：{username}")
    user = User(username=username, role=role, county=county)
    user.set_password(password)
    session.add(user)
    return user
