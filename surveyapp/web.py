"""Wiring of the feature blueprints, the template helpers they share, and the headers
every response carries."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from analysis.display import certainty_words, format_level, format_percent, p_value_sentence
from surveyapp import db

# The largest id either database stores (a signed 64-bit integer): a longer number in a
# URL is a page that does not exist, not an OverflowError from SQLite.
MAX_ID = 2**63 - 1
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# No script at all; styles only from the page's own <style> block, allowed by its hash
# (computed from the page as sent, so a template's style block needs no registration).
CSP_HTML = (
    "default-src 'none'; style-src {styles}; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CSP_OTHER = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: digits up to :data:`MAX_ID`, else 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    from surveyapp.accounts import init_app as init_accounts
    from surveyapp.assessments.views import blueprint as assessments
    from surveyapp.audit.views import blueprint as audit
    from surveyapp.collect.pages import init_app as init_form_pages
    from surveyapp.collect.views import blueprint as collect
    from surveyapp.counties.views import blueprint as counties
    from surveyapp.field.views import blueprint as field
    from surveyapp.imports.views import blueprint as imports
    from surveyapp.integrity import init_app as init_integrity
    from surveyapp.province.views import blueprint as province
    from surveyapp.questionnaires.views import blueprint as questionnaires
    from surveyapp.report import init_app as init_report
    from surveyapp.verdicts.views import blueprint as verdicts

    init_accounts(app)
    app.register_blueprint(collect)
    init_form_pages(app)
    app.register_blueprint(assessments)
    app.register_blueprint(imports)
    app.register_blueprint(verdicts)
    app.register_blueprint(province)
    app.register_blueprint(field)
    app.register_blueprint(counties)
    app.register_blueprint(audit)
    app.register_blueprint(questionnaires)
    init_integrity(app)
    init_report(app)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.jinja_env.filters["local_time"] = local_time
    # one formatter and one wording for every output (analysis/display.py)
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["level"] = format_level
    app.jinja_env.globals["certainty_words"] = certainty_words
    app.jinja_env.globals["p_value_sentence"] = p_value_sentence
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # Registered after compression, so it runs before it (Flask runs these in reverse).
    app.after_request(security_headers)


def security_headers(response: Response) -> Response:
    """CSP without inline script, no framing, no sniffing, no referrer to other sites."""
    response.headers.update(SECURITY_HEADERS)
    if response.mimetype == "text/html" and not response.direct_passthrough:
        page = response.get_data(as_text=True)
        hashes = sorted({style_hash(block) for block in _STYLE_BLOCK.findall(page)})
        styles = " ".join(hashes) or "'none'"
        response.headers["Content-Security-Policy"] = CSP_HTML.format(styles=styles)
    else:
        response.headers["Content-Security-Policy"] = CSP_OTHER
    return response


@lru_cache(maxsize=256)
def style_hash(block: str) -> str:
    digest = hashlib.sha256(block.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """A file to save, its (Chinese) name encoded as RFC 6266 asks."""
    from urllib.parse import quote

    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # the health check reports, it does not raise
        current_app.logger.exception("health check: database unreachable")
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


def local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in RENKE_TIMEZONE (SPEC §6)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
    return value.astimezone(zone).strftime(pattern)
