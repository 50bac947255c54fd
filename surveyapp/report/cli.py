"""`renke report ID [-o FILE.pdf]` (SPEC §5): the same report as the web download.

Exit codes (SPEC §5): 0 done, 2 input refused (no such assessment), 1 any other failure
(WeasyPrint, its system libraries or the CJK font missing; the file cannot be written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from surveyapp import create_app, db


@click.command("report")
@click.argument("assessment_id", type=int)
@click.option("-o", "target", default=None, help="the PDF file (default renke-report-ID-….pdf)")
def report(assessment_id: int, target: str | None) -> None:
    """The assessment report the province signs, as a PDF."""
    from surveyapp.models import Assessment
    from surveyapp.report.pdf import PdfUnavailable, render_pdf
    from surveyapp.report.services import build_report
    from surveyapp.report.views import pdf_filename, report_html

    app = create_app()
    # a request context of its own, so that the pages' templates build their links
    with app.test_request_context(base_url=app.config["RENKE_PUBLIC_URL"]):
        session = db.session()
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            click.echo(f"找不到评估 {assessment_id}（renke assessments 列出全部评估）", err=True)
            sys.exit(2)
        zone = ZoneInfo(app.config["RENKE_TIMEZONE"])
        built = build_report(session, assessment, zone, db.utcnow())
        try:
            pdf = render_pdf(report_html(built, screen=False))
        except PdfUnavailable as missing:
            click.echo(str(missing), err=True)
            sys.exit(1)
        destination = Path(target or pdf_filename(built))
    try:
        destination.write_bytes(pdf)
    except OSError as error:
        click.echo(f"无法写入 {destination}：{error.strerror}", err=True)
        sys.exit(1)
    click.echo(f"已生成评估报告：{destination}（{len(pdf) // 1024} KB）", err=True)
