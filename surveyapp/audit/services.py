"""Reading the audit log: scope, filters, rows for the page, JSON and XLSX."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from surveyapp.audit import ACTIONS
from surveyapp.models import AuditEntry, County, User
from surveyapp.models.account import ROLES

PAGE_SIZE = 100
HEADERS = ("时间", "用户", "角色", "操作", "对象", "原值", "新值")


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    username: str | None = None
    day_from: date | None = None
    day_to: date | None = None


def scoped(user: User) -> Select[AuditEntry]:
    """The entries the user may read (SPEC §1 "audit log": admin all, others in scope)."""
    query = select(AuditEntry)
    if user.role in {"admin", "province"}:
        return query
    if user.role == "prefecture":
        counties = select(County.id).where(County.prefecture == user.prefecture)
        return query.where(AuditEntry.county_id.in_(counties))
    return query.where(AuditEntry.county_id == user.county_id)


def entries(
    session: Session, user: User, chosen: AuditFilter, zone: tzinfo, limit: int | None = None
) -> list[AuditEntry]:
    """Newest first, filtered by action, user name and local dates (inclusive)."""
    query = scoped(user)
    if chosen.action:
        query = query.where(AuditEntry.action == chosen.action)
    if chosen.username:
        query = query.where(AuditEntry.username == chosen.username)
    if chosen.day_from:
        query = query.where(AuditEntry.at >= datetime.combine(chosen.day_from, time(), zone))
    if chosen.day_to:
        end = datetime.combine(chosen.day_to + timedelta(days=1), time(), zone)
        query = query.where(AuditEntry.at < end)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _values(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def row(entry: AuditEntry, zone: tzinfo) -> dict[str, str]:
    """One entry as the page, the export and ``renke audit`` show it."""
    return {
        "at": entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        "username": entry.username,
        "role": ROLES.get(entry.role or "", "-"),
        "action": ACTIONS.get(entry.action, entry.action),
        "action_code": entry.action,
        "target": entry.target,
        "before": _values(entry.before),
        "after": _values(entry.after),
    }


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    """The filtered log as a workbook (provincial staff live in Excel)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(list(HEADERS))
    for item in rows:
        sheet.append(
            [
                item["at"],
                item["username"],
                item["role"],
                item["action"],
                item["target"],
                item["before"],
                item["after"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_filter(values: dict[str, str]) -> tuple[AuditFilter, list[str]]:
    """The filter from a query string, and the problems of its fields (Chinese)."""
    problems: list[str] = []
    days: dict[str, date | None] = {}
    for key, words in (("from", "起始日期"), ("to", "截止日期")):
        text = (values.get(key) or "").strip()
        try:
            days[key] = date.fromisoformat(text) if text else None
        except ValueError:
            problems.append(f"{words}应写成 2026-05-01 这样的日期")
            days[key] = None
    action = (values.get("action") or "").strip() or None
    if action and action not in ACTIONS:
        problems.append("未知的操作类型")
        action = None
    username = (values.get("user") or "").strip()[:80] or None
    return AuditFilter(action, username, days["from"], days["to"]), problems
