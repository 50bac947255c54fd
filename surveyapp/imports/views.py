"""Upload pages: the two files of an assessment, their versions, the templates."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
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

from analysis.tables import InputRefused
from analysis.templates_xlsx import county_template, schools_template
from surveyapp import audit, db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required, require_upload
from surveyapp.imports import services
from surveyapp.models import Assessment
from surveyapp.models.datafile import DATA_KINDS
from surveyapp.province.services import refresh_summary
from surveyapp.standards import standard_for

blueprint = Blueprint("imports", __name__)


@blueprint.get("/a/<int:assessment_id>/data")
@login_required
def data(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    return _page(assessment)


@blueprint.post("/a/<int:assessment_id>/data/<kind>")
@login_required
def upload(assessment_id: int, kind: str) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    if kind not in DATA_KINDS:
        abort(404)
    require_upload(assessment)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(assessment, kind=kind, problems=["请选择要上传的文件"]), 422
    content = upload.read()
    session = db.session()
    # End the read transaction first: on SQLite a POST's transaction holds the write lock,
    # and respondents must not wait while a large file is parsed.
    session.commit()
    try:
        parsed = services.parse(assessment, kind, content, upload.filename)
        accepted = services.accept_upload(
            session, assessment, kind, upload.filename, content, g.user, db.utcnow(), parsed
        )
    except InputRefused as refused:
        return _page(assessment, kind=kind, problems=[str(p) for p in refused.problems]), 422
    audit.record(
        session,
        g.user,
        "upload",
        f"评估 {assessment.id} {DATA_KINDS[kind]}：{upload.filename}"[:200],
        after={"版本": accepted.data_file.version, "SHA-256": accepted.data_file.sha256},
        county_id=assessment.county_id,
    )
    # the province's overview reads it
    refresh_summary(session, assessment, ZoneInfo(current_app.config["RENKE_TIMEZONE"]))
    session.commit()
    flash(
        f"已接受{DATA_KINDS[kind]}（第 {accepted.data_file.version} 版，{accepted.data_file.summary}）"
    )
    for warning in accepted.warnings:
        flash(f"请核对：{warning}", "warning")
    return redirect(url_for("imports.data", assessment_id=assessment.id))


@blueprint.get("/a/<int:assessment_id>/data/<kind>/v<int:version>")
@login_required
def download(assessment_id: int, kind: str, version: int) -> Response:
    assessment = load_assessment(assessment_id)
    stored = services.stored_version(db.session(), assessment.id, kind, version)
    if stored is None:
        abort(404)
    suffix = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "csv"
    name = f"renke-{kind}-v{stored.version}.{suffix if suffix in ('csv', 'xlsx') else 'bin'}"
    return Response(
        stored.content,
        mimetype="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename={name}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@blueprint.get("/a/<int:assessment_id>/templates/<kind>.xlsx")
@login_required
def template(assessment_id: int, kind: str) -> Response:
    assessment = load_assessment(assessment_id)
    builders = {"schools": schools_template, "county": county_template}
    if kind not in builders:
        abort(404)
    # The latest 教育事业统计 available for a 评估年份 is the previous year's.
    content = builders[kind](
        standard=standard_for(assessment.standard), statistics_year=assessment.year - 1
    )
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=renke-{kind}-template.xlsx"},
    )


def _page(
    assessment: Assessment, *, kind: str | None = None, problems: list[str] | None = None
) -> str:
    session = db.session()
    return render_template(
        "imports/data.html",
        assessment=assessment,
        kinds=DATA_KINDS,
        current={k: services.latest(session, assessment.id, k) for k in DATA_KINDS},
        history=services.history(session, assessment.id),
        refused_kind=kind,
        problems=problems or [],
    )
