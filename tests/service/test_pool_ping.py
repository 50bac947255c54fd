"""PostgreSQL connections idle in the pool are pinged before use; busy ones are not.

``surveyapp.db`` replaces ``pool_pre_ping`` (a round trip on every checkout, 0.6 ms of a
respondent's 4.8 ms, issue 15) by a ping of connections idle for ``IDLE_PING_S``: a
connection cut while idle is replaced before any statement of the request runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, event, text

from surveyapp import db


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = db.make_engine(postgres_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(postgres_url: str, pid: int) -> None:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def _age_pool(engine: Engine, seconds: float) -> None:
    """Make the pooled connection look idle for ``seconds`` more than it has been."""
    pool = engine.pool
    record = pool._pool.queue[0]  # type: ignore[attr-defined]  # QueuePool's idle records
    record.info["idle_since"] -= seconds


def test_a_connection_cut_while_idle_is_replaced_before_the_request_uses_it(
    engine: Engine, postgres_url: str
) -> None:
    first = _backend_pid(engine)
    _terminate(postgres_url, first)
    _age_pool(engine, db.IDLE_PING_S + 1)
    second = _backend_pid(engine)  # no error: the ping found it dead, the pool reconnected
    assert second != first


def test_a_connection_in_use_within_the_idle_time_is_not_pinged(engine: Engine) -> None:
    _backend_pid(engine)  # one connection, now in the pool
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    pings: list[object] = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
    _backend_pid(engine)
    assert pings == []
    _age_pool(engine, db.IDLE_PING_S + 1)
    _backend_pid(engine)
    assert len(pings) == 1
    assert statements == ["SELECT pg_backend_pid()"] * 2  # the ping is not the request's
