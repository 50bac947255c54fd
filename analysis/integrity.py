"""Integrity signals of a responses table: stuffing and coaching (SPEC §2.5 "Integrity").

Every rule looks for what an honest collection does not produce, and names its figure.
A flag asks an evaluator to look; nothing here invalidates a response. The rules and
their thresholds, with the false-alarm rates measured on simulated organic data
(``benchmarks/bench_integrity.py``), are documented in ``docs/integrity.md``.

Rules (:data:`RULES`), on valid self-filled (自填) responses unless said otherwise:

- ``burst``: on one link, more arrivals within a short window than the link's own rhythm
  allows (its median hourly count over active hours, Poisson tail at ``P_TAIL``), and at
  least a floor no class group reaches (40–60 parents within an hour of a teacher's
  message arrive over tens of minutes, not at a script's pace);
- ``new_devices``: across the county, devices seen for the first time arriving faster
  than the county's own rhythm allows (an attack spread over several links);
- ``pattern``: on one link, one identical answer pattern within an hour far beyond that
  pattern's share in the county (binomial tail; all-满意 at 40–60 % is honest and is
  judged against its own high share);
- ``min_duration``: on one link, answering times piled just above the minimum, beyond
  the county's share of such times (binomial tail);
- ``night``: on one link, arrivals between 00:00 and 06:00 local time bunched beyond what
  the county's night share predicts for that link (Poisson tail);
- ``enrolment``: a school's links receiving more 家长 (or 学生) responses than the school
  has pupils (all modes); skipped, and said so, where the enrolment is unknown;
- ``late``: submitted within the grace period after a link was stopped or the collection
  closed (the optional ``late`` column; all modes);
- ``interviewer_pace``: per interviewer, 代填 responses recorded faster than reading the
  questions aloud allows — the answering time or the gap since the interviewer's previous
  one under ``read_aloud_s`` — at least ``PACE_FLOOR`` of them (the ``entered_by`` column,
  which only the service has: the export leaves the interviewer out, docs/field.md).

Straight-lining alone is never a flag (SPEC §2.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analysis.approval import ApprovalReport, GroupSums, estimate_from_sums
from analysis.responses import Responses, score
from analysis.schemes import Scheme
from analysis.tables import InputRefused
from analysis.vocabulary import GROUPS

#: Rule code -> its name in Chinese, in the order reports list them.
RULES: Final[dict[str, str]] = {
    "burst": "链接短时集中提交",
    "new_devices": "新设备集中出现",
    "pattern": "相同答案集中出现",
    "min_duration": "用时集中在下限附近",
    "night": "夜间集中提交",
    "enrolment": "超过学校可提供的人数",
    "late": "截止后宽限期内提交",
    "interviewer_pace": "代填快于读题所需",
}

#: Columns of the table the rules read (see :func:`table_from_responses`).
COLUMNS: Final = (
    "response_id",
    "link",
    "device",
    "submitted_at",
    "duration_s",
    "school",
    "group",
    "mode",
    "valid",
    "late",
    "pattern",
    "weight",
    "score_sum",
    "score_count",
)

P_TAIL: Final = 1e-6  # the tail probability of every count rule
BURST_WINDOW_S: Final = 60.0
BURST_FLOOR: Final = 16  # per link in a minute; a class group's busiest minute is ~7–12
DEVICE_WINDOW_S: Final = 60.0
DEVICE_FLOOR: Final = 18  # county-wide first-seen devices in a minute (organic peak ~13)
PATTERN_WINDOW_S: Final = 3600.0
PATTERN_FLOOR: Final = 10
FAST_WINDOW_S: Final = 3600.0
FAST_FLOOR: Final = 10
FAST_MARGIN: Final = 1.5  # "at the minimum": under 1.5 × the minimum time
NIGHT_HOURS: Final = (0, 6)  # local time, [start, end)
NIGHT_WINDOW_S: Final = 3600.0
NIGHT_FLOOR: Final = 8
#: Reading one question and its options aloud, slowly enough for an elderly listener
#: (Mandarin read at ~4 syllables a second: a question and five options ~40 syllables).
PACE_S_PER_QUESTION: Final = 10.0
PACE_FLOOR: Final = 5  # one interviewer's responses faster than that before it is flagged
INCIDENT_GAP_S: Final = 3600.0  # flags on one link this close belong to one incident

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Flag:
    """One rule's finding on one response: the rule code and its figure in words."""

    rule: str
    figure: str


@dataclass(frozen=True)
class FlaggedResponse:
    response_id: str
    link: str
    submitted_at: pd.Timestamp | None
    flags: tuple[Flag, ...]
    incident: int

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(flag.rule for flag in self.flags))


@dataclass(frozen=True)
class Incident:
    """Flagged responses of one link close in time (gaps under ``INCIDENT_GAP_S``)."""

    number: int
    link: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    count: int
    rules: tuple[str, ...]


@dataclass(frozen=True)
class IntegrityResult:
    """Flagged responses, their incidents, and what could not be checked (``notes``)."""

    rows: int
    checked: int
    flagged: tuple[FlaggedResponse, ...]
    incidents: tuple[Incident, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def flagged_ids(self) -> frozenset[str]:
        return frozenset(f.response_id for f in self.flagged)


# ------------------------------------------------------------------ the table


def table_from_responses(
    responses: Responses, scheme: Scheme, *, timezone: str = "Asia/Shanghai"
) -> pd.DataFrame:
    """The rules' table (:data:`COLUMNS`) from a responses file read by ``read_responses``.

    ``submitted_at`` without an offset is read as ``timezone`` (the export writes one);
    ``pattern`` joins the answers in item order; ``score_sum`` and ``score_count`` are
    a_i and b_i of SPEC §4 under ``scheme``.
    """

    def column(key: str) -> pd.Series:
        return pd.Series([cell or "" for cell in responses.texts(key)], dtype=object)

    a, b = score(responses, scheme)
    groups = np.array([""] + list(GROUPS), dtype=object)[responses.group + 1]
    return pd.DataFrame(
        {
            "response_id": column("response_id"),
            "link": column("link"),
            "device": column("device"),
            "submitted_at": parse_times(column("submitted_at"), timezone),
            "duration_s": responses.duration_s,
            "school": column("school"),
            "group": groups,
            "mode": column("mode").replace("", "自填"),
            "valid": responses.valid,
            "late": column("late").str.lower().isin(["1", "是", "true"]).to_numpy(),
            "pattern": _patterns(responses),
            "weight": responses.weight,
            "score_sum": a,
            "score_count": b,
            "entered_by": "",  # not in a file: the export leaves the interviewer out
        }
    )


def parse_times(values: pd.Series, timezone: str) -> pd.Series:
    """ISO times to UTC; those without an offset are local to ``timezone``; blank is NaT."""
    text = values.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    if offset.any():
        out[offset] = pd.to_datetime(text[offset], utc=True, format="ISO8601")
    naive = (text != "") & ~offset
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601").dt.tz_localize(timezone)
        out[naive] = local.dt.tz_convert("UTC")
    return out


def _patterns(responses: Responses) -> npt.NDArray[np.object_]:
    joined = np.full(len(responses), "", dtype=object)
    for k, item in enumerate(responses.items):
        labels = np.array(list(item.answers.labels) + [""], dtype=object)[item.answers.codes]
        joined = labels if k == 0 else joined + "|" + labels
    return joined


# ------------------------------------------------------------------ window counts


def _window_ends(seconds: FloatArray, window: float) -> IntArray:
    """For sorted times, the index one past the last event in [t_i, t_i + window)."""
    return np.searchsorted(seconds, seconds + window, side="left").astype(np.int64)


def _cover(starts: IntArray, ends: IntArray, length: int) -> BoolArray:
    """Events covered by any of the index ranges [starts, ends)."""
    marks = np.zeros(length + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends, -1)
    return np.asarray(np.cumsum(marks[:-1]) > 0, dtype=np.bool_)


def poisson_threshold(expected: float, floor: int, p: float = P_TAIL) -> int:
    """Smallest count k ≥ ``floor`` with P(X ≥ k) < p for X ~ Poisson(expected)."""
    return max(floor, int(stats.poisson.isf(p, max(expected, 1e-9))) + 1)


def median_hourly(seconds: FloatArray) -> float:
    """The median count per active hour (clock hours with at least one arrival)."""
    if seconds.size == 0:
        return 0.0
    _, counts = np.unique(np.floor(seconds / 3600.0), return_counts=True)
    return float(np.median(counts))


def _dense(seconds: FloatArray, window: float, threshold: int) -> tuple[BoolArray, int]:
    """Events in a window of ``threshold`` or more arrivals, and the largest count."""
    if seconds.size == 0:
        return np.zeros(0, dtype=np.bool_), 0
    starts = np.arange(seconds.size, dtype=np.int64)
    ends = _window_ends(seconds, window)
    counts = ends - starts
    hit = counts >= threshold
    return _cover(starts[hit], ends[hit], seconds.size), int(counts.max())


def _minutes(window: float) -> str:
    return f"{window / 60:g} 分钟"


# ------------------------------------------------------------------ the rules


Findings = dict[int, list[Flag]]  # row position in the table -> its flags


def _add(findings: Findings, positions: pd.Index, flag: Flag) -> None:
    for position in positions.tolist():
        findings.setdefault(int(position), []).append(flag)


def _rule_burst(frame: pd.DataFrame, findings: Findings) -> None:
    for _, rows in frame[frame["link"] != ""].groupby("link", sort=True):
        seconds = rows["t"].to_numpy()
        rate = median_hourly(seconds) / 3600.0
        threshold = poisson_threshold(rate * BURST_WINDOW_S, BURST_FLOOR)
        dense, peak = _dense(seconds, BURST_WINDOW_S, threshold)
        if dense.any():
            figure = (
                f"{_minutes(BURST_WINDOW_S)}内最多 {peak} 份（本链接常态每小时 "
                f"{rate * 3600:g} 份，阈值 {threshold} 份）"
            )
            _add(findings, rows.index[dense], Flag("burst", figure))


def _rule_new_devices(frame: pd.DataFrame, findings: Findings) -> None:
    devices = frame[frame["device"] != ""]
    first = devices[~devices["device"].duplicated(keep="first")]
    seconds = first["t"].to_numpy()
    rate = median_hourly(seconds) / 3600.0
    threshold = poisson_threshold(rate * DEVICE_WINDOW_S, DEVICE_FLOOR)
    dense, peak = _dense(seconds, DEVICE_WINDOW_S, threshold)
    if dense.any():
        figure = (
            f"全县 {_minutes(DEVICE_WINDOW_S)}内最多 {peak} 台新设备（常态每小时 "
            f"{rate * 3600:g} 台，阈值 {threshold} 台）"
        )
        _add(findings, first.index[dense], Flag("new_devices", figure))


def _binomial_clusters(
    rows: pd.DataFrame, marked: BoolArray, share: float, window: float, floor: int
) -> tuple[BoolArray, int, int]:
    """Marked events bunched in a window beyond ``share`` of all the link's events there.

    Returns the flagged marked events (a mask over ``rows``), and the count and window
    total of the strongest window.
    """
    seconds = rows["t"].to_numpy()
    ends_all = _window_ends(seconds, window)
    marked_cum = np.concatenate([[0], np.cumsum(marked)])
    positions = np.flatnonzero(marked)
    k = marked_cum[ends_all[positions]] - marked_cum[positions]
    n = ends_all[positions] - positions
    tail = stats.binom.sf(k - 1, n, min(max(share, 1e-6), 1.0))
    hit = (k >= floor) & (tail < P_TAIL)
    flagged = np.zeros(len(rows), dtype=np.bool_)
    if not hit.any():
        return flagged, 0, 0
    covered = _cover(positions[hit], ends_all[positions[hit]], len(rows))
    flagged = covered & marked
    best = int(np.argmax(np.where(hit, k, -1)))
    return flagged, int(k[best]), int(n[best])


def _rule_pattern(frame: pd.DataFrame, findings: Findings) -> None:
    answered = frame[frame["pattern"].str.replace("|", "", regex=False) != ""]
    if answered.empty:
        return
    shares = {str(k): float(v) for k, v in answered["pattern"].value_counts(normalize=True).items()}
    linked = answered[answered["link"] != ""]
    sizes = linked.groupby(["link", "pattern"], sort=True).size()
    patterns_of: dict[str, list[str]] = {}  # a link's patterns seen at least the floor
    for link, pattern in sizes[sizes >= PATTERN_FLOOR].index.tolist():
        patterns_of.setdefault(str(link), []).append(str(pattern))
    for link, rows in linked[linked["link"].isin(list(patterns_of))].groupby("link", sort=True):
        for pattern in patterns_of[str(link)]:
            share = shares[str(pattern)]
            marked = (rows["pattern"] == pattern).to_numpy()
            flagged, k, n = _binomial_clusters(rows, marked, share, PATTERN_WINDOW_S, PATTERN_FLOOR)
            if flagged.any():
                figure = (
                    f"{_minutes(PATTERN_WINDOW_S)}内 {n} 份中 {k} 份答案完全相同"
                    f"（该答案在全县占 {share:.1%}）"
                )
                _add(findings, rows.index[flagged], Flag("pattern", figure))


def _rule_min_duration(frame: pd.DataFrame, findings: Findings, minimum: float) -> None:
    timed = frame[frame["duration_s"].notna()]
    if timed.empty or minimum <= 0:
        return
    near = timed["duration_s"] < minimum * FAST_MARGIN
    share = float(near.mean())
    for _, rows in timed[timed["link"] != ""].groupby("link", sort=True):
        marked = (rows["duration_s"] < minimum * FAST_MARGIN).to_numpy()
        if marked.sum() < FAST_FLOOR:
            continue
        flagged, k, n = _binomial_clusters(rows, marked, share, FAST_WINDOW_S, FAST_FLOOR)
        if flagged.any():
            figure = (
                f"{_minutes(FAST_WINDOW_S)}内 {n} 份中 {k} 份用时不足 {minimum * FAST_MARGIN:g} 秒"
                f"（全县占 {share:.1%}，最短用时 {minimum:g} 秒）"
            )
            _add(findings, rows.index[flagged], Flag("min_duration", figure))


def _rule_night(frame: pd.DataFrame, findings: Findings, timezone: str) -> None:
    if frame.empty:
        return
    hours = frame["submitted_at"].dt.tz_convert(timezone).dt.hour
    night = (hours >= NIGHT_HOURS[0]) & (hours < NIGHT_HOURS[1])
    share = float(night.mean())
    span_days = max((frame["t"].max() - frame["t"].min()) / 86400.0, 1.0)
    night_hours = NIGHT_HOURS[1] - NIGHT_HOURS[0]
    for link, rows in frame[night & (frame["link"] != "")].groupby("link", sort=True):
        total = int((frame["link"] == link).sum())
        expected = total * share / span_days / night_hours * (NIGHT_WINDOW_S / 3600.0)
        threshold = poisson_threshold(expected, NIGHT_FLOOR)
        dense, peak = _dense(rows["t"].to_numpy(), NIGHT_WINDOW_S, threshold)
        if dense.any():
            figure = (
                f"夜间（{NIGHT_HOURS[0]}–{NIGHT_HOURS[1]} 时）{_minutes(NIGHT_WINDOW_S)}内 {peak} 份"
                f"（全县夜间提交占 {share:.1%}，阈值 {threshold} 份）"
            )
            _add(findings, rows.index[dense], Flag("night", figure))


def _rule_enrolment(
    frame: pd.DataFrame, findings: Findings, enrolment: Mapping[str, int] | None
) -> list[str]:
    """Flag every response of a school's links once a group exceeds the school's pupils."""
    notes: list[str] = []
    schooled = frame[(frame["school"] != "") & frame["group"].isin(["家长", "学生"])]
    if enrolment is None:
        if not schooled.empty:
            notes.append("没有学校在校生数，未检查“超过学校可提供的人数”")
        return notes
    unknown = sorted(set(schooled["school"]) - {code for code, n in enrolment.items() if n > 0})
    if unknown:
        notes.append(f"{len(unknown)} 所学校没有在校生数，未检查：{'、'.join(unknown[:10])}")
    for (school, group), rows in schooled.groupby(["school", "group"], sort=True):
        pupils = enrolment.get(str(school), 0)
        if pupils > 0 and len(rows) > pupils:
            figure = f"{school} 的{group}问卷 {len(rows)} 份，超过在校生 {pupils} 人"
            _add(findings, rows.index, Flag("enrolment", figure))
    return notes


def _rule_interviewer_pace(frame: pd.DataFrame, findings: Findings, read_aloud_s: float) -> None:
    """Flag an interviewer's 代填 responses recorded faster than the questions can be read."""
    if "entered_by" not in frame.columns or read_aloud_s <= 0:
        return
    read = frame[
        (frame["mode"] == "代填") & (frame["entered_by"] != "") & frame["submitted_at"].notna()
    ]
    for who, rows in read.groupby("entered_by", sort=True):
        rows = rows.sort_values("submitted_at", kind="stable")
        seconds = (rows["submitted_at"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        gap = np.diff(seconds.to_numpy(), prepend=-np.inf)
        pace = np.minimum(gap, rows["duration_s"].fillna(np.inf).to_numpy())
        fast = pace < read_aloud_s
        if int(fast.sum()) >= PACE_FLOOR:
            figure = (
                f"调查员 {who} 有 {int(fast.sum())} 份代填的用时或与上一份的间隔不足 "
                f"{read_aloud_s:g} 秒（读完全部题目所需）"
            )
            _add(findings, rows.index[fast], Flag("interviewer_pace", figure))


def _rule_late(frame: pd.DataFrame, findings: Findings) -> None:
    late = frame[frame["late"]]
    _add(findings, late.index, Flag("late", "在链接停用或收集结束后的宽限期内提交"))


# ------------------------------------------------------------------ putting it together


def find_signals(
    table: pd.DataFrame,
    *,
    min_duration_s: float = 30.0,
    enrolment: Mapping[str, int] | None = None,
    timezone: str = "Asia/Shanghai",
    read_aloud_s: float = 0.0,
) -> IntegrityResult:
    """Run every rule of :data:`RULES` on a table of :data:`COLUMNS`.

    Parameters
    ----------
    table : DataFrame
        From :func:`table_from_responses` (a file) or built by the service from its rows.
    min_duration_s : float
        The assessment's minimum answering time (SPEC §2.5 Validity).
    enrolment : Mapping[str, int], optional
        Pupils (小学 + 初中) per 学校代码; without it ``enrolment`` is skipped (noted).
    timezone : str
        For ``night`` (RENKE_TIMEZONE, SPEC §6).
    read_aloud_s : float
        For ``interviewer_pace``: the time to read the shortest questionnaire aloud
        (questions × :data:`PACE_S_PER_QUESTION`); 0 skips the rule.

    Returns
    -------
    IntegrityResult
        Flagged valid responses in table order, with their incidents.
    """
    missing = [key for key in COLUMNS if key not in table.columns]
    if missing:
        raise ValueError(f"integrity table lacks columns: {', '.join(missing)}")
    table = table.reset_index(drop=True)
    valid = table[table["valid"].astype(bool)]
    findings: Findings = {}
    notes = _rule_enrolment(valid, findings, enrolment)
    _rule_late(valid, findings)
    _rule_interviewer_pace(valid, findings, read_aloud_s)
    timed = valid[(valid["mode"] == "自填") & valid["submitted_at"].notna()].copy()
    timed["t"] = (timed["submitted_at"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    timed = timed.sort_values("t", kind="stable")
    if valid["submitted_at"].isna().any():
        notes.append("部分回答没有提交时间，时间类规则未检查这些回答")
    _rule_burst(timed, findings)
    _rule_new_devices(timed, findings)
    _rule_pattern(timed, findings)
    _rule_min_duration(timed, findings, min_duration_s)
    _rule_night(timed, findings, timezone)
    flagged, incidents = _incidents(table, findings)
    return IntegrityResult(
        rows=len(table),
        checked=len(valid),
        flagged=flagged,
        incidents=incidents,
        notes=tuple(notes),
    )


def _incidents(
    table: pd.DataFrame, findings: Findings
) -> tuple[tuple[FlaggedResponse, ...], tuple[Incident, ...]]:
    """Group flagged responses per link into incidents split by gaps over INCIDENT_GAP_S."""
    if not findings:
        return (), ()
    chosen = table.loc[sorted(findings), ["response_id", "link", "submitted_at"]].copy()
    chosen["t"] = (chosen["submitted_at"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    chosen = chosen.sort_values(["link", "t"], kind="stable", na_position="last")
    gap = chosen.groupby("link")["t"].diff()
    new = chosen["link"].ne(chosen["link"].shift()) | (gap > INCIDENT_GAP_S)
    chosen["incident"] = np.cumsum(new.to_numpy())
    numbers = chosen["incident"].to_numpy()
    positions = chosen.index.to_numpy().tolist()
    ids = chosen["response_id"].astype(str).tolist()
    links = chosen["link"].astype(str).tolist()
    stamps = [None if pd.isna(t) else t for t in chosen["submitted_at"].tolist()]
    flagged: dict[int, FlaggedResponse] = {}
    incidents: list[Incident] = []
    # rows are sorted by link and time, so an incident's rows are contiguous
    for block in np.split(np.arange(len(positions)), np.flatnonzero(np.diff(numbers)) + 1):
        number = int(numbers[block[0]])
        rules: dict[str, None] = {}
        for k in block.tolist():
            flags = tuple(findings[positions[k]])
            rules.update(dict.fromkeys(flag.rule for flag in flags))
            flagged[positions[k]] = FlaggedResponse(ids[k], links[k], stamps[k], flags, number)
        times = [stamps[k] for k in block.tolist() if stamps[k] is not None]
        incidents.append(
            Incident(
                number=number,
                link=links[block[0]],
                start=min(times) if times else None,
                end=max(times) if times else None,
                count=len(block),
                rules=tuple(rule for rule in RULES if rule in rules),
            )
        )
    return tuple(flagged[p] for p in sorted(flagged)), tuple(incidents)


# ------------------------------------------------------------------ the approval with and without


@dataclass(frozen=True)
class ApprovalPair:
    """The approval over all valid responses and over those not flagged."""

    all: ApprovalView
    unflagged: ApprovalView


@dataclass(frozen=True)
class ApprovalView:
    """Pooled and planned overall approval, and per group, of one set of responses."""

    pooled: ApprovalReport | None
    planned: ApprovalReport | None


def group_sums_of(table: pd.DataFrame) -> list[GroupSums]:
    """SPEC §4 sufficient statistics per group of the valid, scored rows of ``table``."""
    kept = table[table["valid"].astype(bool) & (table["score_count"] > 0)]
    sums: list[GroupSums] = []
    for group, rows in kept.groupby("group", sort=True):
        w, a, b = (
            rows[key].to_numpy(dtype=float) for key in ("weight", "score_sum", "score_count")
        )
        sums.append(
            GroupSums(
                group=str(group),
                n=len(rows),
                n_positive=int((w > 0).sum()),
                sum_wa=float((w * a).sum()),
                sum_wb=float((w * b).sum()),
                sum_w2a2=float((w * w * a * a).sum()),
                sum_w2ab=float((w * w * a * b).sum()),
                sum_w2b2=float((w * w * b * b).sum()),
            )
        )
    return sums


def approval_with_and_without(
    table: pd.DataFrame,
    flagged: frozenset[str],
    *,
    plan_shares: Mapping[str, float] | None = None,
    ci: str = "korn-graubard",
    level: float = 0.95,
    threshold: float = 0.85,
) -> ApprovalPair:
    """The approval of all valid responses and without the flagged ones (SPEC §2.5).

    ``pooled`` is SPEC §4's pooled estimate; ``planned`` the policy estimate with the
    sample plan's group shares (``plan_shares``; None without a plan). Respondents are
    not clustered here: the comparison is between two sets, on one design.
    """
    without = table.assign(valid=table["valid"].astype(bool) & ~table["response_id"].isin(flagged))

    def view(rows: pd.DataFrame) -> ApprovalView:
        sums = group_sums_of(rows)
        options = {"ci": ci, "level": level, "threshold": threshold}
        try:
            pooled = estimate_from_sums(sums, **options)  # type: ignore[arg-type]
        except InputRefused:
            return ApprovalView(None, None)
        planned = None
        if plan_shares:
            planned = estimate_from_sums(
                sums,
                overall="policy",
                weights=dict(plan_shares),
                **options,  # type: ignore[arg-type]
            )
        return ApprovalView(pooled, planned)

    return ApprovalPair(view(table), view(without))


def approval_json(view: ApprovalView) -> dict[str, object]:
    """``{"pooled", "planned", "groups"}`` of SPEC §5 ``renke integrity``."""

    def overall(report: ApprovalReport | None) -> dict[str, object] | None:
        if report is None:
            return None
        return {
            "approval": report.overall.approval,
            "ci": list(report.overall.ci) if report.overall.ci else None,
            "n": report.overall.n,
            "weights": dict(report.overall.weights) if report.overall.weights else None,
        }

    groups = {}
    if view.pooled is not None:
        groups = {
            name: {"n": g.n, "approval": g.approval, "ci": list(g.ci) if g.ci else None}
            for name, g in view.pooled.groups.items()
        }
    return {"pooled": overall(view.pooled), "planned": overall(view.planned), "groups": groups}
