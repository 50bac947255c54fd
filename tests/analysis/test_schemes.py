"""Scoring schemes (SPEC §4 "Schemes")."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.schemes import TOP2, load_scheme, scheme_from_mapping
from analysis.tables import InputRefused


def test_top2() -> None:
    assert load_scheme("top2") is TOP2
    assert TOP2.scores == {"满意": 1.0, "比较满意": 1.0, "一般": 0.0, "不满意": 0.0}
    assert TOP2.unscored == {"不了解"} and TOP2.is_binary


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "five.toml"
    path.write_text('"满意" = 1.0\n"比较满意" = 0.5\n"一般" = 0\nskip = ["不清楚"]\n', "utf-8")
    scheme = load_scheme(path)
    assert scheme.name == "five.toml" and not scheme.is_binary
    assert scheme.unscored == {"不了解", "不清楚"}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"满意": 1.5}, "不在 0 到 1 之间"),
        ({"满意": "高"}, "不是数字"),
        ({"满意": 1, "skip": "一般"}, "skip 应为标签列表"),
        ({"满意": 1, "skip": ["满意"]}, "既有分值又列在 skip 中"),
        ({"不了解": 0}, "不计分"),
        ({}, "没有计分的标签"),
    ],
)
def test_bad_schemes(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(InputRefused, match=fragment):
        scheme_from_mapping(data, name="x.toml")


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InputRefused, match="不存在"):
        load_scheme(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("满意 = = 1", "utf-8")
    with pytest.raises(InputRefused, match="无法读取评分方案"):
        load_scheme(broken)
