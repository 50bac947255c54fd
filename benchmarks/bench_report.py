"""Benchmark of the assessment report's PDF for a county of 40 schools (issue #14).

Goal: the PDF in under 5 s — the whole download: the report built from the database,
its HTML rendered, WeasyPrint's PDF — for the 40-school county of
tests/verdict/county40.py (47 units) with the demo's 1,200 responses. Prints the first
(cold: WeasyPrint imported, the font checked) and the median of 3 warm runs; exits
non-zero when either misses the goal.

    .venv/bin/python benchmarks/bench_report.py        (or: make bench)

A fresh SQLite database in a temporary folder; the first page is kept as
test-output/report/report-40-page1.png when poppler's pdftoppm is there.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveyapp import create_app, db  # noqa: E402
from surveyapp.demo import seed_demo  # noqa: E402
from surveyapp.imports.services import accept_upload  # noqa: E402
from surveyapp.report.pdf import pdf_problem, render_pdf  # noqa: E402
from surveyapp.report.services import build_report  # noqa: E402
from surveyapp.report.views import report_html  # noqa: E402
from tests.verdict.county40 import county_csv, schools_csv  # noqa: E402

GOAL = 5.0
RESULTS = ROOT / "test-output" / "report"


def arrange(app: object) -> int:
    with app.app_context():  # type: ignore[attr-defined]
        session = db.session()
        assessment = seed_demo(session)
        now = db.utcnow()
        accept_upload(session, assessment, "schools", "40校.csv", schools_csv(), None, now)
        content = county_csv(assessment_year=assessment.year)
        accept_upload(session, assessment, "county", "县级.csv", content, None, now)
        session.commit()
        return assessment.id


def one_pdf(app: object, assessment_id: int) -> tuple[float, bytes]:
    from surveyapp.models import Assessment

    start = time.perf_counter()
    with app.test_request_context():  # type: ignore[attr-defined]
        session = db.session()
        assessment = session.get(Assessment, assessment_id)
        report = build_report(session, assessment, ZoneInfo("Asia/Shanghai"), db.utcnow())
        pdf = render_pdf(report_html(report, screen=False))
    return time.perf_counter() - start, pdf


def main() -> int:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        from surveyapp.db import upgrade

        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "b" * 40})
        assessment_id = arrange(app)
        problem = pdf_problem()
        if problem is not None:
            print(problem)
            return 1
        cold, pdf = one_pdf(app, assessment_id)
        warm = statistics.median(one_pdf(app, assessment_id)[0] for _ in range(3))
        RESULTS.mkdir(parents=True, exist_ok=True)
        target = RESULTS / "report-40.pdf"
        target.write_bytes(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                 str(target), str(RESULTS / "report-40-page1")],
                check=True,
            )  # fmt: skip
    print(f"report PDF, 40-school county, {len(pdf) // 1024} KB: first {cold:.2f} s, "
          f"median of 3 warm {warm:.2f} s (goal < {GOAL:g} s)")  # fmt: skip
    return 0 if max(cold, warm) < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
