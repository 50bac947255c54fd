"""Adding a county to the registry: its 州市, kind (SPEC §2.5) and 行政区划代码.

A county is the same county when its 行政区划代码 matches, or its 州市 and name do by
their short names (:func:`analysis.plan.short_name`: 石林县 is 石林彝族自治县): adding
it again is refused, naming the county that is there.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.plan import short_name
from analysis.residence import kind_from_name
from analysis.vocabulary import COUNTY_KINDS
from surveyapp.models import County

CODE = re.compile(r"\d{6}")


class CountyRefused(ValueError):
    """The county cannot be added; the message (Chinese) says why."""


def same_county(
    session: Session, province: str, prefecture: str, name: str, code: str | None
) -> County | None:
    """The registry's county that these describe, or None."""
    known = session.scalars(select(County).where(County.province == province)).all()
    key = (short_name(prefecture), short_name(name))
    for county in known:
        if code and county.code == code:
            return county
        if (short_name(county.prefecture), short_name(county.name)) == key:
            return county
    return None


def add_county(
    session: Session,
    province: str,
    prefecture: str,
    name: str,
    kind: str | None = None,
    code: str | None = None,
) -> County:
    """Add a county; raises CountyRefused (a duplicate, a bad kind or code, no name)."""
    name, prefecture = name.strip(), prefecture.strip()
    code = (code or "").strip() or None
    if not name or not prefecture:
        raise CountyRefused("县名和所属州市都必须填写")
    if len(name) > 60 or len(prefecture) > 60:
        raise CountyRefused("县名或州市名过长（最多 60 字）")
    kind = kind or kind_from_name(name)
    if kind is None:
        raise CountyRefused(f"无法从县名“{name}”判断类型，请选择：{'、'.join(COUNTY_KINDS)}")
    if kind not in COUNTY_KINDS:
        raise CountyRefused(f"未知的县类型：{kind}（可选：{'、'.join(COUNTY_KINDS)}）")
    if code is not None and not CODE.fullmatch(code):
        raise CountyRefused(f"行政区划代码应为 6 位数字：{code}")
    there = same_county(session, province, prefecture, name, code)
    if there is not None:
        raise CountyRefused(
            f"已有此县：{there.prefecture}{there.name}"
            + (f"（代码 {there.code}）" if there.code else "")
        )
    county = County(province=province, prefecture=prefecture, name=name, kind=kind, code=code)
    session.add(county)
    session.flush()
    return county


def counties_of(session: Session) -> list[County]:
    return list(session.scalars(select(County).order_by(County.prefecture, County.name)))
