"""Concurrent submissions on the embedded SQLite database: none refused, none lost.

Runs against a real database file with the app's own connection pool (not the
fixtures' single rolled-back connection), as gunicorn's threads would.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select, update

from surveyapp import create_app, db
from surveyapp.demo import seed_demo
from surveyapp.models import Assessment, CollectionLink, Response
from tests.service.respondent import KEY, full_answers

THREADS = 8
EACH = 6


def test_parallel_submissions_on_sqlite_are_all_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    # Limits off: this tests storage under concurrency, not the limits.
    app = create_app(
        {
            "SECRET_KEY": "x",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path),
            "RENKE_SUBMIT_RATE_LIMIT": "off",
        }
    )
    db.upgrade(url)
    with app.app_context():
        session = db.session()
        seed_demo(session, responses=False)
        session.execute(update(Assessment).values(min_duration_s=0))
        link = session.scalars(
            select(CollectionLink).where(CollectionLink.preset_group == "其他群众")
        ).one()
        token = link.token
        session.commit()

    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def respondent() -> None:
        client = app.test_client()
        barrier.wait()
        for _ in range(EACH):
            key = KEY.search(client.get(f"/s/{token}").get_data(as_text=True)).group(1)
            body = full_answers("social")
            body.pop("identity")
            status = client.post(f"/s/{token}", data={"key": key, **body}).status_code
            client.delete_cookie("rk_device")  # the next respondent: another phone
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=respondent) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        stored = db.session().scalar(select(func.count()).select_from(Response))
    app.extensions["renke.engine"].dispose()
    assert statuses == [303] * (THREADS * EACH)
    assert stored == THREADS * EACH


def test_parallel_submissions_from_one_device_leave_one_valid(database_url, tmp_path):
    """Eight forms from one phone posted at once: one valid, seven duplicates (both backends)."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    else:
        database_url = _fresh_postgres_copy(database_url)
    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path)}
    )
    try:
        (token,) = demo_tokens(app, database_url)
        clients = []
        keys = []
        for _ in range(THREADS):
            client = app.test_client()
            client.set_cookie("rk_device", "one-family-phone")
            keys.append(KEY.search(client.get(f"/s/{token}").get_data(as_text=True)).group(1))
            clients.append(client)
        barrier = threading.Barrier(THREADS)
        statuses = []

        def post(client, key):
            body = full_answers("social")
            body.pop("identity")
            barrier.wait()
            statuses.append(client.post(f"/s/{token}", data={"key": key, **body}).status_code)

        threads = [
            threading.Thread(target=post, args=pair) for pair in zip(clients, keys, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            valid = db.session().scalars(select(Response.valid)).all()
        assert statuses == [303] * THREADS
        assert sorted(valid) == [False] * (THREADS - 1) + [True]
    finally:
        app.extensions["renke.engine"].dispose()
        if not database_url.startswith("sqlite"):
            _drop_postgres(database_url)


def demo_tokens(app: object, database_url: str) -> list[str]:
    """Migrate, seed the demo without responses and without a minimum time, and return the
    tokens of its 其他群众 links."""
    db.upgrade(database_url)
    with app.app_context():  # type: ignore[attr-defined]
        session = db.session()
        seed_demo(session, responses=False)
        session.execute(update(Assessment).values(min_duration_s=0))
        tokens = list(
            session.scalars(
                select(CollectionLink.token).where(CollectionLink.preset_group == "其他群众")
            )
        )
        session.commit()
    return tokens


def _fresh_postgres_copy(url: str) -> str:
    import secrets as random_names

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"renke_race_{random_names.token_hex(4)}"
    admin = create_engine(make_url(url).set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


SMOKE_PHONES = 20
SMOKE_EACH = 3


def test_smoke_load_twenty_phones_with_limits_on_lose_nothing(database_url, tmp_path):
    """The smoke load of ``make test`` (issue 15; the full load is ``make bench-load``).

    Twenty phones at once, each three respondents in turn (a new device each: page, then
    submit with the key and the device cookie), over the demo's links, with the submit
    limits ON and keyed as in production; only the address tier is raised, since every
    test client shares one address (SPEC §6). Every submission is acknowledged and
    stored once: zero loss, no refusal, no error.
    """
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    else:
        database_url = _fresh_postgres_copy(database_url)
    app = create_app(
        {
            "SECRET_KEY": "x",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "RENKE_ADDRESS_RATE_LIMIT": "1000000/minute",
        }
    )
    try:
        tokens = demo_tokens(app, database_url)
        statuses: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(SMOKE_PHONES)

        def phones(number: int) -> None:
            barrier.wait()
            for turn in range(SMOKE_EACH):
                client = app.test_client()  # a new phone: no cookie yet
                token = tokens[(number * SMOKE_EACH + turn) % len(tokens)]
                page = client.get(f"/s/{token}").get_data(as_text=True)
                body = full_answers("social")
                body.pop("identity")
                status = client.post(
                    f"/s/{token}", data={"key": KEY.search(page).group(1), **body}
                ).status_code
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=phones, args=(n,)) for n in range(SMOKE_PHONES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with app.app_context():
            stored = db.session().scalar(select(func.count()).select_from(Response))
        assert statuses == [303] * (SMOKE_PHONES * SMOKE_EACH)
        assert stored == SMOKE_PHONES * SMOKE_EACH
    finally:
        app.extensions["renke.engine"].dispose()
        if not database_url.startswith("sqlite"):
            _drop_postgres(database_url)
