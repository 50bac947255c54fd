"""Benchmark: the respondent's path under load, through gunicorn (issue #4's hot path).

    .venv/bin/python benchmarks/bench_respondent.py [--clients 20] [--submissions 2000]
                                                     [--database sqlite|postgresql|both]

Starts `renke serve` (gthread workers) on a fresh database with the demo links, then
runs CLIENTS threads, each a respondent loop: GET the form (gzip), POST the answers with
the form's key. Reports submissions per second, p50/p95/max latency of GET and POST,
errors, and checks that every submission was stored exactly once. Loopback only,
bounded in count and time.

Goals (a county's peak is a few submissions per second, when a school posts the link
to its parents' groups): ≥ 50 submissions/s, POST p95 < 500 ms, no error, none lost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENKE = [sys.executable, "-m", "renke"]
KEY = re.compile(rb'name="key" value="([^"]+)"')
ANSWERS = {
    "identity": "其他群众",
    "area": "县城（市区）",
    "resident": "是",
    **{f"q{n}": "满意" for n in range(1, 9)},
}
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Load:
    def __init__(self, port: int, path: str, submissions: int) -> None:
        self.port, self.path = port, path
        self.remaining = submissions
        self.lock = threading.Lock()
        self.gets: list[float] = []
        self.posts: list[float] = []
        self.errors: list[str] = []

    def take(self) -> bool:
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True

    def respondent(self, deadline: float) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < deadline and self.take():
            try:
                started = time.perf_counter()
                connection.request("GET", self.path, headers={"Accept-Encoding": "gzip"})
                page = connection.getresponse()
                body = page.read()
                got = time.perf_counter()
                if page.status != 200:
                    raise RuntimeError(f"GET {page.status}")
                import gzip

                match = KEY.search(
                    gzip.decompress(body) if page.getheader("Content-Encoding") == "gzip" else body
                )
                if not match:
                    raise RuntimeError("no key in the form")
                form = urllib.parse.urlencode({"key": match.group(1).decode(), **ANSWERS})
                connection.request(
                    "POST",
                    self.path,
                    body=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                answer = connection.getresponse()
                answer.read()
                posted = time.perf_counter()
                if answer.status != 303:
                    raise RuntimeError(f"POST {answer.status}")
                with self.lock:
                    self.gets.append(got - started)
                    self.posts.append(posted - got)
            except Exception as error:  # a benchmark reports failures, it does not stop
                with self.lock:
                    self.errors.append(str(error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.close()


def run(database: str, clients: int, submissions: int, workers: int) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="renke-bench-"))
    port = free_port()
    env = dict(
        os.environ,
        RENKE_INSTANCE=str(folder),
        SECRET_KEY="bench",
        RENKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        RENKE_SUBMIT_RATE_LIMIT="off",
    )
    created = None
    if database == "postgresql":
        import psycopg

        created = f"renke_bench_{secrets.token_hex(4)}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{created}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'renke.sqlite3'}"
    server = None
    try:
        for args in (["db", "upgrade"], ["demo", "--no-responses"]):
            subprocess.run(RENKE + args, env=env, cwd=ROOT, check=True, capture_output=True)
        links = subprocess.run(
            RENKE + ["links", "1", "--format", "json"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        import json

        url = next(
            row["url"]
            for row in json.loads(links)
            if row["instrument"] == "social" and row["group"] == "其他群众"
        )
        server = subprocess.Popen(
            RENKE + ["serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(port)
        load = Load(port, urllib.parse.urlsplit(url).path, submissions)
        started = time.perf_counter()
        threads = [
            threading.Thread(target=load.respondent, args=(time.monotonic() + 120,))
            for _ in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        stored = json.loads(
            subprocess.run(
                RENKE + ["assessments", "--format", "json"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )[0]["responses"]
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if created:
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    done = len(load.posts)
    rate = done / elapsed
    post_p95 = percentile(load.posts, 0.95) * 1000 if done else float("inf")
    print(f"{database}: {clients} clients, {workers} workers × 4 threads")
    print(f"  submissions      : {done} in {elapsed:.1f} s = {rate:.0f}/s   (goal ≥ 50/s)")
    if done:
        print(
            f"  GET  p50 / p95 / max : {percentile(load.gets, 0.5) * 1000:.0f} / "
            f"{percentile(load.gets, 0.95) * 1000:.0f} / {max(load.gets) * 1000:.0f} ms"
        )
        print(
            f"  POST p50 / p95 / max : {percentile(load.posts, 0.5) * 1000:.0f} / "
            f"{post_p95:.0f} / {max(load.posts) * 1000:.0f} ms   (goal p95 < 500 ms)"
        )
    print(f"  errors           : {len(load.errors)} {load.errors[:3]}")
    print(f"  stored           : {stored} (sent {done})")
    return rate >= 50 and post_p95 < 500 and not load.errors and stored == done


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    options = parser.parse_args()
    databases = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    results = [run(db, options.clients, options.submissions, options.workers) for db in databases]
    print("goals met" if all(results) else "goals missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
