"""Who may do what (SPEC §1): sign-in checks and the role rules every view asks.

Scope bounds every row of SPEC §1's table: admin and province everything, a
prefecture (州市) user the counties of its 州市, a county evaluator its county, an
agency (第三方机构) the assessments assigned to it. Reading is bounded by scope;
writing is narrower: province and prefecture read set-up, links, collection and
responses but change none of them; indicator files are uploaded at the stage a role is
responsible for; from 州市复核 on (or once 县级自评 is frozen) the county role can
neither see nor change individual responses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from surveyapp import db
from surveyapp.models import AgencyAssignment, Assessment, County, User

View = TypeVar("View", bound=Callable[..., Any])
# The stages at which each role uploads indicator files (SPEC §1, "indicator files"); the
# province's 年度监测 as its 省级评估 (办法 第十四条).
UPLOAD_STAGES = {
    "province": frozenset({"province", "monitoring"}),
    "prefecture": frozenset({"prefecture"}),
    "evaluator": frozenset({"county"}),
}
# The roles that read the audit log (SPEC §1 "audit log").
AUDIT_ROLES = frozenset({"admin", "province", "prefecture", "evaluator"})
# Counties and the plan (SPEC §1 "counties, plan import").
REGISTRY_ROLES = frozenset({"admin", "province"})


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("accounts.login", next=request.full_path))
        if g.user.must_change_password and request.endpoint != "accounts.password":
            return redirect(url_for("accounts.password"))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def assigned_ids(user: User) -> set[int]:
    """The assessments assigned to an agency account (empty for any other role)."""
    if user.role != "agency":
        return set()
    query = select(AgencyAssignment.assessment_id).where(AgencyAssignment.user_id == user.id)
    return set(db.session().scalars(query))


def may_see(user: User, assessment: Assessment) -> bool:
    """The assessment is in the user's scope (read)."""
    if user.role == "agency":
        return assessment.id in assigned_ids(user)
    return user.may_see_county(assessment.county)


def require_see(assessment: Assessment) -> None:
    """403 unless the signed-in user may see the assessment at all."""
    if not may_see(g.user, assessment):
        abort(403)


def may_manage(user: User, assessment: Assessment | None, county: County | None = None) -> bool:
    """Set up an assessment, its links and its collection: admin, the county's evaluator,
    or the agency it is assigned to. ``assessment`` None: a new one in ``county``."""
    if user.role == "admin":
        return True
    if assessment is None:
        return user.role == "evaluator" and county is not None and user.county_id == county.id
    if user.role == "agency":
        return assessment.id in assigned_ids(user)
    return user.role == "evaluator" and user.county_id == assessment.county_id


def may_upload(user: User, assessment: Assessment) -> bool:
    """Upload indicator files: admin, or the role whose stage the assessment is, in scope."""
    if user.role == "admin":
        return True
    if assessment.stage not in UPLOAD_STAGES.get(user.role, frozenset()):
        return False
    return user.may_see_county(assessment.county)


def may_see_responses(user: User, assessment: Assessment, county_frozen: bool) -> bool:
    """See individual responses: everyone in scope, except the county role from 州市复核
    on or once its 县级自评 verdict is frozen (``county_frozen``)."""
    if not may_see(user, assessment):
        return False
    if user.role == "evaluator":
        return assessment.stage == "county" and not county_frozen
    return True


def may_change_responses(user: User, assessment: Assessment, county_frozen: bool) -> bool:
    """Invalidate or restore a response: admin, the agency assigned, the county role while
    it may see them; province and prefecture read only."""
    if not may_see_responses(user, assessment, county_frozen):
        return False
    return user.role in {"admin", "agency", "evaluator"}


def county_frozen(assessment: Assessment) -> bool:
    """The assessment's 县级自评 verdict is frozen (the county role's responses end)."""
    from surveyapp.verdicts.services import frozen_verdict

    return assessment.stage == "county" and frozen_verdict(db.session(), assessment.id) is not None


def require_see_responses(assessment: Assessment) -> None:
    """403 unless the signed-in user may see the assessment's individual responses: its
    responses pages and the responses export (SPEC §1, §3)."""
    if not may_see_responses(g.user, assessment, county_frozen(assessment)):
        abort(403, description="本阶段起，县级评估人员不能查看或修改单份答卷")


def require_manage(assessment: Assessment | None, county: County | None = None) -> None:
    if not may_manage(g.user, assessment, county):
        abort(403, description="您的角色只能查看，不能修改评估设置、链接或收集状态")


def require_upload(assessment: Assessment) -> None:
    if not may_upload(g.user, assessment):
        abort(403, description="您的角色不能在本评估阶段上传指标数据")


def require_role(roles: frozenset[str] | set[str], words: str) -> None:
    """403 with ``words`` (Chinese) unless the signed-in user has one of ``roles``."""
    if g.user.role not in roles:
        abort(403, description=words)
