"""Integrity rules: each fires on its injected pattern and spares honest ones (SPEC §2.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.approval import analyze_responses
from analysis.integrity import (
    BURST_FLOOR,
    COLUMNS,
    RULES,
    approval_json,
    approval_with_and_without,
    find_signals,
    table_from_responses,
)
from analysis.responses import read_responses
from analysis.schemes import load_scheme

TOP = "|".join(["满意"] * 8)
LABELS = ["满意", "比较满意", "一般", "不满意"]
DAY = pd.Timestamp("2026-11-03 00:00", tz="Asia/Shanghai")


class Table:
    """A responses table built row by row, with honest defaults."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows: list[dict[str, object]] = []

    def sheet(self, all_top: float = 0.5) -> str:
        if self.rng.random() < all_top:
            return TOP
        return "|".join(self.rng.choice(LABELS, size=8, p=[0.4, 0.35, 0.2, 0.05]))

    def add(self, at: pd.Timestamp, link: str = "L1", **fields: object) -> None:
        number = len(self.rows) + 1
        pattern = fields.pop("pattern", None) or self.sheet()
        labels = str(pattern).split("|")
        row = {
            "response_id": f"R{number:05d}",
            "link": link,
            "device": f"D{number:05d}",
            "submitted_at": at,
            "duration_s": float(self.rng.lognormal(np.log(140), 0.4)) + 30,
            "school": "S01",
            "group": "家长",
            "mode": "自填",
            "valid": True,
            "late": False,
            "pattern": pattern,
            "weight": 1.0,
            "score_sum": float(sum(label in ("满意", "比较满意") for label in labels)),
            "score_count": float(len(labels)),
        }
        row.update(fields)
        self.rows.append(row)

    def honest_background(self, days: int = 10, per_day: int = 40) -> None:
        """Arrivals over ``days`` days in the daytime, on four links, all-满意 at 50 %."""
        for day in range(days):
            for _ in range(per_day):
                hour = float(self.rng.uniform(8, 22))
                at = DAY + pd.Timedelta(days=day, hours=hour)
                self.add(at, link=f"L{int(self.rng.integers(1, 5))}")

    def class_group(self, link: str, message: pd.Timestamp, parents: int = 60) -> None:
        """A teacher's message: parents answer over the next hour (honest)."""
        delays = np.minimum(self.rng.lognormal(np.log(12 * 60), 0.8, parents), 3600)
        for delay in np.sort(delays):
            self.add(message + pd.Timedelta(seconds=float(delay) + 120), link=link)

    def frame(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows, columns=list(COLUMNS))
        table["submitted_at"] = pd.to_datetime(table["submitted_at"], utc=True)
        table["duration_s"] = table["duration_s"].astype(float)
        return table

    def ids(self, start: int) -> set[str]:
        return {str(row["response_id"]) for row in self.rows[start:]}


def rules_of(result, rule: str) -> set[str]:
    return {f.response_id for f in result.flagged if rule in f.rules}


@pytest.fixture
def honest() -> Table:
    table = Table()
    table.honest_background()
    for day, link in ((1, "L1"), (3, "L2"), (5, "L1"), (7, "L3")):
        table.class_group(link, DAY + pd.Timedelta(days=day, hours=19, minutes=30))
    return table


def test_honest_collection_is_not_flagged(honest):
    frame = honest.frame()
    assert (frame["pattern"] == TOP).mean() == pytest.approx(0.5, abs=0.08)  # all-满意 ~50 %
    result = find_signals(frame, enrolment={"S01": 5000})
    assert result.flagged == ()
    assert result.incidents == ()
    assert result.checked == len(frame)


def test_burst_at_a_script_pace_is_flagged(honest):
    start = len(honest.rows)
    at = DAY + pd.Timedelta(days=4, hours=10)
    for k in range(30):
        honest.add(at + pd.Timedelta(seconds=2 * k), link="L2")
    result = find_signals(honest.frame())
    assert rules_of(result, "burst") == honest.ids(start)
    figure = next(f for f in result.flagged if "burst" in f.rules).flags[0].figure
    assert "1 分钟内最多 30 份" in figure and f"阈值 {BURST_FLOOR} 份" in figure


def test_new_devices_spread_over_links_are_flagged(honest):
    start = len(honest.rows)
    at = DAY + pd.Timedelta(days=4, hours=10)
    for k in range(40):
        honest.add(at + pd.Timedelta(seconds=1.5 * k), link=f"X{k % 10}")
    result = find_signals(honest.frame())
    assert rules_of(result, "new_devices") == honest.ids(start)
    assert rules_of(result, "burst") == set()  # four per link: no single link bursts


def test_a_repeated_device_is_not_new(honest):
    at = DAY + pd.Timedelta(days=4, hours=10)
    for k in range(40):
        honest.add(at + pd.Timedelta(seconds=1.5 * k), link=f"X{k % 10}", device="D00001")
    assert rules_of(find_signals(honest.frame()), "new_devices") == set()


def test_one_answer_sheet_copied_on_one_link_is_flagged(honest):
    start = len(honest.rows)
    sheet = "|".join(["比较满意", "一般", "满意", "比较满意", "一般", "满意", "满意", "一般"])
    at = DAY + pd.Timedelta(days=2, hours=14)
    for k in range(25):
        honest.add(at + pd.Timedelta(minutes=1.8 * k), link="L3", pattern=sheet)
    result = find_signals(honest.frame())
    assert rules_of(result, "pattern") == honest.ids(start)
    assert "答案完全相同" in result.flagged[0].flags[0].figure


def test_all_top_answers_at_their_honest_share_are_not_flagged():
    table = Table(3)
    table.honest_background(days=4)
    for day in range(4):  # class groups where 55 % answer all-满意: above the county, honest
        table.class_group("L1", DAY + pd.Timedelta(days=day, hours=20), parents=60)
    for row in table.rows[-240:]:
        if table.rng.random() < 0.1:
            row["pattern"] = TOP
    assert find_signals(table.frame()).flagged == ()


def test_times_piled_at_the_minimum_are_flagged(honest):
    start = len(honest.rows)
    at = DAY + pd.Timedelta(days=6, hours=9)
    for k in range(25):
        honest.add(at + pd.Timedelta(minutes=2 * k), link="L4", duration_s=31.0 + k % 5)
    result = find_signals(honest.frame(), min_duration_s=30)
    assert rules_of(result, "min_duration") == honest.ids(start)


def test_bulk_night_arrivals_are_flagged(honest):
    start = len(honest.rows)
    at = DAY + pd.Timedelta(days=6, hours=2)  # 02:00 Beijing time
    for k in range(25):
        honest.add(at + pd.Timedelta(minutes=2.2 * k), link="L2")
    result = find_signals(honest.frame(), timezone="Asia/Shanghai")
    assert rules_of(result, "night") == honest.ids(start)
    # the same arrivals at 10:00 Beijing time are not night arrivals
    later = honest.frame()
    later.loc[start:, "submitted_at"] += pd.Timedelta(hours=8)
    assert rules_of(find_signals(later), "night") == set()


def test_more_parents_than_pupils_is_flagged_and_unknown_enrolment_is_said():
    table = Table()
    for k in range(30):
        table.add(DAY + pd.Timedelta(hours=9, minutes=17 * k), link="L7", school="S07")
    table.add(DAY + pd.Timedelta(hours=9), link="L8", school="S08")
    result = find_signals(table.frame(), enrolment={"S07": 20, "S08": 0})
    assert len(rules_of(result, "enrolment")) == 30
    assert "超过在校生 20 人" in result.flagged[0].flags[0].figure
    assert any("S08" in note for note in result.notes)
    skipped = find_signals(table.frame(), enrolment=None)
    assert rules_of(skipped, "enrolment") == set()
    assert skipped.notes == ("没有学校在校生数，未检查“超过学校可提供的人数”",)


def test_late_submissions_are_flagged_and_straight_lining_alone_is_not():
    table = Table()
    for k in range(8):
        table.add(DAY + pd.Timedelta(hours=10, minutes=40 * k), pattern=TOP, late=k < 3)
    result = find_signals(table.frame())
    assert {f.response_id for f in result.flagged} == {"R00001", "R00002", "R00003"}
    assert all(f.rules == ("late",) for f in result.flagged)


def test_invalid_and_paper_responses_are_left_to_their_own_rules(honest):
    at = DAY + pd.Timedelta(days=4, hours=10)
    for k in range(30):  # a clerk entering paper forms works fast; that is no burst
        honest.add(at + pd.Timedelta(seconds=2 * k), link="L2", mode="纸质")
    for k in range(30):  # already invalid: nothing to review
        honest.add(at + pd.Timedelta(seconds=2 * k), link="L3", valid=False)
    assert find_signals(honest.frame()).flagged == ()


def test_incidents_group_flags_per_link_and_time(honest):
    sheet = "|".join(["不满意"] * 8)
    for hours in (10, 15):  # two bursts five hours apart on one link
        at = DAY + pd.Timedelta(days=4, hours=hours)
        for k in range(20):
            honest.add(at + pd.Timedelta(seconds=2 * k), link="L2", pattern=sheet)
    result = find_signals(honest.frame())
    assert [(i.link, i.count) for i in result.incidents] == [("L2", 20), ("L2", 20)]
    assert result.incidents[0].rules == ("burst", "new_devices", "pattern")
    assert result.incidents[0].end - result.incidents[0].start == pd.Timedelta(seconds=38)
    numbers = {f.incident for f in result.flagged}
    assert numbers == {i.number for i in result.incidents}


def test_rules_are_named_once():
    assert list(RULES) == [
        "burst",
        "new_devices",
        "pattern",
        "min_duration",
        "night",
        "enrolment",
        "late",
        "interviewer_pace",
    ]


def test_the_approval_with_and_without_the_flagged(honest):
    start = len(honest.rows)
    sheet = "|".join(["不满意"] * 8)
    at = DAY + pd.Timedelta(days=4, hours=10)
    for k in range(40):
        honest.add(at + pd.Timedelta(seconds=2 * k), link="L2", pattern=sheet)
    frame = honest.frame()
    result = find_signals(frame)
    assert result.flagged_ids == honest.ids(start)
    pair = approval_with_and_without(frame, result.flagged_ids, plan_shares={"家长": 1.0})
    assert pair.all.pooled is not None and pair.unflagged.pooled is not None
    honest_share = (
        frame.loc[: start - 1, "score_sum"].sum() / frame.loc[: start - 1, "score_count"].sum()
    )
    assert pair.unflagged.pooled.overall.approval == pytest.approx(honest_share, rel=1e-12)
    assert pair.all.pooled.overall.approval < pair.unflagged.pooled.overall.approval
    assert pair.unflagged.pooled.overall.n == start
    assert pair.all.planned is not None
    assert pair.all.planned.overall.approval == pytest.approx(pair.all.pooled.overall.approval)
    body = approval_json(pair.unflagged)
    assert set(body) == {"pooled", "planned", "groups"}
    assert body["groups"]["家长"]["n"] == start
    assert (
        approval_json(approval_with_and_without(frame, frozenset(), plan_shares=None).all)[
            "planned"
        ]
        is None
    )


CSV_HEADER = "response_id,group,school,mode,link,device,submitted_at,duration_s,valid,q1,q2,q3\n"


def test_the_file_route_reads_link_device_and_time_and_matches_analyze():
    lines = [CSV_HEADER]
    for k in range(30):  # a burst on link 7, in Beijing time as the export writes it
        stamp = (DAY + pd.Timedelta(hours=10, seconds=2 * k)).isoformat()
        lines.append(f"R{k},家长,S1,自填,7,D{k:04d},{stamp},45,1,不满意,不满意,一般\n")
    for k in range(30, 60):
        stamp = (DAY + pd.Timedelta(days=k % 5, hours=9 + k % 11)).isoformat()
        lines.append(f"R{k},家长,S1,自填,8,D{k:04d},{stamp},140,1,满意,满意,比较满意\n")
    data = "".join(lines).encode("utf-8")
    responses = read_responses(data)
    table = table_from_responses(responses, load_scheme("top2"))
    assert table.loc[0, "link"] == "7" and table.loc[0, "device"] == "D0000"
    assert table.loc[0, "submitted_at"] == pd.Timestamp("2026-11-03 02:00", tz="UTC")
    result = find_signals(table)
    assert rules_of(result, "burst") == {f"R{k}" for k in range(30)}
    pair = approval_with_and_without(table, frozenset())
    assert pair.all.pooled is not None
    assert pair.all.pooled.overall.approval == pytest.approx(
        analyze_responses(data).overall.approval, rel=1e-12
    )


def test_times_without_an_offset_are_local():
    data = (CSV_HEADER + "R1,家长,S1,自填,7,D1,2026-11-03 02:00:00,45,1,满意,满意,满意\n").encode()
    table = table_from_responses(read_responses(data), load_scheme("top2"))
    assert table.loc[0, "submitted_at"] == pd.Timestamp("2026-11-02 18:00", tz="UTC")


def test_a_table_without_the_columns_is_refused():
    with pytest.raises(ValueError, match="link"):
        find_signals(pd.DataFrame({"response_id": ["R1"]}))
