"""Renke's web service: the respondent's path, the evaluators' side, the province.

`create_app(config=None)` is the application factory; there is no module-level app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def templates_path() -> Path:
    """The top-level `templates/` of a checkout, or the copy shipped in the package."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here / "templates"):
        if (candidate / "base.html").exists():
            return candidate
    raise FileNotFoundError("templates/ not found beside surveyapp")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from surveyapp import compression, csrf, db, errors, limits, logs, web
    from surveyapp.config import default_instance_path, settings_from_environment

    overrides = dict(config or {})
    instance = Path(overrides.get("INSTANCE_PATH") or default_instance_path())
    environ = dict(os.environ)
    for key in ("SECRET_KEY", "DATABASE_URL", "RENKE_PUBLIC_URL"):
        if key in overrides:
            environ[key] = overrides[key]
    app = Flask(__name__, template_folder=str(templates_path()), instance_path=str(instance))
    app.config.update(settings_from_environment(instance, environ))
    app.config.update(overrides)

    if app.config["RENKE_TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["RENKE_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    logs.init_app(app)
    db.init_app(app)
    compression.init_app(app)
    csrf.init_app(app)
    limits.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    return app
