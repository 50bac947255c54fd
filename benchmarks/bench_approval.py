"""Benchmark: 社会认可度 on 1,000,000 respondents × 10 items (issue #2).

    .venv/bin/python benchmarks/bench_approval.py [--rows N] [--no-r]

Generates ``benchmarks/data/responses_1m.csv`` once (seeded; git-ignored), then measures

- ``renke analyze FILE --format json`` end to end, in a fresh process (wall time and peak
  resident memory of that process);
- reading the file (``read_responses``) and the estimator alone (``analyze_responses`` on
  the already-read table), in this process;
- where ``Rscript`` is installed, the same estimate with R's survey package on the same
  file (read, score, ``svydesign`` + ``svyratio``; and ``svyratio`` alone), side by side
  with the ratio; both in the default design of SPEC §4, clustered by school (R:
  ``svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~w)``).

Goals: estimator < 1 s, end to end < 2 s (issue 15), peak memory < 1.5 GB, faster than R. Exits 1
when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
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
GOAL_END_TO_END_S = 2.0  # issue 15; 5 s in issue 2
RENKE_CPU = R_CPU = 0.0
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


def measure_end_to_end(path: Path) -> tuple[float, float, dict[str, object]]:
    """Wall time and peak RSS (MB) of ``renke analyze`` in a fresh process."""
    probe = (
        "import resource, sys, runpy\n"
        "sys.argv = ['renke', 'analyze', sys.argv[1], '--format', 'json']\n"
        "from renke.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "    print(f'PEAK_MB {peak:.1f}', file=sys.stderr)\n"
    )
    global RENKE_CPU
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)], cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    RENKE_CPU = children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"renke analyze failed ({done.returncode}):\n{done.stderr}")
    peak = float(done.stderr.split("PEAK_MB ")[-1].split()[0])
    return elapsed, peak, json.loads(done.stdout)


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


def measure_r(path: Path) -> tuple[float, float, float, float, float, str] | None:
    """R survey on the same file: (p, se, total s, estimator s, wall s, reader), or None."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False, encoding="utf-8") as handle:
        handle.write(R_SCRIPT)
    global R_CPU
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        ["Rscript", handle.name, str(path)], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    R_CPU = children_cpu() - cpu
    Path(handle.name).unlink()
    line = next((x for x in done.stdout.splitlines() if x.startswith("R_RESULT")), None)
    if line is None:
        print(f"R failed:\n{done.stderr[-2000:]}")
        return None
    _, p, se, total, estimator, reader = line.split()
    return float(p), float(se), float(total), float(estimator), wall, reader


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = parser.parse_args()
    path = DATA / ("responses_1m.csv" if args.rows == 1_000_000 else f"responses_{args.rows}.csv")
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    size_mb = path.stat().st_size / 2**20
    print(f"file: {path.relative_to(ROOT)} ({args.rows:,} rows × 10 items, {size_mb:.0f} MB)")

    end_to_end, peak_mb, output = measure_end_to_end(path)

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

    print(
        f"approval {report.overall.approval:.6f}, SE {report.overall.se:.3g} (school), "
        f"{simple.overall.se:.3g} (none), deff {report.overall.deff:.3f}"
    )
    print(f"renke analyze end to end : {end_to_end:6.2f} s   (goal < {GOAL_END_TO_END_S:g} s)")
    print(f"  CPU (user + system)    : {RENKE_CPU:6.2f} s   (all threads; the machine is shared)")
    print(f"  peak memory            : {peak_mb:6.0f} MB  (goal < {GOAL_MEMORY_MB:g} MB)")
    print(f"read_responses           : {read_s:6.2f} s")
    print(f"estimator alone (school) : {estimator_s:6.3f} s   (goal < {GOAL_ESTIMATOR_S:g} s)")
    print(f"estimator, --cluster none: {simple_s:6.3f} s")
    missed = []
    if estimator_s >= GOAL_ESTIMATOR_S:
        missed.append("estimator")
    if end_to_end >= GOAL_END_TO_END_S:
        missed.append("end to end")
    if peak_mb >= GOAL_MEMORY_MB:
        missed.append("memory")

    r = None if args.no_r else measure_r(path)
    if r is None:
        print("R survey                 : not measured (no Rscript or --no-r)")
    else:
        p, se, total, estimator, wall, reader = r
        print(f"R survey ({reader}), same file:")
        print(
            f"  end to end (Rscript)   : {wall:6.2f} s   ratio R / Renke {wall / end_to_end:5.1f}×"
        )
        print(
            f"  CPU (user + system)    : {R_CPU:6.2f} s   ratio R / Renke {R_CPU / RENKE_CPU:5.1f}×"
        )
        print(f"  read + score + svyratio: {total:6.2f} s")
        print(
            f"  svydesign + svyratio   : {estimator:6.2f} s   ratio R / Renke {estimator / estimator_s:5.1f}×"
        )
        agree = abs(p - report.overall.approval) < 1e-10 and abs(se - report.overall.se) < 1e-10
        print(f"  same estimate          : {'yes' if agree else 'NO'} (R p {p:.12f}, SE {se:.6g})")
        if not agree:
            missed.append("agreement with R")
        if wall <= end_to_end:
            missed.append("faster than R")
    if missed:
        print("goals missed: " + ", ".join(missed))
        return 1
    print("all goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
