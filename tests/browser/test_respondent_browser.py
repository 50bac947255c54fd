"""The respondent's path in Chromium on a phone-sized screen, as WeChat's browser shows it.

A respondent opens a QR link, taps one label per question, submits and sees 提交成功;
a missing answer brings the form back with the error beside that question and every
other answer still ticked. The page's weight on the wire is measured and bounded, and
nothing is fetched from any host but ours (SPEC §1: a phone on a weak network).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.collect.forms import REQUIRED_MESSAGE, shown_questions
from surveyapp.models import CollectionLink, Questionnaire, Response

pytestmark = pytest.mark.browser

# The live_server fixture (tests/browser/conftest.py) gives url, app, engine, assessment_id.
LiveServer = Any

# WeChat's in-app browser on Android (XWEB); the app must serve it like any phone.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 "
    "Weixin NetType/4G Language/zh_CN ABI/arm64"
)
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "user_agent": WECHAT_UA,
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "locale": "zh-CN",
}
# The form page and everything it loads, compressed, headers included (SI kilobytes).
PAGE_WEIGHT_LIMIT = 30_000
SUBMIT = "提交问卷"


@dataclass(frozen=True)
class PageLoad:
    status: int
    content_encoding: str | None
    decoded_size: int
    transferred: list[tuple[str, int]]  # (url, bytes on the wire: headers + body as sent)

    @property
    def total(self) -> int:
        return sum(size for _, size in self.transferred)


@pytest.fixture(scope="module")
def page_weights(output_dir: Path) -> Iterator[dict[str, int]]:
    """Collects each form's weight; written to test-output/page-weight.txt at the end."""
    weights: dict[str, int] = {}
    yield weights
    if weights:
        lines = [f"{name}\t{size} bytes\t{size / 1000:.1f} KB" for name, size in weights.items()]
        lines.append(f"limit\t{PAGE_WEIGHT_LIMIT} bytes")
        (output_dir / "page-weight.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def phone(chromium: Any) -> Iterator[tuple[Any, Any, list[str]]]:
    """A fresh phone context (no cookies), its page, and every URL the page requested."""
    context = chromium.new_context(**PHONE)
    context.set_default_timeout(15_000)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    try:
        yield context, page, requested
    finally:
        context.close()


def find_link(server: LiveServer, instrument: str) -> CollectionLink:
    """A link of the demo assessment: per school for 学生卷, the general one for 社会卷."""
    with Session(server.engine) as session:
        query = select(CollectionLink).where(
            CollectionLink.assessment_id == server.assessment_id,
            CollectionLink.instrument == instrument,
            CollectionLink.preset_group.is_(None),
        )
        if instrument == "student":
            query = query.where(CollectionLink.school_id.is_not(None))
        link = session.scalars(query.order_by(CollectionLink.id)).first()
        assert link is not None, f"the demo has no {instrument} link without a preset group"
        session.expunge(link)
        return link


def expected_questions(server: LiveServer, link: CollectionLink) -> list[dict[str, Any]]:
    with Session(server.engine) as session:
        questionnaire = session.scalars(
            select(Questionnaire).where(
                Questionnaire.assessment_id == server.assessment_id,
                Questionnaire.instrument == link.instrument,
            )
        ).one()
        return shown_questions(questionnaire, link)


def stored_responses(server: LiveServer, link: CollectionLink) -> list[Response]:
    with Session(server.engine) as session:
        rows = session.scalars(select(Response).where(Response.link_id == link.id)).all()
        session.expunge_all()
        return list(rows)


def choice(question: dict[str, Any], number: int) -> str:
    """The option this test taps: varied, but always a valid resident (and a parent)."""
    if question["kind"] == "resident":
        return "是"
    if question["kind"] == "identity":
        return question["options"][0]  # 学生家长, so the grade question is asked too
    options: list[str] = question["options"]
    return options[number % len(options)]


def tap(page: Any, question_id: str, option: str) -> None:
    """Tap the label (not the radio): the large target a thumb actually hits."""
    label = page.locator(f'#f-{question_id} label.opt:has(input[value="{option}"])')
    label.click()
    assert label.locator("input").is_checked(), f"{question_id}: {option} not checked"


def submit(page: Any) -> Any:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=SUBMIT).click()
    return navigation.value


def load_measured(context: Any, page: Any, url: str) -> PageLoad:
    """Open ``url`` and count the bytes Chromium received for it and all it loaded.

    The count is CDP's ``Network.loadingFinished.encodedDataLength``: what came over the
    socket for each request, i.e. the response headers plus the body as sent (gzip, before
    decoding). Playwright's ``Response.body()`` or ``len(page.content())`` would count the
    decoded page instead, so the app's own compression would go unmeasured.
    """
    cdp = context.new_cdp_session(page)
    urls: dict[str, str] = {}
    finished: dict[str, int] = {}
    failed: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: finished.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    cdp.on("Network.loadingFailed", lambda e: failed.__setitem__(e["requestId"], e["errorText"]))
    cdp.send("Network.enable")
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.detach()
    assert response is not None
    assert not failed, f"requests failed while loading the form: {failed}"
    unfinished = set(urls) - set(finished)
    assert not unfinished, f"requests never finished: {[urls[i] for i in unfinished]}"
    transferred = [(urls[request_id], size) for request_id, size in finished.items()]
    document = next(size for url, size in transferred if url == response.url)
    # Cross-check with Playwright's own accounting of the document (same CDP source).
    sizes = response.request.sizes()
    playwright_bytes = sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert abs(playwright_bytes - document) <= 64, (sizes, transferred)
    return PageLoad(
        status=response.status,
        content_encoding=response.headers.get("content-encoding"),
        decoded_size=len(response.body()),
        transferred=transferred,
    )


def check_weight_and_hosts(
    load: PageLoad, requested: list[str], name: str, page_weights: dict[str, int]
) -> None:
    print(f"\n{name}: {load.total} bytes transferred ({load.decoded_size} bytes decoded)")
    for url, size in load.transferred:
        print(f"  {size:>6}  {url}")
    page_weights[name] = load.total
    assert load.content_encoding == "gzip", "the form page is not gzip-compressed by the app"
    assert load.total < load.decoded_size, "bytes on the wire should be fewer than decoded"
    assert load.total <= PAGE_WEIGHT_LIMIT, f"{name}: {load.total} bytes > {PAGE_WEIGHT_LIMIT}"
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests to other hosts: {foreign}"


def test_social_form_shows_missing_answer_then_accepts(
    phone: tuple[Any, Any, list[str]],
    live_server: LiveServer,
    output_dir: Path,
    page_weights: dict[str, int],
) -> None:
    context, page, requested = phone
    link = find_link(live_server, "social")
    questions = expected_questions(live_server, link)
    screenshots = output_dir / "screenshots"

    load = load_measured(context, page, f"{live_server.url}/s/{link.token}")
    assert load.status == 200
    assert "义务教育优质均衡发展社会认可度调查问卷" in page.locator("h1").inner_text()
    shown = page.locator("fieldset.q").evaluate_all("nodes => nodes.map(n => n.id)")
    assert shown == [f"f-{q['id']}" for q in questions], "the form is not built from the questions"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "wider than the phone"
    page.screenshot(path=str(screenshots / "form.png"), full_page=True)

    answers = {q["id"]: choice(q, number) for number, q in enumerate(questions)}
    missing = "q5"
    for question_id, option in answers.items():
        if question_id != missing:
            tap(page, question_id, option)
    refused = submit(page)

    assert refused.status == 422
    assert refused.url == f"{live_server.url}/s/{link.token}"
    error = page.locator(f"#f-{missing} p.error")
    assert error.inner_text() == REQUIRED_MESSAGE
    assert page.locator("p.error").count() == 1, "an error shown beside an answered question"
    assert "bad" in (page.locator(f"#f-{missing}").get_attribute("class") or "")
    number = next(n for n, q in enumerate(questions, start=1) if q["id"] == missing)
    summary = page.get_by_role("alert").first
    assert summary.inner_text().startswith(f"第 {number} 题未答")
    # Shown at the top, in the first screen, without scrolling.
    assert summary.bounding_box()["y"] < 844
    page.screenshot(path=str(screenshots / "form-missing-answer-390x844.png"))
    summary.get_by_role("link", name=str(number)).click()
    assert page.evaluate("location.hash") == f"#f-{missing}"
    assert (
        page.locator(f"#f-{missing}").evaluate("node => getComputedStyle(node).borderTopWidth")
        == "3px"
    ), "the unanswered question is not clearly marked"
    for question_id, option in answers.items():
        if question_id != missing:
            kept = page.locator(f'#f-{question_id} input[value="{option}"]')
            assert kept.is_checked(), f"{question_id}: the answer {option} was lost"
    assert page.locator(f"#f-{missing} input:checked").count() == 0
    assert stored_responses(live_server, link) == [], "a refused form stored a response"
    page.screenshot(path=str(screenshots / "form-error.png"), full_page=True)
    page.locator(f"#f-{missing}").screenshot(path=str(screenshots / "form-error-question.png"))

    tap(page, missing, answers[missing])
    done = submit(page)

    assert done.status == 200
    assert done.url == f"{live_server.url}/s/{link.token}/done"
    posted = done.request.redirected_from
    assert posted is not None and posted.method == "POST"
    assert posted.response().status == 303
    assert "提交成功" in page.locator("h1").inner_text()
    page.screenshot(path=str(screenshots / "done.png"), full_page=True)

    [response] = stored_responses(live_server, link)
    assert response.valid, response.invalid_reason
    assert response.respondent_group == "家长"
    items = {q["id"] for q in questions if q["kind"] == "item"}
    assert response.answers == {key: answers[key] for key in items}
    grade = next(q for q in questions if q["kind"] == "grade")
    assert response.grade == int(grade["values"][answers["grade"]])
    area = next(q for q in questions if q["kind"] == "area")
    assert response.residence == area["values"][answers["area"]]
    check_weight_and_hosts(load, requested, "social form (社会卷, no preset group)", page_weights)


def test_student_form_happy_path(
    phone: tuple[Any, Any, list[str]],
    live_server: LiveServer,
    output_dir: Path,
    page_weights: dict[str, int],
) -> None:
    context, page, requested = phone
    link = find_link(live_server, "student")
    questions = expected_questions(live_server, link)

    load = load_measured(context, page, f"{live_server.url}/s/{link.token}")
    assert load.status == 200
    assert page.locator("fieldset.q").count() == len(questions)
    page.screenshot(path=str(output_dir / "screenshots" / "form-student.png"), full_page=True)

    answers = {q["id"]: choice(q, number) for number, q in enumerate(questions)}
    for question_id, option in answers.items():
        tap(page, question_id, option)
    done = submit(page)

    assert done.status == 200
    assert done.url.endswith(f"/s/{link.token}/done")
    assert "提交成功" in page.locator("h1").inner_text()
    page.screenshot(path=str(output_dir / "screenshots" / "done-student.png"), full_page=True)
    # Coming back to the link on this phone: told so, not a blank form.
    page.goto(f"{live_server.url}/s/{link.token}")
    assert "您已在本设备上填写过本问卷" in page.locator("main").inner_text()
    assert page.get_by_role("button", name=SUBMIT).count() == 0
    page.screenshot(path=str(output_dir / "screenshots" / "already-answered.png"))

    [response] = stored_responses(live_server, link)
    assert response.valid, response.invalid_reason
    assert response.respondent_group == "学生"
    assert response.school_code is not None
    assert response.answers == {q["id"]: answers[q["id"]] for q in questions if q["kind"] == "item"}
    check_weight_and_hosts(load, requested, "student form (学生卷, per school)", page_weights)
