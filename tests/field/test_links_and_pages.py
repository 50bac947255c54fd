"""Custom links (validated), the XLSX and CSV downloads, the share page, modes shown."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.field import services
from surveyapp.models import Assessment, CollectionLink, User

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.mark.parametrize(
    ("instrument", "school", "group", "problem"),
    [
        ("social", None, "教师", "社会卷没有“教师”这一群体"),
        ("staff", None, "家长", "校长教师卷没有“家长”这一群体"),
        ("social", "NOPE", None, "没有学校代码为 NOPE 的学校"),
        ("paper", None, None, "请选择问卷"),
    ],
)
def test_custom_link_refusals_name_the_problem(
    session: Session,
    make_assessment: Callable[..., Assessment],
    instrument: str,
    school: str | None,
    group: str | None,
    problem: str,
) -> None:
    assessment = make_assessment()
    with pytest.raises(services.LinkRefused, match=problem):
        services.add_custom_link(
            session,
            assessment,
            label="集市",
            instrument=instrument,
            school_code=school,
            group=group,
        )


def test_custom_link_of_another_countys_school_is_refused(
    session: Session, make_assessment: Callable[..., Assessment], make_county: Callable
) -> None:
    assessment = make_assessment()
    other = make_county("邻县", schools=3)
    code = other.schools[2].code  # T0003: the assessment's county has only two schools
    with pytest.raises(services.LinkRefused, match=f"没有学校代码为 {code} 的学校"):
        services.add_custom_link(
            session, assessment, label="x", instrument="social", school_code=code, group=None
        )


def test_evaluator_makes_a_custom_link_on_the_links_page(
    client: FlaskClient,
    session: Session,
    make_assessment: Callable[..., Assessment],
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    assessment = make_assessment()
    login(make_user("eva", county=assessment.county))
    page = client.get(f"/a/{assessment.id}/links").get_data(as_text=True)
    assert "新建自定义链接" in page
    token = CSRF.search(page)
    assert token
    school = assessment.county.schools[1]
    form = {"label": "城关集市", "instrument": "social", "school": school.code, "group": "家长"}
    made = client.post(
        f"/a/{assessment.id}/links/custom", data={"csrf_token": token.group(1), **form}
    )
    assert made.status_code == 302
    link = session.scalars(select(CollectionLink).where(CollectionLink.label == "城关集市")).one()
    assert (link.instrument, link.school_id, link.preset_group) == ("social", school.id, "家长")
    refused = client.post(
        f"/a/{assessment.id}/links/custom",
        data={"csrf_token": token.group(1), **form, "group": "学生"},
        follow_redirects=True,
    )
    assert "未能新建链接：社会卷没有“学生”这一群体" in refused.get_data(as_text=True)
    share = client.get(f"/a/{assessment.id}/links/{link.id}/share").get_data(as_text=True)
    assert "城关集市" in share and f"/s/{link.token}" in share


# SPEC §1 "assessment set-up, links, collection": admin, the county and the agency
# assigned make links; province and 州市 only read them.
@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("evaluator", True), ("agency", True), ("province", False)],
)
def test_custom_links_by_role(
    client: FlaskClient,
    session: Session,
    make_assessment: Callable[..., Assessment],
    make_user: Callable[..., User],
    login: Callable[[User], None],
    role: str,
    allowed: bool,
) -> None:
    from surveyapp.models import AgencyAssignment

    assessment = make_assessment()
    user = make_user("someone", role, county=assessment.county if role == "evaluator" else None)
    if role == "agency":
        session.add(AgencyAssignment(user_id=user.id, assessment_id=assessment.id))
        session.flush()
    login(user)
    page = client.get(f"/a/{assessment.id}/links").get_data(as_text=True)
    assert ("新建自定义链接" in page) == allowed
    with client.session_transaction() as state:
        token = state["csrf"]
    form = {"label": "城关集市", "instrument": "social", "group": "家长", "csrf_token": token}
    made = client.post(f"/a/{assessment.id}/links/custom", data=form)
    assert made.status_code == (302 if allowed else 403)
    query = select(CollectionLink).where(CollectionLink.label == "城关集市")
    assert len(session.scalars(query).all()) == (1 if allowed else 0)
    if not allowed:
        assert "只能查看" in made.get_data(as_text=True)


def test_xlsx_download_streams_the_export_with_chinese_headers(
    client: FlaskClient,
    make_assessment: Callable[..., Assessment],
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    assessment = make_assessment()
    login(make_user("eva", county=assessment.county))
    response = client.get(f"/a/{assessment.id}/export.xlsx?headers=zh")
    assert response.status_code == 200
    assert response.is_streamed
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    try:
        header = next(book["数据"].iter_rows(values_only=True))
    finally:
        book.close()
    assert header[:2] == ("编号", "群体")
    csv = client.get(f"/a/{assessment.id}/export.csv")
    assert csv.is_streamed and csv.get_data(as_text=True).startswith("\ufeffresponse_id,group")
    assert client.get(f"/a/{assessment.id}/export.pdf").status_code == 404


def test_poster_pages_and_downloads_of_a_link(
    app: Flask,
    client: FlaskClient,
    make_assessment: Callable[..., Assessment],
    make_link: Callable[..., CollectionLink],
    make_user: Callable[..., User],
    login: Callable[[User], None],
    cjk_font: None,
) -> None:
    from urllib.parse import quote

    import zxingcpp
    from PIL import Image

    assessment = make_assessment()
    school = assessment.county.schools[0]
    link = make_link(assessment, "social", "家长", school)
    login(make_user("eva", county=assessment.county))
    base = f"/a/{assessment.id}/links"
    page = client.get(f"{base}/print?link={link.id}").get_data(as_text=True)
    assert school.name in page and "请家长填写" in page and "截止日期：" in page
    assert client.get(f"{base}/print?link=999999").status_code == 404
    pdf = client.get(f"{base}/{link.id}/poster.pdf")
    assert pdf.data.startswith(b"%PDF")
    assert quote(f"{school.name}-家长-社会卷.pdf") in pdf.headers["Content-Disposition"]
    card = client.get(f"{base}/{link.id}/card.png")
    with Image.open(io.BytesIO(card.data)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    public = app.config["RENKE_PUBLIC_URL"].rstrip("/")
    assert [code.text for code in found] == [f"{public}/s/{link.token}"]
    archive = client.get(f"{base}/posters.zip")
    assert archive.status_code == 200 and archive.data.startswith(b"PK")


def test_posters_without_the_cjk_font_say_which_package_not_a_500(
    client: FlaskClient,
    make_assessment: Callable[..., Assessment],
    make_link: Callable[..., CollectionLink],
    make_user: Callable[..., User],
    login: Callable[[User], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from surveyapp.field import images

    assessment = make_assessment()
    link = make_link(assessment, "social", "家长", assessment.county.schools[0])
    login(make_user("eva", county=assessment.county))
    monkeypatch.setenv("RENKE_CJK_FONT", "/nonexistent/font.ttc")
    images.font.cache_clear()
    try:
        base = f"/a/{assessment.id}/links"
        for path in (f"{link.id}/poster.pdf", f"{link.id}/poster.png", f"{link.id}/card.png"):
            response = client.get(f"{base}/{path}")
            assert response.status_code == 503, path
            assert "fonts-noto-cjk" in response.get_data(as_text=True)
        assert client.get(f"{base}/posters.zip").status_code == 503
    finally:
        monkeypatch.delenv("RENKE_CJK_FONT")
        images.font.cache_clear()
