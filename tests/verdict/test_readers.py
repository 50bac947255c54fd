"""The schools and county readers (SPEC §3): officials' files, refused whole when bad."""

from __future__ import annotations

import pytest

from analysis.county import read_county
from analysis.schools import read_schools
from analysis.tables import InputRefused
from tests.verdict.factory import HEADERS, county_rows, school, to_csv, to_xlsx


def _messages(error: pytest.ExceptionInfo[InputRefused]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# ----------------------------------------------------------------- schools


def test_schools_excel_habits_csv_and_xlsx() -> None:
    row = school("5301", "甲小学 ", primary=500)
    row["小学在校生数"] = "５００"  # full-width digits
    row["教学仪器设备值"] = "1,300,000"  # thousands separators
    row["学校类型"] = "小学 "  # trailing space
    for data in (
        to_csv([row], HEADERS),
        to_xlsx([row], HEADERS),
        to_csv([row], HEADERS, "gb18030"),
    ):
        (parsed,) = read_schools(data).schools
        assert parsed.primary_students == 500
        assert parsed.figure("equipment_value") == 1_300_000
        assert parsed.name == "甲小学"


def test_schools_headers_with_units_are_accepted() -> None:
    row = school("5301", "甲小学", primary=500)
    headers = [h.replace("体育运动场馆面积", "体育运动场馆面积（㎡）") for h in HEADERS]
    data = dict(row)
    data["体育运动场馆面积（㎡）"] = data.pop("体育运动场馆面积")
    (parsed,) = read_schools(to_csv([data], headers)).schools
    assert parsed.figure("sports_area") == row["体育运动场馆面积"]


def test_schools_total_row_refused_with_exact_message() -> None:
    rows = [school("1", "甲小学"), school("2", "乙小学")]
    total = {h: "" for h in HEADERS}
    total["学校名称"] = "合计"
    total["小学在校生数"] = 1000
    with pytest.raises(InputRefused) as error:
        read_schools(to_csv([*rows, total], HEADERS))
    assert _messages(error) == ["第4行是合计行，请删除后重新上传"]


def test_schools_bad_file_lists_every_problem() -> None:
    rows = [
        school("1", "甲小学", 小学在校生数="五百"),
        school("1", "乙小学"),
        school("3", "丙学校", "高级中学"),
        school("4", "丁小学", 初中在校生数=20),
        school("5", "戊中学", "初中", 初中县级以上骨干教师数=""),
        school("6", "己中学", "初中", 音乐专用教室最小面积=""),
    ]
    with pytest.raises(InputRefused) as error:
        read_schools(to_csv(rows, HEADERS))
    assert _messages(error) == [
        "第2行，“小学在校生数”列：“五百”不是数字",
        "第3行，“学校代码”列：“1”与第2行重复",
        "第4行，“学校类型”列：“高级中学”不是可选值（小学 / 初中 / 九年一贯制 / 十二年一贯制 / 完全中学 / 教学点 / 特殊教育学校）",
        "第5行，“初中在校生数”列：小学不应有初中在校生（学校类型与在校生数不符）",
        "第6行，“初中县级以上骨干教师数”列：不能为空（该校有初中在校生）",
        "第7行，“音乐专用教室最小面积”列：不能为空（该校有音乐专用教室）",
    ]


def test_schools_missing_columns_refused() -> None:
    headers = [h for h in HEADERS if h not in ("班级数", "学校类型")]
    with pytest.raises(InputRefused) as error:
        read_schools(to_csv([school("1", "甲")], headers))
    assert _messages(error) == ["第1行，“学校类型”列：缺少此列", "第1行，“班级数”列：缺少此列"]


def test_schools_plausibility_warnings() -> None:
    rows = [
        school("1", "甲小学", primary=500, 教学仪器设备值=130),  # 130 万元 written as 元
        school("2", "完中", "完全中学", junior=900, senior=1200, 班级数=46, 初中最大班额=48),
    ]
    warnings = [str(w) for w in read_schools(to_csv(rows, HEADERS)).warnings]
    assert warnings == [
        "第2行，“教学仪器设备值”列：甲小学生均教学仪器设备值仅 0.3 元，是否以万元填报?",
        "第3行，“班级数”列：完中义务教育平均班额仅 19.6 人（最大班额 48 人），"
        "班级数似乎包含高中班级；请只填义务教育班级数",
    ]


def test_excluded_schools_need_no_figures() -> None:
    special = {h: "" for h in HEADERS}
    special.update(
        {"学校代码": "9", "学校名称": "特校", "学校类型": "特殊教育学校", "小学在校生数": 40}
    )
    schools = read_schools(to_csv([school("1", "甲小学"), special], HEADERS)).schools
    assert len(schools) == 2


# ----------------------------------------------------------------- county


def test_county_percentages_and_decimal_warning() -> None:
    county = read_county(
        to_csv(
            county_rows(
                replace={
                    ("教育质量", "1"): ("96.5", "", ""),
                    ("教育质量", "2"): ("0.97", "", ""),
                    ("政府保障", "7"): ("６,２００", "", ""),
                }
            )
        )
    )
    assert county.entry("教育质量", "1").value == 96.5  # type: ignore[union-attr]
    assert county.entry("教育质量", "2").value == 0.97  # type: ignore[union-attr]
    assert county.entry("政府保障", "7").value == 6200  # type: ignore[union-attr]
    assert [str(w) for w in county.warnings] == [
        "第23行，“值”列：“0.97”按 0.97% 读取，是否以小数填报?"
    ]


def test_county_refusals_list_every_problem() -> None:
    rows = county_rows(
        replace={
            ("政府保障", "9"): ("98%", "达标", ""),  # contradicts its value
            ("教育质量", "3"): ("", "不适用", ""),  # 不适用 without 说明
            ("否决", "2"): ("", "可能", ""),
        },
        extra=[
            ("政府保障", "4", "", "达标", ""),  # computed from the school file
            ("政府保障", "16", "", "达标", ""),
            ("教育质量", "1", "97%", "", ""),  # duplicate
            ("政府保障", "11", "", "达标", ""),  # plain row disagreeing with 11.1
        ],
    )
    rows = [
        ({**r, "值": "8%", "判定": ""} if (r["类别"], r["编号"]) == ("政府保障", "11.1") else r)
        for r in rows
    ]
    with pytest.raises(InputRefused) as error:
        read_county(to_csv(rows))
    assert _messages(error) == [
        "第11行，“判定”列：判定“达标”与值 98% 不符（标准：达到 100%）",
        "第24行，“说明”列：判定为不适用时须在说明中写明原因",
        "第33行，“判定”列：“可能”不是可选值（是 / 否）",
        "第38行，“编号”列：政府保障第 4 项（学校规模）由学校数据计算，县级数据中不能填写，请删除此行",
        "第39行，“编号”列：政府保障没有第“16”项（可填：1、2、6、7、8、8.1、8.2、9、10、11、11.1、11.2、12、13、13.1、13.2、14、14.1、14.2、15、15.1、15.2）",
        "第40行，“编号”列：教育质量“1”与第22行重复",
        "第41行，“判定”列：判定“达标”与第 11.1 项（第13行）不达标不符",
    ]


def test_county_total_row_and_missing_columns() -> None:
    rows = county_rows() + [{"类别": "合计", "编号": "", "值": "", "判定": "", "说明": ""}]
    with pytest.raises(InputRefused) as error:
        read_county(to_xlsx(rows))
    assert _messages(error) == [f"第{len(rows) + 1}行是合计行，请删除后重新上传"]
    with pytest.raises(InputRefused) as error:
        read_county(to_csv([{"类别": "否决", "编号": "1", "值": ""}]))
    assert _messages(error) == ["第1行，“判定”列：缺少此列"]


def test_county_ids_as_officials_write_them() -> None:
    county = read_county(
        to_csv(
            county_rows(
                replace={("政府保障", "8.1"): None},
                extra=[("政府保障", "第８.１项", "", "达标", "")],
            )
        )
    )
    assert county.entry("政府保障", "8.1") is not None


def test_county_plain_row_stands_for_whole_item() -> None:
    rows = county_rows(
        replace={("政府保障", "8.1"): None, ("政府保障", "8.2"): None},
        extra=[("政府保障", "8", "", "达标", "")],
    )
    county = read_county(to_csv(rows))
    assert county.entry("政府保障", "8").judgement == "达标"  # type: ignore[union-attr]
