"""Commissioning a 第三方机构 (SPEC §1, the agency's scope: the assessments assigned to it).

An admin or a province user — who create agency accounts (SPEC §1 "accounts") — assigns
an assessment to an agency account, or withdraws it; each is audited. From then on the
agency sets up, collects and reviews that assessment's responses like the county.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveyapp import audit
from surveyapp.accounts.services import AccountError
from surveyapp.models import AgencyAssignment, Assessment, User

ASSIGNING_ROLES = frozenset({"admin", "province"})


def may_assign(user: User, assessment: Assessment) -> bool:
    """Assign or withdraw agencies: admin, or a province user (its province in scope)."""
    return user.role in ASSIGNING_ROLES and user.may_see_county(assessment.county)


def assigned_agencies(session: Session, assessment: Assessment) -> list[User]:
    """The agency accounts the assessment is assigned to, by name."""
    return list(
        session.scalars(
            select(User)
            .join(AgencyAssignment, AgencyAssignment.user_id == User.id)
            .where(AgencyAssignment.assessment_id == assessment.id)
            .order_by(User.username)
        )
    )


def agency_accounts(session: Session) -> list[User]:
    """Every agency account still in use, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == "agency", User.disabled_at.is_(None))
            .order_by(User.username)
        )
    )


def assign(session: Session, actor: User, agency: User, assessment: Assessment) -> None:
    """Assign the assessment to the agency account; AccountError (Chinese) when refused."""
    if not may_assign(actor, assessment):
        raise AccountError("只有管理员和省级人员可以委托第三方机构")
    if agency.role != "agency" or agency.disabled_at is not None:
        raise AccountError(f"账号 {agency.username} 不是在用的第三方机构账号")
    if session.get(AgencyAssignment, (agency.id, assessment.id)) is not None:
        raise AccountError(f"本评估已委托给 {agency.username}")
    session.add(AgencyAssignment(user_id=agency.id, assessment_id=assessment.id))
    audit.record(
        session,
        actor,
        "agency",
        f"{assessment.title}",
        None,
        {"委托": agency.username},
        county_id=assessment.county_id,
    )


def withdraw(session: Session, actor: User, agency: User, assessment: Assessment) -> None:
    """Withdraw the assessment from the agency account; AccountError when refused."""
    if not may_assign(actor, assessment):
        raise AccountError("只有管理员和省级人员可以委托第三方机构")
    done = session.execute(
        delete(AgencyAssignment).where(
            AgencyAssignment.user_id == agency.id,
            AgencyAssignment.assessment_id == assessment.id,
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise AccountError(f"本评估没有委托给 {agency.username}")
    audit.record(
        session,
        actor,
        "agency",
        f"{assessment.title}",
        {"委托": agency.username},
        None,
        county_id=assessment.county_id,
    )
