"""The submit limits in Redis (issue 15): one script takes every tier, as memory does.

A redis-server on a random loopback port is started for these tests; without one
installed they are skipped, saying so.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from surveyapp import limits

pytestmark = pytest.mark.filterwarnings("error")

SETTINGS = {
    "RENKE_SUBMIT_RATE_LIMIT": "2/minute",
    "RENKE_LINK_RATE_LIMIT": "3/minute",
    "RENKE_COUNTY_LINK_RATE_LIMIT": "3/minute",
    "RENKE_ADDRESS_RATE_LIMIT": "100/minute",
}
# phone A twice (both taken), A again (its device tier is full: refused, counted nowhere),
# B (the link's third: taken, since A's refused post did not count), C (the link is full)
POSTS = ["a", "a", "a", "b", "c"]
EXPECTED = [None, None, "refused", None, "refused"]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed: the limits in Redis are not tested")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _outcomes(app: Flask, link, storage_url: str | None) -> list[str | None]:
    app.config.update(SETTINGS, REDIS_URL=storage_url)
    limits.init_app(app)
    submit = app.extensions[limits.EXTENSION]
    assert (submit.take_all is not None) == (storage_url is not None)
    seen: list[str | None] = []
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.5"}):
        for phone in POSTS:
            retry = submit.retry_after(link, f"device-{phone}")
            assert retry is None or 1 <= retry <= 60
            seen.append(None if retry is None else "refused")
    return seen


def _keys(redis_url: str) -> str:
    return " ".join(key.decode() for key in redis.Redis.from_url(redis_url).keys("*"))


def test_redis_takes_every_tier_or_none_as_memory_does(app, make_assessment, make_link, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    assessment = make_assessment()
    link = make_link(assessment, instrument="student", school=assessment.county.schools[0])
    assert _outcomes(app, link, None) == EXPECTED
    assert _outcomes(app, link, redis_url) == EXPECTED
    held = _keys(redis_url)
    assert "/link/" in held and "/county_link/" not in held and "submit" in held


def test_county_level_links_and_hashed_keys_in_redis(app, make_link, redis_url):
    """A county-level link (no school) is counted in its own tier; no raw address or cookie."""
    redis.Redis.from_url(redis_url).flushdb()
    link = make_link(instrument="social")
    assert _outcomes(app, link, redis_url) == EXPECTED
    held = _keys(redis_url)
    assert "/county_link/" in held and "/link/" not in held
    assert "203.0.113.5" not in held and "device-a" not in held


def test_a_refusal_in_redis_reads_its_reset_from_the_window(app, make_link, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    link = make_link(instrument="student")
    app.config.update(SETTINGS, REDIS_URL=redis_url)
    limits.init_app(app)
    submit = app.extensions[limits.EXTENSION]
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.6"}):
        assert submit.retry_after(link, "one") is None
        assert submit.retry_after(link, "one") is None
        retry = submit.retry_after(link, "one")
    assert retry is not None and 55 <= retry <= 60  # the window of a minute, just begun
