"""Run every benchmark (`benchmarks/bench_*.py`), each in its own process.

`make bench` calls this; `make test` does not. Each benchmark prints its own figures
and goals; a benchmark that misses a goal exits non-zero, and so does this runner.
Pass names to run some: `python benchmarks/run.py approval verdict`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = []
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode:
            failed.append(script.stem)
    if failed:
        print("goals missed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
