"""Standards as data (SPEC §2.6) and the XLSX templates (SPEC §3)."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.county import read_county
from analysis.schools import COLUMNS, read_schools
from analysis.standards import available_standards, load_standard
from analysis.tables import InputRefused
from analysis.templates_xlsx import county_template, schools_template
from tests.verdict import county40

FOLDER = Path(__file__).resolve().parents[2] / "analysis" / "standards"


def test_shipped_standards() -> None:
    assert available_standards() == ("national-2017", "yunnan-2022")
    yunnan, national = load_standard(), load_standard("national-2017")
    assert yunnan.id == "yunnan-2022" and national.id == "national-2017"
    for standard in (yunnan, national):
        assert standard.indicator("sports_space").junior == 10.2
        assert (standard.cv_primary, standard.cv_junior) == (0.50, 0.45)
        assert standard.approval.threshold == 0.85
        assert standard.approval.scheme == "top2"
        assert standard.approval.interval == "korn-graubard"
        assert standard.approval.level == 0.95
        assert standard.sampling.rate == 0.0015 and standard.sampling.parent_share == 0.5
        assert standard.decline.consecutive_years == 2
        assert [v.id for v in standard.vetoes] == ["1", "2", "3", "4", "5", "6"]
        assert len(standard.government) == 15 and len(standard.quality) == 9
        # every source is written down
        assert all(source.strip() for source in standard.sources.values())
        assert all(i.source for i in standard.indicators)
    assert national.sources["indicator.sports_space"].startswith("教督〔2017〕6号")


def test_every_threshold_and_setting_has_a_source() -> None:
    for path in FOLDER.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for table in ("eligibility", "units", "sampling", "decline", "plausibility", "approval"):
            assert any(key.endswith("source") for key in data[table]), (path.name, table)
        for item in data["government"]["items"] + data["quality"]["items"]:
            assert item["source"], item


def test_a_province_writes_a_file(tmp_path: Path) -> None:
    text = (FOLDER / "yunnan-2022.toml").read_text(encoding="utf-8")
    custom = tmp_path / "other.toml"
    custom.write_text(text.replace("cv_junior = 0.45", "cv_junior = 0.40"), encoding="utf-8")
    assert load_standard(custom).cv_junior == 0.40
    broken = tmp_path / "broken.toml"
    broken.write_text(
        text.replace("cv_junior = 0.45", 'cv_junior = "0.45"').replace(
            'small_teaching_points = "exclude"', 'small_teaching_points = "drop"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputRefused) as error:
        load_standard(broken)
    assert [p.column for p in error.value.problems] == [
        "units.small_teaching_points",
        "resources.cv_junior",
    ]


def test_schools_template_names_units_and_sources() -> None:
    data = schools_template(statistics_year=2022)
    book = load_workbook(io.BytesIO(data))
    sheet = book["数据"]
    headers = [cell.value for cell in sheet[1]]
    assert "体育运动场馆面积（㎡）" in headers and "教学仪器设备值（元）" in headers
    comment = sheet.cell(row=1, column=headers.index("教学仪器设备值（元）") + 1).comment
    assert (
        comment is not None and "单位：元" in comment.text and "统计年度：2022 年" in comment.text
    )
    assert "来源：" in comment.text
    assert book["说明"].max_row >= len(COLUMNS)
    # the empty template reads, and so does a filled one
    assert read_schools(data).schools == ()
    sheet = book["数据"]
    rows = county40.schools_rows()
    for row in rows:
        sheet.append([row[c.header] if row[c.header] != "" else None for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    assert len(read_schools(out.getvalue()).schools) == 40


def test_county_template_lists_every_row_and_is_refused_empty() -> None:
    data = county_template()
    book = load_workbook(io.BytesIO(data))
    ids = [(row[0].value, row[1].value) for row in book["数据"].iter_rows(min_row=2)]
    assert ("政府保障", "8.2") in ids and ("教育质量", "9.1") in ids and ("否决", "6") in ids
    assert not any(c == "政府保障" and i in ("3", "4", "5") for c, i in ids)
    # the template as downloaded is read, and refused as not filled in (issue 9)
    with pytest.raises(InputRefused) as refused:
        read_county(data)
    assert [p.message for p in refused.value.problems] == ["未填写任何项目"]
