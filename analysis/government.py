"""政府保障程度 (办法 第七条; SPEC §2.2): 15 items, all must pass.

Items 3 (音乐、美术专用教室), 4 (学校规模) and 5 (班额) are computed from the school file,
for the schools that remain after exclusions, naming every school that fails and by how
much; the county file may not override them. The other items come from the county file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.county import GOVERNMENT, CountyFile
from analysis.exceptions import ItemException
from analysis.items import (
    FAILED,
    PASSED,
    AcceptedFailure,
    AspectResult,
    Failure,
    ItemResult,
    all_pass,
    assess_county_item,
    item_reasons,
)
from analysis.resources import SPECIAL_NOTE, display_figure
from analysis.schools import School, UnitSet
from analysis.standards import ItemSpec, Section, Standard, format_number

ASPECT = "政府保障"
THROUGH_SCHOOLS = ("九年一贯制", "十二年一贯制")


def room_failures(schools: tuple[School, ...], standard: Standard) -> list[Failure]:
    """办法 第七条（三）: ≥ 1 音乐 and ≥ 1 美术 专用教室 per 12 classes (rooms ≥ ceil(classes
    / 12)), each 音乐 room ≥ 96 ㎡ and 美术 room ≥ 90 ㎡ (the smallest room is checked)."""
    rule = standard.rooms
    failures = []
    for school in schools:
        classes = int(school.figure("classes"))
        needed = max(1, math.ceil(classes / rule.classes_per_room))
        for kind, label, minimum in (
            ("music", "音乐", rule.music_min_area),
            ("art", "美术", rule.art_min_area),
        ):
            rooms = int(school.figure(f"{kind}_rooms"))
            if rooms < needed:
                failures.append(
                    Failure(
                        school.code,
                        school.name,
                        f"{kind}_rooms",
                        rooms,
                        needed,
                        f"{school.name}{label}专用教室 {rooms} 间，{classes} 个班应至少 {needed} 间"
                        f"（差 {needed - rooms} 间）",
                    )
                )
            area = school.figures.get(f"{kind}_min_area")
            if rooms > 0 and area is not None and area < minimum:
                failures.append(
                    Failure(
                        school.code,
                        school.name,
                        f"{kind}_min_area",
                        area,
                        minimum,
                        f"{school.name}{label}专用教室最小面积 "
                        f"{display_figure(area, minimum, trim=True)}㎡，小于 "
                        f"{format_number(minimum)}㎡（差 {display_figure(minimum - area, 0, trim=True)}㎡）",
                    )
                )
    return failures


def size_failures(schools: tuple[School, ...], standard: Standard) -> list[Failure]:
    """办法 第七条（四）: ≤ 2000 students (小学; 初中; a 完全中学's 初中部), ≤ 2500 for
    九年一贯制 and 十二年一贯制 (their compulsory part)."""
    failures = []
    for school in schools:
        limit = (
            standard.size.through_school
            if school.school_type in THROUGH_SCHOOLS
            else standard.size.single_section
        )
        size = school.compulsory_students
        if size > limit:
            part = "义务教育阶段" if school.school_type in THROUGH_SCHOOLS + ("完全中学",) else ""
            failures.append(
                Failure(
                    school.code,
                    school.name,
                    "size",
                    size,
                    limit,
                    f"{school.name}{part}规模 {size:,} 人，超过 {limit:,} 人（多 {size - limit:,} 人）",
                )
            )
    return failures


def class_size_failures(schools: tuple[School, ...], standard: Standard) -> list[Failure]:
    """办法 第七条（五）: every class ≤ 45 (小学) / ≤ 50 (初中), from the largest class."""
    failures = []
    for school in schools:
        checks: tuple[tuple[Section, str, int], ...] = (
            ("primary", "小学", standard.class_size.primary),
            ("junior", "初中", standard.class_size.junior),
        )
        for section, label, limit in checks:
            if school.students(section) == 0:
                continue
            largest = school.figures.get(f"{section}_max_class")
            if largest is not None and largest > limit:
                failures.append(
                    Failure(
                        school.code,
                        school.name,
                        f"{section}_max_class",
                        largest,
                        limit,
                        f"{school.name}{label}最大班额 {largest:g} 人，超过 {limit} 人"
                        f"（多 {largest - limit:g} 人）",
                    )
                )
    return failures


def assess_computed_item(
    spec: ItemSpec,
    units: UnitSet,
    standard: Standard,
    exceptions: Sequence[ItemException] = (),
) -> ItemResult:
    """Item 3, 4 or 5 of 第七条, computed from the schools that remain; a school whose
    failure was accepted as 特殊情况 for this item is listed as accepted, not failing."""
    schools = units.remaining
    if spec.computed == "rooms":
        failures = room_failures(schools, standard)
        checked = len(schools)
    elif spec.computed == "size":
        failures = size_failures(schools, standard)
        checked = len(schools)
    else:
        # a merged 教学点's classes are classes of the county too
        schools = schools + units.merged_points
        failures = class_size_failures(schools, standard)
        checked = len(schools)
    accepted_for = {case.code: case for case in exceptions if case.item == spec.id}
    accepted = tuple(
        AcceptedFailure(f, case.note, case.accepted_by, case.accepted_at, case.document)
        for f in failures
        if (case := accepted_for.get(f.code)) is not None
    )
    failures = [f for f in failures if f.code not in accepted_for]
    failing = len({failure.code for failure in failures})
    passed = not failures
    note = (
        f"由学校数据计算：{checked} 所学校全部达标"
        if passed
        else f"由学校数据计算：{checked} 所学校中 {failing} 所未达标"
    )
    if accepted:
        note += f"（{len({a.failure.code for a in accepted})} 所{SPECIAL_NOTE}）"
    return ItemResult(
        id=spec.id,
        title=spec.title,
        passed=passed,
        status=PASSED if passed else FAILED,
        value=failing,
        note=note,
        source=spec.source,
        failures=tuple(failures),
        accepted=accepted,
    )


def assess_government(
    units: UnitSet,
    county: CountyFile | None,
    standard: Standard,
    schools: Sequence[School] | None = None,
    exceptions: Sequence[ItemException] = (),
) -> AspectResult:
    """政府保障程度 (办法 第七条): every item, with the reasons for each failing or missing one.

    Parameters
    ----------
    units
        From :func:`analysis.schools.build_units`; items 3–5 use its remaining schools.
    county
        The county file, or ``None`` (then every other item is missing).
    standard
        Thresholds and items.
    schools
        Every school of the file (excluded ones included): which schools items 6, 7, 13
        and 14.2 concern, and whether a 不适用 is admissible (SPEC §3).
    exceptions
        Schools accepted as 特殊情况 for items 3–5 (SPEC §2.1).
    """
    items = []
    for spec in standard.government:
        if spec.computed is not None:
            items.append(assess_computed_item(spec, units, standard, exceptions))
        else:
            items.append(assess_county_item(spec, county, GOVERNMENT, standard, schools))
    reasons = [reason for item in items for reason in item_reasons(ASPECT, item)]
    return AspectResult(
        name=ASPECT,
        passed=all_pass([item.passed for item in items]),
        items=tuple(items),
        reasons=tuple(reasons),
        missing=tuple(item.id for item in items if item.passed is None),
    )
