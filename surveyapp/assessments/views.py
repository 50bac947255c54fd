"""Evaluator pages: the assessments, one assessment's counts, its links, its export."""

from __future__ import annotations

from itertools import chain
from types import SimpleNamespace
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
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue

from analysis.vocabulary import COUNTY_KINDS
from surveyapp import audit, db, qr, quotas
from surveyapp.accounts import agencies
from surveyapp.accounts.services import AccountError
from surveyapp.approval import live_approval, record_share_exception
from surveyapp.assessments import services, setup
from surveyapp.assessments.forms import SettingsForm, read_settings, settings_values
from surveyapp.auth import (
    login_required,
    may_manage,
    may_see,
    may_upload,
    require_manage,
    require_see,
    require_see_responses,
)
from surveyapp.collect import services as collect_services
from surveyapp.field import entry as field_entry
from surveyapp.form_values import ascii_int
from surveyapp.integrity import services as integrity_services
from surveyapp.models import Assessment, CollectionLink, County, InvalidTransition, User
from surveyapp.models.assessment import STAGES, STATE_LABELS
from surveyapp.models.link import GROUPS
from surveyapp.models.questionnaire import INSTRUMENTS
from surveyapp.standards import standard_for
from surveyapp.tallies import count_responses

blueprint = Blueprint("assessments", __name__)
DEFAULT_PROVINCE = "云南省"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def load_assessment(assessment_id: int) -> Assessment:
    """The assessment, or 404; 403 unless the signed-in user may see its county."""
    assessment = db.session().get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    require_see(assessment)
    return assessment


def _audit(
    assessment: Assessment, action: str, before: object = None, after: object = None
) -> None:
    audit.record(
        db.session(),
        g.user,
        action,
        f"评估 {assessment.id}（{assessment.county.name}{assessment.year}年{assessment.stage_label}）",
        before,
        after,
        county_id=assessment.county_id,
    )


@blueprint.get("/")
@login_required
def index() -> str:
    summaries = [
        summary
        for summary in services.list_assessments(db.session())
        if may_see(g.user, summary.assessment)
    ]
    return render_template(
        "assessments/index.html",
        summaries=summaries,
        state_labels=STATE_LABELS,
        now=db.utcnow(),
        may_create=g.user.role in {"admin", "evaluator"},
    )


@blueprint.get("/a/<int:assessment_id>")
@login_required
def detail(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    session = db.session()
    tally = count_responses(session, assessment)  # one scan for all counts of this page
    progress = quotas.progress(session, assessment, tally=tally)
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        groups=GROUPS,
        counts=services.group_counts(tally),
        progress=progress,
        bars=services.hourly_bars(
            session, assessment, db.utcnow(), ZoneInfo(current_app.config["RENKE_TIMEZONE"])
        ),
        school_targets=services.school_targets(
            session,
            assessment,
            dict(progress.plan.groups.quotas) if progress.plan else None,
            tally=tally,
        ),
        signals=services.quality_signals(session, assessment, tally=tally),
        integrity=integrity_services.integrity_summary(session, assessment, tally=tally),
        late=collect_services.late_counts(tally),
        modes=field_entry.mode_summary(tally, standard_for(assessment.standard).sampling.min_cell),
        may_manage=may_manage(g.user, assessment),
        may_record_exception=may_upload(g.user, assessment),
        agencies=agencies.assigned_agencies(session, assessment),
        agency_choices=(
            agencies.agency_accounts(session) if agencies.may_assign(g.user, assessment) else []
        ),
        may_assign=agencies.may_assign(g.user, assessment),
        result=SimpleNamespace(
            approval=live_approval(
                session, assessment, plan=quotas.sample_plan(assessment), tally=tally
            )
        ),
        std=standard_for(assessment.standard),
        state=STATE_LABELS[assessment.state_at(db.utcnow())],
        instruments=INSTRUMENTS,
    )


@blueprint.get("/a/<int:assessment_id>/links")
@login_required
def links(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    public_url = current_app.config["RENKE_PUBLIC_URL"]
    rows = [
        (link, qr.link_url(public_url, link.token))
        for link in services.links_of(db.session(), assessment_id)
    ]
    return render_template(
        "assessments/links.html",
        assessment=assessment,
        rows=rows,
        counts=services.link_counts(db.session(), assessment_id),
        may_manage=may_manage(g.user, assessment),
        public_is_local=any(host in public_url for host in ("127.0.0.1", "localhost")),
    )


@blueprint.get("/a/<int:assessment_id>/links/<int:link_id>/qr.<kind>")
@login_required
def link_qr(assessment_id: int, link_id: int, kind: str) -> Response:
    load_assessment(assessment_id)
    link = db.session().get(CollectionLink, link_id)
    if link is None or link.assessment_id != assessment_id or kind not in {"png", "svg"}:
        abort(404)
    url = qr.link_url(current_app.config["RENKE_PUBLIC_URL"], link.token)
    body = qr.qr_png(url) if kind == "png" else qr.qr_svg(url)
    mimetype = "image/png" if kind == "png" else "image/svg+xml"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@blueprint.get("/a/<int:assessment_id>/export.<kind>")
@login_required
def export(assessment_id: int, kind: str) -> Response:
    """The SPEC §3 responses table, streamed (CSV) or from a temporary file (XLSX); its
    rows are individual responses, read by those who may see them (SPEC §1)."""
    assessment = load_assessment(assessment_id)
    if kind not in {"csv", "xlsx"}:
        abort(404)
    require_see_responses(assessment)
    headers = "zh" if request.args.get("headers") == "zh" else "en"
    timezone = current_app.config["RENKE_TIMEZONE"]
    filename = f"renke-{assessment.id}-responses.{kind}"
    disposition = {"Content-Disposition": f"attachment; filename={filename}"}
    if kind == "csv":
        chunks = services.export_csv_chunks(db.session(), assessment_id, timezone, headers)
        # BOM: Excel on Windows opens UTF-8 Chinese correctly
        body = stream_with_context(chain(["\ufeff"], chunks))
        return Response(body, mimetype="text/csv", headers=disposition)
    stored = services.export_xlsx_file(db.session(), assessment_id, timezone, headers)
    return Response(stream_with_context(stored), mimetype=XLSX_MIMETYPE, headers=disposition)


# --------------------------------------------------------------------- setting up


def _settings_page(
    form: SettingsForm,
    assessment: Assessment | None,
    county: County | None,
    code: int = 200,
    moves: list[tuple[str, int | None, int | None]] | None = None,
) -> ResponseReturnValue:
    page = render_template(
        "assessments/settings.html",
        form=form,
        assessment=assessment,
        stages=STAGES,
        kinds=COUNTY_KINDS,
        own_county=county,
        warnings=setup.residence_warnings(assessment) if assessment else [],
        moves=moves or [],
    )
    return page, code


@blueprint.route("/a/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    session = db.session()
    own = session.get(County, g.user.county_id) if g.user.role == "evaluator" else None
    if g.user.role != "admin":
        require_manage(None, own)
    fixed = {"prefecture": own.prefecture, "county": own.name} if own else {}
    if request.method == "GET":
        today = {"year": str(db.utcnow().year), "stage": "county", "min_duration_s": "30"}
        return _settings_page(SettingsForm(today | fixed), None, own)
    # An evaluator sets up their own county only, whatever was posted.
    form, fields = read_settings(
        request.form.to_dict() | fixed, current_app.config["RENKE_TIMEZONE"]
    )
    if fields is None:
        return _settings_page(form, None, own, 422)
    try:
        assessment = setup.create_from_settings(session, fields, province=DEFAULT_PROVINCE)
    except setup.StageRefused as refused:
        form.errors["stage"] = str(refused)
        return _settings_page(form, None, own, 422)
    except setup.NotInRegistry as refused:
        form.errors["county"] = str(refused)
        return _settings_page(form, None, own, 422)
    _audit(assessment, "create", after={"状态": "准备中"})
    session.commit()
    flash("评估已创建（准备中）。下一步：上传学校数据，生成问卷链接，然后开始收集。")
    for warning in setup.residence_warnings(assessment):
        flash(warning.text, "warning")
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@blueprint.route("/a/<int:assessment_id>/settings", methods=["GET", "POST"])
@login_required
def settings(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    timezone = current_app.config["RENKE_TIMEZONE"]
    if request.method == "GET":
        return _settings_page(
            SettingsForm(settings_values(assessment, timezone)), assessment, assessment.county
        )
    require_manage(assessment)
    # The county and the year name the assessment; they are not edited here.
    named = {
        "prefecture": assessment.county.prefecture,
        "county": assessment.county.name,
        "year": str(assessment.year),
    }
    form, fields = read_settings(request.form.to_dict() | named, timezone)
    if fields is None:
        return _settings_page(form, assessment, assessment.county, 422)
    before, plan_before = setup.settings_record(assessment), setup.plan_figures(assessment)
    try:
        setup.update_settings(db.session(), assessment, fields)
    except setup.StageRefused as refused:
        form.errors["stage"] = str(refused)
        return _settings_page(form, assessment, assessment.county, 422)
    moves = setup.quota_moves(plan_before, setup.plan_figures(assessment))
    if moves and assessment.state != "draft" and request.form.get("confirm") != "1":
        # Collection has started: the quotas that move are shown, and asked for again.
        db.session().rollback()
        return _settings_page(form, assessment, assessment.county, 409, moves)
    after = setup.settings_record(assessment)
    changed = {key for key in after if before.get(key) != after[key]}
    if changed:
        _audit(
            assessment,
            "settings",
            {key: before.get(key) for key in sorted(changed)},
            {key: after[key] for key in sorted(changed)},
        )
    db.session().commit()
    flash("设置已保存。")
    for warning in setup.residence_warnings(assessment):
        flash(warning.text, "warning")
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


STATE_MESSAGES = {
    "open": "已开始收集。",
    "reopen": "已重新开放收集。",
    "close": "已结束收集。已打开问卷的受访者仍可提交。",
}


@blueprint.post("/a/<int:assessment_id>/state/<action>")
@login_required
def change_state(assessment_id: int, action: str) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)
    if action not in STATE_MESSAGES:
        abort(404)
    before = assessment.state
    try:
        setup.move(assessment, action, db.utcnow())
    except InvalidTransition as refused:
        flash(str(refused), "warning")
    else:
        _audit(assessment, "state", {"状态": before}, {"状态": assessment.state})
        db.session().commit()
        flash(STATE_MESSAGES[action])
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@blueprint.post("/a/<int:assessment_id>/sample-exception")
@login_required
def record_sample_exception(assessment_id: int) -> ResponseReturnValue:
    """The stage's role records an exception to the 家长 share of the sample check (SPEC
    §2.5; §1 "exceptions": as indicator files and 特殊情况)."""
    assessment = load_assessment(assessment_id)
    if not may_upload(g.user, assessment):
        abort(403, description="您的角色不能在本评估阶段记录例外")
    problems = record_share_exception(
        db.session(),
        assessment,
        g.user,
        reason=request.form.get("reason", ""),
        document=request.form.get("document", ""),
        now=db.utcnow(),
    )
    for problem in problems:
        flash(problem, "warning")
    if not problems:
        db.session().commit()
        flash("已记录家长占比的例外")
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@blueprint.post("/a/<int:assessment_id>/links/generate")
@login_required
def generate_links(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)
    added = setup.create_default_links(db.session(), assessment)
    if added:
        _audit(assessment, "link", after={"新增常用链接": added})
    db.session().commit()
    flash(f"新增 {added} 个链接。" if added else "常用链接都已存在，没有新增。")
    return redirect(url_for("assessments.links", assessment_id=assessment.id))


@blueprint.post("/a/<int:assessment_id>/links/<int:link_id>/toggle")
@login_required
def toggle_link(assessment_id: int, link_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)
    link = db.session().get(CollectionLink, link_id)
    if link is None or link.assessment_id != assessment_id:
        abort(404)
    if link.active:
        link.stop(db.utcnow())
    else:
        link.resume()
    words = {True: "启用", False: "停用"}
    _audit(
        assessment,
        "link",
        {link.label: words[not link.active]},
        {link.label: words[link.active]},
    )
    db.session().commit()
    flash(f"“{link.label}”已{'启用' if link.active else '停用；已打开问卷的受访者仍可提交'}。")
    return redirect(url_for("assessments.links", assessment_id=assessment_id))


@blueprint.post("/a/<int:assessment_id>/agencies/<action>")
@login_required
def commission(assessment_id: int, action: str) -> ResponseReturnValue:
    """委托 (``assign``) or 取消委托 (``withdraw``) the agency account named in the form."""
    if action not in {"assign", "withdraw"}:
        abort(404)
    assessment, session = load_assessment(assessment_id), db.session()
    if not agencies.may_assign(g.user, assessment):
        abort(403, description="只有管理员和省级人员可以委托第三方机构")
    chosen = ascii_int(request.form.get("agency"))
    agency = session.get(User, chosen) if chosen is not None else None
    try:
        if agency is None:
            raise AccountError("请选择一个第三方机构账号")
        if action == "assign":
            agencies.assign(session, g.user, agency, assessment)
        else:
            agencies.withdraw(session, g.user, agency, assessment)
    except AccountError as refused:
        session.rollback()
        flash(str(refused), "warning")
        return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    session.commit()
    done = "已将本评估委托给第三方机构" if action == "assign" else "已取消委托："
    flash(f"{done} {agency.username}。")
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


@blueprint.post("/a/<int:assessment_id>/delete")
@login_required
def delete(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)
    try:
        setup.delete_draft(db.session(), assessment)
        audit.record(
            db.session(),
            g.user,
            "delete",
            assessment.title,
            {"状态": "准备中"},
            None,
            county_id=assessment.county_id,
        )
    except InvalidTransition as refused:
        flash(str(refused), "warning")
        return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    db.session().commit()
    flash(f"已删除准备中的评估“{assessment.title}”。")
    return redirect(url_for("assessments.index"))
