"""The service commands of `renke`, each against a fresh SQLite database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from renke.cli import main
from surveyapp.db import utcnow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A migrated, seeded instance shared by the read-only command tests."""
    instance = tmp_path_factory.mktemp("instance")
    env = {
        "RENKE_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'renke.sqlite3'}",
        "RENKE_PUBLIC_URL": "https://survey.example.cn",
        "SECRET_KEY": "cli-test-secret",
    }
    runner = CliRunner(env=env)
    for args in (["db", "upgrade"], ["demo", "--if-empty"]):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return runner


def test_demo_is_idempotent(seeded):
    again = seeded.invoke(main, ["demo"], catch_exceptions=False)
    assert again.exit_code == 0
    skipped = seeded.invoke(main, ["demo", "--if-empty"], catch_exceptions=False)
    assert "跳过" in skipped.output
    listed = json.loads(seeded.invoke(main, ["assessments", "--format", "json"]).output)
    # 砚山县's survey, and 德钦县's 省级评估 with its three 年度监测 years (SPEC §2.4)
    assert sorted((row["county"], row["year"], row["stage"]) for row in listed) == [
        ("德钦县", 2022, "province"),
        ("德钦县", 2023, "monitoring"),
        ("德钦县", 2024, "monitoring"),
        ("德钦县", 2025, "monitoring"),
        ("砚山县", utcnow().year, "county"),
    ]


def test_assessments_json(seeded):
    listed = json.loads(seeded.invoke(main, ["assessments", "--format", "json"]).output)
    [row] = [row for row in listed if row["county"] == "砚山县"]
    assert row["county"] == "砚山县" and row["stage"] == "county" and row["state"] == "collecting"
    assert 1100 <= row["responses"] <= 1300 and row["valid"] < row["responses"]


def test_links_json_and_qr_files(seeded, tmp_path):
    result = seeded.invoke(main, ["links", "1", "--format", "json", "--qr", str(tmp_path / "qr")])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["instrument"] for row in rows} == {"social", "staff", "student"}
    assert all(row["url"].startswith("https://survey.example.cn/s/") for row in rows)
    staff = [row for row in rows if row["instrument"] == "staff"]
    assert staff and all(row["school"] is None for row in staff)  # county-level by default
    assert len(list((tmp_path / "qr").glob("*.png"))) == len(rows)
    assert len(list((tmp_path / "qr").glob("*.svg"))) == len(rows)


def test_links_of_unknown_assessment(seeded):
    result = seeded.invoke(main, ["links", "999"])
    assert result.exit_code == 2 and "找不到评估" in result.output


def test_export_csv_to_stdout(seeded):
    result = seeded.invoke(main, ["export", "1", "--format", "csv", "-o", "-"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert 1100 <= len(rows) <= 1300
    assert {row["group"] for row in rows} == {
        "学生",
        "家长",
        "教师",
        "校长",
        "人大代表",
        "政协委员",
        "其他群众",
    }
    assert {row["valid"] for row in rows} == {"0", "1"}


def test_export_xlsx_file(seeded, tmp_path):
    target = tmp_path / "out.xlsx"
    result = seeded.invoke(main, ["export", "1", "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = load_workbook(target, read_only=True)
    try:
        rows = list(book["数据"].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[0][:2] == ("response_id", "group") and len(rows) > 1000


def test_user_add(seeded):
    result = seeded.invoke(
        main,
        [
            "user",
            "add",
            "wang",
            "--role",
            "evaluator",
            "--county",
            "砚山县",
            "--password",
            "pw-1234567x",
        ],
    )
    assert result.exit_code == 0, result.output
    duplicate = seeded.invoke(
        main, ["user", "add", "wang", "--role", "province", "--password", "long-enough-pw"]
    )
    assert duplicate.exit_code == 2 and "已存在" in duplicate.output
    no_county = seeded.invoke(
        main, ["user", "add", "li", "--role", "evaluator", "--password", "long-enough-pw"]
    )
    assert no_county.exit_code == 2 and "必须指定所属县" in no_county.output


def test_user_add_refuses_an_ambiguous_county(seeded, monkeypatch):
    from surveyapp import create_app, db
    from surveyapp.models import County

    for key, value in seeded.env.items():
        monkeypatch.setenv(key, value)
    app = create_app()
    with app.app_context():
        session = db.session()
        session.add_all(
            [
                County(province="甘肃省", prefecture="兰州市", name="城关区"),
                County(province="西藏自治区", prefecture="拉萨市", name="城关区"),
            ]
        )
        session.commit()
    app.extensions["renke.engine"].dispose()
    add = ["user", "add", "li", "--role", "evaluator", "--password", "long-enough-pw", "--county"]
    ambiguous = seeded.invoke(main, [*add, "城关区"])
    assert ambiguous.exit_code == 2 and "有多个县叫 城关区" in ambiguous.output
    chosen = seeded.invoke(main, [*add, "拉萨市/城关区"])
    assert chosen.exit_code == 0, chosen.output


def test_serve_announces_sign_in_and_a_demo_link_that_opens(seeded, monkeypatch):
    """`make run` prints the sign-in and one respondent link to open at once."""
    import re

    import surveyapp.serve

    served = []
    monkeypatch.setattr(surveyapp.serve, "serve", lambda *args: served.append(args))
    result = seeded.invoke(main, ["serve", "--announce", "--port", "5099"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert served and served[0][:2] == ("127.0.0.1", 5099)
    assert "用户名 demo  密码 renke-demo" in result.output
    [token] = re.findall(r"可直接打开： http://127\.0\.0\.1:5099/s/([A-Za-z0-9_-]+)", result.output)
    links = json.loads(seeded.invoke(main, ["links", "1", "--format", "json"]).stdout)
    social = [row for row in links if row["url"].endswith(f"/s/{token}")]
    assert social and social[0]["instrument"] == "social" and social[0]["school"] is None
