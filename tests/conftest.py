"""Shared fixtures: the app on SQLite and on PostgreSQL, clients, factories.

Database tests run once per backend. Each backend's database is created for the run,
migrated once with Alembic (never ``create_all``), and each test runs inside a
transaction that is rolled back, the app's own commits becoming savepoints.

PostgreSQL: with ``RENKE_TEST_POSTGRES`` set (``.ci/run`` sets it) the tests must
connect or fail loudly; without it they use 127.0.0.1:5432 when it answers and are
skipped with a clear message when it does not.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import generate_password_hash

from surveyapp import create_app
from surveyapp.assessments.setup import create_assessment
from surveyapp.db import make_engine, upgrade, utcnow
from surveyapp.models import Assessment, CollectionLink, County, School, User

POSTGRES_ENV = "RENKE_TEST_POSTGRES"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_SECRET = "test-secret-key-for-the-suite-only"
PUBLIC_URL = "https://renke.example.cn"


def postgres_admin_url() -> tuple[str, bool]:
    """The server to create test databases on, and whether it is required."""
    configured = os.environ.get(POSTGRES_ENV)
    if configured:
        url = configured if configured.startswith("postgresql") else DEFAULT_POSTGRES
        return url.replace("postgresql://", "postgresql+psycopg://", 1), True
    return DEFAULT_POSTGRES, False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped at the end whatever happens."""
    admin_url, required = postgres_admin_url()
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the server
        admin.dispose()
        message = f"PostgreSQL not reachable at {make_url(admin_url).render_as_string(hide_password=True)}: {error}"
        if required:
            pytest.fail(
                f"{message} ({POSTGRES_ENV} is set, so PostgreSQL tests must run)", pytrace=False
            )
        pytest.skip(f"{message} — PostgreSQL tests skipped; set {POSTGRES_ENV} to require them")
    name = f"renke_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'renke.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(migrated_engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    connection = migrated_engine.connect()
    transaction = connection.begin()
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "RENKE_PUBLIC_URL": PUBLIC_URL,
        }
    )
    application.extensions["renke.engine"].dispose()
    application.extensions["renke.sessions"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield application
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of its own on the test's transaction, for arranging and checking data.

    Not the requests' session: no app context is held open, so each request gets its
    own context and session, as in production, and a request's rollback cannot undo
    what the test arranged.
    """
    own = app.extensions["renke.sessions"]()
    try:
        yield own
    finally:
        own.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_county(session: Session) -> Callable[..., County]:
    made = iter(range(1, 10_000))

    def make(name: str | None = None, schools: int = 2) -> County:
        county = County(province="云南省", prefecture="测试州", name=name or f"测试{next(made)}县")
        for number in range(1, schools + 1):
            county.schools.append(
                School(
                    code=f"T{number:04d}",
                    name=f"测试第{number}小学",
                    kind="小学",
                    area="城区" if number % 2 else "乡村",
                    primary_students=400,
                    junior_students=0,
                )
            )
        session.add(county)
        session.flush()
        return county

    return make


@pytest.fixture
def make_assessment(
    session: Session, make_county: Callable[..., County]
) -> Callable[..., Assessment]:
    """A collecting assessment, open since yesterday for two weeks, with its questionnaires."""

    def make(county: County | None = None, state: str = "collecting", **fields: Any) -> Assessment:
        now = utcnow()
        settings: dict[str, Any] = {
            "year": now.year,
            "stage": "county",
            "title": "测试评估",
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=14),
            "min_duration_s": 30,
            "population": 200_000,
            "population_urban": 60_000,
            "population_town": 50_000,
            "population_rural": 90_000,
            "population_source": "测试",
        }
        settings.update(fields)
        assessment = create_assessment(session, county=county or make_county(), **settings)
        if state in ("collecting", "closed"):
            assessment.open()
        if state == "closed":
            assessment.close(now)
        session.flush()
        return assessment

    return make


@pytest.fixture
def make_link(
    session: Session, make_assessment: Callable[..., Assessment]
) -> Callable[..., CollectionLink]:
    def make(
        assessment: Assessment | None = None,
        instrument: str = "social",
        preset_group: str | None = None,
        school: School | None = None,
        **fields: Any,
    ) -> CollectionLink:
        link = CollectionLink(
            assessment=assessment or make_assessment(),
            instrument=instrument,
            preset_group=preset_group,
            school=school,
            label=fields.pop("label", "测试链接"),
            **fields,
        )
        session.add(link)
        session.flush()
        return link

    return make


@pytest.fixture
def make_user(session: Session, make_county: Callable[..., County]) -> Callable[..., User]:
    def make(
        username: str = "evaluator",
        role: str = "evaluator",
        county: County | None = None,
        password: str = "correct horse",
    ) -> User:
        if role == "evaluator" and county is None:
            county = make_county(name=f"{username}县")
        # A cheap hash keeps the suite fast; production uses werkzeug's default (scrypt).
        user = User(
            username=username,
            role=role,
            county=county,
            password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000"),
        )
        session.add(user)
        session.flush()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], None]:
    def sign_in(user: User, password: str = "correct horse") -> None:
        client.get("/login")
        with client.session_transaction() as state:
            token = state.get("csrf")
        response = client.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    return sign_in


#: Valid responses per group of :func:`unmet_assessment`: 350 of the 699 its plan needs,
#: 家长 a third of them, no 政协委员.
UNMET_COUNTS = {"家长": 120, "学生": 100, "教师": 60, "校长": 20, "人大代表": 20, "其他群众": 30}


@pytest.fixture
def unmet_assessment(session: Session, make_county: Callable[..., County]) -> Assessment:
    """A county whose sample does NOT meet its plan (SPEC §2.5 sample check), for any test.

    常住人口 466,000 (N = 699) and 350 synthetic responses, all valid: too few, 家长 at
    34.3% (under 50%), and no 政协委员.
    """
    import random

    from surveyapp.assessments.setup import create_default_links
    from surveyapp.demo import add_synthetic_responses

    now = utcnow()
    assessment = create_assessment(
        session,
        county=make_county(name="未达标县", schools=4),
        year=now.year,
        stage="county",
        title="样本未达计划的评估",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=10),
        min_duration_s=0,
        population=466_000,
        population_urban=0,
        population_town=206_000,
        population_rural=260_000,
        population_source="测试",
    )
    assessment.open()
    session.flush()
    create_default_links(session, assessment)
    session.flush()
    add_synthetic_responses(session, assessment, UNMET_COUNTS, random.Random(5), invalid=False)
    session.flush()
    return assessment
