"""The demo county (砚山县): schools, a collecting assessment, links and responses.

Everything here is synthetic and labelled so; the school names follow the county's
real towns, the figures do not describe them. Seeding is idempotent.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from surveyapp.accounts.services import add_user
from surveyapp.approval import scheme_for, score_answers
from surveyapp.assessments.setup import create_assessment, create_default_links
from surveyapp.db import utcnow
from surveyapp.models import Assessment, CollectionLink, County, Response, School, User
from surveyapp.models.response import answer_pattern, invalid_fields
from surveyapp.questionnaires.builtin import SCALE

DEMO_USER = "demo"
DEMO_PASSWORD = "renke-demo"
DEMO_POPULATION_SOURCE = "示例数据（非官方统计），仅供演示"

# (code, name, kind, area, 小学在校生, 初中在校生)
SCHOOLS = [
    ("5326220001", "砚山县第一中学", "完全中学", "城区", 0, 2150),
    ("5326220002", "砚山县第二中学", "初中", "城区", 0, 1860),
    ("5326220003", "砚山县第三中学", "初中", "城区", 0, 1420),
    ("5326220004", "砚山县民族中学", "完全中学", "城区", 0, 1180),
    ("5326220005", "砚山县实验小学", "小学", "城区", 1960, 0),
    ("5326220006", "砚山县第一小学", "小学", "城区", 1720, 0),
    ("5326220007", "砚山县第二小学", "小学", "城区", 1540, 0),
    ("5326220008", "砚山县第三小学", "小学", "城区", 1280, 0),
    ("5326220009", "砚山县江那镇中心学校", "小学", "镇区", 980, 0),
    ("5326220010", "砚山县第四中学", "九年一贯制", "城区", 920, 760),
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
    ("5326220031", "砚山县特殊教育学校", "特殊教育学校", "城区", 96, 42),
]

# How many synthetic responses each group gets, and its approval propensity.
DEMO_RESPONSES = {
    "家长": (520, 0.91),
    "学生": (260, 0.94),
    "教师": (150, 0.88),
    "校长": (40, 0.92),
    "人大代表": (60, 0.90),
    "政协委员": (55, 0.89),
    "其他群众": (115, 0.84),
}


def has_any_assessment(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Assessment)) or 0) > 0


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
        for code, name, kind, area, primary, junior in SCHOOLS:
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
        session.flush()

    now = utcnow()
    assessment = create_assessment(
        session,
        county=county,
        year=now.year,
        stage="county",
        title=f"砚山县{now.year}年义务教育优质均衡发展社会认可度调查（演示）",
        population=466_000,
        population_urban=152_000,
        population_town=118_000,
        population_rural=196_000,
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
        add_demo_responses(session, assessment, random.Random(seed))
    return assessment


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


def add_demo_responses(session: Session, assessment: Assessment, rng: random.Random) -> int:
    """About 1,200 synthetic responses over the last five days, a few of them invalid."""
    links = session.scalars(
        select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
    ).all()
    by_group: dict[str, list[CollectionLink]] = {}
    for link in links:
        for group in link.groups:
            if link.preset_group or link.instrument != "social":
                by_group.setdefault(group, []).append(link)
    item_ids = {
        "social": [f"q{n}" for n in range(1, 9)],
        "staff": [f"q{n}" for n in range(9, 17)],
        "student": [f"q{n}" for n in range(17, 25)],
    }
    areas = ["城区"] * 33 + ["镇区"] * 25 + ["乡村"] * 42
    now = utcnow()
    scheme = scheme_for(assessment)
    rows = []
    for group, (count, propensity) in DEMO_RESPONSES.items():
        for _ in range(count):
            link = rng.choice(by_group[group])
            answers = {}
            for item in item_ids[link.instrument]:
                draw = rng.random()
                if draw < 0.04:
                    answers[item] = "不了解"
                elif draw < 0.04 + propensity * 0.96:
                    answers[item] = SCALE[0] if rng.random() < 0.62 else SCALE[1]
                else:
                    answers[item] = SCALE[2] if rng.random() < 0.7 else SCALE[3]
            submitted = now - timedelta(minutes=rng.randint(1, 5 * 24 * 60))
            duration = max(8.0, rng.gauss(150, 50))
            reasons = []
            if duration < assessment.min_duration_s:
                reasons.append("too_fast")
            elif rng.random() < 0.01:
                reasons.append("not_resident")
            grade = None
            if group == "学生":
                grade = (
                    rng.randint(3, 9)
                    if link.school is None
                    else _grade_for(link.school.kind, rng, 3)
                )
            elif group == "家长":
                grade = (
                    rng.randint(1, 9)
                    if link.school is None
                    else _grade_for(link.school.kind, rng, 1)
                )
            score_sum, score_count = score_answers(answers, scheme)
            answered, straight_lined = answer_pattern(answers)
            rows.append(
                {
                    "public_id": secrets.token_hex(8),
                    "assessment_id": assessment.id,
                    "link_id": link.id,
                    "instrument": link.instrument,
                    "respondent_group": group,
                    "school_code": link.school.code if link.school else None,
                    "area": link.school.area
                    if link.school and rng.random() < 0.8
                    else rng.choice(areas),
                    "grade": grade,
                    "mode": "自填" if rng.random() < 0.93 else "代填",
                    "issued_at": submitted - timedelta(seconds=duration),
                    "submitted_at": submitted,
                    "duration_s": round(duration, 1),
                    "device_hash": secrets.token_hex(20),
                    "submission_key": secrets.token_urlsafe(16),
                    **invalid_fields(reasons),
                    "weight": 1.0,
                    "answers": answers,
                    "score_sum": score_sum,
                    "score_count": score_count,
                    "answered": answered,
                    "straight_lined": straight_lined,
                }
            )
    session.execute(insert(Response), rows)
    return len(rows)


def _grade_for(kind: str, rng: random.Random, lowest: int) -> int:
    if kind in {"初中", "完全中学"}:
        return rng.randint(7, 9)
    if kind in {"小学", "教学点"}:
        return rng.randint(lowest, 6)
    return rng.randint(lowest, 9)
