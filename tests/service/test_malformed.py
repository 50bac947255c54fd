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
