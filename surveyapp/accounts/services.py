from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp import audit
from surveyapp.accounts.passwords import password_problem
from surveyapp.db import utcnow
from surveyapp.models import County, User
from surveyapp.models.account import ROLES

# The roles an account manager may give, by the manager's role (SPEC §1 "accounts": the
# province those below it, the 州市 evaluators and interviewers, the county interviewers).
GRANTS = {
    "admin": ("admin", "province", "prefecture", "evaluator", "agency", "interviewer"),
    "province": ("prefecture", "evaluator", "agency", "interviewer"),
    "prefecture": ("evaluator", "interviewer"),
    "evaluator": ("interviewer",),
}
# The roles whose scope is one county (SPEC §1): the county evaluator, the interviewer.
COUNTY_ROLES = frozenset({"evaluator", "interviewer"})
# A generated password: no 0/O, 1/l/I, read aloud or typed from a screen without doubt.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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
    if user.must_change_password:
        # The one-time password has done its work: it never signs in again.
        user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    return user


def check_password(username: str, password: str) -> None:
    """Raise AccountError when the policy refuses the password (length, name, common)."""
    problem = password_problem(username, password)
    if problem is not None:
        raise AccountError(problem)


def generated_password() -> str:
    """A one-time password of 12 characters (policy-proof), shown once to the manager."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def may_manage_account(actor: User, user: User) -> bool:
    """SPEC §1 "accounts": admin all; province those below it; 州市 its counties'
    evaluators and interviewers; a county its own interviewers."""
    if actor.role == "admin":
        return True
    if user.role not in GRANTS.get(actor.role, ()):
        return False
    if actor.role == "prefecture":
        return user.county is not None and user.county.prefecture == actor.prefecture
    if actor.role == "evaluator":
        return user.county is not None and user.county.id == actor.county_id
    return True


def county_in_scope(actor: User, county: County) -> bool:
    """A county the manager may give accounts in (the add form's choices)."""
    if actor.role == "prefecture":
        return county.prefecture == actor.prefecture
    if actor.role == "evaluator":
        return county.id == actor.county_id
    return True


def managed_users(session: Session, actor: User) -> list[User]:
    users = session.scalars(select(User).order_by(User.role, User.username)).all()
    return [user for user in users if may_manage_account(actor, user)]


def _check_scope(role: str, county: County | None, prefecture: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role == "evaluator" and county is None:
        raise AccountError("县级评估人员必须指定所属县（--county）")
    if role == "interviewer" and county is None:
        raise AccountError("调查员必须指定所属县（--county）")
    if role == "prefecture" and not prefecture:
        raise AccountError("州市人员必须指定所属州市（--prefecture）")


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    county: County | None = None,
    *,
    prefecture: str | None = None,
    actor: User | None = None,
) -> User:
    """Add an account; ``actor`` (None: the command line, an operator) must be allowed."""
    _check_scope(role, county, prefecture)
    username = username.strip()
    if not username or len(username) > 80 or not username.isprintable():
        raise AccountError("用户名须为 1–80 个可见字符")
    if session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名已存在：{username}")
    check_password(username, password)
    user = User(
        username=username,
        role=role,
        county=county if role in COUNTY_ROLES else None,
        prefecture=prefecture if role == "prefecture" else None,
    )
    if actor is not None and not may_manage_account(actor, user):
        raise AccountError("您的角色不能添加这种账号")
    user.set_password(password)
    session.add(user)
    session.flush()
    _audit(session, actor, user, None, {"新增": ROLES[role]})
    return user


def reset_password(user: User, password: str) -> None:
    """A new password (policy checked); every session of the user ends."""
    check_password(user.username, password)
    user.set_password(password)


def reset_to_one_time(session: Session, actor: User | None, user: User) -> str:
    """A generated password that signs in once, then asks for a new one; returned once."""
    password = generated_password()
    user.set_password(password)
    user.must_change_password = True
    _audit(session, actor, user, None, {"重置密码": "一次性密码"})
    return password


def change_own_password(session: Session, user: User, old: str | None, new: str) -> None:
    """The user's own new password; ``old`` is asked unless a reset made this sign-in."""
    if not user.must_change_password and (old is None or not user.check_password(old)):
        raise AccountError("原密码不正确")
    check_password(user.username, new)
    user.set_password(new)
    user.must_change_password = False
    _audit(session, user, user, None, {"修改密码": "本人"})


def set_disabled(session: Session, actor: User | None, user: User, disabled: bool) -> None:
    """Disable (sessions end at once) or re-enable an account; an actor never itself."""
    if actor is not None and actor.id == user.id:
        raise AccountError("不能停用或启用自己的账号")
    before = {"状态": "停用" if user.disabled_at else "启用"}
    if disabled:
        user.disable(utcnow())
    else:
        user.enable()
    _audit(session, actor, user, before, {"状态": "停用" if disabled else "启用"})


def _audit(session: Session, actor: User | None, user: User, before: object, after: object) -> None:
    audit.record(
        session,
        actor,
        "account",
        f"账号 {user.username}（{ROLES[user.role]}）",
        before,
        after,
        county_id=user.county_id,
        username="命令行" if actor is None else None,
    )
