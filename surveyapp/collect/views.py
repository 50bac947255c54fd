"""Respondent pages: GET shows the form, POST stores it once, then a thank-you page.

Every refusal of a post brings the form back with the answers kept and one line saying
why (SPEC §6); nothing is stored until the key, its device and its time check out.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.collect import pages, services
from surveyapp.collect.forms import AnswerForm, read_answers, shown_questions
from surveyapp.db import utcnow
from surveyapp.limits import submit_limits
from surveyapp.security import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    FormKey,
    FormKeyInvalid,
    device_hash,
    issue_form_key,
    new_device_id,
    read_form_key,
)

blueprint = Blueprint("collect", __name__)

STATUS_CODES = {"unknown": 404, "inactive": 410}
KEY_INVALID_MESSAGE = "页面已失效，已为您保留答案，请核对后再次提交。"
NO_COOKIE_MESSAGE = (
    "未能提交：浏览器没有保存本页的 Cookie。答案已为您保留，请再点一次“提交问卷”"
    "（仍不行时，请允许浏览器保存 Cookie，或在微信中打开链接）。"
)
OTHER_DEVICE_MESSAGE = (
    "未能提交：这份问卷是在另一部手机或浏览器上打开的。答案已为您保留，请再点一次“提交问卷”。"
)
EXPIRED_MESSAGE = "页面打开时间过长，已经失效。答案已为您保留，请核对后再点一次“提交问卷”。"
ENDED_MESSAGE = "本次调查已结束，这份答卷未能提交。感谢您的参与！"
LIMITED_MESSAGE = "提交太频繁，请 {seconds} 秒后再点“提交问卷”。答案已为您保留。"


@blueprint.get("/s/<token>")
def questionnaire(token: str) -> ResponseReturnValue:
    session, now = db.session(), utcnow()
    status = services.link_status(session, token, now)
    if not status.is_open:
        return _status_page(status)
    assert status.link is not None and status.questionnaire is not None
    device_id = request.cookies.get(DEVICE_COOKIE)
    if device_id and services.device_has_answered(
        session,
        status.link.assessment_id,
        device_hash(device_id, status.link.assessment_id),
        status.link.instrument,
    ):
        return _status_page(services.LinkStatus("answered", status.link, status.assessment))
    device_id = device_id or new_device_id()
    form = AnswerForm(questions=shown_questions(status.questionnaire, status.link))
    return _form_page(status, form, issue_form_key(token, now, device_id), device_id)


@blueprint.post("/s/<token>")
def submit(token: str) -> ResponseReturnValue:
    session, now = db.session(), utcnow()
    db.reads_first()  # no write lock until the checks are passed (surveyapp.db)
    status = services.link_status(session, token, now, check_quota=False)
    if status.link is None or status.questionnaire is None:
        return _status_page(status)
    form, submission = read_answers(status.questionnaire, status.link, request.form)
    device_id = request.cookies.get(DEVICE_COOKIE)
    posted_key = request.form.get("key", "")
    limited = _limited(status, form, posted_key, device_id)
    if limited is not None:
        return limited
    try:
        key = read_form_key(posted_key, token, now)
    except FormKeyInvalid:
        if not status.is_open:
            return _status_page(status)
        # Not our key (forged, or signed with a secret since removed): a fresh one, and
        # the answering time starts again, so no one skips the minimum time this way.
        device_id = device_id or new_device_id()
        fresh = issue_form_key(token, now, device_id)
        return _form_page(status, form, fresh, device_id, notice=KEY_INVALID_MESSAGE, code=409)
    acceptance = services.key_acceptance(status, key, now)
    refusal = _refusal(acceptance, key, device_id)
    if refusal is not None:
        return _refused(status, form, key, device_id, refusal)
    if submission is None:
        # A retry of a stored form lands on the thanks page; anything else comes back.
        if services.stored_id(session, key.nonce) is None:
            return _form_page(status, form, posted_key, device_id, code=422)
    else:
        assert device_id is not None  # the key is bound to it
        db.end_reads(session)
        # record_response is idempotent per key: a double tap stores one response.
        services.record_response(
            session,
            link=status.link,
            questionnaire=status.questionnaire,
            submission=submission,
            key=key,
            device_hash=device_hash(device_id, status.link.assessment_id),
            now=now,
            late=acceptance == "late",
        )
        session.commit()
    return redirect(url_for("collect.thanks", token=token), code=303)


@blueprint.get("/s/<token>/done")
def thanks(token: str) -> str:
    return render_template("collect/done.html")


def _limited(
    status: services.LinkStatus, form: AnswerForm, posted_key: str, device_id: str | None
) -> Response | None:
    """429 with the form and its answers when a submit tier is exhausted (SPEC §6)."""
    limits = submit_limits()
    assert status.link is not None
    retry = limits.retry_after(status.link, device_id) if limits else None
    if retry is None:
        return None
    notice = LIMITED_MESSAGE.format(seconds=retry)
    page = _form_page(status, form, posted_key, device_id, notice=notice, code=429)
    page.headers["Retry-After"] = str(retry)
    return page


def _refusal(acceptance: str, key: FormKey, device_id: str | None) -> str | None:
    """The one-line reason a signed key's post is not stored, or None to store it."""
    if acceptance == "ended":
        return ENDED_MESSAGE
    if device_id is None:
        return NO_COOKIE_MESSAGE
    if not key.bound_to(device_id):
        return OTHER_DEVICE_MESSAGE
    if acceptance == "expired":
        return EXPIRED_MESSAGE
    return None


def _refused(
    status: services.LinkStatus,
    form: AnswerForm,
    key: FormKey,
    device_id: str | None,
    notice: str,
) -> Response:
    """The form back with the answers; a key reissued to this device keeps its first time."""
    if notice == ENDED_MESSAGE:
        return _form_page(status, form, None, device_id, notice=notice, code=410)
    assert status.link is not None
    device_id = device_id or new_device_id()
    reissued = issue_form_key(status.link.token, utcnow(), device_id, reissue=key)
    return _form_page(status, form, reissued, device_id, notice=notice, code=409)


def _form_page(
    status: services.LinkStatus,
    form: AnswerForm,
    key: str | None,
    device_id: str | None,
    *,
    notice: str | None = None,
    code: int = 200,
) -> Response:
    """The form; ``key=None`` shows the answers without a way to submit (ended)."""
    assert status.questionnaire is not None and status.link is not None
    page = pages.form_html(status.questionnaire, status.link, form, key, notice)
    response = current_app.make_response((page, code))
    response.headers["Cache-Control"] = "no-store"
    if device_id and request.cookies.get(DEVICE_COOKIE) != device_id:
        response.set_cookie(
            DEVICE_COOKIE,
            device_id,
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
        now=utcnow(),
    )
    return page, STATUS_CODES.get(status.state, 200)
