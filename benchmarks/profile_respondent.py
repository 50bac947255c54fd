"""Where the respondent path's CPU goes: page + submit in process, profiled, SQL counted.

    .venv/bin/python benchmarks/profile_respondent.py [--database sqlite|postgresql]
        [--respondents 300] [--profile] [--top 25]

Seeds the demo (no responses) in a fresh database, builds the app as `renke serve` does
(limits on, keyed as in production, the address tier raised as in bench_load.py; Redis
when redis-server is installed, else memory), and runs RESPONDENTS phones through the
Flask test client: each a new device, GET the form (gzip), POST the first option of every
question with the form's key and the device cookie. Reports CPU per respondent (page +
submit, this process), SQL statements per page and per submit (a ``before_cursor_execute``
listener), and with ``--profile`` cProfile's top functions and the time by package.
The test client skips gunicorn and the socket, so this is the app's own share.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import os
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_respondent import (  # noqa: E402
    BENCH_ADDRESS_LIMIT,
    KEY,
    POSTGRES_ADMIN,
    ROOT,
    demo_link_paths,
    first_options,
    start_redis,
)

sys.path.insert(0, str(ROOT))


def package_of(filename: str) -> str:
    """The package a profiled function belongs to, for the time-by-package summary."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if "surveyapp" in parts:
        return "surveyapp." + parts[parts.index("surveyapp") + 1].removesuffix(".py")
    if "analysis" in parts:
        return "analysis"
    if filename.startswith("<"):
        return filename
    return "stdlib:" + Path(filename).stem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--callees", nargs="*", default=[], help="functions whose callees to show")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="renke-profile-"))
    redis = None
    created = None
    try:
        env = dict(
            os.environ,
            RENKE_INSTANCE=str(folder),
            SECRET_KEY="profile-" + secrets.token_hex(16),
            RENKE_PUBLIC_URL="http://127.0.0.1:5000",
            RENKE_ADDRESS_RATE_LIMIT=BENCH_ADDRESS_LIMIT,
        )
        for setting in ("RENKE_SUBMIT_RATE_LIMIT", "RENKE_LINK_RATE_LIMIT", "REDIS_URL"):
            env.pop(setting, None)
        if shutil.which("redis-server"):
            redis, env["REDIS_URL"] = start_redis()
        if options.database == "postgresql":
            import psycopg

            created = f"renke_profile_{secrets.token_hex(4)}"
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{created}"')
            env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{created}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{folder / 'renke.sqlite3'}"
        paths = demo_link_paths(env)
        os.environ.update(env)
        if "REDIS_URL" not in env:
            os.environ.pop("REDIS_URL", None)

        from sqlalchemy import event

        from surveyapp import create_app
        from surveyapp.logs import REQUEST_LOGGER

        app = create_app()
        import logging

        logging.getLogger(REQUEST_LOGGER).handlers.clear()
        logging.getLogger("renke").handlers[0].stream = open(os.devnull, "w")  # type: ignore[attr-defined]  # noqa: SIM115
        statements: dict[str, int] = defaultdict(int)
        phase = ["none"]

        @event.listens_for(app.extensions["renke.engine"], "before_cursor_execute")
        def count(*_args: object) -> None:
            statements[phase[0]] += 1

        app_cpu = [0.0]
        inner = app.wsgi_app

        def timed(environ: Any, start_response: Any) -> Any:
            started = time.thread_time()
            try:
                return list(inner(environ, start_response))
            finally:
                app_cpu[0] += time.thread_time() - started

        app.wsgi_app = timed  # type: ignore[method-assign]

        def respondent(number: int) -> None:
            phone = app.test_client()
            path = paths[number % len(paths)]
            phase[0] = "page"
            page = phone.get(path, headers={"Accept-Encoding": "gzip"})
            assert page.status_code == 200, page.status_code
            html = gzip.decompress(page.get_data()).decode()
            found = KEY.search(html)
            assert found
            phase[0] = "submit"
            answer = phone.post(path, data={"key": found.group(1), **first_options(html)})
            assert answer.status_code == 303, answer.get_data(as_text=True)[:400]

        for number in range(20):  # warm up: compiled statements, templates, connections
            respondent(number)
        statements.clear()
        app_cpu[0] = 0.0
        profiler = cProfile.Profile() if options.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for number in range(options.respondents):
            respondent(number)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = options.respondents
        print(
            f"{options.database}: {n} respondents, CPU {cpu / n * 1000:.2f} ms per respondent "
            f"(page + submit, in process{', profiled' if profiler else ''}; the app's own "
            f"{app_cpu[0] / n * 1000:.2f} ms, the rest is the test client), "
            f"wall {wall / n * 1000:.2f} ms; SQL per page {statements['page'] / n:.1f}, "
            f"per submit {statements['submit'] / n:.1f}"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            by_package: dict[str, float] = defaultdict(float)
            for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
                by_package[package_of(filename)] += row[2]  # tottime
            total = sum(by_package.values())
            print("own time by package:")
            for name, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:20]:
                print(f"  {seconds / total * 100:5.1f}%  {name}")
            stats.sort_stats("cumulative").print_stats(options.top)
            stats.sort_stats("tottime").print_stats(options.top)
            for name in options.callees:
                stats.sort_stats("cumulative").print_callees(name)
    finally:
        if redis is not None:
            os.killpg(redis.pid, 15)
            redis.wait(timeout=30)
        if created:
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
