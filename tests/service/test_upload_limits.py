"""Uploads are bounded and parsed outside the write lock (issue 10)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from analysis.tables import UPLOAD_LIMITS, InputRefused, check_limits, read_table


def _zip_bomb(expanded: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(expanded >> 20):
                member.write(block)
    return buffer.getvalue()


def _sheet_with_rows(rows: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(rows))
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>",
        )
    return buffer.getvalue()


def _problem(content: bytes) -> str:
    with pytest.raises(InputRefused) as refused:
        check_limits(content, UPLOAD_LIMITS, "上传文件")
    return str(refused.value)


def test_a_zip_bomb_is_refused_from_its_directory_at_once():
    bomb = _zip_bomb(UPLOAD_LIMITS.expanded_bytes + (8 << 20))
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    assert "XLSX 解压后有" in _problem(bomb)
    assert time.perf_counter() - started < 0.5


def test_too_many_rows_in_an_xlsx_are_counted_without_parsing():
    assert "行数超过上限 20,000 行" in _problem(_sheet_with_rows(UPLOAD_LIMITS.rows + 5))
    check_limits(_sheet_with_rows(100), UPLOAD_LIMITS)  # a county's file passes


def test_too_many_rows_or_columns_in_a_csv():
    wide = ",".join(f"c{n}" for n in range(100_000)).encode() + b"\n" + b"1\n"
    assert "表头有 100,000 列，超过上限 300 列" in _problem(wide)
    tall = b"a,b\n" + b"1,2\n" * (UPLOAD_LIMITS.rows + 5)
    assert "行数超过上限" in _problem(tall)


def test_too_large_a_file():
    assert "文件太大" in _problem(b"a,b\n" + b"x" * (UPLOAD_LIMITS.file_bytes + 1))


def test_the_command_line_reads_a_larger_table():
    tall = b"a,b\n" + b"1,2\n" * (UPLOAD_LIMITS.rows + 5)
    assert len(read_table(tall)) == UPLOAD_LIMITS.rows + 5


def _post(client, assessment, content: bytes, name: str):
    with client.session_transaction() as state:
        token = state["csrf"]
    return client.post(
        f"/a/{assessment.id}/data/schools",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_web_refuses_a_bomb_with_a_message(client, login, make_user, make_assessment):
    assessment = make_assessment(state="draft")
    login(make_user("boss", role="admin"))
    response = _post(
        client, assessment, _zip_bomb(UPLOAD_LIMITS.expanded_bytes + (8 << 20)), "a.xlsx"
    )
    assert response.status_code == 422
    assert "XLSX 解压后有" in response.get_data(as_text=True)


def test_the_file_is_parsed_outside_any_transaction(
    client, login, make_user, make_assessment, monkeypatch
):
    from surveyapp import db
    from surveyapp.imports import services
    from tests.verdict.county40 import schools_csv

    seen = []
    parse = services.parse

    def watched(*args, **kwargs):
        seen.append(db.session().in_transaction())
        return parse(*args, **kwargs)

    monkeypatch.setattr(services, "parse", watched)
    assessment = make_assessment(state="draft")
    login(make_user("boss", role="admin"))
    assert _post(client, assessment, schools_csv(), "s.csv").status_code == 302
    assert seen == [False]  # on SQLite: no write lock held while the file is read


def test_the_verdict_view_does_not_read_the_stored_file_again(
    client, login, make_user, make_assessment, monkeypatch
):
    from surveyapp.imports import services
    from tests.verdict.county40 import schools_csv

    assessment = make_assessment(state="draft")
    login(make_user("boss", role="admin"))
    assert _post(client, assessment, schools_csv(), "s.csv").status_code == 302
    reads = []
    original = services.read_schools
    monkeypatch.setattr(
        services, "read_schools", lambda *a, **k: reads.append(1) or original(*a, **k)
    )
    for _ in range(3):
        assert client.get(f"/a/{assessment.id}/verdict").status_code == 200
    assert reads == []  # the upload's reading was kept


def test_a_worksheet_whose_deflate_stream_is_damaged_is_refused_not_a_crash():
    import zlib

    good = _sheet_with_rows(50)
    damaged = bytearray(good)
    start = good.index(b"sheet1.xml") + len(b"sheet1.xml")
    for offset in range(start + 5, start + 40):
        damaged[offset] ^= 0x5A  # the deflate data, not the directory
    with pytest.raises(zlib.error):
        zipfile.ZipFile(io.BytesIO(bytes(damaged))).read("xl/worksheets/sheet1.xml")
    check_limits(bytes(damaged), UPLOAD_LIMITS)  # no crash: the XLSX reader refuses it
    with pytest.raises(InputRefused):
        read_table(bytes(damaged))


@pytest.mark.parametrize(
    "content", [b"\n\xad\xa6,x\n1,2\n", b"\r\n\xe5\xad\xa6,x\n1,2\n", b",,\n1,2,3\n"]
)
def test_a_blank_header_line_is_refused_not_a_crash(content):
    with pytest.raises(InputRefused) as refused:
        read_table(content)
    assert "表头" in str(refused.value)
