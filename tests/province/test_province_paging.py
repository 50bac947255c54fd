"""The overview's table in pages of 200 on both databases: filters and sort applied
before paging and kept by every page link; the summary, chart and milestones over every
county; the workbook and `renke province` always every row; a page that does not exist,
or a page argument that is not a number, never a server error."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from analysis.plan import Plan, PlannedCounty
from surveyapp.province import services
from surveyapp.province.services import PAGE_SIZE, Filters, Page

# 450 counties in three 州市 of 150: three pages of 200, 200 and 50
PREFECTURES = ("甲州", "乙州", "丙州")


@pytest.fixture
def province(session, make_user, login):
    plan = Plan(
        tuple(
            PlannedCounty(prefecture, f"{prefecture}{n:03d}县", 2022 + n % 14)
            for prefecture in PREFECTURES
            for n in range(150)
        )
    )
    services.import_plan(session, plan, "云南省")
    login(make_user("sheng", role="province"))
    session.commit()


def numbers(page):
    """The 序号 of the table's rows, in order."""
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page.get_data(as_text=True))]


def counties(page):
    return re.findall(
        r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>", page.get_data(as_text=True)
    )


def heading_link(text, key):
    """The query of the sort link in the heading of column ``key``."""
    [href] = re.findall(rf'<th><a href="([^"]*sort={key}&[^"]*)"', text)
    return parse_qs(urlsplit(html.unescape(href)).query)


def page_links(page):
    """Each page link's query, by its text (the page number, 上一页, 下一页, 全部列出)."""
    text = page.get_data(as_text=True)
    nav = text[text.index('<nav class="pager">') :]
    nav = nav[: nav.index("</nav>")]
    return {
        label: parse_qs(urlsplit(html.unescape(href)).query)
        for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)
    }


def test_the_first_page_has_200_rows_and_says_which(client, province):
    page = client.get("/province/")
    assert page.status_code == 200
    assert numbers(page) == list(range(1, PAGE_SIZE + 1))
    text = page.get_data(as_text=True)
    assert "第 1–200 个，共 450 个县" in text and "（全省" not in text
    links = page_links(page)
    assert set(links) == {"2", "3", "下一页", "全部列出"}
    assert links["下一页"]["page"] == ["2"] and links["全部列出"]["page"] == ["all"]


def test_filters_and_sort_are_applied_before_paging_and_kept_by_the_links(
    client, province, session
):
    query = "prefecture=乙州&sort=county&desc=1"
    first = client.get(f"/province/?{query}")
    text = first.get_data(as_text=True)
    assert "第 1–150 个，共 150 个县（全省 450 个）" in text
    assert counties(first)[0] == "乙州149县"  # the whole 州市 sorted, then paged
    assert page_links(first) == {}  # one page: no pager links

    everything = client.get("/province/?sort=county&desc=1&page=2")
    now = datetime.now(UTC)
    result = services.overview(session, "云南省", now, sort="county", descending=True)
    ordered = [row.county for row in result.rows]
    assert counties(everything) == ordered[200:400]
    assert numbers(everything) == list(range(201, 401))
    for label, args in page_links(everything).items():
        assert args["sort"] == ["county"] and args["desc"] == ["1"], label
    year = client.get("/province/?year=2022&stage=&verdict=pending&page=1")
    assert "共 33 个县（全省 450 个）" in year.get_data(as_text=True)
    two = client.get("/province/?verdict=pending&sort=planned_year&page=2")
    links = page_links(two)
    assert {"1", "3", "上一页", "下一页"} <= set(links)
    for args in links.values():
        assert args["verdict"] == ["pending"] and args["sort"] == ["planned_year"]


def test_the_last_page_and_every_row(client, province):
    last = client.get("/province/?page=3")
    assert last.status_code == 200
    assert numbers(last) == list(range(401, 451))
    text = last.get_data(as_text=True)
    assert "第 401–450 个，共 450 个县" in text
    assert "下一页" not in page_links(last) and "上一页" in page_links(last)
    every = client.get("/province/?page=all")
    assert numbers(every) == list(range(1, 451))
    text = every.get_data(as_text=True)
    assert "第 1–450 个，共 450 个县" in text and "分页显示（每页 200 个）" in text
    # sorting and filtering stay on every row; on a page they start again at the first
    assert '<input type="hidden" name="page" value="all">' in text
    assert heading_link(text, "county") == {"sort": ["county"], "desc": ["0"], "page": ["all"]}
    assert heading_link(last.text, "county") == {"sort": ["county"], "desc": ["0"]}


@pytest.mark.parametrize("asked", ["4", "0", "99999999999999999999"])
def test_a_page_past_the_last_is_a_clear_404(client, province, asked):
    page = client.get(f"/province/?prefecture=甲州&page={asked}")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "没有这一页：符合条件的县共 150 个，分 1 页" in text
    assert numbers(page) == [] and "没有符合条件的县" not in text
    assert "到 2025 年 20% 的县（90 个）" in text  # the milestones are still there
    [back] = re.findall(r'<a href="([^"]*)">回到第 1 页</a>', text)
    assert parse_qs(urlsplit(html.unescape(back)).query)["prefecture"] == ["甲州"]
    past = client.get("/province/?page=7")
    assert past.status_code == 404 and "看最后一页（第 3 页）" in past.get_data(as_text=True)


@pytest.mark.parametrize("asked", ["abc", "-1", "1.5", "", "２", "all2", "%00"])
def test_a_page_argument_that_is_not_a_number_is_the_first_page(client, province, asked):
    page = client.get(f"/province/?page={asked}")
    assert page.status_code == 200
    assert numbers(page) == list(range(1, PAGE_SIZE + 1))


def test_the_summary_is_over_every_county_whatever_the_page_and_filters(client, province):
    for url in ("/province/", "/province/?page=3", "/province/?prefecture=丙州&page=1"):
        text = client.get(url).get_data(as_text=True)
        assert "到 2025 年 20% 的县（90 个）" in text, url
        assert "到 2035 年 100% 的县（450 个）" in text, url
        assert (
            text.count("<option>甲州</option>") + text.count("<option selected>甲州</option>") == 1
        )


def test_the_workbook_and_the_service_have_every_row(client, province, session):
    exported = client.get("/province/export.xlsx?page=2&sort=county")
    sheet = load_workbook(io.BytesIO(exported.data)).worksheets[0]
    assert sheet.max_row - 2 == 450  # title and header rows
    now = datetime(2025, 3, 1, tzinfo=UTC)
    assert len(services.overview(session, "云南省", now).rows) == 450
    assert len(services.overview(session, "云南省", now, Filters(prefecture="甲州")).rows) == 150


def test_an_empty_filter_says_so(client, province):
    page = client.get("/province/?stage=province")  # no county has an assessment yet
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "共 0 个县（全省 450 个）" in text and "没有符合条件的县" in text


@pytest.mark.parametrize(
    ("number", "total", "expected"),
    [
        (1, 450, [1, 2, 3]),
        (1, 3000, [1, 2, 3, None, 15]),
        (8, 3000, [1, None, 6, 7, 8, 9, 10, None, 15]),
        (15, 3000, [1, None, 13, 14, 15]),
        (4, 3000, [1, 2, 3, 4, 5, 6, None, 15]),
        (1, 0, [1]),
        (99, 450, [1, None, 3]),
    ],
)
def test_the_page_numbers_linked(number, total, expected):
    assert Page(number, PAGE_SIZE, total).numbers() == expected


def test_a_page_counts_and_slices():
    assert (Page(1, 200, 0).count, Page(1, 200, 0).exists, Page(1, 200, 0).stop) == (1, True, 0)
    assert (Page(3, 200, 450).start, Page(3, 200, 450).stop) == (400, 450)
    assert Page(2, 200, 400).exists and not Page(3, 200, 400).exists
    assert (Page(5, 200, 400).start, Page(5, 200, 400).stop) == (0, 0)
    assert (Page(1, None, 3000).count, Page(1, None, 3000).stop) == (1, 3000)
    assert not Page(0, 200, 10).exists
