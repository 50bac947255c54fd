from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from analysis.resources import SPECIAL_NOTE, display_figure
from analysis.tables import InputRefused
from surveyapp import db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required
from surveyapp.demo import DEMO_POPULATION_SOURCE
from surveyapp.integrity.services import integrity_summary
from surveyapp.models import Assessment, SpecialCaseRecord
from surveyapp.models.assessment import STAGES
from surveyapp.province import stages
from surveyapp.verdicts import services, special_cases
from surveyapp.web import download

blueprint = Blueprint("verdicts", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["RENKE_TIMEZONE"])


@blueprint.get("/a/<int:assessment_id>/verdict")
@login_required
def verdict(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    return _page(assessment)


def _page(assessment: Assessment, problems: list[str] | None = None) -> str:
    session = db.session()
    now = db.utcnow()
    result = services.assessment_verdict(session, assessment, _zone())
    frozen = services.frozen_verdict(session, assessment.id)
    return render_template(
        "verdicts/verdict.html",
        assessment=assessment,
        result=result,
        now=now,
        frozen=frozen,
        differences=services.differences(frozen, result) if frozen else [],
        freeze_refusal=services.freeze_refusal(session, assessment, g.user, now, _zone()),
        cases=special_cases.special_cases(session, assessment.id),
        integrity=integrity_summary(session, assessment),
        may_record=special_cases.may_record(g.user, assessment) and frozen is None,
        problems=problems or [],
        demo=assessment.population_source == DEMO_POPULATION_SOURCE,
        demo_words=services.DEMO_WORDS,
        special_note=SPECIAL_NOTE,
        figure=display_figure,
        stages=stages.stage_comparison(session, assessment.county, assessment.year),
        next_stage=_next_stage_label(session, assessment),
    )


def _next_stage_label(session: Session, assessment: Assessment) -> str | None:
    """The next stage's name when the signed-in user may move the assessment on now."""
    if stages.advance_refusal(session, assessment, g.user) is not None:
        return None
    following = stages.next_stage(assessment.stage)
    return STAGES[following] if following else None


@blueprint.get("/a/<int:assessment_id>/gaps")
@login_required
def gaps(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    ledger = services.assessment_gaps(db.session(), assessment)
    from analysis.gaps_text import cv_words, gap_words, unit_words

    return render_template(
        "verdicts/gaps.html",
        assessment=assessment,
        ledger=ledger,
        gap_words=gap_words,
        unit_words=unit_words,
        cv_words=cv_words,
    )


@blueprint.get("/a/<int:assessment_id>/gaps.xlsx")
@login_required
def gaps_xlsx(assessment_id: int) -> ResponseReturnValue:
    from io import BytesIO

    from analysis.gaps_text import write_ledger_xlsx

    assessment = load_assessment(assessment_id)
    ledger = services.assessment_gaps(db.session(), assessment)
    if ledger is None:
        abort(404, description="尚未上传学校数据，没有差距台账")
    buffer = BytesIO()
    write_ledger_xlsx(ledger, buffer)
    return download(
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"差距台账-{assessment.county.name}-{assessment.year}.xlsx",
    )


@blueprint.get("/a/<int:assessment_id>/verdict.json")
@login_required
def verdict_json(assessment_id: int) -> Response:
    assessment = load_assessment(assessment_id)
    result = services.assessment_verdict(db.session(), assessment, _zone())
    body = (
        result.verdict.to_dict()
        if result.verdict
        else {"certified": False, "missing": result.missing}
    )
    return jsonify(body)


@blueprint.post("/a/<int:assessment_id>/verdict/freeze")
@login_required
def freeze(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    session = db.session()
    try:
        services.freeze_verdict(session, assessment, g.user, db.utcnow(), _zone())
    except services.FreezeRefused as refused:
        return _page(assessment, problems=[str(refused)]), 409
    session.commit()
    flash("认定结论已定稿")
    return redirect(url_for("verdicts.verdict", assessment_id=assessment.id))


@blueprint.post("/a/<int:assessment_id>/verdict/advance")
@login_required
def advance(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    session = db.session()
    try:
        created = stages.advance(session, assessment, g.user, db.utcnow())
    except stages.StageRefused as refused:
        return _page(assessment, problems=[str(refused)]), 409
    session.commit()
    flash(f"已进入{created.stage_label}（新评估为准备中）")
    return redirect(url_for("verdicts.verdict", assessment_id=created.id))


@blueprint.post("/a/<int:assessment_id>/special")
@login_required
def record_case(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    session = db.session()
    if not special_cases.may_record(g.user, assessment):
        abort(403)
    if services.frozen_verdict(session, assessment.id) is not None:
        return _page(assessment, problems=["认定结论已定稿，不能再认定特殊情况"]), 409
    form = special_cases.case_form(request.form, request.files.get("document"))
    result = services.assessment_verdict(session, assessment, _zone())
    codes = {u.unit.code for u in result.verdict.resource.units} if result.verdict else set()
    try:
        special_cases.record_special_case(
            session, assessment, form, g.user, db.utcnow(),
            standard=result.standard, school_codes=codes,
        )  # fmt: skip
    except InputRefused as refused:
        return _page(assessment, problems=[str(p) for p in refused.problems]), 422
    session.commit()
    flash("已记录特殊情况认定")
    return redirect(url_for("verdicts.verdict", assessment_id=assessment.id))


@blueprint.get("/a/<int:assessment_id>/special/<int:case_id>/document")
@login_required
def document(assessment_id: int, case_id: int) -> Response:
    assessment = load_assessment(assessment_id)  # 403 outside the user's county
    if not special_cases.may_open_document(g.user):
        abort(403)
    record = db.session().get(SpecialCaseRecord, case_id)
    if record is None or record.assessment_id != assessment.id:
        abort(404)
    response = Response(record.document, mimetype=record.document_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=special-case-{record.id}.{special_cases.extension(record)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
