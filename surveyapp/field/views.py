"""Field pages: posters, cards and the print sheet for evaluators; 代填 and 纸质 entry for
interviewers (and evaluators) of the link's county."""

from __future__ import annotations

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

from analysis.vocabulary import INSTRUMENTS
from surveyapp import db
from surveyapp.assessments.services import links_of
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required, require_manage
from surveyapp.collect import services as collect_services
from surveyapp.collect.forms import AnswerForm, shown_questions
from surveyapp.field import entry, images, interview, paper, services
from surveyapp.models import CollectionLink, User
from surveyapp.web import download

blueprint = Blueprint("field", __name__)


@blueprint.errorhandler(images.FontMissing)
def _font_missing(missing: images.FontMissing) -> tuple[str, int]:
    """Posters and share cards need the CJK font: say which package, never a 500."""
    return render_template("errors/error.html", code=503, message=str(missing)), 503


def _link(assessment_id: int, link_id: int) -> CollectionLink:
    load_assessment(assessment_id)
    link = db.session().get(CollectionLink, link_id)
    if link is None or link.assessment_id != assessment_id:
        abort(404)
    return link


def _sheet(link: CollectionLink) -> images.LinkSheet:
    config = current_app.config
    return services.link_sheet(link, config["RENKE_PUBLIC_URL"], config["RENKE_TIMEZONE"])


@blueprint.get("/a/<int:assessment_id>/links/print")
@login_required
def print_sheet(assessment_id: int) -> str:
    """One sheet of every link (or one poster page with ``?link=``), for the browser's print."""
    assessment = load_assessment(assessment_id)
    links = links_of(db.session(), assessment_id)
    one = request.args.get("link", type=int)
    if one is not None:
        links = [link for link in links if link.id == one] or abort(404)
    sheets = [(link, _sheet(link)) for link in links]
    template = "field/poster.html" if one is not None else "field/sheet.html"
    return render_template(
        template,
        assessment=assessment,
        sheets=sheets,
        invitation=images.INVITATION,
        anonymity=images.ANONYMITY,
    )


@blueprint.get("/a/<int:assessment_id>/links/<int:link_id>/poster.<kind>")
@login_required
def poster(assessment_id: int, link_id: int, kind: str) -> Response:
    link = _link(assessment_id, link_id)
    stem = services.link_file_stem(link)
    if kind == "pdf":
        return download(images.poster_pdf(_sheet(link)), "application/pdf", f"{stem}.pdf")
    if kind == "png":
        return download(images.poster_png(_sheet(link)), "image/png", f"{stem}.png")
    abort(404)


@blueprint.get("/a/<int:assessment_id>/links/<int:link_id>/card.png")
@login_required
def card(assessment_id: int, link_id: int) -> Response:
    link = _link(assessment_id, link_id)
    stem = services.link_file_stem(link)
    return download(images.share_card(_sheet(link)), "image/png", f"{stem}-分享图.png")


@blueprint.get("/a/<int:assessment_id>/links/posters.zip")
@login_required
def posters_zip(assessment_id: int) -> Response:
    assessment = load_assessment(assessment_id)
    config = current_app.config
    body = services.posters_zip(
        links_of(db.session(), assessment_id), config["RENKE_PUBLIC_URL"], config["RENKE_TIMEZONE"]
    )
    return download(body, "application/zip", f"{assessment.county.name}-海报与二维码.zip")


@blueprint.post("/a/<int:assessment_id>/links/custom")
@login_required
def custom_link(assessment_id: int) -> ResponseReturnValue:
    assessment = load_assessment(assessment_id)
    require_manage(assessment)  # SPEC §1 "links": the agency assigned too
    try:
        link = services.add_custom_link(
            db.session(),
            assessment,
            label=request.form.get("label", ""),
            instrument=request.form.get("instrument", ""),
            school_code=request.form.get("school", "").strip() or None,
            group=request.form.get("group", "").strip() or None,
        )
    except services.LinkRefused as refused:
        flash(f"未能新建链接：{refused}", "warning")
    else:
        db.session().commit()
        flash(f"已新建链接“{link.label}”。")
    return redirect(url_for("assessments.links", assessment_id=assessment_id))


@blueprint.get("/a/<int:assessment_id>/field")
@login_required
def overview(assessment_id: int) -> str:
    """Per mode, per entering account and per paper batch (with its entry error rate)."""
    assessment = load_assessment(assessment_id)
    session = db.session()
    return render_template(
        "field/overview.html",
        assessment=assessment,
        modes=entry.mode_counts(session, assessment_id),
        entrants=entry.entrant_counts(session, assessment_id),
        batches=entry.batch_errors(session, assessment_id),
    )


# ----------------------------------------------------------- 代填 and 纸质 entry


def _entry_link(token: str) -> collect_services.LinkStatus:
    """The link of a 代填 or 纸质 entry; 403 unless the signed-in account may enter it."""
    status = collect_services.link_status(db.session(), token, db.utcnow(), check_quota=False)
    if status.link is None or status.questionnaire is None:
        abort(404)
    user: User = g.user
    if not services.may_enter(user, status.link):
        abort(403, description="只有本县的调查员或评估人员可以代填、录入本链接的问卷")
    return status


@blueprint.get("/field")
@login_required
def home() -> str:
    """An interviewer's start page: its county's links, and what it has entered."""
    user: User = g.user
    return render_template(
        "field/home.html",
        rows=interview.links_for(db.session(), user),
        entries=entry.own_entries(db.session(), user),
        instruments=INSTRUMENTS,
    )


@blueprint.route("/field/s/<token>", methods=["GET", "POST"])
@login_required
def interviewer_form(token: str) -> ResponseReturnValue:
    status = _entry_link(token)
    if request.method == "GET":
        return interview.form_page(status, None)
    return interview.submit(status, request.form)


@blueprint.route("/field/paper/<token>", methods=["GET", "POST"])
@login_required
def paper_form(token: str) -> ResponseReturnValue:
    status = _entry_link(token)
    assert status.link is not None and status.questionnaire is not None
    if request.method == "GET":
        questions = shown_questions(status.questionnaire, status.link)
        values = {"batch": request.args.get("batch", ""), "sheet": request.args.get("sheet", "")}
        return paper.page(status, AnswerForm(questions=questions), values)
    return paper.submit(status, request.form)


@blueprint.get("/a/<int:assessment_id>/links/<int:link_id>/share")
@login_required
def share(assessment_id: int, link_id: int) -> str:
    """The share card and the message to paste beside it into a parent group."""
    link = _link(assessment_id, link_id)
    sheet = _sheet(link)
    return render_template(
        "field/share.html", link=link, sheet=sheet, message=images.share_message(sheet)
    )
