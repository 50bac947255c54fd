"""Evaluator pages: the assessments, one assessment's counts, its links, its export."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Response, abort, current_app, g, render_template

from surveyapp import db, qr, quotas
from surveyapp.accounts.views import login_required, require_county
from surveyapp.approval import live_approval, standard_for
from surveyapp.assessments import services
from surveyapp.models import Assessment, CollectionLink
from surveyapp.models.assessment import STATE_LABELS
from surveyapp.models.link import GROUPS

blueprint = Blueprint("assessments", __name__)


def load_assessment(assessment_id: int) -> Assessment:
    """The assessment, or 404; 403 unless the signed-in user may see its county."""
    assessment = db.session().get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    require_county(assessment.county_id)
    return assessment


@blueprint.get("/")
@login_required
def index() -> str:
    county_ids = None if g.user.role in {"admin", "province"} else [g.user.county_id]
    summaries = services.list_assessments(db.session(), county_ids)
    return render_template(
        "assessments/index.html", summaries=summaries, state_labels=STATE_LABELS, now=db.utcnow()
    )


@blueprint.get("/a/<int:assessment_id>")
@login_required
def detail(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    session = db.session()
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        groups=GROUPS,
        counts=services.group_counts(session, assessment_id),
        progress=quotas.progress(session, assessment),
        signals=services.quality_signals(session, assessment),
        result=SimpleNamespace(approval=live_approval(session, assessment)),
        std=standard_for(assessment.standard),
        state=STATE_LABELS[assessment.state_at(db.utcnow())],
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


@blueprint.get("/a/<int:assessment_id>/export.csv")
@login_required
def export(assessment_id: int) -> Response:
    assessment = load_assessment(assessment_id)
    text = services.export_csv(db.session(), assessment_id, current_app.config["RENKE_TIMEZONE"])
    filename = f"renke-{assessment.id}-responses.csv"
    return Response(
        "\ufeff" + text,  # BOM: Excel on Windows opens UTF-8 Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
