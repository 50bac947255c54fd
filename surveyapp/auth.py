"""Who may do what (SPEC §1): sign-in checks and the role rules every view asks.

Reading is bounded by scope (:meth:`User.may_see_county`); writing is narrower. The
province role reads every county's set-up, links and collection but changes none of
them (only an admin or the county's evaluator does); indicator files are uploaded at
the stage a role is responsible for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for

from surveyapp.models import Assessment, User

View = TypeVar("View", bound=Callable[..., Any])
# The stage at which each role uploads indicator files (SPEC §1, "indicator files").
UPLOAD_STAGE = {"province": "province", "evaluator": "county"}


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("accounts.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def require_county(county_id: int) -> None:
    """403 unless the signed-in user may see the county at all."""
    if not g.user.may_see_county(county_id):
        abort(403)


def may_manage(user: User, county_id: int | None) -> bool:
    """Set up an assessment, its links and its collection: admin, or the county's own."""
    if user.role == "admin":
        return True
    return user.role == "evaluator" and county_id is not None and user.county_id == county_id


def may_upload(user: User, assessment: Assessment) -> bool:
    """Upload indicator files: admin, or the role whose stage the assessment is."""
    if user.role == "admin":
        return True
    if UPLOAD_STAGE.get(user.role) != assessment.stage:
        return False
    return user.role == "province" or user.county_id == assessment.county_id


def require_manage(county_id: int | None) -> None:
    if not may_manage(g.user, county_id):
        abort(403, description="您的角色只能查看，不能修改评估设置、链接或收集状态")


def require_upload(assessment: Assessment) -> None:
    if not may_upload(g.user, assessment):
        abort(403, description="您的角色不能在本评估阶段上传指标数据")
