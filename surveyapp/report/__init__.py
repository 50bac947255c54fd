"""The assessment report the province signs (issue 14): printable HTML and its PDF."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from surveyapp.report.views import blueprint

    app.register_blueprint(blueprint)
