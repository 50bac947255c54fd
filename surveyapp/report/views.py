"""The report pages: printable HTML and its PDF, authorised like the verdict page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required
from surveyapp.report import services
from surveyapp.report.pdf import PdfUnavailable, render_pdf

blueprint = Blueprint("report", __name__)


def report_html(report: services.Report, *, screen: bool = True) -> str:
    """The report's HTML (the CLI renders it too, in a request context of its own)."""
    return render_template(
        "report/report.html", report=report, screen=screen, integrity=report.integrity
    )


def pdf_filename(report: services.Report) -> str:
    assessment = report.assessment
    return f"renke-report-{assessment.id}-{assessment.year}-{assessment.stage}.pdf"


def _report(assessment_id: int) -> services.Report:
    assessment = load_assessment(assessment_id)  # 404, or 403 outside the user's county
    zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
    return services.build_report(db.session(), assessment, zone, db.utcnow())


@blueprint.get("/a/<int:assessment_id>/report")
@login_required
def report(assessment_id: int) -> str:
    return report_html(_report(assessment_id))


@blueprint.get("/a/<int:assessment_id>/report.pdf")
@login_required
def report_pdf(assessment_id: int) -> ResponseReturnValue:
    built = _report(assessment_id)
    try:
        pdf = render_pdf(report_html(built, screen=False))
    except PdfUnavailable as missing:
        return render_template("errors/error.html", message=str(missing), code=503), 503
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename={pdf_filename(built)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
