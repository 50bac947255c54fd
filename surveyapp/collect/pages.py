"""The respondent's form page, rendered once per wording and link, the key set per request.

A blank form (no answer kept, no error, no notice) depends on the link (its token, preset
group and school), the questionnaire's title, intro and questions, and the signed key.
Once the questionnaire is frozen — at its first response; its wording can no longer
change (SPEC §2.5, :func:`surveyapp.questionnaires.wording.save_wording`) — the page is rendered once
per worker with a slot for the key and kept; each request only puts its key in the
slot. Before the first response, and for every form coming back with answers, errors
or a notice, the template is rendered as it stands.
"""

from __future__ import annotations

import threading
from datetime import datetime

from flask import Flask, current_app, render_template, request
from markupsafe import escape

from surveyapp.collect.forms import AnswerForm
from surveyapp.collect.links import LinkQuestionnaire, RespondentLink

EXTENSION = "renke.form_pages"
#: Pages kept per worker (about 20 kB each): a county's links many times over.
KEPT = 512
# A slot no rendered text contains; a page where it does not occur once is not kept.
_KEY_SLOT = "\x00renke-form-key\x00"

PageKey = tuple[int, datetime, str, str, str, str | None, str | None, str]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = _Pages()


def form_html(
    questionnaire: LinkQuestionnaire,
    link: RespondentLink,
    form: AnswerForm,
    key: str | None,
    notice: str | None,
) -> str:
    """The form page; ``key=None`` shows the answers without a way to submit (ended)."""
    blank = key is not None and notice is None and not form.answers and not form.errors
    if not blank or questionnaire.frozen_at is None:
        return _render(questionnaire, link, form, key, notice)
    assert key is not None
    page_key: PageKey = (
        questionnaire.id,
        questionnaire.frozen_at,
        questionnaire.title,
        questionnaire.intro,
        link.token,
        link.preset_group,
        link.school.name if link.school else None,
        request.script_root,
    )
    pages: _Pages = current_app.extensions[EXTENSION]
    parts = pages.get(page_key)
    if parts is None:
        page = _render(questionnaire, link, form, _KEY_SLOT, None)
        before, slot, after = page.partition(_KEY_SLOT)
        if not slot or _KEY_SLOT in after:
            return page.replace(_KEY_SLOT, str(escape(key)))
        parts = pages.put(page_key, (before, after))
    return parts[0] + str(escape(key)) + parts[1]


def _render(
    questionnaire: LinkQuestionnaire,
    link: RespondentLink,
    form: AnswerForm,
    key: str | None,
    notice: str | None,
) -> str:
    return render_template(
        "collect/form.html",
        questionnaire=questionnaire,
        link=link,
        form=form,
        key=key,
        notice=notice,
    )


class _Pages:
    """The kept pages of one worker, the oldest dropped first beyond :data:`KEPT`."""

    def __init__(self) -> None:
        self._pages: dict[PageKey, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: PageKey) -> tuple[str, str] | None:
        return self._pages.get(key)

    def put(self, key: PageKey, parts: tuple[str, str]) -> tuple[str, str]:
        with self._lock:
            while len(self._pages) >= KEPT:
                del self._pages[next(iter(self._pages))]
            self._pages[key] = parts
        return parts
