"""纸质: a clerk enters paper sheets from the keyboard, digits only, one sheet per Enter.

Each question is a one-digit box (1 = its first option, as printed on the sheet);
Tab moves to the next box and Enter saves, then the next blank form comes at once with
the batch kept and the sheet number advanced. No script: the page works as plain HTML
(the Content-Security-Policy forbids inline script). A sheet number already entered in
the batch makes the entry a check entry (docs/field.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.collect import services as collect_services
from surveyapp.collect.forms import AnswerForm, read_answers, shown_questions
from surveyapp.field import entry
from surveyapp.form_values import ascii_int
from surveyapp.limits import submit_limits

#: States of a link in which paper sheets may be entered: sheets filled during the window
#: are entered after it closes too.
ENTRY_STATES = frozenset({"open", "full", "inactive", "closed"})
LIMITED_MESSAGE = "录入太频繁，请 {seconds} 秒后再按回车保存。"


def page(
    status: collect_services.LinkStatus,
    form: AnswerForm,
    values: Mapping[str, str],
    *,
    notice: str | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "field/paper.html",
        link=status.link,
        questionnaire=status.questionnaire,
        form=form,
        values=values,
        notice=notice,
        open=status.state in ENTRY_STATES,
    ), code


def next_sheet(sheet: str) -> str:
    """The sheet number after ``sheet`` when it is a number (keeping its zeros), else ""."""
    number = ascii_int(sheet)
    if number is None:
        return ""
    return str(number + 1).zfill(len(sheet))


def submit(status: collect_services.LinkStatus, posted: Mapping[str, str]) -> ResponseReturnValue:
    """Save one sheet (or its check entry), then the next blank form."""
    assert status.link is not None and status.questionnaire is not None
    session, now, user = db.session(), db.utcnow(), g.user
    batch, sheet = posted.get("batch", "").strip(), posted.get("sheet", "").strip()
    values = {"batch": batch, "sheet": sheet, **posted}
    blank = AnswerForm(questions=shown_questions(status.questionnaire, status.link))
    if status.state not in ENTRY_STATES:
        return page(status, blank, values, notice="本次调查尚未开始，不能录入。", code=409)
    digits = entry.digits_to_labels(blank.questions, posted)
    # An item blank on the sheet passes the form's completeness check here and is
    # stored blank, the response invalid as 未答完 (the sheet is kept, SPEC §2.5).
    stand_ins = {q["id"]: q["options"][0] for q in blank.questions if q["id"] in digits.blanks}
    form, submission = read_answers(status.questionnaire, status.link, digits.labels | stand_ins)
    form.errors.update(digits.errors)
    if submission is not None and digits.blanks:
        kept = {k: v for k, v in submission.answers.items() if k not in digits.blanks}
        submission = replace(submission, answers=kept)
    problems = [label for label, value in (("批次号", batch), ("问卷编号", sheet)) if not value]
    if problems or form.errors or submission is None:
        notice = (
            f"请填写{'、'.join(problems)}。" if problems else "有题目未填或数字不在选项内，已标出。"
        )
        return page(status, form, values, notice=notice, code=422)
    limits = submit_limits()
    retry = limits.retry_after(status.link, None) if limits else None
    if retry is not None:
        return page(status, form, values, notice=LIMITED_MESSAGE.format(seconds=retry), code=429)
    first = entry.find_sheet(session, status.link.assessment_id, batch, sheet)
    if first is None:
        entry.record_entry(
            session,
            link=status.link,
            questionnaire=status.questionnaire,
            submission=submission,
            user=user,
            mode="纸质",
            now=now,
            batch=batch,
            sheet=sheet,
            incomplete=bool(digits.blanks),
        )
        note = f"（{len(digits.blanks)} 题未填，记为未答完）" if digits.blanks else ""
        flash(f"第 {batch} 批第 {sheet} 号已保存{note}。")
    else:
        check = entry.record_check(session, first, entry.submission_fields(submission), user, now)
        flash(
            f"第 {batch} 批第 {sheet} 号已录入过，本次记为核对录入："
            f"{check.differences} 处与首次录入不一致。"
        )
    session.commit()
    target = url_for(
        "field.paper_form", token=status.link.token, batch=batch, sheet=next_sheet(sheet)
    )
    return redirect(target, code=303)
