"""The integrity review: signals of stuffing and coaching, and the evaluator's decisions."""

from __future__ import annotations

from flask import Flask

from analysis.integrity import RULES


def init_app(app: Flask) -> None:
    from surveyapp.integrity.views import blueprint, summary_for

    app.register_blueprint(blueprint)
    # The summary partial is included by other pages with one line; it loads its own data.
    app.jinja_env.globals["integrity_summary_for"] = summary_for
    app.jinja_env.globals["integrity_rules"] = RULES
