"""Benchmark of the streamed export (issue #13): 10,000 and 100,000 responses.

Goal: `renke export` as CSV and as XLSX each in under 30 s at 100,000 responses, with
peak memory flat as the count grows (the 100k peak close to the 10k peak, not ten
times it). Each export runs in its own process under ``/usr/bin/time -v`` (wall time
and maximum resident set size), against a fresh SQLite database filled by
``renke demo --responses N``.

    .venv/bin/python benchmarks/bench_export.py [N ...]     (default: 10000 100000)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENKE = str(Path(sys.executable).with_name("renke"))
GOAL_S = 30.0


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MiB) of ``renke args`` in its own process."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", RENKE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    hours, minutes, seconds = wall.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), int(rss.group(1)) // 1024


def measure(total: int) -> dict[str, tuple[float, int, int]]:
    with tempfile.TemporaryDirectory() as folder:
        env = os.environ | {
            "RENKE_INSTANCE": folder,
            "DATABASE_URL": f"sqlite:///{folder}/renke.sqlite3",
            "SECRET_KEY": "bench-export-secret-key-0123456789",
            "RENKE_PUBLIC_URL": "https://renke.example.cn",
        }
        run(["db", "upgrade"], env)
        run(["demo", "--responses", str(total)], env)
        results = {}
        for fmt in ("csv", "xlsx"):
            target = Path(folder) / f"out.{fmt}"
            wall, rss = run(["export", "1", "--format", fmt, "-o", str(target)], env)
            results[fmt] = (wall, rss, target.stat().st_size)
        return results


def main(totals: list[int]) -> int:
    failed = False
    for total in totals:
        for fmt, (wall, rss, size) in measure(total).items():
            verdict = "ok" if wall < GOAL_S else "TOO SLOW"
            failed |= wall >= GOAL_S
            print(
                f"{total:>7} responses  {fmt:<4}  {wall:6.1f} s  peak RSS {rss:5d} MiB  "
                f"file {size / 2**20:6.1f} MiB  {verdict}",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main([int(n) for n in sys.argv[1:]] or [10_000, 100_000]))
