"""The integrity review: signals of stuffing and coaching, and the evaluator's decisions."""

from __future__ import annotations

from flask import Flask

from analysis.integrity import RULES


def init_app(app: Flask) -> None:
    from surveyapp.integrity.views import blueprint

    app.register_blueprint(blueprint)
    app.jinja_env.globals["integrity_rules"] = RULES
