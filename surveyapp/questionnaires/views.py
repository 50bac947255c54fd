"""The wording pages: read an assessment's questionnaires, edit them until the first
response, and see one as a respondent's phone shows it (SPEC §2.5)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveyapp import audit, db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required, may_manage, require_manage
from surveyapp.collect.forms import AnswerForm, questions_for
from surveyapp.models import Assessment, Questionnaire
from surveyapp.models.link import GROUPS_BY_INSTRUMENT
from surveyapp.models.questionnaire import INSTRUMENTS, QuestionnaireFrozen
from surveyapp.questionnaires import wording

blueprint = Blueprint("questionnaires", __name__)
PREVIEW_NOTICE = "预览：受访者手机上看到的就是这一页（本页不能提交）。"


def _questionnaire(assessment: Assessment, instrument: str) -> Questionnaire:
    if instrument not in INSTRUMENTS:
        abort(404)
    found = (
        db.session()
        .scalars(
            select(Questionnaire).where(
                Questionnaire.assessment_id == assessment.id,
                Questionnaire.instrument == instrument,
            )
        )
        .one_or_none()
    )
    if found is None:
        abort(404)
    return found


def _page(
    assessment: Assessment,
    questionnaire: Questionnaire,
    form: wording.WordingForm,
    code: int = 200,
) -> ResponseReturnValue:
    page = render_template(
        "questionnaires/edit.html",
        assessment=assessment,
        questionnaire=questionnaire,
        form=form,
        instruments=INSTRUMENTS,
        groups=GROUPS_BY_INSTRUMENT[questionnaire.instrument],
        editable=questionnaire.frozen_at is None and may_manage(g.user, assessment),
        may_manage=may_manage(g.user, assessment),
        limits={"title": wording.TITLE_MAX, "text": wording.TEXT_MAX, "hint": wording.HINT_MAX},
    )
    return page, code


@blueprint.get("/a/<int:assessment_id>/questionnaires/<instrument>")
@login_required
def edit(assessment_id: int, instrument: str) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    questionnaire = _questionnaire(assessment, instrument)
    return _page(assessment, questionnaire, wording.WordingForm.of(questionnaire))


@blueprint.post("/a/<int:assessment_id>/questionnaires/<instrument>")
@login_required
def save(assessment_id: int, instrument: str) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)
    questionnaire = _questionnaire(assessment, instrument)
    if request.form.get("builtin") == "1":
        form, questions = wording.builtin_wording(assessment, instrument)
    else:
        form = wording.read_wording(questionnaire, request.form, assessment.county.name)
        if form.errors:
            return _page(assessment, questionnaire, form, 422)
        questions = wording.worded_questions(questionnaire, form)
    changed = wording.changes(questionnaire, form)
    if not changed:
        flash("措辞没有改动。")
        return redirect(
            url_for("questionnaires.edit", assessment_id=assessment.id, instrument=instrument)
        )
    try:
        wording.save_wording(db.session(), questionnaire, form, questions)
    except QuestionnaireFrozen as frozen:
        db.session().rollback()
        flash(str(frozen), "warning")
        return _page(assessment, questionnaire, form, 409)
    audit.record(
        db.session(),
        g.user,
        "wording",
        f"评估 {assessment.id}（{assessment.county.name}{assessment.year}年）{INSTRUMENTS[instrument]}",
        {name: before for name, (before, _) in changed.items()},
        {name: after for name, (_, after) in changed.items()},
        county_id=assessment.county_id,
    )
    db.session().commit()
    flash(f"已保存 {len(changed)} 处修改。")
    for message in form.warnings.values():
        flash(message, "warning")
    return redirect(
        url_for("questionnaires.edit", assessment_id=assessment.id, instrument=instrument)
    )


@blueprint.get("/a/<int:assessment_id>/questionnaires/<instrument>/preview")
@login_required
def preview(assessment_id: int, instrument: str) -> ResponseReturnValue:
    """The form as a link of ``?group=`` (or the instrument's general link) shows it."""
    assessment = load_assessment(assessment_id)
    questionnaire = _questionnaire(assessment, instrument)
    group = request.args.get("group") or None
    if group is not None and group not in GROUPS_BY_INSTRUMENT[instrument]:
        abort(404)
    form = AnswerForm(questions=questions_for(questionnaire.questions, group))
    return render_template(
        "collect/form.html",
        questionnaire=questionnaire,
        link=None,
        form=form,
        key=None,
        notice=PREVIEW_NOTICE,
    )
