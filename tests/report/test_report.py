"""The assessment report (issue 14): its PDF, its HTML, who may read it, the frozen case."""

from __future__ import annotations

import io
import random
import re
import subprocess
from datetime import timedelta

import pytest
from click.testing import CliRunner

from analysis.display import SUPPRESSED
from renke.cli import main
from surveyapp.demo import DEMO_PASSWORD, add_synthetic_responses, seed_demo
from surveyapp.models import User
from surveyapp.report import pdf as pdf_module
from surveyapp.report.chart import ChartRow, approval_chart
from tests.service.test_imports_and_verdict import upload
from tests.verdict.county40 import county_csv, schools_csv, schools_rows

DEMO_WORDS = "示例数据，非真实评估"
FAILING_J01 = [
    ({**r, "体育运动场馆面积": 4860} if r["学校代码"] == "J01" else r) for r in schools_rows()
]
FROZEN_REASON = "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%"


def _token(client):
    with client.session_transaction() as state:
        return state["csrf"]


@pytest.fixture
def demo(client, session, login):
    assessment = seed_demo(session)
    session.commit()
    user = session.query(User).filter_by(username="demo").one()
    login(user, DEMO_PASSWORD)
    return assessment


def _pdf_text(data: bytes) -> tuple[list[str], set[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return [page.extract_text() for page in reader.pages], fonts


def test_demo_pdf_holds_county_verdict_and_the_approval_as_the_assessment_page_shows(
    client, demo, pdf_ready
):
    page = client.get(f"/a/{demo.id}").get_data(as_text=True)
    [shown] = re.findall(r"总体（[^）]*）<strong>([^<]+)</strong>", page)
    response = client.get(f"/a/{demo.id}/report.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=renke-report-")
    pages, fonts = _pdf_text(response.data)
    text = "\n".join(pages)
    assert "文山壮族苗族自治州砚山县" in pages[0]
    assert "未达到优质均衡认定标准" in text  # the demo's verdict, as the verdict page words it
    assert f"{shown}，95% 置信区间" in text.replace("\n", "")
    assert all(DEMO_WORDS in p for p in pages), "the demo label on every page"
    assert "第 1 页，共" in pages[0] and "评估人员（签字）" in pages[-1]
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts
    path = pdf_ready / "demo-page1"
    (pdf_ready / "demo.pdf").write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
         str(pdf_ready / "demo.pdf"), str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    assert path.with_suffix(".png").stat().st_size > 10_000


def test_report_html_has_every_part(client, demo):
    html = client.get(f"/a/{demo.id}/report").get_data(as_text=True)
    for part in (
        "督导评估报告", "一、认定结论", "二、基本条件", "差异系数", "各校指标", "四、政府保障程度",
        "五、教育质量", "<svg", "标准 85%", "按计划加权", "设计效应", "样本核对", "样本与配额",
        "填答方式", "数据真实性核查", "八、否决事项", "附录 方法与依据", "SHA-256",
        "评估人员（签字）", "认定结论尚未定稿", DEMO_WORDS, "自愿填答的样本若有偏",
    ):  # fmt: skip
        assert part in html, part
    assert f"/a/{demo.id}/report.pdf" in client.get(f"/a/{demo.id}/verdict").get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "same_county", "status"),
    [("evaluator", True, 200), ("evaluator", False, 403), ("province", False, 200),
     ("admin", False, 200)],
)  # fmt: skip
@pytest.mark.parametrize("path", ["report", "report.pdf"])
def test_report_access(
    client, login, make_user, make_county, make_assessment, monkeypatch, role, same_county,
    status, path,
):  # fmt: skip
    monkeypatch.setattr(pdf_module, "pdf_problem", lambda: None)
    monkeypatch.setattr(pdf_module, "_weasyprint", _fake_weasyprint)
    assessment = make_assessment()
    county = assessment.county if same_county else make_county()
    login(make_user(f"{role}r", role=role, county=county if role == "evaluator" else None))
    assert client.get(f"/a/{assessment.id}/{path}").status_code == status


def _fake_weasyprint():
    class HTML:
        def __init__(self, string, base_url=None):
            self.string = string

        def write_pdf(self):
            return b"%PDF-fake"

    return type("weasyprint", (), {"HTML": HTML})


def test_report_needs_sign_in(client, make_assessment):
    response = client.get(f"/a/{make_assessment().id}/report")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_font_is_said_in_chinese_not_printed_as_tofu(
    client, login, make_user, make_assessment, monkeypatch
):
    monkeypatch.setattr(pdf_module, "pdf_problem", lambda: pdf_module.NO_FONT)
    assessment = make_assessment()
    login(make_user("boss", county=assessment.county))
    response = client.get(f"/a/{assessment.id}/report.pdf")
    assert response.status_code == 503
    assert "缺少中文字体 Noto Sans CJK SC（Debian 软件包 fonts-noto-cjk）" in response.get_data(
        as_text=True
    )


def test_missing_weasyprint_is_a_problem_not_a_crash(monkeypatch):
    def missing():
        raise pdf_module.PdfUnavailable(pdf_module.NO_WEASYPRINT)

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    pdf_module.pdf_problem.cache_clear()
    try:
        assert pdf_module.pdf_problem() == pdf_module.NO_WEASYPRINT
    finally:
        pdf_module.pdf_problem.cache_clear()


@pytest.fixture
def frozen(client, session, login, make_user, make_assessment):
    """A closed 县级自评 (past its grace period) frozen with a failing school, then a
    corrected schools file uploaded after the freeze."""
    from surveyapp.db import utcnow

    assessment = make_assessment(state="closed")
    assessment.closed_at = utcnow() - timedelta(hours=3)
    session.commit()
    login(make_user("boss", county=assessment.county))
    token = _token(client)
    upload(client, assessment, token, "schools", schools_csv(FAILING_J01), "学校.csv")
    upload(client, assessment, token, "county", county_csv(assessment_year=assessment.year))
    before = client.get(f"/a/{assessment.id}/report").get_data(as_text=True)
    assert "认定结论尚未定稿" in before and FROZEN_REASON in before
    response = client.post(f"/a/{assessment.id}/verdict/freeze", data={"csrf_token": token})
    assert response.status_code == 302
    upload(client, assessment, token, "schools", schools_csv(), "更正.csv")
    return assessment


def test_frozen_report_is_made_from_the_frozen_verdict(client, frozen):
    html = client.get(f"/a/{frozen.id}/report").get_data(as_text=True)
    assert "据定稿的认定结论生成" in html and "由 boss 定稿" in html
    assert FROZEN_REASON in html and "未达到优质均衡认定标准" in html
    assert "学校数据：学校.csv" in html and "更正.csv" not in html  # the frozen file
    assert DEMO_WORDS not in html


def test_frozen_pdf_says_it_rests_on_the_freeze(client, frozen, pdf_ready):
    response = client.get(f"/a/{frozen.id}/report.pdf")
    assert response.status_code == 200
    text = "".join(_pdf_text(response.data)[0]).replace("\n", "")
    assert "据定稿的认定结论生成" in text and "由 boss 定稿" in text
    assert "低于标准 10.2㎡ 的 85%" in text


def test_groups_under_five_are_suppressed(client, session, login, make_user, make_assessment):
    from surveyapp.assessments.setup import create_default_links

    assessment = make_assessment()
    create_default_links(session, assessment)
    session.flush()
    add_synthetic_responses(
        session, assessment, {"家长": 30, "学生": 3}, random.Random(1), invalid=False
    )
    session.commit()
    login(make_user("boss", county=assessment.county))
    html = client.get(f"/a/{assessment.id}/report").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert ">学生</text>" in svg and SUPPRESSED in svg
    assert "少于 5 人，不单独显示" in html.split("</svg>")[1]  # the groups table too


def test_chart_draws_the_threshold_and_suppresses():
    svg = approval_chart(
        [ChartRow("家长", 0.9, (0.88, 0.92)), ChartRow("学生", None, None, SUPPRESSED)], 0.85
    )
    assert svg.count("<circle") == 1 and "标准 85%" in svg and SUPPRESSED in svg
    assert 'font-family="Noto Sans CJK SC"' in svg and "90.0% [88.0%, 92.0%]" in svg


def test_cli_report(tmp_path, pdf_ready):
    instance = tmp_path / "instance"
    env = {
        "RENKE_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'renke.sqlite3'}",
        "RENKE_PUBLIC_URL": "https://survey.example.cn",
        "SECRET_KEY": "cli-test-secret-cli-test-secret-0",
    }
    runner = CliRunner(env=env)
    for args in (["db", "upgrade"], ["demo", "--if-empty"]):
        assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    missing = runner.invoke(main, ["report", "999"])
    assert missing.exit_code == 2 and "找不到评估 999" in missing.output
    target = tmp_path / "报告.pdf"
    done = runner.invoke(main, ["report", "1", "-o", str(target)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert target.read_bytes().startswith(b"%PDF") and "已生成评估报告" in done.output


def test_a_frozen_report_counts_the_responses_as_they_were_when_frozen(
    client, session, login, make_user, make_assessment
):
    """The freeze keeps the responses' tally: responses set invalid afterwards (an admin
    may still do so) change neither the report's approval by group nor its modes."""
    from surveyapp.assessments.setup import create_default_links
    from surveyapp.db import utcnow
    from surveyapp.integrity.services import MANUAL_PREFIX
    from surveyapp.models import Response, VerdictFreeze

    assessment = make_assessment(state="closed")
    assessment.closed_at = utcnow() - timedelta(hours=3)
    create_default_links(session, assessment)
    session.flush()
    add_synthetic_responses(
        session, assessment, {"家长": 40, "学生": 12, "教师": 12}, random.Random(5), invalid=False
    )
    session.commit()
    login(make_user("boss", county=assessment.county))
    token = _token(client)
    upload(client, assessment, token, "schools", schools_csv(), "学校.csv")
    upload(client, assessment, token, "county", county_csv(assessment_year=assessment.year))

    def groups_part(html: str) -> str:  # the approval by group, its chart, quotas, modes
        return html[html.index("<svg") : html.index("<h3>数据质量信号")]

    live = client.get(f"/a/{assessment.id}/report").get_data(as_text=True)
    response = client.post(f"/a/{assessment.id}/verdict/freeze", data={"csrf_token": token})
    assert response.status_code == 302
    freeze = session.query(VerdictFreeze).filter_by(assessment_id=assessment.id).one()
    assert sum(cell[9] for cell in freeze.tally) == 64  # n, per cell

    for parent in (
        session.query(Response)
        .filter_by(assessment_id=assessment.id, respondent_group="家长")
        .limit(20)
    ):
        parent.valid, parent.invalid_reason = False, MANUAL_PREFIX + "测试"
        parent.invalid_codes = "manual"
    session.commit()
    after = client.get(f"/a/{assessment.id}/report").get_data(as_text=True)
    assert groups_part(after) == groups_part(live)
    assert "均按定稿时" in after and "的答卷统计" in after

    # A verdict frozen before the tally was kept: the figures as they stand, and why.
    session.execute(
        VerdictFreeze.__table__.update()
        .where(VerdictFreeze.__table__.c.assessment_id == assessment.id)
        .values(tally=None)
    )
    session.commit()
    older = client.get(f"/a/{assessment.id}/report").get_data(as_text=True)
    assert groups_part(older) != groups_part(live)
    assert "定稿后答卷有变化" in older and "均按定稿时" not in older
