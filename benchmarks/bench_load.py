"""Load benchmark: respondents as phones behave, against `renke serve` and a bare WSGI floor.

    make bench-load
    .venv/bin/python benchmarks/bench_load.py [--database sqlite|postgresql|both]
        [--submissions 1000] [--clients 20] [--workers 2] [--quick]

Each respondent is a new phone: GET the form (gzip), pause, POST the first option of every
question with the form's key and the device cookie the page set; then the next phone.
Built on ``bench_respondent.py`` (its redis, parsing and percentile helpers).

For each database it runs, against ONE server each (``renke serve --workers N``: gunicorn,
gthread × 4, as documented; and ``floor_app.py`` under the same gunicorn settings):

1. throughput: CLIENTS phones without pause, on the floor, on the same two pages in Flask
   (``floor_app:flask_app``: the framework's own share) and on Renke, each after
   ``WARM_UP`` untimed respondents (templates compiled, blank forms rendered, as a server
   that has run a while); server CPU per acknowledged response (utime + stime summed over
   the gunicorn master and its workers, from /proc, before and after: the client shares
   the cores, so wall time would mislead), and the ratios (goal: Renke within 4× of the
   floor);
2. 100 phones pausing 2 s between page and submit, starting spread over one pause as
   phones reached by a poster do: p99 of the submit (goal < 200 ms); and the same 100
   started in one instant (their identical cycles stay in lockstep: a burst), reported;
3. phones without pause at rising concurrency: where the submit's p99 crosses 200 ms.

Limits are ON and keyed as in production (SPEC §6: device, link, county-link tiers at their
defaults, in Redis shared by the workers); only the address tier is raised for the run
(``RENKE_ADDRESS_RATE_LIMIT``), since every client here is 127.0.0.1 — printed with the
figures. Stored == acknowledged is checked (every 303 is one stored row, nothing else).
Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_respondent import (  # noqa: E402
    BENCH_ADDRESS_LIMIT,
    DEVICE,
    KEY,
    POSTGRES_ADMIN,
    RENKE,
    ROOT,
    first_options,
    free_port,
    percentile,
    post_form,
    start_redis,
    wait_until_up,
)

GOAL_RATIO = 4.0
GOAL_P99_MS = 200.0
#: Respondents served by each server before its timed runs.
WARM_UP = 300
TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    family, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in family)


@dataclass
class Result:
    clients: int
    pause_s: float
    staggered: bool = False
    submits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    limited: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0

    def p(self, share: float) -> float:
        return percentile(self.submits, share) * 1000 if self.submits else float("inf")

    def line(self, name: str) -> str:
        done = len(self.submits)
        per = self.cpu / done * 1000 if done else float("inf")
        return (
            f"  {name:<22} {self.clients:>3} phones, pause {self.pause_s:g} s: "
            f"{done} acknowledged in {self.elapsed:.1f} s = {done / self.elapsed:.0f}/s; "
            f"submit p50/p95/p99 {self.p(0.5):.0f}/{self.p(0.95):.0f}/{self.p(0.99):.0f} ms; "
            f"server CPU {per:.2f} ms per response; 429 {self.limited}; "
            f"errors {len(self.errors)} {self.errors[:2]}"
        )


def phone(
    port: int,
    paths: list[str],
    result: Result,
    budget: list[int],
    lock: threading.Lock,
    deadline: float,
) -> None:
    """Phones in turn from one client thread: each a new device, page, pause, submit."""
    if result.staggered:
        # Phones reached by a poster or a group message arrive spread out, not all in
        # one instant: each client starts at a random moment within one pause, so that
        # the pausing run is a steady load. (Started together, 100 identical cycles
        # stay in lockstep and every submit lands in the same burst: reported apart.)
        time.sleep(random.uniform(0.0, result.pause_s))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            path = paths[budget[0] % len(paths)]
        try:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            page = connection.getresponse()
            body = page.read()
            if page.status != 200:
                raise RuntimeError(f"GET {page.status}")
            if page.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            html = body.decode()
            key, device = KEY.search(html), DEVICE.search(page.getheader("Set-Cookie") or "")
            if not key or not device:
                raise RuntimeError("no key or no device cookie with the form")
            if result.pause_s:
                time.sleep(result.pause_s)
                # the server closes an idle keep-alive connection after 2 s (gunicorn's
                # default), as a phone finds after reading: it opens a new one
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            form = urllib.parse.urlencode({"key": key.group(1), **first_options(html)})
            started = time.perf_counter()
            answer = post_form(connection, path, form, device.group(1))
            answer.read()
            took = time.perf_counter() - started
            with lock:
                if answer.status == 303:
                    result.submits.append(took)
                elif answer.status == 429:
                    result.limited += 1
                else:
                    result.errors.append(f"POST {answer.status}")
        except Exception as error:  # a benchmark reports failures, it does not stop
            with lock:
                result.errors.append(str(error)[:80])
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.close()


def drive(
    server: Server, clients: int, submissions: int, pause_s: float, *, staggered: bool = False
) -> Result:
    result = Result(clients, pause_s, staggered)
    budget, lock = [submissions], threading.Lock()
    deadline = time.monotonic() + 180
    threads = [
        threading.Thread(
            target=phone, args=(server.port, server.paths, result, budget, lock, deadline)
        )
        for _ in range(clients)
    ]
    cpu = server_cpu(server.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    result.cpu = server_cpu(server.pid) - cpu
    server.acknowledged += len(result.submits)
    return result


@dataclass
class Server:
    pid: int
    port: int
    paths: list[str]
    stored: object  # () -> int
    acknowledged: int = 0


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"renke_load_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running(command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_up(port)
        yield server.pid
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def renke_env(url: str, folder: Path, port: int, redis_url: str | None) -> dict[str, str]:
    env = dict(
        os.environ,
        RENKE_INSTANCE=str(folder),
        SECRET_KEY="bench",
        DATABASE_URL=url,
        RENKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        RENKE_ADDRESS_RATE_LIMIT=BENCH_ADDRESS_LIMIT,
    )
    for setting in (
        "RENKE_SUBMIT_RATE_LIMIT",
        "RENKE_LINK_RATE_LIMIT",
        "RENKE_COUNTY_LINK_RATE_LIMIT",
        "REDIS_URL",
    ):
        env.pop(setting, None)  # the production defaults
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def renke_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        RENKE + list(args), env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout


def prepare_renke(
    url: str, folder: Path, port: int, redis_url: str | None
) -> tuple[dict[str, str], list[str]]:
    """Migrate and seed the demo (no responses); the environment and the links' paths."""
    env = renke_env(url, folder, port, redis_url)
    renke_cli(env, "db", "upgrade")
    renke_cli(env, "demo", "--no-responses")
    links = json.loads(renke_cli(env, "links", "1", "--format", "json"))
    return env, [urllib.parse.urlsplit(row["url"]).path for row in links]


def stored_of(env: dict[str, str]) -> Callable[[], int]:
    def stored() -> int:
        return int(json.loads(renke_cli(env, "assessments", "--format", "json"))[0]["responses"])

    return stored


def serve_command(port: int, workers: int) -> list[str]:
    return RENKE + ["serve", "--port", str(port), "--workers", str(workers)]


@contextmanager
def renke_server(url: str, folder: Path, workers: int, redis_url: str | None) -> Iterator[Server]:
    port = free_port()
    env, paths = prepare_renke(url, folder, port, redis_url)
    with running(serve_command(port, workers), env, port) as pid:
        yield Server(pid, port, paths, stored_of(env))


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream renke {{
        least_conn;
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://renke;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
}}
"""


def scale_out(options: argparse.Namespace, redis_url: str | None) -> bool:
    """Two `renke serve` on two ports behind nginx, one PostgreSQL, one Redis."""
    folder = Path(tempfile.mkdtemp(prefix="renke-scale-"))
    first, second, port = free_port(), free_port(), free_port()
    print(
        f"\nscale-out: nginx (least_conn) on 127.0.0.1:{port} -> 2 × renke serve "
        f"--workers {options.workers}, one PostgreSQL, one Redis; limits on, production keys, "
        f"address tier raised to {BENCH_ADDRESS_LIMIT} (RENKE_ADDRESS_RATE_LIMIT)"
    )
    try:
        with database("postgresql", folder) as url:
            env, paths = prepare_renke(url, folder, port, redis_url)
            env["RENKE_TRUSTED_PROXIES"] = "1"
            (folder / "nginx.conf").write_text(
                NGINX_CONF.format(folder=folder, first=first, second=second, port=port)
            )
            nginx = ["nginx", "-e", str(folder / "nginx-error.log"), "-p", str(folder)]
            nginx += ["-c", str(folder / "nginx.conf")]
            with (
                running(serve_command(first, options.workers), env, first) as one,
                running(serve_command(second, options.workers), env, second) as two,
                running(nginx, env, port) as proxy,
            ):
                server = Server(proxy, port, paths, stored_of(env))
                drive(server, options.clients, WARM_UP, 0.0)
                before = server_cpu(one) + server_cpu(two)
                result = drive(server, options.clients, options.submissions, 0.0)
                apps = server_cpu(one) + server_cpu(two) - before
                proxy_cpu, result.cpu = result.cpu, apps
                print(result.line("2 apps behind nginx"))
                print(
                    f"  nginx CPU per response: {proxy_cpu / max(1, len(result.submits)) * 1000:.2f} ms"
                )
                stored = server.stored()  # type: ignore[operator]
        print(
            f"  stored {stored} == acknowledged {server.acknowledged}: "
            f"{'yes' if stored == server.acknowledged else 'NO'}"
        )
        return stored == server.acknowledged and not result.errors and not result.limited
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def floor_server(url: str, workers: int, entry: str = "floor_app:app") -> Iterator[Server]:
    port = free_port()
    env = dict(os.environ, FLOOR_DATABASE=url)
    here = str(Path(__file__).resolve().parent)
    sys.path.insert(0, here)
    os.environ["FLOOR_DATABASE"] = url
    import floor_app

    floor_app.URL = url
    floor_app._local.connection = None
    floor_app.create_schema()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        here,
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        "4",
        entry,
    ]
    with running(command, env, port) as pid:
        yield Server(pid, port, ["/s/floor"], floor_app.count)


def crossing(server: Server, steps: list[int], submissions: int) -> tuple[list[Result], int | None]:
    """Submit p99 without pause at rising concurrency; the first that crosses 200 ms."""
    results = []
    for clients in steps:
        result = drive(server, clients, submissions, 0.0)
        results.append(result)
        if result.p(0.99) > GOAL_P99_MS:
            return results, clients
    return results, None


def run(kind: str, options: argparse.Namespace, redis_url: str | None) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="renke-load-"))
    ok = True
    try:
        print(
            f"\n{kind}: renke serve --workers {options.workers} (gunicorn gthread × 4); "
            f"limits on, production keys, storage {'redis' if redis_url else 'memory'}; "
            f"address tier raised to {BENCH_ADDRESS_LIMIT} (RENKE_ADDRESS_RATE_LIMIT) for the run"
        )
        with database(kind, folder) as url:
            with floor_server(url, options.workers) as floor:
                drive(floor, options.clients, WARM_UP, 0.0)
                bare = drive(floor, options.clients, options.submissions, 0.0)
                print(bare.line("floor (bare WSGI)"))
                floor_stored = floor.stored()  # type: ignore[operator]
                ok &= floor_stored == floor.acknowledged and not bare.errors
            with floor_server(url, options.workers, "floor_app:flask_app") as framework:
                drive(framework, options.clients, WARM_UP, 0.0)
                flask_only = drive(framework, options.clients, options.submissions, 0.0)
                print(flask_only.line("Flask, the same row"))
            with renke_server(url, folder, options.workers, redis_url) as server:
                # Each worker compiles its templates, renders each link's blank form once
                # and fills SQLAlchemy's statement cache on its first requests: warmed up
                # as a server that has run for a while (stored, not timed).
                drive(server, options.clients, WARM_UP, 0.0)
                renke = drive(server, options.clients, options.submissions, 0.0)
                print(renke.line("renke"))
                paused = drive(server, 100, options.paused, options.pause, staggered=True)
                print(paused.line("renke, 100 pausing"))
                burst = drive(server, 100, options.paused, options.pause)
                print(burst.line("renke, 100 in lockstep"))
                sweep, crossed = crossing(server, options.steps, options.step_submissions)
                for result in sweep:
                    print(result.line("renke, no pause"))
                stored = server.stored()  # type: ignore[operator]
        ratio = (renke.cpu / len(renke.submits)) / (bare.cpu / len(bare.submits))
        framework_ratio = (flask_only.cpu / len(flask_only.submits)) / (
            bare.cpu / len(bare.submits)
        )
        print(
            f"  server CPU per response, renke / floor: {ratio:.1f}×   (goal ≤ {GOAL_RATIO:g}×; "
            f"Flask alone / floor: {framework_ratio:.1f}×)"
        )
        print(
            f"  p99 submit, 100 phones pausing {options.pause:g} s: {paused.p(0.99):.0f} ms   "
            f"(goal < {GOAL_P99_MS:g} ms; started together, in lockstep: {burst.p(0.99):.0f} ms)"
        )
        print(
            "  p99 crosses 200 ms without pause at: "
            + (f"{crossed} concurrent phones" if crossed else f"not within {options.steps}")
        )
        print(
            f"  stored {stored} == acknowledged {server.acknowledged}: "
            f"{'yes' if stored == server.acknowledged else 'NO'}; "
            f"floor stored {floor_stored} == acknowledged {floor.acknowledged}"
        )
        runs = [renke, paused, burst, *sweep]
        errors = [error for run in runs for error in run.errors]
        limited = sum(run.limited for run in runs)
        ok &= stored == server.acknowledged and not errors and not limited
        ok &= ratio <= GOAL_RATIO and paused.p(0.99) < GOAL_P99_MS
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ok


@contextmanager
def limits_storage() -> Iterator[str | None]:
    """A throw-away Redis for the limits, or None (memory) without redis-server."""
    if not shutil.which("redis-server"):
        yield None
        return
    redis, redis_url = start_redis()
    try:
        yield redis_url
    finally:
        os.killpg(redis.pid, 15)
        redis.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="default: as renke serve")
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--paused", type=int, default=500, help="submissions, pausing run")
    parser.add_argument("--step-submissions", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="small counts, to try it")
    parser.add_argument(
        "--scale-out", action="store_true", help="only: 2 apps behind nginx on PostgreSQL"
    )
    options = parser.parse_args()
    if options.workers is None:
        sys.path.insert(0, str(ROOT))
        from surveyapp.serve import default_workers

        options.workers = default_workers()
    options.steps = [10, 25, 50, 100]
    if options.quick:
        options.submissions, options.paused, options.step_submissions = 200, 200, 100
        options.steps = [10, 50]
    kinds = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    results = []
    for kind in ["postgresql"] if options.scale_out else kinds:
        # A Redis of its own for each run: the link tier's hourly windows are keyed by
        # link id, the same in every run's demo, and would carry one run's counts over.
        with limits_storage() as redis_url:
            if options.scale_out:
                results.append(scale_out(options, redis_url))
            else:
                results.append(run(kind, options, redis_url))
    print("\ngoals met" if all(results) else "\ngoals missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
