"""Residence in the statistics office's classes (SPEC §2.5 "Area quotas")."""

from __future__ import annotations

import pytest

from analysis.residence import (
    answers_in_class,
    area_of,
    area_quotas,
    counts_in_classes,
    kind_from_name,
    residence_and_area,
    split_warnings,
)
from analysis.vocabulary import COUNTY_KINDS, OUTSIDE

# SPEC §2.5: 县城 is 镇区 in a 县 or 自治县 and 城区 in a 县级市 or 市辖区; 镇上 is 镇区;
# 乡政府所在地 and 村里 are 乡村.
EXPECTED = {
    "县": ("镇区", "镇区", "乡村", "乡村"),
    "自治县": ("镇区", "镇区", "乡村", "乡村"),
    "县级市": ("城区", "镇区", "乡村", "乡村"),
    "市辖区": ("城区", "镇区", "乡村", "乡村"),
}
ANSWERS = ("县城（市区）", "镇上（镇政府所在地）", "乡政府所在地", "村里")


@pytest.mark.parametrize("kind", COUNTY_KINDS)
def test_each_answer_is_classed_by_the_county_kind(kind):
    assert tuple(area_of(answer, kind) for answer in ANSWERS) == EXPECTED[kind]
    assert area_of(OUTSIDE, kind) is None  # a 家长 living elsewhere is in no area


def test_unknown_answers_and_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown residence"):
        area_of("农村", "县")
    with pytest.raises(ValueError, match="unknown county kind"):
        area_of("村里", "省")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("砚山县", "县"),
        ("石林彝族自治县", "自治县"),
        ("鄂伦春自治旗", "自治县"),
        ("安宁市", "县级市"),
        ("五华区", "市辖区"),
        ("神农架林区", "县"),
        ("六枝特区", "县"),
        ("准格尔旗", "县"),
        (" 西畴县 ", "县"),
        ("砚山", None),
    ],
)
def test_the_kind_follows_from_the_name(name, kind):
    assert kind_from_name(name) == kind


def test_an_answer_of_an_older_questionnaire_keeps_its_class():
    assert residence_and_area("乡村", "县级市") == (None, "乡村")
    assert residence_and_area("县城（市区）", "县级市") == ("县城（市区）", "城区")


def test_the_plain_answers_of_each_class():
    assert answers_in_class("县")["镇区"] == ("县城（市区）", "镇上（镇政府所在地）")
    assert answers_in_class("县")["城区"] == ()
    assert answers_in_class("市辖区")["城区"] == ("县城（市区）",)
    assert answers_in_class("县级市")["城镇"] == ("县城（市区）", "镇上（镇政府所在地）")


def test_area_quotas_in_three_classes_and_in_two():
    # 699 × (0, 206, 260)/466 = (0, 309.0, 390.0): largest remainder, exact
    assert area_quotas(699, {"城区": 0, "镇区": 206_000, "乡村": 260_000}) == {
        "城区": 0,
        "镇区": 309,
        "乡村": 390,
    }
    # 城镇/乡村 only: 355 × 1/3 = 118.33 → 118; 236.67 → 237
    assert area_quotas(355, {"城镇": 100_000, "乡村": 200_000}) == {"城镇": 118, "乡村": 237}
    with pytest.raises(ValueError, match="城镇/乡村"):
        area_quotas(10, {"城镇": 1, "镇区": 1, "乡村": 1})


def test_counts_in_two_classes_add_城区_and_镇区():
    counts = {"城区": 5, "镇区": 7, "乡村": 11}
    assert counts_in_classes(counts, ("城镇", "乡村")) == {"城镇": 12, "乡村": 11}
    assert counts_in_classes({"乡村": 3}, ("城区", "镇区", "乡村")) == {
        "城区": 0,
        "镇区": 0,
        "乡村": 3,
    }


def test_warnings_for_城区_in_a_县():
    split = {"城区": 1_000, "镇区": 2_000, "乡村": 3_000}
    schools = [("一小", "城区"), ("二小", "镇区")]
    warnings = split_warnings("县", split, schools)
    assert [w.code for w in warnings] == ["urban_in_county", "urban_school_in_county"]
    assert "城区 1,000 人" in warnings[0].text
    assert "1 所标为城区：一小" in warnings[1].text
    assert [w.code for w in split_warnings("自治县", split, [])] == ["urban_in_county"]
    assert split_warnings("县", {"城区": 0, "镇区": 1, "乡村": 1}, [("二小", "镇区")]) == []
    assert split_warnings("县", {"城镇": 5, "乡村": 1}, []) == []
    # in a 县级市 or 市辖区, 城区 is expected
    assert split_warnings("县级市", split, schools) == []
    assert split_warnings("市辖区", split, schools) == []
