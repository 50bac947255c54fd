"""Benchmark: the respondent's path under load, through gunicorn (issue #4's hot path).

    .venv/bin/python benchmarks/bench_respondent.py [--clients 20] [--submissions 2000]
                                                     [--database sqlite|postgresql|both]
                                                     [--storage redis|memory]

Starts `renke serve` (gthread workers) on a fresh database with the demo links, then
runs CLIENTS threads, each a respondent loop: a new phone each time (no cookie), GET
the form (gzip) of the next demo link in turn, POST the first option of every question
with the form's key and the device cookie the page set. Reports submissions per second,
p50/p95/max latency of GET and POST, refusals by the limiter (429), errors, and checks
that every submission was stored exactly once. Loopback only, bounded in count and time.

The submit limits are ON and keyed as in production (SPEC §6): device, link (school and
county-level) and address tiers at their defaults, storage in Redis (a redis-server on a
random loopback port, started and stopped here) shared by the workers; only the
address tier is raised for the run, since every client here is 127.0.0.1. The load is
spread over the demo's 65 links, as a county's peak is spread over its schools' links.

Goals (a county's peak is a few submissions per second, when a school posts the link
to its parents' groups): ≥ 50 submissions/s, POST p95 < 500 ms, no error, none lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RENKE = [sys.executable, "-m", "renke"]
KEY = re.compile(r'name="key" value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')
DEVICE = re.compile(r"rk_device=([^;]+)")
#: Only the address tier is raised for the run: every benchmark client is 127.0.0.1.
BENCH_ADDRESS_LIMIT = "1000000/minute"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def first_options(html: str) -> dict[str, str]:
    """The first option of every question on the form: a complete answer."""
    answers: dict[str, str] = {}
    for name, value in RADIO.findall(html):
        answers.setdefault(name, value)
    return answers


class Load:
    def __init__(self, port: int, paths: list[str], submissions: int) -> None:
        self.port, self.paths = port, paths
        self.remaining = submissions
        self.lock = threading.Lock()
        self.gets: list[float] = []
        self.posts: list[float] = []
        self.errors: list[str] = []
        self.limited = 0

    def take(self) -> str | None:
        with self.lock:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
            return self.paths[self.remaining % len(self.paths)]

    def respondent(self, deadline: float) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < deadline and (path := self.take()):
            try:
                started = time.perf_counter()
                connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
                page = connection.getresponse()
                body = page.read()
                got = time.perf_counter()
                if page.status != 200:
                    raise RuntimeError(f"GET {page.status}")
                import gzip

                html = (
                    gzip.decompress(body) if page.getheader("Content-Encoding") == "gzip" else body
                ).decode()
                match, device = KEY.search(html), DEVICE.search(page.getheader("Set-Cookie") or "")
                if not match or not device:
                    raise RuntimeError("no key or no device cookie with the form")
                form = urllib.parse.urlencode({"key": match.group(1), **first_options(html)})
                answer = post_form(connection, path, form, device.group(1))
                answer.read()
                posted = time.perf_counter()
                if answer.status == 429:
                    with self.lock:
                        self.limited += 1
                    continue
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


def demo_links(env: dict[str, str]) -> list[dict[str, Any]]:
    """Migrate the database of ``env``, seed the demo without responses, and return its
    links as `renke links 1 --format json` lists them."""
    for args in (["db", "upgrade"], ["demo", "--no-responses"]):
        subprocess.run(RENKE + args, env=env, cwd=ROOT, check=True, capture_output=True)
    rows: list[dict[str, Any]] = renke_json(env, "links", "1")
    return rows


def renke_json(env: dict[str, str], *args: str) -> Any:
    """What ``renke ARGS --format json`` prints, parsed."""
    printed = subprocess.run(
        [*RENKE, *args, "--format", "json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(printed)


def demo_link_paths(env: dict[str, str]) -> list[str]:
    """The path of each demo link, after :func:`demo_links`."""
    return [urllib.parse.urlsplit(row["url"]).path for row in demo_links(env)]


def demo_counts(env: dict[str, str]) -> tuple[int, int]:
    """(stored, stored valid) of the demo assessment, as `renke assessments` reports them."""
    row = renke_json(env, "assessments")[0]
    return int(row["responses"] or 0), int(row["valid"] or 0)


def post_form(
    connection: http.client.HTTPConnection, path: str, form: str, device: str | None
) -> http.client.HTTPResponse:
    """POST an urlencoded answer form, with the phone's device cookie when it has one."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if device:
        headers["Cookie"] = f"rk_device={device}"
    connection.request("POST", path, body=form, headers=headers)
    return connection.getresponse()


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A throw-away redis-server on a random loopback port, no persistence."""
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("redis-server did not start")


def run(database: str, clients: int, submissions: int, workers: int, storage: str) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="renke-bench-"))
    port = free_port()
    env = dict(
        os.environ,
        RENKE_INSTANCE=str(folder),
        SECRET_KEY="bench",
        RENKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        RENKE_ADDRESS_RATE_LIMIT=BENCH_ADDRESS_LIMIT,
    )
    for setting in (
        "RENKE_SUBMIT_RATE_LIMIT",
        "RENKE_LINK_RATE_LIMIT",
        "RENKE_COUNTY_LINK_RATE_LIMIT",
    ):
        env.pop(setting, None)  # the production defaults
    redis = None
    if storage == "redis":
        redis, env["REDIS_URL"] = start_redis()
    else:
        env.pop("REDIS_URL", None)
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
        paths = demo_link_paths(env)
        server = subprocess.Popen(
            RENKE + ["serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(port)
        load = Load(port, paths, submissions)
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
        stored, _ = demo_counts(env)
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if redis is not None:
            os.killpg(redis.pid, 15)
            redis.wait(timeout=30)
        if created:
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    done = len(load.posts)
    rate = done / elapsed
    post_p95 = percentile(load.posts, 0.95) * 1000 if done else float("inf")
    print(f"{database}: {clients} clients, {workers} workers × 4 threads, {len(paths)} links")
    print(
        f"  limits           : on, production keys and defaults, storage {storage}; "
        f"address tier raised to {BENCH_ADDRESS_LIMIT} for the run (all clients are 127.0.0.1)"
    )
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
    print(f"  limited (429)    : {load.limited}")
    print(f"  errors           : {len(load.errors)} {load.errors[:3]}")
    print(f"  stored           : {stored} (sent {done})")
    return rate >= 50 and post_p95 < 500 and not load.errors and not load.limited and stored == done


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
    parser.add_argument(
        "--storage",
        choices=["redis", "memory"],
        default="redis" if shutil.which("redis-server") else "memory",
        help="limit storage: redis (shared by workers, as in production) or memory (per worker)",
    )
    options = parser.parse_args()
    databases = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    results = [
        run(db, options.clients, options.submissions, options.workers, options.storage)
        for db in databases
    ]
    print("goals met" if all(results) else "goals missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
