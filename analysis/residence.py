"""Residence in the statistics office's classes (SPEC §2.5 "Area quotas").

[setting; 国家统计局《统计上划分城乡的规定》 as SPEC §2.5 applies it]

The respondent is asked where they live in plain words (:data:`RESIDENCES`); the answer
is counted in the classes 城区 / 镇区 / 乡村 (:data:`AREAS`) by the county's kind
(:data:`COUNTY_KINDS`):

- 县城（市区） is 镇区 in a 县 or 自治县 (its seat is a 镇), and 城区 in a 县级市 or 市辖区;
- 镇上（镇政府所在地） is 镇区;
- 乡政府所在地 and 村里 are 乡村.

A 家长 living outside the county (:data:`OUTSIDE`) belongs to no area. The population
split is entered as 城区 / 镇区 / 乡村, or as 城镇 / 乡村 (:data:`URBAN_RURAL`) where only
that is published; then the area quotas are 城镇 / 乡村, with 城镇 = 城区 + 镇区.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from analysis.sampling import largest_remainder
from analysis.vocabulary import AREAS, COUNTY_KINDS, OUTSIDE, RESIDENCES, URBAN_RURAL

#: The kinds whose 县城 is a 镇 (镇区), not a city (城区).
TOWN_SEAT_KINDS: Final = frozenset({"县", "自治县"})

#: Name endings -> kind, longest first (SPEC §2.5: …区 市辖区, …市 县级市, …自治县, …县).
#: 旗 and 自治旗 (内蒙古) are 县 and 自治县 in kind; 林区 and 特区 (神农架林区, 六枝特区)
#: are county-level units with a 镇 as seat, so they are 县 too, not 市辖区.
_NAME_ENDINGS: Final[tuple[tuple[str, str], ...]] = (
    ("自治县", "自治县"),
    ("自治旗", "自治县"),
    ("林区", "县"),
    ("特区", "县"),
    ("县", "县"),
    ("旗", "县"),
    ("市", "县级市"),
    ("区", "市辖区"),
)


def kind_from_name(name: str) -> str | None:
    """The county's kind from its name, or None when the name does not say.

    >>> kind_from_name("砚山县"), kind_from_name("石林彝族自治县"), kind_from_name("安宁市")
    ('县', '自治县', '县级市')
    """
    text = name.strip()
    for ending, kind in _NAME_ENDINGS:
        if text.endswith(ending):
            return kind
    return None


def area_of(residence: str, kind: str) -> str | None:
    """The statistical class (城区 / 镇区 / 乡村) of a residence answer in a county of ``kind``.

    None for :data:`OUTSIDE` (a 家长 living elsewhere belongs to no area of the county).

    Raises
    ------
    ValueError
        For an answer outside :data:`RESIDENCES` and :data:`OUTSIDE`, or an unknown kind.
    """
    if kind not in COUNTY_KINDS:
        raise ValueError(f"unknown county kind: {kind}")
    if residence == OUTSIDE:
        return None
    if residence == RESIDENCES[0]:
        return "镇区" if kind in TOWN_SEAT_KINDS else "城区"
    if residence == RESIDENCES[1]:
        return "镇区"
    if residence in RESIDENCES[2:]:
        return "乡村"
    raise ValueError(f"unknown residence: {residence}")


def answers_in_class(kind: str) -> dict[str, tuple[str, ...]]:
    """Per class (城区, 镇区, 乡村 and 城镇), the plain answers counted in it in a county of ``kind``."""
    classes: dict[str, tuple[str, ...]] = {area: () for area in AREAS}
    for residence in RESIDENCES:
        area = area_of(residence, kind)
        if area is not None:
            classes[area] = (*classes[area], residence)
    classes["城镇"] = classes["城区"] + classes["镇区"]
    return classes


def residence_and_area(answer: str, kind: str) -> tuple[str | None, str | None]:
    """(residence as asked, class) of a stored screening answer.

    Questionnaires written before residence was asked in plain words mapped the answer
    straight to a class; such an answer has no residence and keeps its class.
    """
    if answer in AREAS:
        return None, answer
    return answer, area_of(answer, kind)


def split_classes(split: Mapping[str, int]) -> tuple[str, ...]:
    """The classes a population split is given in: :data:`AREAS` or :data:`URBAN_RURAL`."""
    if set(split) == set(AREAS):
        return AREAS
    if set(split) == set(URBAN_RURAL):
        return URBAN_RURAL
    raise ValueError("the split is 城区/镇区/乡村 or 城镇/乡村")


def area_quotas(total: int, split: Mapping[str, int]) -> dict[str, int]:
    """N × population shares by largest remainder, in the split's own classes (SPEC §2.5)."""
    classes = split_classes(split)
    return largest_remainder(total, {name: split[name] for name in classes})


def counts_in_classes(counts: Mapping[str, int], classes: tuple[str, ...]) -> dict[str, int]:
    """Valid responses per class of the split: 城镇 = 城区 + 镇区 in the two-class split."""
    if classes == URBAN_RURAL:
        return {
            "城镇": counts.get("城区", 0) + counts.get("镇区", 0),
            "乡村": counts.get("乡村", 0),
        }
    return {area: counts.get(area, 0) for area in classes}


@dataclass(frozen=True)
class SplitWarning:
    """A plausibility warning on the population split or the schools' codes (not an error)."""

    code: str
    text: str


def split_warnings(
    kind: str, split: Mapping[str, int] | None, schools: Iterable[tuple[str, str]] = ()
) -> list[SplitWarning]:
    """城区 > 0 for a 县 (or 自治县), and each school coded 城区 in one (SPEC §2.5).

    ``schools`` are (name, 城乡类型) pairs. A 县's seat is a 镇, so its people and schools
    are 镇区 or 乡村 in the statistics office's classes.
    """
    if kind not in TOWN_SEAT_KINDS:
        return []
    warnings = []
    if split and split.get("城区", 0) > 0:
        warnings.append(
            SplitWarning(
                "urban_in_county",
                f"{kind}的县城属于镇区：城区人口一般为 0，请核对统计局公布的城乡划分"
                f"（现填城区 {split['城区']:,} 人）",
            )
        )
    urban_schools = [name for name, area in schools if area == "城区"]
    if urban_schools:
        shown = "、".join(urban_schools[:5]) + ("等" if len(urban_schools) > 5 else "")
        warnings.append(
            SplitWarning(
                "urban_school_in_county",
                f"{kind}的学校一般为镇区或乡村，但学校表中有 {len(urban_schools)} 所标为城区：{shown}",
            )
        )
    return warnings
