"""`renke backup` / `renke restore` on both databases: every row back, files included.

Each test works on a database of its own (a scratch SQLite file, or a scratch
PostgreSQL database created and dropped here), never on the suite's shared one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from renke.cli import main
from surveyapp.db import Base, make_engine, upgrade
from surveyapp.models import DataFile, Response, User
from tests.conftest import postgres_admin_url


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    admin_url, required = postgres_admin_url()
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # unreachable server
        admin.dispose()
        if required:
            pytest.fail(f"PostgreSQL required but unreachable: {error}")
        pytest.skip("PostgreSQL not reachable")
    name = f"renke_backup_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
        files = connection.scalars(select(DataFile.content)).all()
    engine.dispose()
    counts["file digest"] = int(hashlib.sha256(b"".join(files)).hexdigest()[:8], 16)
    return counts


def _seed(url: str, tmp_path) -> None:
    from surveyapp import create_app, db
    from surveyapp.demo import seed_demo
    from surveyapp.imports.services import accept_upload
    from tests.verdict.county40 import schools_csv

    upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path / "i")}
    )
    with app.app_context():
        session = db.session()
        assessment = seed_demo(session, responses=True)
        session.flush()
        user = session.scalars(select(User)).first()
        accept_upload(session, assessment, "schools", "学校.csv", schools_csv(), user, db.utcnow())
        session.commit()
    app.extensions["renke.engine"].dispose()


def _renke(url: str, tmp_path, *args: str):
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "x" * 40,
        "RENKE_INSTANCE": str(tmp_path / "i"),
        "RENKE_ENV": "development",
    }
    return CliRunner().invoke(main, list(args), env=env)


def test_backup_and_restore_bring_every_row_back(scratch_url, tmp_path):
    _seed(scratch_url, tmp_path)
    before = _counts(scratch_url)
    assert before["response"] > 0 and before["app_user"] > 0 and before["data_file"] > 0
    target = tmp_path / "renke.backup"
    made = _renke(scratch_url, tmp_path, "backup", str(target))
    assert made.exit_code == 0, made.output
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    engine = make_engine(scratch_url)  # a disaster: responses, files and accounts gone
    with engine.begin() as connection:
        for model in (Response, DataFile):
            connection.execute(delete(model))
        connection.execute(text("UPDATE app_user SET password_hash = 'lost'"))
    engine.dispose()
    assert _counts(scratch_url)["response"] == 0
    restored = _renke(scratch_url, tmp_path, "restore", "--yes", str(target))
    assert restored.exit_code == 0, restored.output
    assert _counts(scratch_url) == before
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        assert "lost" not in connection.scalars(select(User.password_hash)).all()
    engine.dispose()


def test_backup_refusals_are_exit_2(scratch_url, tmp_path):
    _seed(scratch_url, tmp_path)
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"keep me")
    refused = _renke(scratch_url, tmp_path, "backup", str(existing))
    assert refused.exit_code == 2 and "已存在" in refused.output
    assert existing.read_bytes() == b"keep me"
    wrong = _renke(scratch_url, tmp_path, "restore", "--yes", str(existing))
    assert wrong.exit_code == 2 and "不是" in wrong.output and "备份" in wrong.output
    missing = _renke(scratch_url, tmp_path, "restore", "--yes", str(tmp_path / "none"))
    assert missing.exit_code == 2 and "找不到备份文件" in missing.output
