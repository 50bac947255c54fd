"""Respondent pages: GET shows the form, POST stores it once, then a thank-you page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.collect import services
from surveyapp.collect.forms import AnswerForm, read_answers, shown_questions
from surveyapp.db import utcnow
from surveyapp.security import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    FormKeyInvalid,
    device_hash,
    issue_form_key,
    new_device_id,
    read_form_key,
)

blueprint = Blueprint("collect", __name__)

STATUS_CODES = {"unknown": 404, "inactive": 410}
KEY_INVALID_MESSAGE = "页面已失效，已为您保留答案，请核对后再次提交。"


@blueprint.get("/s/<token>")
def questionnaire(token: str) -> ResponseReturnValue:
    now = utcnow()
    status = services.link_status(db.session(), token, now)
    if not status.is_open:
        return _status_page(status)
    assert status.link is not None and status.questionnaire is not None
    form = AnswerForm(questions=shown_questions(status.questionnaire, status.link))
    return _form_page(status, form, issue_form_key(token, now))


@blueprint.post("/s/<token>")
def submit(token: str) -> ResponseReturnValue:
    session = db.session()
    now = utcnow()
    status = services.link_status(session, token, now, check_quota=False)
    if status.link is None or status.questionnaire is None:
        return _status_page(status)
    form, submission = read_answers(status.questionnaire, status.link, request.form)
    try:
        key = read_form_key(request.form.get("key", ""), token, now)
    except FormKeyInvalid:
        if not status.is_open:
            return _status_page(status)
        # Not our key (forged, or signed with a secret since removed): a fresh one, and
        # the answering time starts again, so no one skips the minimum time this way.
        return _form_page(
            status, form, issue_form_key(token, now), notice=KEY_INVALID_MESSAGE, code=409
        )
    if not services.accepts_submission(status, key):
        return _status_page(status)
    if submission is None:
        # A retry of a stored form lands on the thanks page; anything else comes back.
        if services.find_by_key(session, key.nonce) is None:
            return _form_page(status, form, request.form["key"], code=422)
    else:
        # record_response is idempotent per key: a double tap stores one response.
        device_id = request.cookies.get(DEVICE_COOKIE)
        services.record_response(
            session,
            link=status.link,
            questionnaire=status.questionnaire,
            submission=submission,
            key=key,
            device_hash=device_hash(device_id, status.link.assessment_id) if device_id else None,
            now=now,
        )
        session.commit()
    return redirect(url_for("collect.thanks", token=token), code=303)


@blueprint.get("/s/<token>/done")
def thanks(token: str) -> str:
    return render_template("collect/done.html")


def _form_page(
    status: services.LinkStatus,
    form: AnswerForm,
    key: str,
    *,
    notice: str | None = None,
    code: int = 200,
) -> Response:
    response = current_app.make_response(
        (
            render_template(
                "collect/form.html",
                questionnaire=status.questionnaire,
                link=status.link,
                form=form,
                key=key,
                notice=notice,
            ),
            code,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    if DEVICE_COOKIE not in request.cookies:
        response.set_cookie(
            DEVICE_COOKIE,
            new_device_id(),
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _status_page(status: services.LinkStatus) -> tuple[str, int]:
    page = render_template(
        "collect/status.html",
        state=status.state,
        assessment=status.assessment,
    )
    return page, STATUS_CODES.get(status.state, 200)
