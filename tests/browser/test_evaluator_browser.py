"""An evaluator's day in a real browser: a new county, an assessment, one phone answer.

Signs in as admin (desktop), adds a county that is not in the Yunnan plan (示例新县; the demo loads the plan) to the registry, creates its assessment, uploads
its schools, makes the usual links, opens the collection; a phone (a second context, no
shared cookies) answers the 社会卷 link; the dashboard counts it. Screenshots are kept in
test-output/screenshots/evaluator-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from surveyapp.models import Assessment, CollectionLink, County, User
from tests.browser.test_respondent_browser import PHONE, choice, expected_questions, submit, tap
from tests.verdict.county40 import schools_csv

pytestmark = pytest.mark.browser
PASSWORD = "浏览器测试密码2026"


def test_from_a_new_county_to_a_counted_phone_answer(
    chromium: Any, live_server: Any, output_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect  # imported here: without playwright the suite skips

    shots = output_dir / "screenshots"
    with Session(live_server.engine) as session:
        session.add(
            User(
                username="browser-admin",
                role="admin",
                password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            )
        )
        session.commit()
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    try:
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", "browser-admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/counties")
        page.fill("input[name=prefecture]", "文山州")
        page.fill("input[name=name]", "示例新县")
        page.fill("input[name=code]", "532626")
        page.click("form button[type=submit]")
        expect(page.locator("body")).to_contain_text("已添加 文山州示例新县")
        page.screenshot(path=str(shots / "evaluator-counties.png"), full_page=True)

        page.goto(f"{live_server.url}/a/new")
        today = date.today()
        for name, value in {
            "prefecture": "文山州",
            "county": "示例新县",
            "population": "480000",
            "population_town": "180000",
            "population_rural": "300000",
            "population_urban": "0",
            "population_source": "第七次全国人口普查",
            "opens": (today - timedelta(days=1)).isoformat(),
            "closes": (today + timedelta(days=14)).isoformat(),
            "min_duration_s": "0",
        }.items():
            page.fill(f"#{name}", value)
        page.click("form.card button[type=submit]")
        expect(page.locator("body")).to_contain_text("评估已创建")
        detail_url = page.url
        csv_file = tmp_path / "学校.csv"
        csv_file.write_bytes(schools_csv())
        page.click("text=学校与县级数据")
        page.locator("input[type=file]").first.set_input_files(str(csv_file))
        page.locator("form:has(input[type=file]) button").first.click()
        expect(page.locator("body")).to_contain_text("已接受")
        page.goto(detail_url)
        page.click("text=问卷链接与二维码")
        page.click("text=生成常用链接")
        expect(page.locator("body")).to_contain_text("新增")
        page.goto(detail_url)
        page.click("text=开始收集")
        expect(page.locator("body")).to_contain_text("已开始收集")

        with Session(live_server.engine) as session:
            county = session.scalars(select(County).where(County.name == "示例新县")).one()
            assessment = session.scalars(
                select(Assessment).where(Assessment.county_id == county.id)
            ).one()
            link = session.scalars(
                select(CollectionLink).where(
                    CollectionLink.assessment_id == assessment.id,
                    CollectionLink.instrument == "social",
                    CollectionLink.preset_group.is_(None),
                )
            ).first()
            assert link is not None
            session.expunge(link)

        phone = chromium.new_context(**PHONE)
        phone.set_default_timeout(15_000)
        mobile = phone.new_page()
        try:
            server = type(live_server)(
                live_server.url, live_server.app, live_server.engine, assessment.id
            )
            mobile.goto(f"{live_server.url}/s/{link.token}")
            for number, question in enumerate(expected_questions(server, link)):
                tap(mobile, question["id"], choice(question, number))
            assert submit(mobile).status == 200
            assert "提交成功" in mobile.locator("h1").inner_text()
            mobile.screenshot(path=str(shots / "evaluator-phone-done.png"), full_page=True)
        finally:
            phone.close()

        page.goto(f"{live_server.url}/")
        row = page.locator("tr", has_text="示例新县")
        assert row.locator("td").nth(4).inner_text().strip() == "1 / 1"
        page.goto(detail_url)
        page.screenshot(path=str(shots / "evaluator-dashboard.png"), full_page=True)
    finally:
        desk.close()
