"""The demo county (砚山县): schools, a collecting assessment, links and responses.

Everything here is synthetic and labelled so; the school names follow the county's
real towns, the figures do not describe them. Seeding is idempotent. 砚山县 is a 县: its
county seat (江那镇) is 镇区 in the statistics office's classes, so its schools are coded
镇区 and its 城区 population is 0 (SPEC §2.5). The synthetic responses meet the demo's own
sample plan (N = ⌈466,000 × 1.5‰⌉ = 699; 家长 over half; every group present). Beside
it, the Yunnan plan, a monitored county (德钦县) and two counties whose 认定年份 (a
certification before Renke) is recorded through the plan import.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from analysis.plan import read_plan, yunnan_plan
from analysis.residence import area_of
from analysis.sampling import largest_remainder
from analysis.schemes import Scheme
from analysis.vocabulary import OUTSIDE, RESIDENCES
from surveyapp.accounts.services import add_user
from surveyapp.assessments.setup import create_assessment, create_default_links
from surveyapp.db import utcnow
from surveyapp.models import (
    Assessment,
    CollectionLink,
    County,
    Questionnaire,
    Response,
    School,
    User,
)
from surveyapp.models.assessment import STAGES
from surveyapp.province.services import import_plan
from surveyapp.questionnaires.builtin import SCALE
from surveyapp.responses import response_row
from surveyapp.standards import scheme_for

DEMO_USER = "demo"
DEMO_PASSWORD = "renke-demo"
DEMO_POPULATION_SOURCE = "示例数据（非官方统计），仅供演示"

# (code, name, kind, area, 小学在校生, 初中在校生)
SCHOOLS = [
    ("5326220001", "砚山县第一中学", "完全中学", "镇区", 0, 2150),
    ("5326220002", "砚山县第二中学", "初中", "镇区", 0, 1860),
    ("5326220003", "砚山县第三中学", "初中", "镇区", 0, 1420),
    ("5326220004", "砚山县民族中学", "完全中学", "镇区", 0, 1180),
    ("5326220005", "砚山县实验小学", "小学", "镇区", 1960, 0),
    ("5326220006", "砚山县第一小学", "小学", "镇区", 1720, 0),
    ("5326220007", "砚山县第二小学", "小学", "镇区", 1540, 0),
    ("5326220008", "砚山县第三小学", "小学", "镇区", 1280, 0),
    ("5326220009", "砚山县江那镇中心学校", "小学", "镇区", 980, 0),
    ("5326220010", "砚山县第四中学", "九年一贯制", "镇区", 920, 760),
    ("5326220011", "砚山县平远镇中学", "初中", "镇区", 0, 1650),
    ("5326220012", "砚山县平远镇中心学校", "小学", "镇区", 1420, 0),
    ("5326220013", "砚山县稼依镇中学", "初中", "镇区", 0, 1230),
    ("5326220014", "砚山县稼依镇中心学校", "小学", "镇区", 1160, 0),
    ("5326220015", "砚山县阿猛镇中学", "初中", "镇区", 0, 980),
    ("5326220016", "砚山县阿猛镇中心学校", "小学", "镇区", 1010, 0),
    ("5326220017", "砚山县阿舍乡中学", "初中", "乡村", 0, 640),
    ("5326220018", "砚山县阿舍乡中心学校", "小学", "乡村", 720, 0),
    ("5326220019", "砚山县维摩乡中学", "初中", "乡村", 0, 870),
    ("5326220020", "砚山县维摩乡中心学校", "小学", "乡村", 930, 0),
    ("5326220021", "砚山县干河乡九年一贯制学校", "九年一贯制", "乡村", 560, 430),
    ("5326220022", "砚山县八嘎乡中学", "初中", "乡村", 0, 520),
    ("5326220023", "砚山县八嘎乡中心学校", "小学", "乡村", 610, 0),
    ("5326220024", "砚山县者腊乡中学", "初中", "乡村", 0, 480),
    ("5326220025", "砚山县者腊乡中心学校", "小学", "乡村", 540, 0),
    ("5326220026", "砚山县盘龙乡中学", "初中", "乡村", 0, 590),
    ("5326220027", "砚山县盘龙乡中心学校", "小学", "乡村", 660, 0),
    ("5326220028", "砚山县蚌峨乡中心学校", "小学", "乡村", 420, 0),
    ("5326220029", "砚山县平远镇大各大村教学点", "教学点", "乡村", 38, 0),
    ("5326220030", "砚山县维摩乡长岭街村教学点", "教学点", "乡村", 64, 0),
    ("5326220031", "砚山县特殊教育学校", "特殊教育学校", "镇区", 96, 42),
]

# The 县城 of 砚山县 is 江那镇: the schools there answer 县城（市区）, which in a 县 is 镇区
# (SPEC §2.5); the other 镇 schools answer 镇上, the 乡 schools 乡政府所在地 or 村里.
SEAT_SCHOOLS = frozenset({f"53262200{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31)})

# Each group's share of the synthetic responses (per mille) and its approval propensity:
# 家长 well over half of the valid sample, every group present (SPEC §2.5 sample check).
DEMO_MIX = {
    "家长": (540, 0.91),
    "学生": (160, 0.94),
    "教师": (100, 0.88),
    "校长": (45, 0.92),
    "人大代表": (50, 0.90),
    "政协委员": (50, 0.89),
    "其他群众": (55, 0.84),
}
DEMO_TOTAL = 1200
BATCH = 5000
RESPONSE_TABLE = Response.metadata.tables["response"]


def has_any_assessment(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Assessment)) or 0) > 0


def add_schools(county: County, rows: Sequence[tuple[str, str, str, str, int, int]]) -> None:
    """The demo's schools of a county: (code, name, kind, area, 小学生, 初中生) rows."""
    for code, name, kind, area, primary, junior in rows:
        county.schools.append(
            School(
                code=code,
                name=name,
                kind=kind,
                area=area,
                primary_students=primary,
                junior_students=junior,
            )
        )


def seed_demo(session: Session, *, responses: bool = True, seed: int = 2026) -> Assessment:
    """Create the demo county once; return its assessment (existing or new)."""
    county = session.scalars(
        select(County).where(County.province == "云南省", County.name == "砚山县")
    ).one_or_none()
    if county is not None:
        existing = session.scalars(
            select(Assessment).where(Assessment.county_id == county.id).order_by(Assessment.id)
        ).first()
        if existing is not None:
            return existing
    else:
        county = County(province="云南省", prefecture="文山壮族苗族自治州", name="砚山县")
        session.add(county)
        add_schools(county, SCHOOLS)
        session.flush()

    now = utcnow()
    assessment = create_assessment(
        session,
        county=county,
        year=now.year,
        stage="county",
        title=f"砚山县{now.year}年义务教育优质均衡发展社会认可度调查（演示）",
        # A 县: its 县城 is 镇区, so 城区 is 0 (统计上划分城乡的规定, SPEC §2.5).
        population=466_000,
        population_urban=0,
        population_town=206_000,
        population_rural=260_000,
        population_source=DEMO_POPULATION_SOURCE,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=14),
    )
    assessment.open()
    session.flush()
    create_default_links(session, assessment)
    if not session.scalars(select(User).where(User.username == DEMO_USER)).first():
        add_user(session, DEMO_USER, DEMO_PASSWORD, "evaluator", county)
    session.flush()
    add_demo_files(session, assessment)
    if responses:
        set_demo_responses(session, assessment, DEMO_TOTAL, random.Random(seed))
    # The province's schedule (云政教督〔2022〕2号): 砚山县 is planned for 2024, and the
    # province's overview lists every county of Yunnan beside it.
    import_plan(session, yunnan_plan(), "云南省")
    import_plan(session, read_plan(RECORDED_PLAN, name="示例认定年份.csv"), "云南省")
    if responses:
        seed_monitored_county(session)
    return assessment


# Certifications made before Renke, recorded by the province (认定年份, docs/province.md):
# two counties the plan schedules for 2022, imported as a province would import them —
# synthetic (示例), not the counties' real record. They count as certified from those
# years, with no Renke verdict of them and no 年度监测 yet.
RECORDED_PLAN = (
    "州市,县,规划年份,认定年份\n曲靖市,沾益区,2022,2023\n玉溪市,红塔区,2022,2024\n"
).encode()

# 年度监测 (SPEC §2.4): 德钦县 (planned 2022) passed its 省级评估 in 2022 and is monitored
# every year after. Synthetic, small (N = ⌈66,000 × 1.5‰⌉ = 99; 160 responses a year):
# 2023 the approval is a little lower, within noise (90.5% → 89.3%, p = 0.18: listed, not
# 下滑); 2024 政府保障第 1 项 falls to 不达标 (下滑, 问责; the approval's fall to 87.5%,
# p = 0.08, is listed); 2025 a school falls below 第六条 (下滑 again: the second
# consecutive year, 撤销称号; 问责). Each year is frozen by the demo's province account.
MONITORED = "德钦县"
MONITORED_PREFECTURE = "迪庆藏族自治州"
MONITORED_SCHOOLS = [
    ("5334220001", "德钦县第一中学", "初中", "镇区", 0, 900),
    ("5334220002", "德钦县升平镇完全小学", "小学", "镇区", 1100, 0),
    ("5334220003", "德钦县奔子栏镇中心学校", "九年一贯制", "镇区", 600, 400),
    ("5334220004", "德钦县燕门乡中心学校", "小学", "乡村", 420, 0),
    ("5334220005", "德钦县云岭乡中心学校", "小学", "乡村", 380, 0),
]
MONITORED_TOTAL = 160
# year → (stage, approval shift of every group, 政府保障 items 不达标, school short of sports)
MONITORED_YEARS: dict[int, tuple[str, float, frozenset[str], str]] = {
    2022: ("province", 0.0, frozenset(), ""),
    2023: ("monitoring", -0.02, frozenset(), ""),
    2024: ("monitoring", -0.02, frozenset({"1"}), ""),
    2025: ("monitoring", 0.0, frozenset(), "5334220001"),
}
DEMO_PROVINCE_USER = "demo-sheng"


def seed_monitored_county(session: Session) -> None:
    """德钦县: a 省级评估 frozen as 达标 in 2022 and three 年度监测 years, each with its
    files and responses, summarised by the same services as an upload and a freeze."""
    from surveyapp.demo_files import county_csv, schools_csv
    from surveyapp.imports.services import accept_upload
    from surveyapp.verdicts.services import freeze_verdict

    county = session.scalars(
        select(County).where(County.province == "云南省", County.name == MONITORED)
    ).one()
    if session.scalars(select(Assessment.id).where(Assessment.county_id == county.id)).first():
        return
    add_schools(county, MONITORED_SCHOOLS)
    province_user = session.scalars(select(User).where(User.username == DEMO_PROVINCE_USER)).first()
    if province_user is None:
        province_user = add_user(session, DEMO_PROVINCE_USER, DEMO_PASSWORD, "province", None)
    session.flush()
    zone = ZoneInfo("Asia/Shanghai")
    rng = random.Random(2022)  # its own draws: the same figures whatever the demo's seed
    for year, (stage, shift, failing, short) in MONITORED_YEARS.items():
        opens = datetime(year, 10, 8, 1, tzinfo=UTC)
        assessment = create_assessment(
            session,
            county=county,
            year=year,
            stage=stage,
            title=f"{MONITORED}{year}年{STAGES[stage]}（演示）",
            population=66_000,
            population_urban=0,
            population_town=24_000,
            population_rural=42_000,
            population_source=DEMO_POPULATION_SOURCE,
            opens_at=opens,
            closes_at=opens + timedelta(days=14),
        )
        assessment.open()
        session.flush()
        create_default_links(session, assessment)
        counts = largest_remainder(
            MONITORED_TOTAL, {g: share for g, (share, _) in DEMO_MIX.items()}
        )
        add_synthetic_responses(session, assessment, counts, rng, invalid=False, shift=shift)
        now = opens + timedelta(days=20)
        schools = schools_csv(MONITORED_SCHOOLS, seed=year, short_of_sports=short)
        accept_upload(
            session, assessment, "schools", f"{MONITORED}学校数据（示例）.csv", schools, None, now
        )
        files = county_csv(year, name=MONITORED, population=66_000, failing=failing)
        accept_upload(
            session, assessment, "county", f"{MONITORED}县级数据（示例）.csv", files, None, now
        )
        # Every year signed (定稿) by the province, as 第十四条 has it.
        freeze_verdict(session, assessment, province_user, utcnow(), zone)


def add_demo_files(session: Session, assessment: Assessment) -> None:
    """The schools and county files, accepted through the same checks as an upload."""
    from surveyapp.demo_files import county_csv, schools_csv
    from surveyapp.imports.services import accept_upload

    now = utcnow()
    accept_upload(
        session,
        assessment,
        "schools",
        "砚山县学校数据（示例）.csv",
        schools_csv(SCHOOLS),
        None,
        now,
    )
    accept_upload(
        session,
        assessment,
        "county",
        "砚山县县级数据（示例）.csv",
        county_csv(assessment.year),
        None,
        now,
    )


def set_demo_responses(
    session: Session,
    assessment: Assessment,
    total: int,
    rng: random.Random,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Exactly ``total`` synthetic responses in the assessment (those there are replaced).

    For benchmarks (``renke demo --responses N``, SPEC §5): the groups in the demo's mix,
    spread over the part of the window already past, inserted in batches.
    """
    session.execute(delete(Response).where(Response.assessment_id == assessment.id))
    counts = largest_remainder(total, {group: share for group, (share, _) in DEMO_MIX.items()})
    return add_synthetic_responses(session, assessment, counts, rng, progress=progress)


def add_synthetic_responses(
    session: Session,
    assessment: Assessment,
    counts: Mapping[str, int],
    rng: random.Random,
    *,
    invalid: bool = True,
    progress: Callable[[int], None] | None = None,
    shift: float = 0.0,
) -> int:
    """``counts[group]`` synthetic responses per group through the assessment's links,
    each group's approval propensity moved by ``shift``.

    Residence follows the school (a 家长 of a village school may live outside the
    county, answering 县外), classed by the county's kind. With ``invalid`` a few are
    invalid: too fast, or (never a 家长) not living or working in the county.
    """
    links = session.scalars(
        select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
    ).all()
    by_group: dict[str, list[CollectionLink]] = {}
    for link in links:
        for group in link.groups:
            if link.preset_group or link.instrument != "social":
                by_group.setdefault(group, []).append(link)
    start = assessment.opens_at or utcnow() - timedelta(days=5)
    end = min(utcnow(), assessment.closes_at or utcnow())
    span = max((end - start).total_seconds(), 60.0)
    scheme = scheme_for(assessment)
    rows: list[dict[str, Any]] = []
    stored = 0
    for group, count in counts.items():
        propensity = DEMO_MIX[group][1] + shift
        for _ in range(count):
            link = rng.choice(by_group[group])
            rows.append(
                _synthetic_row(
                    assessment, link, group, propensity, scheme, rng, start, span, invalid
                )
            )
            if len(rows) == BATCH:
                stored += _insert(session, rows, progress)
    stored += _insert(session, rows, progress)
    freeze_answered_wording(session, assessment)
    return stored


def freeze_answered_wording(session: Session, assessment: Assessment) -> None:
    """Freeze each answered instrument's wording at its first response, as a real first
    response does (SPEC §2.5): the demo's wording cannot be edited under its answers."""
    first = (
        select(func.min(Response.submitted_at))
        .where(
            Response.assessment_id == Questionnaire.assessment_id,
            Response.instrument == Questionnaire.instrument,
        )
        .scalar_subquery()
    )
    session.execute(
        update(Questionnaire)
        .where(
            Questionnaire.assessment_id == assessment.id,
            Questionnaire.frozen_at.is_(None),
            first.is_not(None),
        )
        .values(frozen_at=first)
        .execution_options(synchronize_session="fetch")
    )


def _insert(
    session: Session, rows: list[dict[str, Any]], progress: Callable[[int], None] | None
) -> int:
    if not rows:
        return 0
    # A Core executemany: no RETURNING, no ORM bookkeeping (100,000 rows in seconds).
    session.connection().execute(insert(RESPONSE_TABLE), rows)
    count = len(rows)
    rows.clear()
    if progress is not None:
        progress(count)
    return count


def _synthetic_row(
    assessment: Assessment,
    link: CollectionLink,
    group: str,
    propensity: float,
    scheme: Scheme,
    rng: random.Random,
    start: datetime,
    span: float,
    invalid: bool,
) -> dict[str, Any]:
    answers = {item: _answer(propensity, rng) for item in ITEM_IDS[link.instrument]}
    submitted = start + timedelta(seconds=rng.uniform(30, span))
    duration = max(8.0, rng.gauss(150, 50))
    reasons = []
    if invalid and duration < assessment.min_duration_s:
        reasons.append("too_fast")
    elif invalid and group != "家长" and rng.random() < 0.015:
        reasons.append("not_resident")
    residence = _residence(link.school, group, rng)
    return response_row(
        assessment_id=assessment.id,
        link_id=link.id,
        instrument=link.instrument,
        group=group,
        school_code=link.school.code if link.school else None,
        residence=residence,
        area=area_of(residence, assessment.county.kind),
        grade=_grade(link, group, rng),
        mode="自填" if rng.random() < 0.93 else "代填",
        issued_at=submitted - timedelta(seconds=duration),
        submitted_at=submitted,
        device_hash=secrets.token_hex(20),
        submission_key=secrets.token_urlsafe(16),
        reasons=reasons,
        answers=answers,
        scheme=scheme,
    )


ITEM_IDS = {
    "social": [f"q{n}" for n in range(1, 9)],
    "staff": [f"q{n}" for n in range(9, 17)],
    "student": [f"q{n}" for n in range(17, 25)],
}
SEAT, TOWN, TOWNSHIP, VILLAGE = RESIDENCES


def _answer(propensity: float, rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.04:
        return "不了解"
    if draw < 0.04 + propensity * 0.96:
        return SCALE[0] if rng.random() < 0.62 else SCALE[1]
    return SCALE[2] if rng.random() < 0.7 else SCALE[3]


def _residence(school: School | None, group: str, rng: random.Random) -> str:
    """Where a respondent lives: near the school mostly; a county link, anywhere."""
    draw = rng.random()
    if school is None:
        return rng.choices((SEAT, TOWN, TOWNSHIP, VILLAGE, OUTSIDE), (30, 22, 12, 34, 2))[0]
    in_seat = school.code in SEAT_SCHOOLS or school.area == "城区"
    if group == "家长" and not in_seat and draw < 0.08:
        return OUTSIDE  # parents working away; the grandparents answer too
    if in_seat:
        return SEAT if draw < 0.85 else rng.choice((TOWN, VILLAGE))
    if school.area == "镇区":
        return TOWN if draw < 0.6 else VILLAGE
    return TOWNSHIP if draw < 0.3 else VILLAGE


def _grade(link: CollectionLink, group: str, rng: random.Random) -> int | None:
    if group not in ("学生", "家长"):
        return None
    lowest = 3 if group == "学生" else 1
    if link.school is None:
        return rng.randint(lowest, 9)
    return _grade_for(link.school.kind, rng, lowest)


def _grade_for(kind: str, rng: random.Random, lowest: int) -> int:
    if kind in {"初中", "完全中学"}:
        return rng.randint(7, 9)
    if kind in {"小学", "教学点"}:
        return rng.randint(lowest, 6)
    return rng.randint(lowest, 9)
