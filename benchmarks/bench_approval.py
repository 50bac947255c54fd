"""Benchmark: 社会认可度 on 1,000,000 respondents × 10 items (issues #2, #15).

    .venv/bin/python benchmarks/bench_approval.py [--rows N] [--runs 5] [--no-r]

Generates ``benchmarks/data/responses_1m.csv`` once (seeded; git-ignored), then measures

- ``renke analyze FILE --format json`` end to end, as a user runs it, in a fresh process
  each time: the median over ``--runs`` of the wall time and of the CPU time (user +
  system, all threads), and the peak resident memory;
- reading the file (``read_responses``) and the estimator alone (``analyze_responses`` on
  the already-read table), in this process;
- where ``Rscript`` is installed, the same estimate with R's survey package on the same
  file (read, score, ``svydesign`` + ``svyratio``; and ``svyratio`` alone), side by side
  with the ratio, its runs interleaved with Renke's so that both see the same load; both
  in the default design of SPEC §4, clustered by school (R:
  ``svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~w)``).

The machine is shared: the load average (1 minute) is printed before and after.

Goals (issue 15): estimator < 1 s, end to end ≤ 2 s on 1M (0.5 s on 100k), ≥ 10× faster
than R end to end, peak memory < 1.5 GB. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT))

GOAL_ESTIMATOR_S = 1.0
GOAL_END_TO_END_S = {1_000_000: 2.0, 100_000: 0.5}  # issue 15; 5 s in issue 2
GOAL_RATIO_TO_R = 10.0
GOAL_MEMORY_MB = 1536.0

GROUP_SHARES = {
    "学生": 0.08,
    "家长": 0.5,
    "教师": 0.08,
    "校长": 0.04,
    "人大代表": 0.04,
    "政协委员": 0.04,
    "其他群众": 0.22,
}
LABELS = np.array(["满意", "比较满意", "一般", "不满意", "不了解", ""])


def generate(path: Path, rows: int, seed: int = 2024) -> None:
    """A SPEC §3 responses file: 10 items, 300 schools, weights, ~6% invalid rows."""
    rng = np.random.default_rng(seed)
    groups = np.array(list(GROUP_SHARES))
    group = rng.choice(len(groups), size=rows, p=list(GROUP_SHARES.values()))
    tilt = rng.normal(0.0, 0.6, size=rows)  # a respondent's leaning, so answers correlate
    columns: dict[str, pa.Array] = {
        "response_id": pa.array(np.char.add("R", np.arange(rows).astype(str))),
        "group": pa.array(groups[group]),
        "school": pa.array(np.char.add("S", rng.integers(1000, 1300, size=rows).astype(str))),
        "area": pa.array(np.array(["县城", "乡镇政府所在地", "农村"])[rng.integers(0, 3, rows)]),
        "grade": pa.array(rng.integers(1, 10, size=rows).astype(str)),
        "instrument": pa.array(np.where(group == 0, "学生卷", "社会卷")),
        "mode": pa.array(
            np.array(["自填", "代填", "纸质"])[rng.choice(3, rows, p=[0.9, 0.07, 0.03])]
        ),
        "submitted_at": pa.array(np.full(rows, "2024-10-12T09:30:00+08:00")),
        "duration_s": pa.array(rng.integers(20, 600, size=rows).astype(str)),
    }
    valid = rng.random(rows) >= 0.06
    columns["valid"] = pa.array(np.where(valid, "1", "0"))
    columns["invalid_reason"] = pa.array(np.where(valid, "", "用时过短"))
    columns["weight"] = pa.array(np.array(["1", "0.8", "1.25", "2"])[rng.integers(0, 4, rows)])
    base = np.array([0.45, 0.3, 0.15, 0.04, 0.04, 0.02])
    for item in range(1, 11):
        shift = np.clip(tilt * 0.2, -0.25, 0.25)
        u = rng.random(rows)
        # move mass between 满意 and 一般/不满意 with the respondent's tilt
        cut = np.cumsum(base)
        code = np.searchsorted(cut, np.clip(u - shift * (u < 0.9), 0, 0.999999))
        columns[f"q{item}"] = pa.array(LABELS[code])
    DATA.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table(columns), path)


def children_cpu() -> float:
    """CPU seconds (user + system, all threads) of the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def renke_command() -> list[str]:
    """``renke`` as installed beside this Python (the console script a user runs)."""
    script = Path(sys.executable).with_name("renke")
    return [str(script)] if script.exists() else [sys.executable, "-m", "renke"]


def measure_end_to_end(path: Path) -> tuple[float, float, float, dict[str, object]]:
    """Wall time, CPU time and peak RSS (MB) of ``renke analyze FILE --format json``."""
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK_KB %M", *renke_command(), "analyze", str(path)]
        + ["--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    used = children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"renke analyze failed ({done.returncode}):\n{done.stderr}")
    peak = float(done.stderr.split("PEAK_KB ")[-1].split()[0]) / 1024
    return elapsed, used, peak, json.loads(done.stdout)


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "certainty")
file <- commandArgs(TRUE)[1]
t0 <- proc.time()[["elapsed"]]
if (requireNamespace("data.table", quietly = TRUE)) {
  d <- as.data.frame(data.table::fread(file, colClasses = "character", na.strings = NULL,
                                       encoding = "UTF-8"))
  reader <- "data.table::fread"
} else {
  d <- read.csv(file, colClasses = "character", na.strings = character(0),
                fileEncoding = "UTF-8")
  reader <- "read.csv"
}
items <- grep("^q[0-9]+", names(d), value = TRUE)
scores <- c("满意" = 1, "比较满意" = 1, "一般" = 0, "不满意" = 0)
a <- numeric(nrow(d)); b <- numeric(nrow(d))
for (q in items) { s <- scores[d[[q]]]; a <- a + ifelse(is.na(s), 0, s); b <- b + !is.na(s) }
d$a <- a; d$b <- b
d$w <- ifelse(d$weight == "", 1, as.numeric(d$weight))
d$school <- trimws(d$school)
d$cl <- ifelse(d$school == "", paste0("row:", seq_len(nrow(d))), d$school)
d$st <- ifelse(d$school == "", d$group, "校")
d <- d[d$valid %in% c("", "1") & d$b > 0, c("group", "cl", "st", "a", "b", "w")]
t1 <- proc.time()[["elapsed"]]
# SPEC §4, the default design: a school is one cluster across groups
design <- svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~w, data = d)
r <- svyratio(~a, ~b, design)
t2 <- proc.time()[["elapsed"]]
cat(sprintf("R_RESULT %.17g %.17g %.3f %.3f %s\n", coef(r), SE(r), t2 - t0, t2 - t1, reader))
"""


def measure_r(path: Path) -> tuple[float, float, float, float, float, float, str] | None:
    """R survey on the same file: (p, se, total s, estimator s, wall s, CPU s, reader)."""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False, encoding="utf-8") as handle:
        handle.write(R_SCRIPT)
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        ["Rscript", handle.name, str(path)], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    used = children_cpu() - cpu
    Path(handle.name).unlink()
    line = next((x for x in done.stdout.splitlines() if x.startswith("R_RESULT")), None)
    if line is None:
        print(f"R failed:\n{done.stderr[-2000:]}")
        return None
    _, p, se, total, estimator, reader = line.split()
    return float(p), float(se), float(total), float(estimator), wall, used, reader


def compile_bytecode() -> str:
    """Our modules' bytecode, as a user's installation holds it.

    ``pip install .`` compiles it; with ``pip install -e .`` the first run writes it,
    unless ``PYTHONDONTWRITEBYTECODE`` is set (as on the benchmark machines), and then
    every run compiles ``analysis`` and ``renke`` from source again: 0.04–0.09 s that no
    user's second run pays.
    """
    for package in ("analysis", "renke"):
        compileall.compile_dir(ROOT / package, quiet=1)
    setting = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return f"compiled (PYTHONDONTWRITEBYTECODE={setting or 'unset'})"


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = parser.parse_args()
    path = DATA / ("responses_1m.csv" if args.rows == 1_000_000 else f"responses_{args.rows}.csv")
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    size_mb = path.stat().st_size / 2**20
    print(f"file: {path.relative_to(ROOT)} ({args.rows:,} rows × 10 items, {size_mb:.0f} MB)")
    with_r = not args.no_r and shutil.which("Rscript") is not None
    print(f"bytecode of analysis/ and renke/: {compile_bytecode()}")
    print(f"load average (1, 5, 15 min) before: {load_average()}")

    renke_runs: list[tuple[float, float, float]] = []
    r_runs: list[tuple[float, float, float, float, float, float, str]] = []
    output: dict[str, object] = {}
    path.read_bytes()  # the file in the page cache for the first run as for the others
    for _ in range(args.runs):
        wall, cpu, peak, output = measure_end_to_end(path)
        renke_runs.append((wall, cpu, peak))
        if with_r and (found := measure_r(path)) is not None:
            r_runs.append(found)
    print(f"load average (1, 5, 15 min) after : {load_average()}")
    end_to_end = statistics.median(run[0] for run in renke_runs)
    renke_cpu = statistics.median(run[1] for run in renke_runs)
    peak_mb = max(run[2] for run in renke_runs)

    from analysis.approval import analyze_responses
    from analysis.responses import read_responses

    start = time.perf_counter()
    responses = read_responses(path)
    read_s = time.perf_counter() - start
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        report = analyze_responses(responses)
        timings.append(time.perf_counter() - start)
    estimator_s = min(timings)
    start = time.perf_counter()
    simple = analyze_responses(responses, cluster="none")
    simple_s = time.perf_counter() - start
    assert output["overall"]["approval"] == report.overall.approval  # type: ignore[index]
    assert report.overall.se is not None and report.overall.deff is not None

    goal = GOAL_END_TO_END_S.get(args.rows)
    print(
        f"approval {report.overall.approval:.6f}, SE {report.overall.se:.3g} (school), "
        f"{simple.overall.se:.3g} (none), deff {report.overall.deff:.3f}"
    )
    runs = ", ".join(f"{wall:.2f}/{cpu:.2f}" for wall, cpu, _ in renke_runs)
    print(f"renke analyze end to end, median of {len(renke_runs)} (wall/CPU s: {runs})")
    print(f"  wall                   : {end_to_end:6.2f} s   (goal ≤ {goal or '—'} s)")
    print(f"  CPU (user + system)    : {renke_cpu:6.2f} s   (all threads; the machine is shared)")
    print(f"  peak memory            : {peak_mb:6.0f} MB  (goal < {GOAL_MEMORY_MB:g} MB)")
    print(f"read_responses (in process): {read_s:6.2f} s")
    print(f"estimator alone (school) : {estimator_s:6.3f} s   (goal < {GOAL_ESTIMATOR_S:g} s)")
    print(f"estimator, --cluster none: {simple_s:6.3f} s")
    missed = []
    if estimator_s >= GOAL_ESTIMATOR_S:
        missed.append("estimator")
    if goal is not None and end_to_end > goal:
        missed.append("end to end")
    if peak_mb >= GOAL_MEMORY_MB:
        missed.append("memory")

    if not r_runs:
        print("R survey                 : not measured (no Rscript or --no-r)")
    else:
        p, se, total, estimator, _, _, reader = r_runs[-1]
        r_wall = statistics.median(run[4] for run in r_runs)
        r_cpu = statistics.median(run[5] for run in r_runs)
        r_estimator = statistics.median(run[3] for run in r_runs)
        print(f"R survey ({reader}), same file, median of {len(r_runs)}, runs interleaved:")
        print(
            f"  end to end (Rscript)   : {r_wall:6.2f} s   ratio R / Renke {r_wall / end_to_end:5.1f}×"
        )
        print(
            f"  CPU (user + system)    : {r_cpu:6.2f} s   ratio R / Renke {r_cpu / renke_cpu:5.1f}×"
        )
        print(f"  read + score + svyratio: {total:6.2f} s")
        print(
            f"  svydesign + svyratio   : {r_estimator:6.2f} s   "
            f"ratio R / Renke {r_estimator / estimator_s:5.1f}×"
        )
        agree = abs(p - report.overall.approval) < 1e-10 and abs(se - report.overall.se) < 1e-10
        print(f"  same estimate          : {'yes' if agree else 'NO'} (R p {p:.12f}, SE {se:.6g})")
        if not agree:
            missed.append("agreement with R")
        if r_wall < GOAL_RATIO_TO_R * end_to_end:
            missed.append(f"{GOAL_RATIO_TO_R:g}× faster than R")
    if missed:
        print("goals missed: " + ", ".join(missed))
        return 1
    print("all goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
