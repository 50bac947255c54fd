"""What the schools file says about a county item (SPEC §2.2 and §3).

Some county items concern particular schools: 政府保障 6 the 村小 and 教学点 under 100
students, 7 the 特殊教育学校, 13 the public non-boarding 小学 and 初中 of 城区 and 镇区, 14.2
the 乡村 初中. The verdict lists them beside the evaluator's 判定, for the reviewer, and
the same lists decide whether a 不适用 is admissible (the standard's ``not_applicable``
condition): 不适用 holds only where the list is empty.

A school whose 城乡类型 is blank might be of either kind, so it is counted as concerned
(a 不适用 cannot rest on a blank); a blank 是否寄宿制 counts as non-boarding and a blank
办学性质 as 公办 (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.county import GOVERNMENT
from analysis.schools import School
from analysis.standards import ItemSpec

SMALL_SCHOOL_STUDENTS = 100  # 办法 第七条（六）: 不足 100 名学生的村小学和教学点
URBAN = ("城区", "镇区")


@dataclass(frozen=True)
class ConcernedSchool:
    """A school an item concerns, as the listing shows it."""

    code: str
    name: str
    school_type: str
    locale: str | None
    students: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "school_type": self.school_type,
            "locale": self.locale,
            "students": self.students,
        }


@dataclass(frozen=True)
class Concerns:
    """The schools one (sub-)item concerns: ``label`` names them ("不足 100 名学生的村小学和教学点")."""

    item: str
    label: str
    schools: tuple[ConcernedSchool, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "label": self.label,
            "count": len(self.schools),
            "schools": [school.to_dict() for school in self.schools],
        }


def _entry(school: School) -> ConcernedSchool:
    return ConcernedSchool(
        school.code,
        school.name,
        school.school_type,
        school.locale,
        school.compulsory_students,
    )


def small_rural_schools(schools: Sequence[School]) -> tuple[School, ...]:
    """村小 (a 乡村 小学) and 教学点 with fewer than 100 students, excluded ones included."""
    return tuple(
        s
        for s in schools
        if s.compulsory_students < SMALL_SCHOOL_STUDENTS
        and (s.school_type == "教学点" or (s.school_type == "小学" and s.locale in ("乡村", None)))
    )


def special_schools(schools: Sequence[School]) -> tuple[School, ...]:
    return tuple(s for s in schools if s.school_type == "特殊教育学校")


def public_day_schools(schools: Sequence[School], section: str) -> tuple[School, ...]:
    """Public non-boarding schools of 城区 and 镇区 with students of the 学段 (第七条（十三）)."""
    return tuple(
        s
        for s in schools
        if s.school_type not in ("特殊教育学校",)
        and (s.locale in URBAN or s.locale is None)
        and s.public
        and s.boarding is not True
        and (s.primary_students if section == "primary" else s.junior_students) > 0
    )


def rural_junior_schools(schools: Sequence[School]) -> tuple[School, ...]:
    """农村初中: schools of 乡村 with 初中 students (第七条（十四） 名额分配向农村初中倾斜)."""
    return tuple(
        s
        for s in schools
        if s.school_type != "特殊教育学校" and s.locale in ("乡村", None) and s.junior_students > 0
    )


# condition → (the schools whose presence makes 不适用 inadmissible, how they are named)
_CONDITIONS: dict[str, tuple[Callable[[Sequence[School]], tuple[School, ...]], str]] = {
    "no_small_rural_schools": (small_rural_schools, "不足 100 名学生的村小学或教学点"),
    "no_special_schools": (special_schools, "特殊教育学校"),
    "no_public_day_primary": (
        lambda schools: public_day_schools(schools, "primary"),
        "城区、镇区的公办非寄宿小学",
    ),
    "no_public_day_junior": (
        lambda schools: public_day_schools(schools, "junior"),
        "城区、镇区的公办非寄宿初中",
    ),
    "no_rural_junior": (rural_junior_schools, "乡村初中"),
}
# the listings shown beside the evaluator's 判定 (SPEC §2.2)
LISTED = {
    "6": "no_small_rural_schools",
    "7": "no_special_schools",
    "13.1": "no_public_day_primary",
    "13.2": "no_public_day_junior",
    "14.2": "no_rural_junior",
}


def concerns_of(category: str, item_id: str, schools: Sequence[School]) -> Concerns | None:
    """The schools 政府保障 item ``item_id`` concerns, or ``None`` for an item that names none."""
    condition = LISTED.get(item_id) if category == GOVERNMENT else None
    if condition is None:
        return None
    select, label = _CONDITIONS[condition]
    return Concerns(item_id, label, tuple(_entry(s) for s in select(schools)))


NOT_ALLOWED = "本项不允许不适用"


def not_applicable_problem(spec: ItemSpec, schools: Sequence[School] | None) -> str | None:
    """Why 不适用 is inadmissible for ``spec`` ("本项不允许不适用", "不适用的条件不成立：学校表中有
    特殊教育学校"), or ``None`` when it is admissible (SPEC §3 [setting]).

    Without a schools file the conditions on it cannot be checked, and a 不适用 that rests
    on one is inadmissible.
    """
    condition = spec.not_applicable
    if condition is None:
        return NOT_ALLOWED
    if condition == "declared":
        return None
    select, label = _CONDITIONS[condition]
    if schools is None:
        return "不适用的条件无法核对：没有学校表"
    found = select(schools)
    if not found:
        return None
    names = "、".join(s.name for s in found[:3]) + ("等" if len(found) > 3 else "")
    return f"不适用的条件不成立：学校表中有{label}（{len(found)} 所：{names}）"
