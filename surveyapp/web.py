"""Wiring of the feature blueprints and the template helpers they share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import text

from analysis.display import certainty_words, format_level, format_percent, p_value_sentence
from surveyapp import db


def init_app(app: Flask) -> None:
    from surveyapp.accounts import init_app as init_accounts
    from surveyapp.assessments.views import blueprint as assessments
    from surveyapp.collect.views import blueprint as collect
    from surveyapp.field.views import blueprint as field
    from surveyapp.imports.views import blueprint as imports
    from surveyapp.integrity import init_app as init_integrity
    from surveyapp.province.views import blueprint as province
    from surveyapp.verdicts.views import blueprint as verdicts

    init_accounts(app)
    app.register_blueprint(collect)
    app.register_blueprint(assessments)
    app.register_blueprint(imports)
    app.register_blueprint(verdicts)
    app.register_blueprint(province)
    app.register_blueprint(field)
    init_integrity(app)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.jinja_env.filters["local_time"] = local_time
    # one formatter and one wording for every output (analysis/display.py)
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["level"] = format_level
    app.jinja_env.globals["certainty_words"] = certainty_words
    app.jinja_env.globals["p_value_sentence"] = p_value_sentence
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


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
