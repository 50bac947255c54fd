"""Structured logs (one JSON object a line) with no respondent's IP or user agent.

The request log records method, route, status and time only. Gunicorn's access log is
configured the same way in :mod:`surveyapp.serve`; docs/deployment.md gives the nginx
``log_format`` that does likewise.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from flask import Flask, Response, g, request

REQUEST_LOGGER = "renke.request"
_REQUESTS = logging.getLogger(REQUEST_LOGGER)
_LINK_PATH = re.compile(r"^/s/[^/]+")
_LINK_ANYWHERE = re.compile(r"/s/[^/\s?#\"']+")
# An IPv4 or IPv6 address as gunicorn and Python write them (ip=…, ('1.2.3.4', 5678)).
_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\b")


def mask_path(path: str) -> str:
    """A path fit for logs: a link token identifies a school's or a group's link."""
    return _LINK_PATH.sub("/s/<token>", path)


def scrub(text: str) -> str:
    """Free text fit for logs: no link token and no client address anywhere in it."""
    if "/" not in text and "." not in text and ":" not in text:
        return text  # neither a path nor an address can be in it (the request line's case)
    return _ADDRESS.sub("<address>", _LINK_ANYWHERE.sub("/s/<token>", text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        # JSON escapes CR and LF: nothing a client sends can start a new log line.
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger("renke")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def init_app(app: Flask) -> None:
    configure()
    app.log_exception = _log_exception.__get__(app)  # type: ignore[method-assign]
    app.logger.handlers.clear()
    app.logger.parent = logging.getLogger("renke")
    app.before_request(_start_timer)
    app.after_request(_log_request)


def _log_exception(app: Flask, exc_info: Any) -> None:
    """Flask's own, but naming the route pattern instead of the path (no link token)."""
    route = request.url_rule.rule if request.url_rule else mask_path(request.path)
    app.logger.error("Exception on %s [%s]", route, request.method, exc_info=exc_info)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    elapsed = (time.perf_counter() - started) * 1000 if started else None
    # The route pattern, not the path: link tokens stay out of the logs too.
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    _REQUESTS.info(
        "request",
        extra={
            "fields": {
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "ms": None if elapsed is None else round(elapsed, 1),
            }
        },
    )
    return response
