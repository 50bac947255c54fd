"""Issue 7's scripted ballot-stuffing attack, re-run against `renke serve` on loopback.

    .venv/bin/python benchmarks/attack_respondent.py [--forms 80] [--hold 31] [--burst 20]

Starts `renke serve` on a random 127.0.0.1 port with a fresh SQLite database holding the
demo links (no responses) and the production limit defaults (memory storage, as
`renke serve` runs without REDIS_URL), then, with curl-like requests (http.client, no
cookie jar), against the county-level 其他群众 link:

1. fetches FORMS forms, holds them HOLD seconds (past the 30 s minimum), posts each all
   不满意;
2. one sequential client posting as fast as it can for BURST seconds (GET, POST, repeat);
3. for the record, the same as 1 by a script that *does* keep each form's cookie — the
   case the deterrence does not stop and the integrity signals must flag.

Prints the HTTP statuses and how many responses were stored, and stored valid, after
each step. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_respondent import (
    DEVICE,
    KEY,
    RENKE,
    ROOT,
    demo_counts,
    demo_links,
    first_options,
    free_port,
    post_form,
    wait_until_up,
)


def fetch(port: int, path: str) -> tuple[str, str | None]:
    """A form's key and the device cookie it was bound to (which a cookieless script drops)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    page = connection.getresponse()
    html = page.read().decode()
    connection.close()
    key = KEY.search(html)
    device = DEVICE.search(page.getheader("Set-Cookie") or "")
    if key is None:
        raise RuntimeError(f"GET {page.status}: no form")
    return key.group(1), device.group(1) if device else None


def stuffed(port: int, path: str) -> dict[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    answers = first_options(connection.getresponse().read().decode())
    connection.close()
    return {name: "不满意" if name.startswith("q") else value for name, value in answers.items()}


def post(port: int, path: str, key: str, answers: dict[str, str], cookie: str | None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    form = urllib.parse.urlencode({"key": key, **answers})
    status = post_form(connection, path, form, cookie).status
    connection.close()
    return status


def held_forms(
    port: int, path: str, forms: int, hold: float, keep_cookie: bool
) -> collections.Counter[int]:
    answers = stuffed(port, path)
    keys = [fetch(port, path) for _ in range(forms)]
    time.sleep(hold)
    return collections.Counter(
        post(port, path, key, answers, device if keep_cookie else None) for key, device in keys
    )


def burst(port: int, path: str, seconds: float) -> collections.Counter[int]:
    answers = stuffed(port, path)
    statuses: collections.Counter[int] = collections.Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        key, _ = fetch(port, path)
        statuses[post(port, path, key, answers, None)] += 1
    return statuses


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=80)
    parser.add_argument("--hold", type=float, default=31)
    parser.add_argument("--burst", type=float, default=20)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="renke-attack-"))
    port = free_port()
    env = dict(
        os.environ,
        RENKE_INSTANCE=str(folder),
        SECRET_KEY="attack-run-secret-key-not-for-production",
        RENKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{folder / 'renke.sqlite3'}",
    )
    for setting in (
        "REDIS_URL",
        "RENKE_SUBMIT_RATE_LIMIT",
        "RENKE_LINK_RATE_LIMIT",
        "RENKE_COUNTY_LINK_RATE_LIMIT",
        "RENKE_ADDRESS_RATE_LIMIT",
    ):
        env.pop(setting, None)
    server = None
    try:
        links = demo_links(env)
        url = next(
            r["url"] for r in links if r["instrument"] == "social" and r["group"] == "其他群众"
        )
        path = urllib.parse.urlsplit(url).path
        server = subprocess.Popen(
            RENKE + ["serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(port)
        steps = [
            (
                f"{options.forms} cookieless forms held {options.hold:.0f} s",
                lambda: held_forms(port, path, options.forms, options.hold, keep_cookie=False),
            ),
            (
                f"sequential cookieless client for {options.burst:.0f} s",
                lambda: burst(port, path, options.burst),
            ),
            (
                f"{options.forms} forms held {options.hold:.0f} s, each cookie kept (not stopped here)",
                lambda: held_forms(port, path, options.forms, options.hold, keep_cookie=True),
            ),
        ]
        before = demo_counts(env)
        for name, step in steps:
            started = time.monotonic()
            statuses = step()
            after = demo_counts(env)
            print(
                f"{name}: {sum(statuses.values())} posts in {time.monotonic() - started:.1f} s, "
                f"statuses {dict(sorted(statuses.items()))}; "
                f"stored {after[0] - before[0]}, stored valid {after[1] - before[1]}"
            )
            before = after
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
