"""The assessment settings form: parsed and checked by hand, errors in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from analysis.residence import kind_from_name
from analysis.vocabulary import COUNTY_KINDS
from surveyapp.form_values import ASCII_INTEGER
from surveyapp.models import Assessment
from surveyapp.models.assessment import STAGES

POPULATION_FIELDS = (
    "population_urban",
    "population_town",
    "population_urban_town",
    "population_rural",
)
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass
class SettingsForm:
    """What was typed (kept on errors) and the error per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def settings_values(assessment: Assessment, timezone: str) -> dict[str, str]:
    """The form's fields for an existing assessment (dates shown in local time)."""
    zone = ZoneInfo(timezone)

    def day(moment: datetime | None, *, end: bool = False) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone) - (timedelta(days=1) if end else timedelta(0))
        return local.date().isoformat()

    values = {
        "prefecture": assessment.county.prefecture,
        "county": assessment.county.name,
        "year": str(assessment.year),
        "stage": assessment.stage,
        "title": assessment.title,
        "population_source": assessment.population_source or "",
        "opens": day(assessment.opens_at),
        "closes": day(assessment.closes_at, end=True),
        "min_duration_s": str(assessment.min_duration_s),
        "stop_full_groups": "1" if assessment.stop_full_groups else "",
        "kind": assessment.county.kind,
    }
    for name in ("population", *POPULATION_FIELDS):
        number = getattr(assessment, name)
        values[name] = "" if number is None else str(number)
    return values


def read_settings(
    posted: Mapping[str, str], timezone: str
) -> tuple[SettingsForm, dict[str, Any] | None]:
    """Check the posted settings; the assessment's fields, or None with the errors."""
    form = SettingsForm(values={key: (posted.get(key) or "").strip() for key in posted})
    values, errors = form.values, form.errors
    fields: dict[str, Any] = {}
    for key in ("prefecture", "county"):
        if not values.get(key):
            errors[key] = "请填写"
        elif len(values[key]) > 60:
            errors[key] = "不能超过 60 个字"
    fields["year"] = _integer(values, errors, "year", 2000, 2100, required=True)
    if values.get("stage") not in STAGES:
        errors["stage"] = "请选择评估阶段"
    fields["stage"] = values.get("stage")
    fields["title"] = values.get("title", "")[:200]
    fields["population"] = _integer(values, errors, "population", 1, 10**9)
    for name in POPULATION_FIELDS:
        fields[name] = _integer(values, errors, name, 0, 10**9)
    if not errors.keys() & set(POPULATION_FIELDS):
        _check_split(fields, errors)
    fields["kind"] = _kind(values, errors)
    fields["population_source"] = values.get("population_source") or None
    if fields["population"] is not None and not fields["population_source"]:
        errors["population_source"] = (
            "请注明常住人口的来源和年份（如：第七次全国人口普查，2020 年）"
        )
    zone = ZoneInfo(timezone)
    opens = _day(values, errors, "opens")
    closes = _day(values, errors, "closes")
    if opens and closes and closes < opens:
        errors["closes"] = "结束日期不能早于开始日期"
    # A day in the assessment's time zone: open from its start, closed at its end (SPEC §2.4).
    fields["opens_at"] = datetime.combine(opens, time(), zone) if opens else None
    fields["closes_at"] = (
        datetime.combine(closes + timedelta(days=1), time(), zone) if closes else None
    )
    fields["min_duration_s"] = _integer(values, errors, "min_duration_s", 0, 3600, required=True)
    fields["stop_full_groups"] = bool(values.get("stop_full_groups"))
    fields["prefecture"], fields["county"] = values.get("prefecture"), values.get("county")
    return form, (None if errors else fields)


def _check_split(fields: dict[str, Any], errors: dict[str, str]) -> None:
    """城区/镇区/乡村 all given, or 城镇/乡村, or none; the parts sum to 常住人口 (SPEC §2.5)."""
    urban, town, urban_town, rural = (fields[name] for name in POPULATION_FIELDS)
    if urban_town is not None and (urban is not None or town is not None):
        errors["population_urban_town"] = "城镇人口与城区、镇区人口只填一种：按统计局公布的口径"
        return
    parts = [urban_town, rural] if urban_town is not None else [urban, town, rural]
    if all(part is None for part in parts):
        return
    if None in parts:
        errors["population_rural"] = (
            "城镇、乡村两项请都填写"
            if urban_town is not None
            else "城区、镇区、乡村三项请都填写（或只填城镇、乡村两项），或都不填"
        )
    elif fields["population"] is not None and sum(parts) != fields["population"]:
        names = "两项" if urban_town is not None else "三项"
        errors["population_rural"] = (
            f"{names}之和 {sum(parts):,} 应等于常住人口 {fields['population']:,}"
        )


def _kind(values: dict[str, str], errors: dict[str, str]) -> str | None:
    """The county's kind as chosen, or from its name when left blank (SPEC §2.5)."""
    chosen = values.get("kind", "")
    if chosen and chosen not in COUNTY_KINDS:
        errors["kind"] = "请选择：县、自治县、县级市或市辖区"
        return None
    kind = chosen or kind_from_name(values.get("county", ""))
    if kind is None and values.get("county"):
        errors["kind"] = "从县名看不出类型，请选择：县、自治县、县级市或市辖区"
    return kind


def _integer(
    values: dict[str, str],
    errors: dict[str, str],
    key: str,
    low: int,
    high: int,
    *,
    required: bool = False,
) -> int | None:
    # Full-width digits become ASCII; anything else that str.isdigit() takes (²⁰³⁰, ①)
    # is not a number here, nor are more digits than any bound needs.
    text = values.get(key, "").translate(FULL_WIDTH_DIGITS).replace(",", "").replace("，", "")
    if not text:
        if required:
            errors[key] = "请填写"
        return None
    if not ASCII_INTEGER.fullmatch(text):
        errors[key] = "请填写整数"
        return None
    number = int(text)
    if not low <= number <= high:
        errors[key] = f"应在 {low:,} 到 {high:,} 之间"
        return None
    return number


def _day(values: dict[str, str], errors: dict[str, str], key: str) -> date | None:
    text = values.get(key, "")
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[key] = "日期格式应为 2026-09-01"
        return None
    if not FIRST_DAY <= day <= LAST_DAY:  # the day after 9999-12-31 does not exist
        errors[key] = f"日期应在 {FIRST_DAY.year} 到 {LAST_DAY.year} 年之间"
        return None
    return day
