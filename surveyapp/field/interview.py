"""代填: an interviewer reads the questions aloud and records the answers (SPEC §2.5).

The form key of the respondent's path carries the first issue time, so the answering
time is measured on the server as there; it is bound to the account instead of a
device cookie (the device rule does not apply: one phone serves many respondents). The
submit is limited per account (:func:`surveyapp.limits.submitting_account`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp import db
from surveyapp.collect import services as collect_services
from surveyapp.collect.forms import AnswerForm, read_answers, shown_questions
from surveyapp.field import entry
from surveyapp.limits import submit_limits
from surveyapp.models import Assessment, CollectionLink, Response, User
from surveyapp.security import FormKeyInvalid, issue_form_key, read_form_key

ENDED_MESSAGE = "本次调查已结束，这份答卷未能保存。"
EXPIRED_MESSAGE = "页面打开时间过长，已经失效。答案已保留，请核对后再点“保存”。"
LIMITED_MESSAGE = "保存太频繁，请 {seconds} 秒后再点“保存”。答案已保留。"
KEY_MESSAGE = "页面已失效，答案已保留，请核对后再点“保存”。"


def account_device(user: User) -> str:
    """What the form key is bound to in 代填: the account, not a phone."""
    return f"account:{user.id}"


@dataclass(frozen=True)
class LinkRow:
    link: CollectionLink
    entered: int


def links_for(session: Session, user: User) -> list[LinkRow]:
    """The collecting links of the account's county, with how many it entered through each."""
    entered = (
        select(Response.link_id, func.count().label("n"))
        .where(Response.entered_by_id == user.id)
        .group_by(Response.link_id)
        .subquery()
    )
    query = (
        select(CollectionLink, func.coalesce(entered.c.n, 0))
        .join(Assessment, Assessment.id == CollectionLink.assessment_id)
        .outerjoin(entered, entered.c.link_id == CollectionLink.id)
        .where(CollectionLink.active.is_(True), Assessment.state == "collecting")
        .order_by(CollectionLink.assessment_id, CollectionLink.instrument, CollectionLink.id)
    )
    if user.role != "admin":
        query = query.where(Assessment.county_id == user.county_id)
    return [LinkRow(link, int(n)) for link, n in session.execute(query)]


def form_page(
    status: collect_services.LinkStatus,
    form: AnswerForm | None,
    *,
    key: str | None = None,
    notice: str | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    """The large reading layout, with a key whose issue time starts the answering time."""
    assert status.link is not None and status.questionnaire is not None
    if not status.is_open and form is None:
        return render_template(
            "collect/status.html", state=status.state, assessment=status.assessment, now=db.utcnow()
        ), 409
    if form is None:
        form = AnswerForm(questions=shown_questions(status.questionnaire, status.link))
    if key is None and status.is_open:
        key = issue_form_key(status.link.token, db.utcnow(), account_device(g.user))
    page = render_template(
        "field/interview.html",
        questionnaire=status.questionnaire,
        link=status.link,
        form=form,
        key=key,
        notice=notice,
    )
    return page, code


def submit(status: collect_services.LinkStatus, posted: Mapping[str, str]) -> ResponseReturnValue:
    """Store a 代填 response (once per key), then the next blank form."""
    assert status.link is not None and status.questionnaire is not None
    session, now, user = db.session(), db.utcnow(), g.user
    form, submission = read_answers(status.questionnaire, status.link, posted)
    posted_key = posted.get("key", "")
    limits = submit_limits()
    retry = limits.retry_after(status.link, None) if limits else None
    if retry is not None:
        notice = LIMITED_MESSAGE.format(seconds=retry)
        return form_page(status, form, key=posted_key, notice=notice, code=429)
    try:
        key = read_form_key(posted_key, status.link.token, now)
    except FormKeyInvalid:
        return form_page(status, form, notice=KEY_MESSAGE, code=409)
    if not key.bound_to(account_device(user)):
        return form_page(status, form, notice=KEY_MESSAGE, code=409)
    acceptance = collect_services.key_acceptance(status, key, now)
    if acceptance == "ended":
        return form_page(status, form, key="", notice=ENDED_MESSAGE, code=410)
    if acceptance == "expired":
        fresh = issue_form_key(status.link.token, now, account_device(user), reissue=key)
        return form_page(status, form, key=fresh, notice=EXPIRED_MESSAGE, code=409)
    if submission is None:
        return form_page(status, form, key=posted_key, code=422)
    if collect_services.stored_id(session, key.nonce) is None:
        entry.record_entry(
            session,
            link=status.link,
            questionnaire=status.questionnaire,
            submission=submission,
            user=user,
            mode="代填",
            now=now,
            issued_at=key.issued_at,
            nonce=key.nonce,
            late=acceptance == "late",
        )
        session.commit()
        flash(f"已保存（{submission.group}）。下面是一份新的空白问卷。")
    return redirect(url_for("field.interviewer_form", token=status.link.token), code=303)
