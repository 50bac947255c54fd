"""The county registry page: admin and province staff list and add counties."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from analysis.vocabulary import COUNTY_KINDS
from surveyapp import audit, db
from surveyapp.auth import REGISTRY_ROLES, login_required, require_role
from surveyapp.counties.services import CountyRefused, add_county, counties_of
from surveyapp.models import User

blueprint = Blueprint("counties", __name__)
PROVINCE = "云南省"
WORDS = "只有管理员和省级人员可以管理县名录"


def _page(error: str | None = None, code: int = 200) -> ResponseReturnValue:
    session = db.session()
    evaluators: dict[int, list[str]] = {}
    for user in session.scalars(select(User).where(User.role == "evaluator")):
        if user.county_id is not None:
            evaluators.setdefault(user.county_id, []).append(user.username)
    page = render_template(
        "counties/index.html",
        counties=counties_of(session),
        evaluators=evaluators,
        kinds=COUNTY_KINDS,
        error=error,
        form=request.form,
    )
    return page, code


@blueprint.get("/counties")
@login_required
def index() -> ResponseReturnValue:
    require_role(REGISTRY_ROLES, WORDS)
    return _page()


@blueprint.post("/counties")
@login_required
def add() -> ResponseReturnValue:
    require_role(REGISTRY_ROLES, WORDS)
    form, session = request.form, db.session()
    try:
        county = add_county(
            session,
            PROVINCE,
            form.get("prefecture", ""),
            form.get("name", ""),
            kind=form.get("kind") or None,
            code=form.get("code") or None,
        )
    except CountyRefused as refused:
        return _page(str(refused), 422)
    audit.record(
        session,
        g.user,
        "county",
        f"{county.prefecture}{county.name}",
        after={"类型": county.kind, "代码": county.code},
        county_id=county.id,
    )
    session.commit()
    flash(f"已添加 {county.prefecture}{county.name}。下一步：在“账号”页为该县添加县级评估人员。")
    return redirect(url_for("counties.index"))
