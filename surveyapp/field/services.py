"""Field work as plain functions taking the session (they never commit): the sheets of
posters and cards, the ZIP, custom links, and access of interviewers to links."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.vocabulary import INSTRUMENTS
from surveyapp import qr
from surveyapp.collect.links import RespondentLink
from surveyapp.field import images
from surveyapp.models import Assessment, CollectionLink, School, User
from surveyapp.models.link import GROUPS_BY_INSTRUMENT

UNSAFE_IN_NAME = re.compile(r"[\\/:*?\"<>|\s]+")


def link_sheet(link: CollectionLink, public_url: str, timezone: str) -> images.LinkSheet:
    """What the poster and the card of ``link`` say."""
    assessment = link.assessment
    closes = None
    if assessment.closes_at is not None:
        # closes_at is the first moment after the window: the last day is the one before.
        last = (assessment.closes_at - timedelta(seconds=1)).astimezone(ZoneInfo(timezone))
        closes = f"{last.year}年{last.month}月{last.day}日"
    return images.LinkSheet(
        county=assessment.county.name,
        school=link.school.name if link.school else None,
        instrument=INSTRUMENTS[link.instrument],
        audience="、".join(link.groups),
        url=qr.link_url(public_url, link.token),
        closes=closes,
    )


def link_file_stem(link: CollectionLink) -> str:
    """A file name that says which link it is: ``砚山县第一中学-家长-社会卷``."""
    where = link.school.name if link.school else f"{link.assessment.county.name}全县"
    who = link.preset_group or "全部群体"
    return UNSAFE_IN_NAME.sub("_", f"{where}-{who}-{INSTRUMENTS[link.instrument]}")


def unique_stems(links: Iterable[CollectionLink]) -> list[tuple[CollectionLink, str]]:
    """Each link with its stem; two custom links alike get their id appended."""
    pairs = [(link, link_file_stem(link)) for link in links]
    seen: dict[str, int] = {}
    for _, stem in pairs:
        seen[stem] = seen.get(stem, 0) + 1
    return [(link, stem if seen[stem] == 1 else f"{stem}-{link.id}") for link, stem in pairs]


def posters_zip(links: list[CollectionLink], public_url: str, timezone: str) -> bytes:
    """Per link: its poster (PDF and PNG), its share card and its QR (PNG and SVG)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for link, stem in unique_stems(links):
            sheet = link_sheet(link, public_url, timezone)
            archive.writestr(f"海报/{stem}.pdf", images.poster_pdf(sheet))
            archive.writestr(f"分享图/{stem}.png", images.share_card(sheet))
            archive.writestr(f"分享图/{stem}.txt", images.share_message(sheet))
            archive.writestr(f"二维码/{stem}.png", qr.qr_png(sheet.url))
            archive.writestr(f"二维码/{stem}.svg", qr.qr_svg(sheet.url))
    return buffer.getvalue()


class LinkRefused(ValueError):
    """A custom link that cannot be made as asked, with the reason in Chinese."""


def add_custom_link(
    session: Session,
    assessment: Assessment,
    *,
    label: str,
    instrument: str,
    school_code: str | None,
    group: str | None,
) -> CollectionLink:
    """An evaluator's own link beside the generated ones, checked before it is made."""
    label = label.strip()
    if not label:
        raise LinkRefused("请填写链接名称")
    if len(label) > 200:
        raise LinkRefused("链接名称不能超过 200 字")
    if instrument not in INSTRUMENTS:
        raise LinkRefused("请选择问卷")
    if group and group not in GROUPS_BY_INSTRUMENT[instrument]:
        raise LinkRefused(f"{INSTRUMENTS[instrument]}没有“{group}”这一群体")
    school = None
    if school_code:
        school = session.scalars(
            select(School).where(
                School.county_id == assessment.county_id, School.code == school_code
            )
        ).one_or_none()
        if school is None:
            raise LinkRefused(f"{assessment.county.name}没有学校代码为 {school_code} 的学校")
    link = CollectionLink(
        assessment=assessment,
        instrument=instrument,
        school=school,
        preset_group=group or None,
        label=label,
    )
    session.add(link)
    return link


def may_enter(user: User, link: RespondentLink) -> bool:
    """Who records 代填 and 纸质 answers: interviewers of the link's county (SPEC §1: its
    county's links), its evaluators, and admins (docs/field.md)."""
    if user.role == "admin":
        return True
    return user.role in {"interviewer", "evaluator"} and user.county_id == (
        link.assessment.county_id
    )
