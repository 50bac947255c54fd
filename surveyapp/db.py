"""The database: one engine per app, one session per request, Alembic migrations.

Views get the request's session from :func:`session`; services take it as their first
argument and never commit (the view commits once). Tests replace the session factory
(``app.extensions["renke.sessions"]``) with one bound to a transaction they roll back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, the same on SQLite and PostgreSQL (SPEC §6)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **options: Any) -> Engine:
    # No bound values in error messages: they may hold a link token or an answer.
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, **options)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


#: A pooled connection idle for longer than this is pinged before it is used.
IDLE_PING_S = 10.0


def _note_idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    """Ping a connection that sat idle in the pool, as ``pool_pre_ping`` pings every one.

    A connection cut while idle (the server restarted, a firewall's idle timeout) is
    replaced before the request uses it: raising DisconnectionError in a checkout
    listener makes the pool discard it and take another (SQLAlchemy's pessimistic
    disconnect handling). One in use within the last :data:`IDLE_PING_S` seconds is not
    pinged: a ping on every checkout cost 0.6 ms of the 4.8 ms a respondent (page and
    submit) costs on PostgreSQL (issue 15). If the server went away in those seconds, the
    request's first statement fails, SQLAlchemy invalidates the pool, and the client
    gets the 503 retry page, a respondent's answers kept in it (surveyapp.errors).
    """

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises, the connection is unusable
            raise DisconnectionError() from error

    return ping_if_idle


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    connection.isolation_level = None
    # WAL lets the respondents' writes and the evaluators' reads proceed together;
    # the busy timeout makes concurrent gunicorn workers wait instead of failing.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A request that writes takes SQLite's write lock when its transaction begins. A
    # deferred transaction that reads first and writes later cannot wait for the lock
    # (SQLITE_BUSY at once, the busy timeout notwithstanding) when another writer
    # committed in between; an immediate one waits its turn. Reads stay deferred, and
    # WAL lets them run beside the writer. A request that marked its first transaction
    # as reads only (:func:`reads_first`) begins it deferred.
    writes = has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}
    if writes and g.pop(READS_FIRST, False):
        writes = False
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


READS_FIRST = "db_reads_first"


def reads_first() -> None:
    """This POST's first transaction only reads: on SQLite it takes no write lock.

    The respondent's submit reads the link and checks the key, the limits and the
    answers before it stores anything; holding SQLite's one write lock through those
    (a Redis round trip among them) would serialise every worker's submits for longer
    than the write needs. The view ends the reads with :func:`end_reads` before it
    writes; the write's transaction then begins IMMEDIATE as any POST's.
    """
    g.setdefault(READS_FIRST, True)


def end_reads(db_session: Session) -> None:
    """End the reads begun after :func:`reads_first`; the next statement writes.

    On SQLite the read transaction is committed (the loaded objects stay loaded:
    sessions do not expire on commit), so the next one begins IMMEDIATE and the checks
    that must see the latest rows (a duplicate device) run under the write lock. On
    PostgreSQL, which has no such lock, the one transaction simply continues.
    """
    g.pop(READS_FIRST, None)
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.commit()


def init_app(app: Flask) -> None:
    from surveyapp.config import private_file

    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        # SQLite gives its -wal and -shm files the database file's mode.
        private_file(Path(url.removeprefix("sqlite:///")))
    engine = make_engine(url)
    app.extensions["renke.engine"] = engine
    app.extensions["renke.sessions"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["renke.sessions"]()
    db_session: Session = g.db_session
    return db_session


def _close_session(_error: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def migrations_path() -> Path:
    """`migrations/` in a checkout, or shipped inside the package when installed."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "migrations", here / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("migrations/ not found beside surveyapp")


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (Alembic)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def refresh_statistics(engine: Engine, table: str) -> None:
    """After a bulk load, what autovacuum would do within a minute, done at once.

    PostgreSQL: ``VACUUM ANALYZE`` (the planner's statistics, and the visibility map that
    lets the assessment page read its covering index alone); SQLite: ``ANALYZE``.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            connection.exec_driver_sql(f"ANALYZE {table}")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def one_of(column: str, values: tuple[str, ...] | list[str]) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values``."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"
