"""Benchmark of the evaluator's pages with 100,000 responses stored (issue #11).

Goals: the assessment page renders in under 300 ms (median of 20) with exactly 100,000
responses in the demo assessment (as `renke demo --responses 100000` leaves it), and the
links page with 200 links under 300 ms. SQLite in a temporary folder; PostgreSQL too when
RENKE_TEST_POSTGRES names a server (a fresh database is made there and dropped).

    .venv/bin/python benchmarks/bench_evaluator_pages.py      (or: make bench)

RENKE_BENCH_RESPONSES changes N (for a quick look; the goal is judged at 100,000).
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from surveyapp import create_app, db  # noqa: E402
from surveyapp.demo import DEMO_USER, seed_demo, set_demo_responses  # noqa: E402
from surveyapp.models import CollectionLink, User  # noqa: E402

RESPONSES = int(os.environ.get("RENKE_BENCH_RESPONSES", "100000"))
LINKS = 200
GOAL = 0.3


def arrange(app: object) -> int:
    with app.app_context():  # type: ignore[attr-defined]
        session = db.session()
        assessment = seed_demo(session, responses=False)
        set_demo_responses(session, assessment, RESPONSES, random.Random(2026), lambda _: None)
        have = session.query(CollectionLink).filter_by(assessment_id=assessment.id).count()
        for number in range(have, LINKS):
            session.add(
                CollectionLink(assessment=assessment, instrument="social", label=f"基准{number}")
            )
        session.commit()
        db.refresh_statistics(session.get_bind(), "response")  # as `renke demo --responses` does
        return assessment.id


def median_ms(client: object, path: str) -> tuple[float, float]:
    """Median wall and median CPU time of this process (ms) over 20 requests. On SQLite the
    process does all the work, so its CPU time is the page's cost whatever else loads the
    machine; on PostgreSQL the server's share is not in it."""
    assert client.get(path).status_code == 200  # type: ignore[attr-defined]  # warm up
    times, cpu = [], []
    for _ in range(20):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def measure(url: str, folder: str) -> tuple[tuple[float, float], tuple[float, float]]:
    app = create_app(
        {
            "SECRET_KEY": "bench-evaluator-secret-0123456789",
            "DATABASE_URL": url,
            "INSTANCE_PATH": folder,
        }
    )
    db.upgrade(url)
    assessment_id = arrange(app)
    logging.getLogger("renke.request").disabled = True
    client = app.test_client()
    with app.app_context():
        user = db.session().query(User).filter_by(username=DEMO_USER).one()
        user_id, version = user.id, user.session_version
    with client.session_transaction() as state:
        state["user_id"], state["version"] = user_id, version
    return median_ms(client, f"/a/{assessment_id}"), median_ms(client, f"/a/{assessment_id}/links")


def main() -> int:
    load = os.getloadavg()[0]  # the machine's other work, for reading the wall times
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(f"sqlite:///{folder}/renke.sqlite3", folder)
        server = os.environ.get("RENKE_TEST_POSTGRES")
        if server:
            name = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            try:
                results["PostgreSQL"] = measure(server.rsplit("/", 1)[0] + f"/{name}", folder)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
                admin.dispose()
    ok = True
    print(f"load average at the start: {load:.1f}, at the end: {os.getloadavg()[0]:.1f}")
    for engine, ((page, page_cpu), (links, links_cpu)) in results.items():
        print(
            f"{engine}: assessment page with {RESPONSES} responses median {page:.0f} ms "
            f"(CPU {page_cpu:.0f} ms) of 20; links page with {LINKS} links {links:.0f} ms "
            f"(CPU {links_cpu:.0f} ms) (goal < {GOAL * 1000:.0f} ms each)"
        )
        ok = ok and page < GOAL * 1000 and links < GOAL * 1000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
