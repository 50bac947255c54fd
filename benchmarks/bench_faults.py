"""Benchmark: nothing acknowledged is lost under faults (issue 10).

    .venv/bin/python benchmarks/bench_faults.py [--seconds 30] [--clients 8]
                                                [--fault kill|cut|all]

Starts `renke serve` on a fresh database (loopback only, a random port, bounded in
time) and runs CLIENTS respondent threads against one link while a fault is injected:

- ``kill``: one gunicorn worker SIGKILLed every few seconds, then the whole server
  stopped and started again mid-load (SQLite and PostgreSQL);
- ``cut``: every database connection cut every few seconds by a TCP proxy between the
  app and PostgreSQL (the shared server itself is never touched; the run uses its own
  scratch database, dropped at the end).

A respondent acts as a person would: on a retry page (503) it taps "再次提交", which
posts the hidden answers the page carries; on a dropped connection it taps submit
again. Reported per fault: acknowledged (303 received), stored (rows in the database),
retry pages (and whether each carried every answer), traces (5xx other than 503, or a
traceback in a body). Goal: stored == acknowledged, no trace, every retry page whole.
The short version runs in `make test` (tests/service/test_faults.py).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENKE = [sys.executable, "-m", "renke"]
KEY = re.compile(rb'name="key" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
RADIO = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')
DEVICE = re.compile(r"rk_device=([^;]+)")
POSTGRES = os.environ.get("RENKE_FAULTS_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------- the respondents


@dataclass
class Tally:
    acknowledged: int = 0
    retry_pages: int = 0
    retry_pages_whole: int = 0
    dropped: int = 0
    traces: list[str] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Respondents:
    """CLIENTS threads submitting through one link until stopped, retrying as people do."""

    def __init__(self, port: int, path: str, clients: int) -> None:
        self.port, self.path, self.clients = port, path, clients
        self.tally = Tally()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, grace: float = 60.0) -> Tally:
        self.stop.set()
        for thread in self.threads:
            thread.join(grace)
        return self.tally

    def _request(
        self, method: str, body: str | None = None, device: str | None = None
    ) -> tuple[int, bytes, str | None]:
        """One request; the device cookie sent, and the one the server set (a phone's)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            headers = {"Accept-Encoding": "gzip"}
            if device is not None:
                headers["Cookie"] = f"rk_device={device}"
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            if answer.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            cookie = DEVICE.search(answer.getheader("Set-Cookie") or "")
            return answer.status, data, cookie.group(1) if cookie else device
        finally:
            connection.close()

    def _run(self) -> None:
        """Each round a new phone: it keeps the cookie the form set, as WeChat does."""
        while not self.stop.is_set():
            with suppress(OSError, http.client.HTTPException):
                status, page, device = self._request("GET")
                match = KEY.search(page) if status == 200 else None
                if match:
                    answers = dict(RADIO.findall(page.decode("utf-8", "replace"))[::-1])
                    self._submit({"key": match.group(1).decode(), **answers}, device)
                    continue
            time.sleep(0.2)

    def _submit(self, form: dict[str, str], device: str | None) -> None:
        """Until acknowledged (or a minute after the stop): a person tapping again."""
        body = urllib.parse.urlencode(form)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, page, device = self._request("POST", body, device)
            except (OSError, http.client.HTTPException):
                with self.tally.lock:
                    self.tally.dropped += 1
                time.sleep(0.3)
                continue
            if self._count(status, page, form):
                return
            time.sleep(0.3)

    def _count(self, status: int, page: bytes, form: dict[str, str]) -> bool:
        text = page.decode("utf-8", "replace")
        with self.tally.lock:
            if "Traceback" in text or (status >= 500 and status != 503):
                self.tally.traces.append(f"{status}: {text[:120]}")
                return False
            if status == 303:
                self.tally.acknowledged += 1
                return True
            if status == 503:
                self.tally.retry_pages += 1
                kept = dict(HIDDEN.findall(text))
                self.tally.retry_pages_whole += kept == form
                return False
            self.tally.refused.append(status)
            return status in (409, 422, 429)  # a refusal, answered: not an acknowledgement


# ------------------------------------------------------------------- the server


@dataclass
class Site:
    folder: Path
    env: dict[str, str]
    port: int
    path: str = ""
    scratch: str | None = None


def prepare(site: Site) -> str:
    """Migrate, seed the demo links (as `renke db upgrade` and `renke demo` do), in this
    process to save the interpreter start-ups; the path of the 其他群众 social link."""
    from sqlalchemy import select

    from surveyapp import create_app, db
    from surveyapp.demo import seed_demo
    from surveyapp.models import CollectionLink

    db.upgrade(db_url(site))
    app = create_app(
        {
            "INSTANCE_PATH": str(site.folder),
            "DATABASE_URL": site.env["DATABASE_URL"],
            "SECRET_KEY": site.env["SECRET_KEY"],
        }
    )
    with app.app_context():
        session = db.session()
        seed_demo(session, responses=False)
        session.commit()
        token = session.scalars(
            select(CollectionLink.token).where(
                CollectionLink.instrument == "social", CollectionLink.preset_group == "其他群众"
            )
        ).first()
    app.extensions["renke.engine"].dispose()
    return f"/s/{token}"


def db_url(site: Site) -> str:
    from surveyapp.config import normalise_database_url

    return normalise_database_url(site.env["DATABASE_URL"])


@contextmanager
def fresh_site(database: str, database_port: int | None = None) -> Iterator[Site]:
    """A scratch instance folder and database with the demo links; removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="renke-faults-"))
    port = free_port()
    env = dict(
        os.environ,
        RENKE_INSTANCE=str(folder),
        SECRET_KEY=secrets.token_urlsafe(32),
        RENKE_ENV="development",
        RENKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        RENKE_SUBMIT_RATE_LIMIT="off",
    )
    site = Site(folder, env, port)
    if database == "postgresql":
        import psycopg

        site.scratch = f"renke_faults_{secrets.token_hex(4)}"
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{site.scratch}"')
        env["DATABASE_URL"] = _with_database(POSTGRES, site.scratch)
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'renke.sqlite3'}"
    try:
        site.path = prepare(site)
        if database_port is not None:  # the app reaches PostgreSQL through the proxy
            env["DATABASE_URL"] = _with_database(
                POSTGRES.replace(":5432/", f":{database_port}/"), site.scratch or ""
            )
        yield site
    finally:
        if site.scratch:
            import psycopg

            with psycopg.connect(POSTGRES, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{site.scratch}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


class Server:
    """`renke serve` as its own process group; stopped by its own pid only."""

    def __init__(self, site: Site, workers: int = 2) -> None:
        self.site, self.workers = site, workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = site.folder / "server.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                RENKE + ["serve", "--port", str(self.site.port), "--workers", str(self.workers)],
                env=self.site.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self._wait_until_up()

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def workers_pids(self) -> list[int]:
        assert self.process is not None
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in found.split()]

    def kill_one_worker(self) -> bool:
        pids = self.workers_pids()
        if not pids:
            return False
        with suppress(ProcessLookupError):
            os.kill(pids[0], signal.SIGKILL)
        return True

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=2)
            with suppress(OSError, http.client.HTTPException):
                connection.request("GET", "/healthz")
                answer = connection.getresponse()
                answer.read()
                if answer.status == 200:
                    connection.close()
                    return
            connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"server did not start; see {self.log}")


def stored_responses(site: Site) -> int:
    from sqlalchemy import func, select

    from surveyapp.db import make_engine
    from surveyapp.models import Response

    engine = make_engine(db_url(site))
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(Response))
    engine.dispose()
    return int(stored or 0)


# ------------------------------------------------------------------- the proxy


class CuttingProxy:
    """A TCP proxy to PostgreSQL whose every connection can be cut at once."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.cuts = 0
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update({client, upstream})
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for end in (source, target):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        with self.lock:
            self.sockets.difference_update({source, target})

    def cut(self) -> None:
        with self.lock:
            ends = list(self.sockets)
            self.cuts += 1
        for end in ends:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.running = False
        self.listener.close()
        self.cut()


# ------------------------------------------------------------------- the faults


@dataclass
class Result:
    fault: str
    database: str
    seconds: float
    injected: int
    tally: Tally
    stored: int

    @property
    def ok(self) -> bool:
        whole = self.tally.retry_pages_whole == self.tally.retry_pages
        return self.stored == self.tally.acknowledged and not self.tally.traces and whole

    def line(self) -> str:
        t = self.tally
        return (
            f"{self.fault:<12} {self.database:<10} {self.seconds:>4.0f} s  faults {self.injected:>3}  "
            f"acknowledged {t.acknowledged:>5}  stored {self.stored:>5}  "
            f"retry pages {t.retry_pages:>3} (answers kept {t.retry_pages_whole})  "
            f"dropped {t.dropped:>3}  traces {len(t.traces)}"
        )


def kill_workers(database: str, seconds: float, clients: int, every: float = 3.0) -> Result:
    """SIGKILL a worker every few seconds for the first two thirds, then restart."""
    with fresh_site(database) as site:
        server = Server(site)
        server.start()
        load = Respondents(site.port, site.path, clients)
        load.start()
        injected, started = 0, time.monotonic()
        try:
            while time.monotonic() - started < seconds * 2 / 3:
                time.sleep(every)
                injected += server.kill_one_worker()
            server.stop()  # the whole server down, clients retrying, then up again
            injected += 1
            time.sleep(1.0)
            server.start()
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))
            tally = load.finish()
        finally:
            load.stop.set()
            server.stop()
        return Result("kill+restart", database, seconds, injected, tally, stored_responses(site))


def cut_connections(seconds: float, clients: int, every: float = 2.0) -> Result:
    proxy = CuttingProxy()
    try:
        with fresh_site("postgresql", database_port=proxy.port) as site:
            server = Server(site)
            server.start()
            load = Respondents(site.port, site.path, clients)
            load.start()
            started = time.monotonic()
            try:
                while time.monotonic() - started < seconds:
                    time.sleep(every)
                    proxy.cut()
                tally = load.finish()
            finally:
                load.stop.set()
                server.stop()
            site.env["DATABASE_URL"] = _with_database(POSTGRES, site.scratch or "")
            return Result(
                "db-cut", "postgresql", seconds, proxy.cuts, tally, stored_responses(site)
            )
    finally:
        proxy.close()


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES, connect_timeout=3):
            return True
    except Exception:  # any failure to reach it: the PostgreSQL faults are skipped
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fault", choices=["kill", "cut", "all"], default="all")
    options = parser.parse_args()
    databases = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    results = []
    if options.fault in ("kill", "all"):
        for database in databases:
            results.append(kill_workers(database, options.seconds, options.clients))
            print(results[-1].line(), flush=True)
    if options.fault in ("cut", "all") and "postgresql" in databases:
        results.append(cut_connections(options.seconds, options.clients))
        print(results[-1].line(), flush=True)
    for result in results:
        for trace in result.tally.traces[:3]:
            print(f"  trace ({result.fault}, {result.database}): {trace}")
    ok = all(result.ok for result in results)
    print(
        "goals met"
        if ok
        else "goals missed: stored != acknowledged, a trace, or a retry page lost answers"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
