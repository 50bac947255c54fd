"""Malformed input gets a clear 4xx, never a 500 (and loses nothing)."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.respondent import KEY, full_answers


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/s/" + "x" * 5000, {}),
        ("get", "/s/%00%ff", {}),
        ("get", "/s/..%2F..%2Fetc%2Fpasswd", {}),
        (
            "post",
            "/s/unknown",
            {"data": b"\xff\xfe\x00garbage", "content_type": "application/x-www-form-urlencoded"},
        ),
        ("get", "/a/not-a-number", {}),
        ("get", "/a/1/links/2/qr.exe", {}),
        ("post", "/login", {"data": {"username": "\x00" * 100, "password": "x" * 100000}}),
        (
            "post",
            "/login",
            {"data": b"\xff\xff", "content_type": "multipart/form-data; boundary=zz"},
        ),
        ("get", "/healthz?x=%ff%fe", {}),
        ("put", "/s/whatever", {}),
        ("delete", "/", {}),
    ],
)
def test_malformed_requests_are_not_server_errors(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 500, (path, response.status_code)


def test_oversized_body_is_413_with_a_page(client, make_link):
    link = make_link(instrument="student")
    response = client.post(f"/s/{link.token}", data={"key": "k", "q17": "满意" * (9 * 1024 * 1024)})
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)


def test_non_utf8_form_on_a_real_link_keeps_the_page(client, make_link):
    link = make_link(instrument="student")
    response = client.post(
        f"/s/{link.token}",
        data=b"key=abc&q17=%ff%fe&grade=\xff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (409, 422)


def test_upload_without_multipart_is_refused_cleanly(client, login, make_user, make_assessment):
    assessment = make_assessment()
    login(make_user("boss", role="admin"))
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        f"/a/{assessment.id}/data/schools",
        data=f"csrf_token={token}&file=notafile",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 422


def test_xlsx_named_csv_and_csv_named_xlsx_are_both_read(client, login, make_user, make_assessment):
    from tests.verdict.county40 import schools_csv

    assessment = make_assessment()
    login(make_user("boss", role="admin"))
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        f"/a/{assessment.id}/data/schools",
        data={"csrf_token": token, "file": (io.BytesIO(schools_csv()), "学校.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # the content decides, not the name


answers = st.dictionaries(
    st.sampled_from(
        ["key", "identity", "grade", "area", "resident", *[f"q{n}" for n in range(1, 12)], "zz"]
    ),
    st.one_of(
        st.text(max_size=30), st.sampled_from(["满意", "一般", "是", "县城", "学生家长", ""])
    ),
    max_size=14,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=answers)
def test_any_posted_form_is_answered_without_a_server_error(unlimited, client, make_link, body):
    link = make_link(instrument="social")
    response = client.post(f"/s/{link.token}", data=body)
    assert response.status_code in (303, 409, 422), response.status_code


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=answers)
def test_any_posted_form_with_a_valid_key_is_stored_once_or_refused(
    unlimited, client, make_link, body
):
    link = make_link(instrument="social")
    key = KEY.search(client.get(f"/s/{link.token}").get_data(as_text=True)).group(1)
    response = client.post(f"/s/{link.token}", data={**body, "key": key})
    assert response.status_code in (303, 422)
    if response.status_code == 422:  # the answers come back, nothing stored
        complete = client.post(
            f"/s/{link.token}", data={**full_answers("social", identity="其他群众"), "key": key}
        )
        assert complete.status_code == 303


def test_nul_bytes_reach_no_database(client, make_user, make_link):
    make_user("someone", role="admin")
    client.get("/login")
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        "/login", data={"username": "some\x00one", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 200 and "用户名或密码不正确" in response.get_data(as_text=True)
    link = make_link(instrument="student")
    response = client.post(f"/s/{link.token}", data={"key": "a\x00b", "q17": "\x00"})
    assert response.status_code == 409


def test_a_value_the_database_refuses_is_a_400(client, monkeypatch):
    from sqlalchemy.exc import DataError

    from surveyapp.collect import services

    def refuse(*_args, **_kwargs):
        raise DataError("SELECT", {}, Exception("PostgreSQL text fields cannot contain NUL"))

    monkeypatch.setattr(services, "link_status", refuse)
    response = client.get("/s/abc")
    assert response.status_code == 400
    assert "请求格式不正确" in response.get_data(as_text=True)


def test_database_unavailable_is_a_503_asking_to_retry(client, make_link, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from surveyapp.collect import services

    link = make_link(instrument="student")
    key = KEY.search(client.get(f"/s/{link.token}").get_data(as_text=True)).group(1)

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "record_response", locked)
    response = client.post(f"/s/{link.token}", data={"key": key, **full_answers("student")})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "答案已保留在本页" in page
    # every posted field comes back as a hidden input: one tap resubmits them
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert fields == {"key": key, **full_answers("student")}
    monkeypatch.undo()
    assert client.post(f"/s/{link.token}", data=fields).status_code == 303


# --- the causes of the 500s found by the fuzzing pass of issue 10, each at its cause ---


def _signed_in_token(client, login, make_user) -> str:
    login(make_user("boss", role="admin"))
    with client.session_transaction() as state:
        return str(state["csrf"])


@pytest.mark.parametrize("token", ["é", "中文令牌", "\ud7ff", "ﬀ" * 40])
def test_a_non_ascii_csrf_token_is_a_stale_form(client, login, make_user, token):
    _signed_in_token(client, login, make_user)
    response = client.post("/a/new", data={"csrf_token": token})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.post("/login", data={"csrf_token": token}).status_code == 400


SETTINGS = {
    "prefecture": "文山州",
    "county": "西畴县",
    "year": "2026",
    "stage": "county",
    "population": "236000",
    "population_source": "七普",
    "min_duration_s": "30",
}


@pytest.fixture(autouse=True)
def registry(session):
    """The counties the forms name, in the registry (new assessments are for its counties)."""
    from surveyapp.models import County

    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴县"))
    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴", kind="县"))
    session.flush()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("year", "²⁰³⁰", "请填写整数"),
        ("population", "①②③", "请填写整数"),
        ("population", "9" * 5000, "请填写整数"),
        ("min_duration_s", "٣٠", "请填写整数"),
        ("closes", "9999-12-31", "日期应在 2000 到 2100 年之间"),
        ("opens", "0001-01-01", "日期应在 2000 到 2100 年之间"),
    ],
)
def test_settings_with_odd_numbers_and_dates_are_refused_by_field(
    client, login, make_user, field, value, message
):
    token = _signed_in_token(client, login, make_user)
    response = client.post("/a/new", data={**SETTINGS, field: value, "csrf_token": token})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_full_width_digits_are_still_numbers(client, login, make_user):
    token = _signed_in_token(client, login, make_user)
    response = client.post("/a/new", data={**SETTINGS, "year": "２０２６", "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("number", [2**63, 2**64 + 5, 10**30])
def test_ids_beyond_64_bits_are_404(client, login, make_user, number):
    _signed_in_token(client, login, make_user)
    for path in (f"/a/{number}", f"/a/1/links/{number}/qr.png", f"/a/{number}/verdict"):
        assert client.get(path).status_code == 404, path


def _upload(client, assessment, content: bytes, name: str = "学校.csv"):
    with client.session_transaction() as state:
        token = state["csrf"]
    return client.post(
        f"/a/{assessment.id}/data/schools",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("学校代码,学校名称\r1,甲\r".encode(), "换行符只有 CR"),
        ("学校代码,学校名称\n1,甲\n".encode("utf-16"), "UTF-16"),
        (b"\xe5\xad\xa6,\x81\xff\n1,2\n", "无法识别的字符"),
        (b'a,b\r\n"x\ry",2\r\n', None),
    ],
)
def test_unreadable_csvs_are_refused_with_a_reason(
    client, login, make_user, make_assessment, content, message
):
    assessment = make_assessment(state="draft")
    _signed_in_token(client, login, make_user)
    response = _upload(client, assessment, content)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)


def _xlsx_bytes(rows: int = 3) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["学校代码", "学校名称"])
    for number in range(rows):
        book.active.append([f"S{number}", f"学校{number}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_whose_sheet_breaks_partway_is_refused(client, login, make_user, make_assessment):
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes(50)))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b'<row r="99"><c r="A99" t="s"><v>'
            target.writestr(member, data)
    assessment = make_assessment(state="draft")
    _signed_in_token(client, login, make_user)
    response = _upload(client, assessment, broken.getvalue(), "学校.xlsx")
    assert response.status_code == 422
    assert "XLSX 文件已损坏，读到中途出错" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("code", "accepted"),
    [
        ("../../../../etc/passwd", False),
        ("<b>X</b>", False),
        ('=HYPERLINK("http://evil")', False),
        ("5326220001", True),
        ("T-01_a", True),
    ],
)
def test_school_codes_are_letters_digits_dash_underscore(
    client, login, make_user, make_assessment, code, accepted
):
    from tests.verdict.county40 import schools_csv, schools_rows

    rows = schools_rows()
    rows[4]["学校代码"] = code  # P05: no 教学点 belongs to it
    assessment = make_assessment(state="draft")
    _signed_in_token(client, login, make_user)
    response = _upload(client, assessment, schools_csv(rows))
    if accepted:
        assert response.status_code == 302
    else:
        assert response.status_code == 422
        assert "第6行，“学校代码”列：只能包含数字、字母" in response.get_data(as_text=True)


def test_a_database_failure_on_a_get_is_the_503_page(client, login, make_user, monkeypatch):
    from sqlalchemy.exc import InterfaceError

    from surveyapp.assessments import services

    _signed_in_token(client, login, make_user)

    def cut(*_args, **_kwargs):
        raise InterfaceError("SELECT", {}, Exception("connection already closed"))

    monkeypatch.setattr(services, "list_assessments", cut)
    response = client.get("/")
    assert response.status_code == 503
    assert "系统繁忙" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["²⁰³⁰", "①", "٣", "9" * 5000, "9" * 30])
def test_ids_and_pages_that_are_not_ascii_numbers(
    client, login, make_user, make_assessment, number
):
    """Every id, page or option number a form or query carries is ASCII digits, or it is
    refused with a reason — never int() on what str.isdigit() takes (surveyapp.form_values)."""
    assessment = make_assessment()
    login(make_user("fuzz-admin", role="admin"))
    with client.session_transaction() as state:
        token = state["csrf"]
    answers = [
        client.get(f"/a/{assessment.id}/responses", query_string={"page": number}),
        client.post(
            f"/a/{assessment.id}/integrity/review",
            data={"csrf_token": token, "action": "confirm", "reason": "x", "response": number},
        ),
        client.post(
            f"/a/{assessment.id}/integrity/review",
            data={"csrf_token": token, "action": "confirm", "whole": "1", "incident": number},
        ),
        client.post(
            f"/a/{assessment.id}/integrity/review",
            data={"csrf_token": token, "action": "restore", "from": "responses", "page": number},
        ),
        client.post(
            f"/a/{assessment.id}/agencies/assign", data={"csrf_token": token, "agency": number}
        ),
        client.post(
            "/accounts/add",
            data={
                "csrf_token": token,
                "username": "someone",
                "password": "a-long-enough-password-2026",
                "role": "evaluator",
                "county": number,
            },
        ),
    ]
    for response in answers:
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (response.request.path, body[:300])
        assert "Traceback" not in body
