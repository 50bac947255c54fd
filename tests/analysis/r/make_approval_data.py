"""Generate the responses files behind the R reference values (run once; output committed).

    .venv/bin/python tests/analysis/r/make_approval_data.py
    Rscript tests/analysis/r/approval_reference.R

The files go to tests/analysis/fixtures/approval/. They are plain SPEC §3 responses
tables; the R script reads them on its own (its own label scoring) and writes
reference.csv, which the tests compare with Renke to 1e-8.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "approval"
LABELS = ["满意", "比较满意", "一般", "不满意", "不了解"]
ENGLISH = ["response_id", "group", "school", "valid", "invalid_reason", "weight"]
CHINESE = ["编号", "群体", "学校代码", "有效", "无效原因", "权重"]


def answers(rng: np.random.Generator, approve: float, items: int, unknown: float) -> list[str]:
    """One respondent's answers: a personal tilt around ``approve`` (answers correlate)."""
    own = float(np.clip(rng.normal(approve, 0.12), 0.02, 0.99))
    row = []
    for _ in range(items):
        u = rng.random()
        if u < unknown:
            row.append("不了解" if rng.random() < 0.7 else "")
        elif rng.random() < own:
            row.append("满意" if rng.random() < 0.6 else "比较满意")
        else:
            row.append("一般" if rng.random() < 0.7 else "不满意")
    return row


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make(
    name: str,
    sizes: dict[str, tuple[int, float]],
    *,
    seed: int,
    items: int = 10,
    unknown: float = 0.08,
    chinese: bool = False,
    weights: list[float] | None = None,
    schools: int = 0,
    no_school: float = 0.0,
    invalid: float = 0.05,
    only_unknown: float = 0.0,
    padded: float = 0.0,
) -> None:
    rng = np.random.default_rng(seed)
    header = (CHINESE if chinese else ENGLISH) + [
        f"q{k + 1} 您对本县教育第{k + 1}方面的评价" if chinese and k == 0 else f"q{k + 1}"
        for k in range(items)
    ]
    rows: list[list[str]] = []
    for group, (size, approve) in sizes.items():
        for _ in range(size):
            rid = f"R{len(rows) + 1:05d}"
            school = ""
            if schools and rng.random() >= no_school:
                school = f"S{int(rng.integers(1, schools + 1)):02d}"
                if padded and rng.random() < padded:
                    school = f" {school} "  # as typed: the code is trimmed
            is_valid = rng.random() >= invalid
            valid = ("是" if is_valid else "否") if chinese else ("1" if is_valid else "0")
            reason = "" if is_valid else str(rng.choice(["用时过短", "重复提交", "非本县居民"]))
            weight = "" if weights is None else f"{float(rng.choice(weights)):g}"
            if rng.random() < only_unknown:
                item_answers = ["不了解"] * items
            else:
                item_answers = answers(rng, approve, items, unknown)
            rows.append([rid, group, school, valid, reason, weight, *item_answers])
    write(name, header, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    seven = {
        "学生": (60, 0.9),
        "家长": (120, 0.85),
        "教师": (40, 0.92),
        "校长": (8, 0.95),
        "人大代表": (6, 0.9),
        "政协委员": (5, 0.8),
        "其他群众": (50, 0.75),
    }
    make("basic.csv", seven, seed=1, only_unknown=0.02)
    make(
        "weighted.csv",
        seven,
        seed=2,
        chinese=True,
        weights=[0, 0.5, 1, 1, 1.5, 2.25, 3.7],
    )
    make(
        "clustered.csv",
        {"学生": (90, 0.88), "家长": (150, 0.84), "教师": (60, 0.9), "校长": (12, 0.93)},
        seed=3,
        weights=[0.8, 1, 1.2, 2.5],
        schools=9,
        no_school=0.1,
    )
    # the default design's fixture: weights with zeros, schools shared by all seven
    # groups, many respondents without a school, codes typed with spaces
    make(
        "schools_weighted.csv",
        seven,
        seed=8,
        chinese=True,
        weights=[0, 0.5, 1, 1, 1.5, 2.25, 3.7],
        schools=14,
        no_school=0.3,
        padded=0.1,
    )
    make(
        "small.csv",
        {
            "学生": (5, 0.8),
            "家长": (5, 0.9),
            "教师": (5, 0.7),
            "校长": (2, 0.9),
            "人大代表": (1, 0.5),
        },
        seed=4,
        items=3,
        invalid=0.0,
    )
    make("one_item.csv", {"家长": (80, 0.85), "学生": (45, 0.9)}, seed=5, items=3, invalid=0.0)
    make("unknown_only.csv", seven, seed=6, items=4, unknown=0.3, only_unknown=0.15)
    # approval near 1: one item, 199 of 200 parents approve, 40 teachers mixed
    rows = [
        [f"N{i:04d}", "家长", "", "1", "", "", "比较满意" if i % 2 else "满意"] for i in range(199)
    ]
    rows.append(["N0199", "家长", "", "1", "", "", "一般"])
    rng = np.random.default_rng(7)
    rows += [
        [
            f"T{i:04d}",
            "教师",
            "",
            "1",
            "",
            "",
            str(rng.choice(LABELS[:4], p=[0.5, 0.3, 0.15, 0.05])),
        ]
        for i in range(40)
    ]
    write("near_one.csv", ENGLISH + ["q1"], rows)


if __name__ == "__main__":
    main()
