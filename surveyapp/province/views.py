"""The province's overview: every county against its planned year (SPEC §2.4, §5)."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select

from analysis.plan import FIRST_YEAR, read_plan
from analysis.schedule import STAGES
from analysis.tables import InputRefused
from surveyapp import db
from surveyapp.auth import login_required
from surveyapp.models import County
from surveyapp.province import services
from surveyapp.province.export import (
    COLUMNS,
    monitoring_status,
    overview_xlsx,
    rows_html,
    year_chart,
)
from surveyapp.province.monitoring import monitoring_of

blueprint = Blueprint("province", __name__, url_prefix="/province")
DEFAULT_PROVINCE = "云南省"
PROVINCE_ROLES = {"admin", "province"}


def _require_province_role() -> None:
    if g.user.role not in PROVINCE_ROLES:
        abort(403)


def _province() -> str:
    names = db.session().scalars(select(County.province).distinct().order_by(County.province)).all()
    asked = request.args.get("province")
    if asked in names:
        return str(asked)
    return DEFAULT_PROVINCE if DEFAULT_PROVINCE in names or not names else names[0]


def _filters() -> tuple[services.Filters, str, bool]:
    """The filters and sort from the query string; anything unknown is ignored."""
    args = request.args
    year = args.get("year", "")
    stage = args.get("stage") if args.get("stage") in STAGES else None
    verdict = args.get("verdict") if args.get("verdict") in services.VERDICT_FILTERS else None
    filters = services.Filters(
        prefecture=args.get("prefecture") or None,
        planned_year=int(year) if re.fullmatch(r"20[2-3]\d", year) else None,
        stage=stage,
        verdict=verdict,
    )
    sort = args.get("sort", "planned_year")
    return filters, sort if sort in services.SORT_KEYS else "planned_year", args.get("desc") == "1"


def _page_asked() -> tuple[int, int | None]:
    """The page asked for and its size: ``page=N`` (from 1), ``page=all`` for every row
    (size None); anything else is the first page, as unknown filters are ignored. A
    number too long to be a page is out of range (0)."""
    asked = request.args.get("page", "")
    if asked == "all":
        return 1, None
    if re.fullmatch(r"[0-9]+", asked):
        return (int(asked) if len(asked) <= 9 else 0), services.PAGE_SIZE
    return 1, services.PAGE_SIZE


def _page_urls(query: dict[str, Any], page: services.Page) -> dict[int | str, str]:
    """The links of the pager, each keeping the filters and the sort: the numbered pages,
    "all" (every row on one page) and "paged" (back to the first page of 200)."""
    urls: dict[int | str, str] = {
        number: url_for("province.index", **query, page=number)
        for number in page.numbers()
        if number is not None
    }
    urls["all"] = url_for("province.index", **query, page="all")
    urls["paged"] = url_for("province.index", **query)
    return urls


@blueprint.get("/")
@login_required
def index() -> ResponseReturnValue:
    _require_province_role()
    province = _province()
    filters, sort, descending = _filters()
    number, size = _page_asked()
    now = db.utcnow()
    result = services.overview(db.session(), province, now, filters, sort, descending)
    page = services.Page(number, size, len(result.rows))
    query = _query(province, filters)
    order: dict[str, Any] = {"sort": sort, "desc": "1" if descending else "0"}
    page_html = render_template(
        "province/index.html",
        province=province,
        overview=result,
        page=page,
        page_size=services.PAGE_SIZE,
        page_urls=_page_urls({**query, **order}, page),
        table_rows=_table_rows(page, result.rows),
        headings=[(heading, key) for heading, _, key in COLUMNS[:-1]],
        # sorting starts again at the first page, or stays on every row (全部列出)
        sort_urls=_sort_urls({**query, "page": None if size else "all"}, sort, descending),
        export_url=url_for("province.export", **query, **order),
        chart=year_chart(result.by_year),
        # the plan's years (the chart may also show earlier years of recorded 认定年份)
        planned_years=[y.year for y in result.by_year if y.year >= FIRST_YEAR],
        filters=filters,
        sort=sort,
        descending=descending,
        stages=STAGES,
        verdicts=services.VERDICT_FILTERS,
    )
    # a page past the last: the overview with a clear notice and links, as a 404
    return page_html, 200 if page.exists else 404


def _table_rows(page: services.Page, rows: list[services.CountyRow]) -> Markup:
    """The page's rows as HTML, numbered on from the pages before, each county linking to
    its assessment and (when certified) its monitoring page."""
    detail_prefix = url_for("assessments.detail", assessment_id=0).removesuffix("0")
    # "/province/county/{}/monitoring": the county's id goes in the middle
    monitoring_url = url_for("province.monitoring", county_id=0).replace("/0/", "/{}/")
    return rows_html(page.rows(rows), page.start + 1, detail_prefix, monitoring_url)


def _query(province: str, filters: services.Filters) -> dict[str, Any]:
    """The filters as query arguments (None ones are left out of the URLs)."""
    return {
        "province": province if request.args.get("province") == province else None,
        "prefecture": filters.prefecture,
        "year": filters.planned_year,
        "stage": filters.stage,
        "verdict": filters.verdict,
    }


def _sort_urls(query: dict[str, Any], sort: str, descending: bool) -> dict[str, str]:
    """Each sortable column's heading link, the filters kept: ascending, or descending
    when that column is the sort already, ascending."""
    return {
        key: url_for(
            "province.index", **query, sort=key, desc="1" if key == sort and not descending else "0"
        )
        for _, _, key in COLUMNS
        if key
    }


@blueprint.get("/county/<int:county_id>/monitoring")
@login_required
def monitoring(county_id: int) -> str:
    """A certified county's 年度监测 year by year, from stored summaries."""
    _require_province_role()
    session = db.session()
    county = session.get(County, county_id)
    if county is None:
        abort(404)
    return render_template(
        "province/monitoring.html",
        county=county,
        monitoring=monitoring_of(session, county),
        stages=STAGES,
        status=monitoring_status,
    )


@blueprint.get("/export.xlsx")
@login_required
def export() -> Response:
    _require_province_role()
    province = _province()
    filters, sort, descending = _filters()
    now = db.utcnow()
    result = services.overview(db.session(), province, now, filters, sort, descending)
    return Response(
        overview_xlsx(result, province, now),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=renke-province.xlsx"},
    )


@blueprint.post("/plan")
@login_required
def plan_upload() -> ResponseReturnValue:
    _require_province_role()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择规划表文件", "warning")
        return redirect(url_for("province.index"))
    session = db.session()
    try:
        zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
        plan = read_plan(upload.read(), name=upload.filename, this_year=services.current_year(zone))
    except InputRefused as refused:
        problems = [str(p) for p in refused.problems]
        return render_template("province/plan_refused.html", problems=problems), 422
    result = services.import_plan(session, plan, _province())
    session.commit()
    flash(
        f"规划表已导入：新增 {result.created} 个县，更新 {result.updated} 个，未变 {result.unchanged} 个"
    )
    return redirect(url_for("province.index"))


@blueprint.post("/refresh")
@login_required
def refresh() -> ResponseReturnValue:
    _require_province_role()
    session = db.session()
    zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
    count = services.refresh_province(session, _province(), zone)
    session.commit()
    flash(f"已重新计算 {count} 个县的结论摘要")
    return redirect(url_for("province.index"))
