"""Faults, short: nothing acknowledged is lost, clients get a retry page, never a trace.

The same code as ``benchmarks/bench_faults.py`` (which runs longer, in ``make bench``):
real gunicorn servers on 127.0.0.1, a worker SIGKILLed every 2 s and then the server
restarted (SQLite); every PostgreSQL connection cut by a TCP proxy every 1.5 s, on a
scratch database of its own.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_faults.py"
spec = importlib.util.spec_from_file_location("bench_faults", BENCH)
assert spec and spec.loader
bench_faults = importlib.util.module_from_spec(spec)
sys.modules["bench_faults"] = bench_faults  # dataclasses look their module up there
spec.loader.exec_module(bench_faults)


def _assert_nothing_lost(result) -> None:
    tally = result.tally
    assert result.injected >= 2
    assert tally.acknowledged > 10, "the load ran"
    assert result.stored == tally.acknowledged, result.line()
    assert tally.traces == [], tally.traces[:3]
    assert tally.retry_pages_whole == tally.retry_pages, "every retry page kept every answer"


def test_workers_killed_and_server_restarted_lose_nothing():
    result = bench_faults.kill_workers("sqlite", seconds=6, clients=4, every=2.0)
    _assert_nothing_lost(result)


def test_database_connections_cut_lose_nothing():
    if not bench_faults.postgres_available():
        if os.environ.get("RENKE_TEST_POSTGRES"):
            pytest.fail("PostgreSQL is required (RENKE_TEST_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    result = bench_faults.cut_connections(seconds=6, clients=4, every=1.5)
    _assert_nothing_lost(result)
    assert result.tally.retry_pages > 0, "a cut during a submission gave a retry page"
