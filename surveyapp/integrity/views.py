"""The evaluator's integrity page: compute the signals, review flagged responses."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import (
    county_frozen,
    login_required,
    may_change_responses,
    require_see_responses,
)
from surveyapp.form_values import ascii_int
from surveyapp.integrity import services
from surveyapp.models import Assessment
from surveyapp.standards import standard_for

blueprint = Blueprint("integrity", __name__)

ACTIONS = {"confirm": "认定无效", "dismiss": "排除", "restore": "撤销处理"}


def may_review(assessment: Assessment) -> bool:
    """SPEC §1 "individual responses: see, invalidate": province and 州市 read only."""
    return may_change_responses(g.user, assessment, county_frozen(assessment))


def load_for_responses(assessment_id: int) -> Assessment:
    """The assessment, if the user may see its individual responses (SPEC §1, §2.5).

    From 州市复核 on, the county role can neither see nor change individual responses.
    """
    assessment = load_assessment(assessment_id)
    require_see_responses(assessment)
    return assessment


@blueprint.get("/a/<int:assessment_id>/integrity")
@login_required
def index(assessment_id: int) -> str:
    assessment = load_for_responses(assessment_id)
    session = db.session()
    run = services.latest_run(session, assessment)
    incidents = services.incident_views(session, assessment, run) if run else []
    return render_template(
        "integrity/index.html",
        assessment=assessment,
        run=run,
        incidents=incidents,
        unreviewed=services.unreviewed_flags(session, assessment),
        may_review=may_review(assessment),
        actions=ACTIONS,
        min_cell=standard_for(assessment.standard).sampling.min_cell,
    )


@blueprint.post("/a/<int:assessment_id>/integrity/compute")
@login_required
def compute(assessment_id: int) -> ResponseReturnValue:
    assessment = load_for_responses(assessment_id)
    if not may_review(assessment):
        abort(403)
    run = services.compute_integrity(
        db.session(), assessment, g.user, db.utcnow(), current_app.config["RENKE_TIMEZONE"]
    )
    db.session().commit()
    flash(
        f"已计算：检查 {run.checked} 份有效答卷，标记 {run.flagged} 份，{len(run.incidents)} 起事件。"
    )
    return redirect(url_for("integrity.index", assessment_id=assessment.id))


@blueprint.post("/a/<int:assessment_id>/integrity/review")
@login_required
def review(assessment_id: int) -> ResponseReturnValue:
    assessment = load_for_responses(assessment_id)
    action = request.form.get("action", "")
    if not may_review(assessment):
        abort(403)
    if action not in ACTIONS:
        abort(400, description="未知的操作")
    session = db.session()
    try:
        ids = _chosen(assessment)
        if action == "confirm":
            done = services.confirm(
                session, assessment, ids, request.form.get("reason", ""), g.user, db.utcnow()
            )
        elif action == "dismiss":
            done = services.dismiss(session, assessment, ids, g.user, db.utcnow())
        else:
            done = services.restore(session, assessment, ids, g.user, db.utcnow())
    except services.ReviewRefused as refused:
        flash(str(refused), "warning")
    else:
        session.commit()
        flash(f"{ACTIONS[action]}：{done} 份答卷。")
    if request.form.get("from") == "responses":
        page = request.form.get("page", "1")
        return redirect(
            url_for(
                "integrity.responses",
                assessment_id=assessment.id,
                page=ascii_int(page) or 1,
            )
        )
    return redirect(url_for("integrity.index", assessment_id=assessment.id))


@blueprint.get("/a/<int:assessment_id>/responses")
@login_required
def responses(assessment_id: int) -> str:
    """Every response, paginated: an evaluator invalidates one with a reason, or restores
    it (SPEC §1, §2.5); nothing is ever deleted."""
    assessment = load_for_responses(assessment_id)
    page = request.args.get("page", "1")
    number = ascii_int(page) or 1
    rows, pages = services.responses_page(db.session(), assessment, number)
    return render_template(
        "integrity/responses.html",
        assessment=assessment,
        rows=rows,
        page=min(number, pages),
        pages=pages,
        may_review=may_review(assessment),
    )


def _chosen(assessment: Assessment) -> list[int]:
    """The responses ticked, or every response of the incident named with ``whole``."""
    if request.form.get("whole"):
        run = services.latest_run(db.session(), assessment)
        incident = request.form.get("incident", "")
        number = ascii_int(incident)
        if run is None or number is None:
            raise services.ReviewRefused("找不到该事件，请重新计算后再试")
        return services.responses_of_incident(db.session(), run, number)
    chosen = [ascii_int(value) for value in request.form.getlist("response")]
    if any(number is None for number in chosen):
        raise services.ReviewRefused("所选答卷编号无效")
    return [number for number in chosen if number is not None]
