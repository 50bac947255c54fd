"""Data-quality signals (SPEC §2.5)."""

from __future__ import annotations

import pytest

from analysis.responses import read_responses
from analysis.signals import quality_signals, straight_lining

HEADER = "group,mode,valid,invalid_reason,duration_s,q1,q2,q3,q4,q5"


def table(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ROWS = [
    "家长,自填,1,,120,满意,满意,满意,满意,满意",  # straight-lining (signal only)
    "家长,自填,1,,100,满意,一般,满意,满意,比较满意",
    "家长,自填,0,用时过短,9,满意,满意,满意,满意,满意",
    "家长,自填,0,重复提交,80,满意,一般,满意,满意,满意",
    "家长,代填,1,,300,一般,一般,一般,一般,",  # 4 answers: too few to count
    "家长,自填,0,非本县居民,60,满意,满意,不满意,满意,满意",
    "家长,自填,1,,30,不了解,不了解,不了解,不了解,不了解",
    "学生,自填,1,,50,满意,满意,满意,满意,满意",
]


def test_signals_per_group_and_mode() -> None:
    responses = read_responses(table(ROWS))
    cells = {(c.group, c.mode): c for c in quality_signals(responses, min_duration_s=40)}
    parents = cells[("家长", "全部")]
    assert (parents.rows, parents.valid) == (7, 4)
    assert parents.too_fast == pytest.approx(2 / 7)  # the 用时过短 row and 30 s < 40 s
    assert parents.duplicate == pytest.approx(1 / 7)
    assert parents.non_resident == pytest.approx(1 / 7)
    # valid rows with ≥ 5 answers: rows 1, 2 and the all-不了解 row; 2 straight
    assert parents.straight_lining == pytest.approx(2 / 3)
    self_filled = cells[("家长", "自填")]
    assert self_filled.rows == 6 and not self_filled.suppressed
    # fewer than 5 rows: counts shown, shares suppressed
    assert cells[("家长", "代填")].suppressed and cells[("家长", "代填")].too_fast is None
    assert cells[("学生", "全部")].straight_lining is None
    assert cells[("全部", "全部")].rows == 8


def test_straight_lining_is_not_invalidity() -> None:
    responses = read_responses(table(ROWS))
    flags = straight_lining(responses)
    assert flags.tolist() == [True, False, True, False, False, False, True, True]
    assert responses.valid[0]  # still valid
