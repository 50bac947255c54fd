"""The migrations build exactly the schema the models describe, and go down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from surveyapp.db import Base, alembic_config, make_engine

#: A county and an assessment of it, as raw rows (the migrations' tests write below the ORM).
COUNTY_ROW = (
    "INSERT INTO county (id, province, prefecture, name, kind)"
    " VALUES (1, '云南省', '测试州', '测试县', '县')"
)
ASSESSMENT_ROW = (
    "INSERT INTO assessment (id, county_id, year, stage, title, state, standard,"
    " min_duration_s, stop_full_groups, created_at) VALUES (:id, 1, :year, :stage, 't',"
    " 'closed', 'yunnan-2022', 30, false, '2026-01-01 00:00:00')"
)


def test_models_and_migrations_agree(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_to_base_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == ScriptDirectory.from_config(config).get_current_head()
    engine.dispose()


def test_monitoring_migration_keeps_summaries_and_refuses_a_lossy_downgrade(tmp_path):
    """0015 (SPEC §2.4): existing summaries get empty measures; the 年度监测 stage exists
    only from 0015, and going back with a 年度监测 assessment stored is refused."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0014")
    engine = make_engine(url)
    assessment = ASSESSMENT_ROW
    with engine.begin() as connection:
        connection.execute(text(COUNTY_ROW))
        connection.execute(text(assessment), {"id": 1, "year": 2024, "stage": "province"})
        connection.execute(
            text(
                "INSERT INTO verdict_summary (assessment_id, computed_at, certified, reasons,"
                " frozen) VALUES (1, '2026-01-01 00:00:00', true, '[]', true)"
            )
        )
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(text(assessment), {"id": 2, "year": 2025, "stage": "monitoring"})
    command.upgrade(config, "head")
    with engine.begin() as connection:
        row = connection.execute(
            text(
                "SELECT measures, measure_labels, approval_se FROM verdict_summary"
                " WHERE assessment_id = 1"
            )
        ).one()
        assert (row.measures, row.measure_labels, row.approval_se) == ("{}", "{}", None)
        connection.execute(text(assessment), {"id": 2, "year": 2025, "stage": "monitoring"})
    with pytest.raises(RuntimeError, match="有 1 个年度监测评估"):
        command.downgrade(config, "0014")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM assessment WHERE id = 2"))
    command.downgrade(config, "0014")
    with engine.begin() as connection:
        columns = [r[1] for r in connection.execute(text("PRAGMA table_info(verdict_summary)"))]
        assert not {"measures", "measure_labels", "approval_se"} & set(columns)
        assert connection.execute(text("SELECT count(*) FROM verdict_summary")).scalar() == 1
    engine.dispose()


def test_frozen_tally_migration_refuses_to_drop_a_kept_tally(tmp_path):
    """0016: a frozen verdict keeps its responses' tally; going back would drop it from a
    signed record, so it is refused while one is stored."""
    import pytest
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0016")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(COUNTY_ROW))
        connection.execute(text(ASSESSMENT_ROW), {"id": 1, "year": 2024, "stage": "county"})
        connection.execute(
            text(
                "INSERT INTO verdict_freeze (assessment_id, stage, frozen_at, frozen_by_name,"
                " schools_sha256, exceptions_sha256, standard, certified, invalidations,"
                " verdict, tally) VALUES (1, 'county', '2026-01-01 00:00:00', 'boss', 'a', 'b',"
                " 'yunnan-2022', false, 0, '{}', '[]')"
            )
        )
    with pytest.raises(RuntimeError, match="1 份定稿保存了答卷统计"):
        command.downgrade(config, "0015")
    with engine.begin() as connection:
        connection.execute(text("UPDATE verdict_freeze SET tally = NULL"))
    command.downgrade(config, "0015")
    with engine.begin() as connection:
        columns = [r[1] for r in connection.execute(text("PRAGMA table_info(verdict_freeze)"))]
        assert "tally" not in columns
        assert connection.execute(text("SELECT count(*) FROM verdict_freeze")).scalar() == 1
    engine.dispose()


def test_certified_year_migration_refuses_to_drop_a_recorded_year(tmp_path):
    """0017: a county's 认定年份 recorded from the plan (certified before Renke); going
    back would drop the province's record, so it is refused while one is stored."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0017")
    engine = make_engine(url)
    county = (
        "INSERT INTO county (id, province, prefecture, name, kind, certified_year)"
        " VALUES (:id, '云南省', '测试州', :name, '县', :year)"
    )
    with engine.begin() as connection:
        connection.execute(text(county), {"id": 1, "name": "甲县", "year": None})
        connection.execute(text(county), {"id": 2, "name": "乙县", "year": 2023})
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(text(county), {"id": 3, "name": "丙县", "year": 2016})
    with pytest.raises(RuntimeError, match="1 个县记录了认定年份"):
        command.downgrade(config, "0016")
    with engine.begin() as connection:
        connection.execute(text("UPDATE county SET certified_year = NULL"))
    command.downgrade(config, "0016")
    with engine.begin() as connection:
        columns = [r[1] for r in connection.execute(text("PRAGMA table_info(county)"))]
        assert "certified_year" not in columns and "planned_year" in columns
        assert connection.execute(text("SELECT count(*) FROM county")).scalar() == 2
    command.upgrade(config, "head")
    engine.dispose()
