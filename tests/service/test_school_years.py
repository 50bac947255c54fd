"""Schools across years: a later year's draft does not take over the collection's list."""

from __future__ import annotations

import io

from sqlalchemy import select

from surveyapp.models import Assessment, School
from tests.verdict.county40 import schools_csv, schools_rows


def _upload(client, assessment, rows):
    with client.session_transaction() as state:
        token = state["csrf"]
    return client.post(
        f"/a/{assessment.id}/data/schools",
        data={"csrf_token": token, "file": (io.BytesIO(schools_csv(rows)), "s.csv")},
        content_type="multipart/form-data",
    )


def _with_locale(rows, code_prefix):
    for row in rows:
        row["学校代码"] = code_prefix + str(row["学校代码"])
        if row.get("所属学校代码"):  # a 教学点 names its 中心校 by code
            row["所属学校代码"] = code_prefix + str(row["所属学校代码"])
        row["城乡类型"] = "城区"
    return rows


def test_a_later_draft_does_not_change_the_collecting_list(
    client, session, login, make_user, make_county, make_assessment
):
    county = make_county(name="本县", schools=2)
    collecting = make_assessment(county=county)
    draft = make_assessment(county=county, state="draft", year=collecting.year + 5)
    login(make_user("boss", role="admin"))
    assert _upload(client, draft, _with_locale(schools_rows(), "D")).status_code == 302
    codes = set(session.scalars(select(School.code).where(School.county_id == county.id)))
    assert codes == {"T0001", "T0002"}  # the collection's schools, untouched
    assert _upload(client, collecting, _with_locale(schools_rows(), "C")).status_code == 302
    codes = set(session.scalars(select(School.code).where(School.county_id == county.id)))
    assert any(code.startswith("C") for code in codes)
    assert not any(code.startswith("D") for code in codes)


def test_a_draft_can_be_deleted_and_nothing_else(
    client, session, login, make_user, make_assessment
):
    draft = make_assessment(state="draft")
    collecting = make_assessment()
    login(make_user("boss", role="admin"))
    with client.session_transaction() as state:
        token = state["csrf"]
    assert client.post(f"/a/{draft.id}/delete", data={"csrf_token": token}).status_code == 302
    assert _exists(session, draft.id) is False
    refused = client.post(f"/a/{collecting.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 302
    assert _exists(session, collecting.id) is True
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "只有准备中的评估可以删除" in page


def _exists(session, assessment_id: int) -> bool:
    found = session.scalars(select(Assessment.id).where(Assessment.id == assessment_id)).first()
    return found is not None
