"""The statements of a respondent's page and submit (issue 15), on a real database.

A real database with the app's own pool (not the fixtures' rolled-back connection), so
the transactions are the ones gunicorn's threads run: on SQLite the submit reads
without the write lock and takes it (BEGIN IMMEDIATE) only to check the device and
store, so the duplicate check still sees every stored row.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from surveyapp import create_app
from tests.service.respondent import KEY, full_answers
from tests.service.test_concurrency import _drop_postgres, _fresh_postgres_copy, demo_tokens

pytestmark = pytest.mark.filterwarnings("error")


def _kind(statement: str) -> str:
    words = statement.split()
    if words[0] in ("BEGIN", "INSERT", "UPDATE"):
        return " ".join(words[:2]) if words[:2] == ["BEGIN", "IMMEDIATE"] else words[0]
    if "pg_advisory_xact_lock" in statement:
        return "LOCK"
    if "FROM collection_link" in statement:
        return "SELECT link"
    if "FROM response" in statement:
        return "SELECT response"
    return statement[:40]


def test_a_page_and_a_submit_and_their_statements(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    else:
        database_url = _fresh_postgres_copy(database_url)
    app = create_app(
        {"SECRET_KEY": "x" * 32, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path)}
    )
    try:
        token = demo_tokens(app, database_url)[0]
        seen: list[str] = []
        event.listen(
            app.extensions["renke.engine"],
            "before_cursor_execute",
            lambda _c, _cur, statement, *_: seen.append(_kind(statement)),
        )
        answers = full_answers("social")
        answers.pop("identity")
        sqlite = database_url.startswith("sqlite")
        for turn in ("first", "second"):  # the first response also freezes the wording
            phone = app.test_client()
            seen.clear()
            page = phone.get(f"/s/{token}").get_data(as_text=True)
            assert seen == (["BEGIN", "SELECT link"] if sqlite else ["SELECT link"])
            seen.clear()
            key = KEY.search(page).group(1)
            assert phone.post(f"/s/{token}", data={"key": key, **answers}).status_code == 303
            store = ["SELECT response", "INSERT"] + (["UPDATE"] if turn == "first" else [])
            if sqlite:
                assert seen == ["BEGIN", "SELECT link", "BEGIN IMMEDIATE", *store]
            else:
                assert seen == ["SELECT link", "LOCK", *store]
    finally:
        app.extensions["renke.engine"].dispose()
        if not database_url.startswith("sqlite"):
            _drop_postgres(database_url)
