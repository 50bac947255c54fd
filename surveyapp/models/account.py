from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp.db import Base, UTCDateTime, one_of, utcnow
from surveyapp.models.county import County

# SPEC §1's roles; an interviewer records 代填 answers and enters paper sheets for its
# county's links.
ROLES = {
    "admin": "管理员",
    "province": "省级",
    "prefecture": "州市",
    "evaluator": "县级评估人员",
    "agency": "第三方机构",
    "interviewer": "调查员",
}


class User(Base):
    """An evaluator or provincial official. Respondents never have accounts."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(one_of("role", tuple(ROLES)), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="SET NULL"))
    # The 州市 of a prefecture user (its scope: the counties whose ``prefecture`` is this).
    prefecture: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Stored in the session cookie at sign-in; bumped at sign-out and password change,
    # so every earlier cookie of this user stops working (a copied one too).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by `renke user disable`: the account can no longer sign in; kept for the record.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by a password reset: the one-time password signs in once, then a new one is set.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    county: Mapped[County | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def enable(self) -> None:
        self.disabled_at = None

    def disable(self, now: datetime) -> None:
        """No more sign-in, and every open session ends now."""
        self.disabled_at = now
        self.end_sessions()

    def end_sessions(self) -> None:
        """Sign this user out everywhere: every session cookie issued so far is refused."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def may_see_county(self, county: County) -> bool:
        """Scope (SPEC §1): admin and province every county, 州市 its own counties, a
        county evaluator its own; an agency sees assessments, not counties; an
        interviewer sees no assessment's pages, only its county's links and its own 代填
        on the field pages (surveyapp.field.services.may_enter)."""
        if self.role in {"admin", "province"}:
            return True
        if self.role == "prefecture":
            return county.prefecture == self.prefecture
        return self.role == "evaluator" and self.county_id == county.id
