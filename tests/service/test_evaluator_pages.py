"""The evaluators' pages: overview with counts and quotas, links, export."""

from __future__ import annotations

import csv
import io

from tests.service.respondent import KEY, full_answers, open_form, submit


def answer(client, link, monkeypatch_clock=None, **overrides):
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    key = KEY.search(page).group(1)
    return client.post(
        f"/s/{link.token}", data={"key": key, **full_answers(link.instrument, **overrides)}
    )


def test_detail_counts_valid_and_all(app, client, login, make_user, make_assessment, make_link):
    assessment = make_assessment(min_duration_s=0)
    link = make_link(assessment=assessment, instrument="student")
    respondent = app.test_client()
    keys = [open_form(respondent, link), open_form(respondent, link)]  # two tabs
    for key in keys:
        submit(respondent, link, key, full_answers("student"))  # the second: kept, invalid
    login(make_user("boss", role="admin"))
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    counts = page.split("<h2>各群体答卷</h2>", 1)[1]
    row = counts.split("<td>学生</td>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:3]]
    assert cells[1:] == ["1", "2"]


def test_links_page_shows_qr_and_public_url(client, login, make_user, make_assessment, make_link):
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="social", preset_group="人大代表")
    login(make_user("boss", role="admin"))
    page = client.get(f"/a/{assessment.id}/links").get_data(as_text=True)
    assert f"https://renke.example.cn/s/{link.token}" in page
    assert f"/a/{assessment.id}/links/{link.id}/qr.svg" in page
    svg = client.get(f"/a/{assessment.id}/links/{link.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()


def test_export_is_the_responses_table(app, client, login, make_user, make_assessment, make_link):
    assessment = make_assessment(min_duration_s=0)
    school = assessment.county.schools[0]
    link = make_link(assessment=assessment, instrument="student", school=school)
    answer(app.test_client(), link, grade="5年级", q18="一般")
    login(make_user("boss", role="admin"))
    response = client.get(f"/a/{assessment.id}/export.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["group"] == "学生" and row["school"] == school.code and row["grade"] == "5"
    assert row["valid"] == "1" and row["weight"] == "1.0" and row["instrument"] == "学生卷"
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    q18 = next(h for h in header if h.startswith("q18 "))
    assert row[q18] == "一般"
    assert row[next(h for h in header if h.startswith("q1 "))] == ""  # other instrument: blank
    assert header[:15] == [
        "response_id",
        "group",
        "school",
        "area",
        "residence",
        "grade",
        "instrument",
        "mode",
        "link",
        "device",
        "submitted_at",
        "duration_s",
        "valid",
        "invalid_reason",
        "weight",
    ]
    assert row["link"] == str(link.id)
    assert row["device"] == "D0001"  # a pseudonym, never the cookie or its hash


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_quality_signals_on_the_assessment_page(
    app, client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment(min_duration_s=0)
    link = make_link(assessment=assessment, instrument="student")
    for _ in range(4):
        answer(app.test_client(), link)
    answer(app.test_client(), link, resident="否")  # 1 of 5 is a non-resident
    login(make_user("boss", role="admin"))
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "数据质量信号" in page
    row = next(line for line in page.split("<tr>") if line.startswith("<td>学生</td><td>全部</td>"))
    assert ">5<" in row and ">4<" in row and "20.0%" in row  # rows, valid, non-resident share
    assert "100.0%" in row  # every valid answer the same: a signal, not a reason


def test_live_approval_and_valid_rate_warning_on_the_assessment_page(
    app, client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment(min_duration_s=0)
    link = make_link(assessment=assessment, instrument="student")
    for _ in range(6):
        answer(app.test_client(), link, q17="一般")  # 7 of 8 approve
    for _ in range(4):
        answer(app.test_client(), link, resident="否")  # invalid: valid rate 60%
    login(make_user("boss", role="admin"))
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "总体（合并全部回答）<strong>87.5%</strong>" in page
    assert "有效率 60.0%" in page
    assert "低于 70%" in page
    # the planned figure beside the pooled one, and the sample check (SPEC §2.5, §4)
    assert "按抽样计划的群体结构加权：<strong>87.5%</strong>" in page
    assert "<h3>样本核对（有效问卷与抽样计划）</h3>" in page
    assert "缺失" not in page.split("<h3>样本核对", 1)[1].split("</ul>", 1)[0]
    verdict = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "尚未上传学校数据" in verdict and "总体（合并全部回答）<strong>87.5%</strong>" in verdict
    assert "<h3>样本核对（有效问卷与抽样计划）</h3>" in verdict


def test_groups_under_five_are_suppressed(
    app, client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment(min_duration_s=0)
    link = make_link(assessment=assessment, instrument="student")
    for _ in range(4):
        answer(app.test_client(), link)
    login(make_user("boss", role="admin"))
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    approval = page.split("<h2>各群体答卷</h2>", 1)[0]
    assert "暂不显示认可度" in approval and "总体" not in approval
    answer(app.test_client(), make_link(assessment=assessment, instrument="staff"), identity="教师")
    answer(app.test_client(), make_link(assessment=assessment, instrument="staff"), identity="教师")
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    approval = page.split("<h2>各群体答卷</h2>", 1)[0]
    row = approval.split("<td>学生</td>", 1)[1].split("</tr>", 1)[0]
    assert "少于 5 人，不单独显示" in row and "100" not in row
