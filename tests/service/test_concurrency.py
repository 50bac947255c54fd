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
from tests.service.test_respondent_path import KEY, full_answers

THREADS = 8
EACH = 6


def test_parallel_submissions_on_sqlite_are_all_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
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
