"""Reading the responses table (SPEC §3 "responses")."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import Workbook

from analysis.responses import read_responses, score, select_items
from analysis.schemes import TOP2, load_scheme
from analysis.tables import InputRefused
from analysis.vocabulary import GROUPS


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode(encoding) + b"\r\n"


def problems_of(source: bytes, **options: object) -> list[str]:
    with pytest.raises(InputRefused) as caught:
        read_responses(source, **options)  # type: ignore[arg-type]
    return [str(problem) for problem in caught.value.problems]


def test_english_headers_and_defaults() -> None:
    responses = read_responses(
        csv(
            """
group,q1,q2 您对学校的满意程度,extra
家长,满意,一般,x
学生,不了解,,y
"""
        )
    )
    assert [item.id for item in responses.items] == ["q1", "q2"]
    assert responses.items[1].text == "您对学校的满意程度"
    assert responses.group.tolist() == [GROUPS.index("家长"), GROUPS.index("学生")]
    assert responses.valid.all() and responses.weight.tolist() == [1.0, 1.0]
    assert responses.rows.tolist() == [2, 3]
    a, b = score(responses, TOP2)
    assert a.tolist() == [1.0, 0.0] and b.tolist() == [2.0, 0.0]


def test_chinese_headers_gb18030_and_full_width() -> None:
    text = """
编号,群体,学校代码,有效,无效原因,权重,用时（秒）,Ｑ３：您对课业负担的看法
1,家长,S01,是,,"1,000",95,比较满意
2,教师,S02,否,用时过短,0.5,12,不满意
3,学生,,TRUE,,,40,满意
"""
    responses = read_responses(csv(text, "gb18030"))
    assert responses.items[0].id == "q3" and responses.items[0].text == "您对课业负担的看法"
    assert responses.valid.tolist() == [True, False, True]
    assert responses.weight.tolist() == [1000.0, 0.5, 1.0]
    assert responses.duration_s.tolist() == [95.0, 12.0, 40.0]
    assert responses.school.values() == ["S01", "S02", None]
    assert responses.invalid_reason.values() == [None, "用时过短", None]
    assert responses.valid_rate == pytest.approx(2 / 3)


def test_xlsx() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["群体", "有效", "权重", "q1"])
    sheet.append(["家长", 1, 2, "满意"])
    sheet.append(["校长", True, None, "一般"])
    buffer = io.BytesIO()
    book.save(buffer)
    responses = read_responses(buffer.getvalue())
    assert responses.weight.tolist() == [2.0, 1.0]
    assert responses.valid.tolist() == [True, True]


def test_every_problem_by_row_and_column() -> None:
    text = """
group,valid,weight,duration_s,q1,q2
家长,1,1,30,满意,很好
老师,1,-2,abc,满意,一般
,0,,,满意,满意
,1,,,满意,满意
学生,maybe,1,,满意,很好
学生,0,1,,好,一般
"""
    found = problems_of(csv(text))
    assert found == [
        "第2行，“q2”列：“很好”不是评分方案 top2 中的选项",
        "第3行，“group”列：“老师”不是可选值（学生 / 家长 / 教师 / 校长 / 人大代表 / 政协委员 / 其他群众）",
        "第3行，“weight”列：权重“-2”应为不小于 0 的数",
        "第3行，“duration_s”列：“abc”不是数字",
        "第5行，“group”列：有效回答的群体不能为空",
        "第6行，“valid”列：“maybe”不是可选值（1/0、是/否、TRUE/FALSE）",
        "第6行，“q2”列：“很好”不是评分方案 top2 中的选项",
        # labels are checked on invalid rows too (SPEC §3)
        "第7行，“q1”列：“好”不是评分方案 top2 中的选项",
    ]


def test_total_row_is_refused_with_the_spec_message() -> None:
    found = problems_of(csv("group,q1\n家长,满意\n合计,\n"))
    assert found == ["第3行是合计行，请删除后重新上传"]


def test_missing_columns() -> None:
    assert problems_of(csv("q1\n满意\n")) == ["第1行，“group”列：缺少此列（群体）"]
    assert "缺少题目列" in problems_of(csv("group,score\n家长,1\n"))[0]


def test_duplicate_item_ids() -> None:
    found = problems_of(csv("group,q3,q3 您对学校\n家长,满意,满意\n"))
    assert found == ["第1行，“q3 您对学校”列：题号 q3 与“q3”列重复"]


def test_scheme_skip_labels(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "graded.toml"
    path.write_text(
        '"满意" = 1.0\n"比较满意" = 0.75\n"一般" = 0.5\n"不满意" = 0\nskip = ["说不清"]\n'
    )
    scheme = load_scheme(path)
    data = csv("group,q1,q2\n家长,比较满意,说不清\n家长,不了解,一般\n")
    responses = read_responses(data, scheme=scheme)
    a, b = score(responses, scheme)
    assert a.tolist() == [0.75, 0.5] and b.tolist() == [1.0, 1.0]
    # the same file under top2: 说不清 is unknown
    assert "说不清" in problems_of(data)[0]


def test_select_items() -> None:
    responses = read_responses(csv("group,q1,q2,q10\n家长,满意,一般,不满意\n"))
    assert [item.id for item in select_items(responses, ["Q2", "10"])] == ["q2", "q10"]
    with pytest.raises(InputRefused, match="没有题目“q4”"):
        select_items(responses, ["q4"])
    a, b = score(responses, TOP2, ["q1", "q2"])
    assert a.tolist() == [1.0] and b.tolist() == [2.0]


def test_blank_rows_are_dropped_and_numbering_kept() -> None:
    responses = read_responses(csv("group,q1\n家长,满意\n,\n学生,一般\n"))
    assert responses.rows.tolist() == [2, 4]
    assert np.array_equal(responses.group, [GROUPS.index("家长"), GROUPS.index("学生")])
