"""Editing an assessment's wording until its first response (SPEC §2.5).

"Wording is ours, editable per assessment until the first response; then frozen." An
evaluator may change what respondents read — the title, the introduction, and each
question's text and example line (``hint``) — and nothing that the answers are counted
by: the options (the scale's labels are the scoring scheme's; a screening question's
options map to what is stored), the question ids (the export's item columns), who a
question is asked of, and which questions there are. docs/questionnaires.md says why.

The wording rules of SPEC §2.5 that can be checked by a program are checked: a text is
not blank and not too long, and the county is named itself, never "本县" (refused); an
example in brackets inside an item's question, which the rules move to the example line
(one thing per item, nothing presupposed), is a warning only.

The save is one UPDATE guarded by ``frozen_at IS NULL``: a first response committed
while the evaluator was editing freezes the wording, and the edit is then refused
(:class:`QuestionnaireFrozen`), never written over a frozen questionnaire.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from surveyapp.models import Assessment, Questionnaire
from surveyapp.models.questionnaire import QuestionnaireFrozen
from surveyapp.questionnaires.builtin import builtin_questionnaire

# The lengths the form accepts: the title and intro as the columns hold them; a question's
# text and example line long enough for any honest wording, short enough for a phone.
TITLE_MAX = 200
INTRO_MAX = 2000
TEXT_MAX = 300
HINT_MAX = 300
# "本县" and its kin: the rules name the county itself ("砚山县", never "本县").
UNNAMED_COUNTY = re.compile(r"本县|我县|本市|我市|本区|我区")
BRACKETED = re.compile(r"[（(][^）)]*[）)]")


@dataclass
class WordingForm:
    """The posted wording with its problems; ``errors`` by field name."""

    title: str
    intro: str
    texts: dict[str, str]
    hints: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> WordingForm:
        """The stored wording, as the form shows it first."""
        return cls.worded(questionnaire.title, questionnaire.intro, questionnaire.questions)

    @classmethod
    def worded(cls, title: str, intro: str, questions: list[dict[str, Any]]) -> WordingForm:
        """A wording (title, intro, questions) as the form holds it."""
        return cls(
            title=title,
            intro=intro,
            texts={q["id"]: q["text"] for q in questions},
            hints={q["id"]: q.get("hint", "") for q in questions},
        )


def read_wording(
    questionnaire: Questionnaire, posted: Mapping[str, str], county: str
) -> WordingForm:
    """The posted wording of ``questionnaire``'s questions, checked; unknown fields ignored.

    A question whose field is missing keeps its stored text (a form from before a change
    of the page); every problem is named by its field.
    """
    stored = WordingForm.of(questionnaire)
    form = WordingForm(
        title=_clean(posted.get("title", stored.title)),
        intro=_clean(posted.get("intro", stored.intro)),
        texts={qid: _clean(posted.get(f"text-{qid}", text)) for qid, text in stored.texts.items()},
        hints={qid: _clean(posted.get(f"hint-{qid}", hint)) for qid, hint in stored.hints.items()},
    )
    _check(form, "title", form.title, TITLE_MAX, county, required=True)
    _check(form, "intro", form.intro, INTRO_MAX, county, required=False)
    items = {q["id"] for q in questionnaire.questions if q["kind"] == "item"}
    for qid, text in form.texts.items():
        _check(form, f"text-{qid}", text, TEXT_MAX, county, required=True)
        if qid in items and f"text-{qid}" not in form.errors and BRACKETED.search(text):
            form.warnings[f"text-{qid}"] = (
                "题目里有括号：举例或解释请写在下面的说明行，题目只问一件事（不暗示答案）"
            )
    for qid, hint in form.hints.items():
        _check(form, f"hint-{qid}", hint, HINT_MAX, county, required=False)
    return form


def worded_questions(questionnaire: Questionnaire, form: WordingForm) -> list[dict[str, Any]]:
    """The stored questions with the form's texts and example lines; nothing else changed."""
    questions = copy.deepcopy(questionnaire.questions)
    for question in questions:
        question["text"] = form.texts[question["id"]]
        hint = form.hints[question["id"]]
        if hint:
            question["hint"] = hint
        else:
            question.pop("hint", None)
    return questions


def builtin_wording(
    assessment: Assessment, instrument: str
) -> tuple[WordingForm, list[dict[str, Any]]]:
    """The built-in wording of ``instrument`` for the assessment's county: as a form (for
    the audit log's comparison) and as the questions to store, whole."""
    builtin = builtin_questionnaire(instrument, assessment.county.name)
    questions: list[dict[str, Any]] = builtin["questions"]
    return WordingForm.worded(builtin["title"], builtin["intro"], questions), questions


def changes(questionnaire: Questionnaire, form: WordingForm) -> dict[str, tuple[str, str]]:
    """What the form changes: field name -> (before, after), for the audit log."""
    before = WordingForm.of(questionnaire)
    pairs = {"title": (before.title, form.title), "intro": (before.intro, form.intro)}
    for qid, text in before.texts.items():
        pairs[f"text-{qid}"] = (text, form.texts.get(qid, text))
        pairs[f"hint-{qid}"] = (before.hints[qid], form.hints.get(qid, before.hints[qid]))
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def save_wording(
    session: Session,
    questionnaire: Questionnaire,
    form: WordingForm,
    questions: list[dict[str, Any]],
) -> None:
    """Store the title and intro of ``form`` and ``questions``; :class:`QuestionnaireFrozen`
    once a response is stored (checked in the UPDATE itself, see the module)."""
    assert not form.errors  # the caller shows a form with errors, it does not save it
    if questionnaire.frozen_at is not None:
        raise QuestionnaireFrozen(FROZEN_MESSAGE)
    table = cast(Table, Questionnaire.__table__)
    stored = session.connection().execute(
        update(table)
        .where(table.c.id == questionnaire.id, table.c.frozen_at.is_(None))
        .values(title=form.title, intro=form.intro, questions=questions)
    )
    if stored.rowcount != 1:
        raise QuestionnaireFrozen(FROZEN_MESSAGE)
    session.expire(questionnaire)


FROZEN_MESSAGE = (
    "这份问卷已有答卷，措辞已冻结，不能再修改（修改会使已收答卷和之后的答卷问的不是同样的问题）。"
)


def _clean(value: str) -> str:
    """A posted text as stored: line breaks and runs of spaces as one space, trimmed."""
    return " ".join(value.split())


def _check(
    form: WordingForm, name: str, value: str, longest: int, county: str, *, required: bool
) -> None:
    if required and not value:
        form.errors[name] = "不能为空"
    elif len(value) > longest:
        form.errors[name] = f"太长：{len(value)} 字，最多 {longest} 字"
    elif found := UNNAMED_COUNTY.search(value.replace(county, "")):
        form.errors[name] = f"请写明县名“{county}”，不要写“{found.group()}”"
