"""The export round-trips through `renke analyze` (English and Chinese headers, CSV and
XLSX), and `renke links --posters` writes a poster per link whose QR decodes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from openpyxl import load_workbook
from PIL import Image

from analysis.responses import CHINESE_HEADERS
from renke.cli import main

PUBLIC = "https://survey.example.cn"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> CliRunner:
    instance = tmp_path_factory.mktemp("instance")
    env = {
        "RENKE_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'renke.sqlite3'}",
        "RENKE_PUBLIC_URL": PUBLIC,
        "SECRET_KEY": "cli-test-secret",
    }
    runner = CliRunner(env=env)
    for args in (["db", "upgrade"], ["demo", "--if-empty"]):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return runner


def analyze(runner: CliRunner, path: Path) -> dict[str, object]:
    result = runner.invoke(main, ["analyze", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output  # met or not, never refused
    body: dict[str, object] = json.loads(result.stdout)
    return body


def test_export_round_trips_through_analyze(seeded: CliRunner, tmp_path: Path) -> None:
    results = {}
    for fmt, headers in (("csv", "en"), ("csv", "zh"), ("xlsx", "zh")):
        target = tmp_path / f"out-{headers}.{fmt}"
        args = ["export", "1", "--format", fmt, "--headers", headers, "-o", str(target)]
        exported = seeded.invoke(main, args)
        assert exported.exit_code == 0, exported.output
        results[(fmt, headers)] = analyze(seeded, target)
    english = results[("csv", "en")]
    assert english["sample"]["n_valid"] > 1000  # type: ignore[index]
    for other in (results[("csv", "zh")], results[("xlsx", "zh")]):
        assert other["overall"] == english["overall"]
        assert other["groups"] == english["groups"]
        assert other["sample"] == english["sample"]


def test_chinese_headers_are_the_spec_aliases(seeded: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "zh.xlsx"
    args = ["export", "1", "--format", "xlsx", "--headers", "zh", "-o", str(target)]
    assert seeded.invoke(main, args).exit_code == 0
    book = load_workbook(target, read_only=True)
    try:
        header = next(book["数据"].iter_rows(values_only=True))
    finally:
        book.close()
    assert header[:3] == ("编号", "群体", "学校代码")
    assert "方式" in header and "用时（秒）" in header
    assert set(CHINESE_HEADERS.values()) - set(header) == {"逾期"}  # not an export column
    assert str(header[15]).startswith("q1 ")


def test_links_posters_writes_a_named_pdf_and_card_per_link(
    seeded: CliRunner, tmp_path: Path, cjk_font: None
) -> None:
    folder = tmp_path / "posters"
    result = seeded.invoke(main, ["links", "1", "--format", "json", "--posters", str(folder)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == len(rows) == len(list(folder.glob("*-分享图.png")))
    assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
    parents = next(r for r in rows if r["group"] == "家长" and r["school_name"])
    stem = f"{parents['school_name']}-家长-社会卷"
    with Image.open(folder / f"{stem}-分享图.png") as card:
        found = zxingcpp.read_barcodes(card.convert("L"))
        assert [code.text for code in found] == [parents["url"]]
    message = (folder / f"{stem}-分享文字.txt").read_text(encoding="utf-8")
    assert parents["url"] in message
