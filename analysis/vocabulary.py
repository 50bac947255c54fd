"""The survey's vocabulary, defined once (STYLE.md: one vocabulary).

Groups, instruments, modes, statistical areas, plain-words residence answers, county kinds
and invalid-response reasons live here; the service imports them. A reason is stored as its
code beside its Chinese text, and classified by code, never by substring.
"""

from __future__ import annotations

from typing import Final

#: The respondent groups, in the order of SPEC §3 and of every report.
GROUPS: Final[tuple[str, ...]] = (
    "学生",
    "家长",
    "教师",
    "校长",
    "人大代表",
    "政协委员",
    "其他群众",
)

#: Instrument code -> its Chinese name (SPEC §2.5 Instruments).
INSTRUMENTS: Final[dict[str, str]] = {
    "social": "社会卷",
    "staff": "校长教师卷",
    "student": "学生卷",
}

#: How a response was taken (SPEC §2.5 Mode): self, read out by an interviewer, from paper.
MODES: Final[tuple[str, ...]] = ("自填", "代填", "纸质")

#: The statistics office's classes (统计上划分城乡的规定), as the area quotas count them.
AREAS: Final[tuple[str, ...]] = ("城区", "镇区", "乡村")

#: County kinds (SPEC §2.5): they decide what 县城 is in the statistics office's classes.
COUNTY_KINDS: Final[tuple[str, ...]] = ("县", "自治县", "县级市", "市辖区")

#: The residence answers as asked, in plain words (SPEC §2.5 Area quotas).
RESIDENCES: Final[tuple[str, ...]] = (
    "县城（市区）",
    "镇上（镇政府所在地）",
    "乡政府所在地",
    "村里",
)

#: The answer of a 家长 who lives outside the county (SPEC §2.5 Who answers: 家长 answer
#: wherever they live). Kept as asked; it belongs to no area of the county.
OUTSIDE: Final = "县外"

#: Every stored ``residence``: the four answers of SPEC §2.5 and :data:`OUTSIDE`.
RESIDENCE_ANSWERS: Final[tuple[str, ...]] = (*RESIDENCES, OUTSIDE)

#: The two-class split where the statistics office publishes only 城镇 / 乡村
#: (城镇 = 城区 + 镇区, SPEC §2.5).
URBAN_RURAL: Final[tuple[str, ...]] = ("城镇", "乡村")

#: Invalid-response reason code -> its Chinese text (SPEC §2.5 Validity, Integrity).
INVALID_REASONS: Final[dict[str, str]] = {
    "not_resident": "非本县居民",
    "duplicate": "重复提交（同一设备、同一问卷）",
    "too_fast": "用时过短",
    "incomplete": "未答完",
    "manual": "评估人员认定无效",
}
