"""The answer form, built from the questionnaire's questions at run time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.residence import residence_and_area
from surveyapp.collect.links import LinkQuestionnaire, RespondentLink

REQUIRED_MESSAGE = "请选择一项"
UNKNOWN_OPTION_MESSAGE = "请从选项中选择"


@dataclass(frozen=True)
class Submission:
    """What a respondent answered, mapped to the response's columns."""

    group: str
    grade: int | None
    area: str
    resident: bool
    answers: dict[str, str]
    residence: str | None = None  # as asked; ``area`` is its class


@dataclass
class AnswerForm:
    """The questions to show and, after a post, the answers kept and the errors."""

    questions: list[dict[str, Any]]
    answers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def unanswered(self) -> list[tuple[int, str]]:
        """(number as shown, question id) of each required question left unanswered."""
        return self._numbered(REQUIRED_MESSAGE)

    @property
    def unknown_options(self) -> list[tuple[int, str]]:
        """(number as shown, question id) of each answer that is not one of the options."""
        return self._numbered(UNKNOWN_OPTION_MESSAGE)

    def _numbered(self, message: str) -> list[tuple[int, str]]:
        return [
            (number, question["id"])
            for number, question in enumerate(self.questions, start=1)
            if self.errors.get(question["id"]) == message
        ]


def shown_questions(questionnaire: LinkQuestionnaire, link: RespondentLink) -> list[dict[str, Any]]:
    """The questions this link shows: the identity question is skipped when preset."""
    return questions_for(questionnaire.questions, link.preset_group)


def questions_for(
    questions: list[dict[str, Any]], preset_group: str | None
) -> list[dict[str, Any]]:
    """The questions a link presetting ``preset_group`` shows (all of them when None)."""
    if preset_group:
        return [q for q in questions if q["kind"] != "identity" and asked_of(q, preset_group)]
    return questions


def asked_of(question: dict[str, Any], group: str | None) -> bool:
    """Whether ``group`` is asked this question (``only_for``: a group or a list of them)."""
    only = question.get("only_for")
    if only is None:
        return True
    return group in ([only] if isinstance(only, str) else only)


def read_answers(
    questionnaire: LinkQuestionnaire, link: RespondentLink, posted: Mapping[str, str]
) -> tuple[AnswerForm, Submission | None]:
    """Check the posted answers; every unanswered or unknown answer is an error."""
    form = AnswerForm(questions=shown_questions(questionnaire, link))
    for question in form.questions:
        value = (posted.get(question["id"]) or "").strip()
        if value and value not in question["options"]:
            form.errors[question["id"]] = UNKNOWN_OPTION_MESSAGE
            continue
        if value:
            form.answers[question["id"]] = value
        message = question.get("screen_out", {}).get(value)
        if message:
            form.errors[question["id"]] = message  # e.g. a teacher on the 社会卷 (SPEC §2.5)

    group = link.preset_group or _screened(form, "identity")
    if not group and questionnaire.instrument == "student":
        group = "学生"
    for question in form.questions:
        needed = asked_of(question, group)
        if needed and question["id"] not in form.answers and question["id"] not in form.errors:
            form.errors[question["id"]] = REQUIRED_MESSAGE
    if form.has_errors or group is None:
        return form, None

    grade_question = next((q for q in form.questions if q["kind"] == "grade"), None)
    grade = None
    if grade_question and asked_of(grade_question, group):
        grade = int(_screened(form, "grade") or 0) or None
    answers = {
        question["id"]: form.answers[question["id"]]
        for question in form.questions
        if question["kind"] == "item"
    }
    residence, area = None, None
    answer = _screened(form, "area")
    if answer:  # classed by the county's kind (SPEC §2.5 Area quotas)
        residence, area = residence_and_area(answer, link.assessment.county_kind)
    # 家长 answer wherever they live: the question is not asked of them (SPEC §2.5).
    resident_question = next((q for q in form.questions if q["kind"] == "resident"), None)
    resident = (
        resident_question is None
        or not asked_of(resident_question, group)
        or _screened(form, "resident") == "是"
    )
    return form, Submission(
        group=group,
        grade=grade,
        area=area or "",
        resident=resident,
        residence=residence,
        answers=answers,
    )


def _screened(form: AnswerForm, kind: str) -> str | None:
    question = next((q for q in form.questions if q["kind"] == kind), None)
    if question is None or question["id"] not in form.answers:
        return None
    value: str = question["values"][form.answers[question["id"]]]
    return value
