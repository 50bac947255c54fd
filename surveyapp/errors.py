"""Error pages in Chinese; malformed input is a 4xx, never a 500."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from gunicorn.http.errors import ParseException
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    InterfaceError,
    InternalError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from surveyapp import db

MESSAGES = {
    400: "请求格式不正确。",
    403: "您没有权限访问此页面。",
    404: "页面不存在，请检查链接是否完整。",
    405: "不支持此操作。",
    413: "上传的文件太大。",
    429: "提交过于频繁，请稍后再试。",
    500: "服务器出错了，请稍后再试。我们已记录此问题。",
    503: "系统繁忙，请稍后再试。",
}
# The database is down, restarting, locked past the busy timeout, or the connection was
# cut (also mid-transaction, which leaves the session needing a rollback): all a 503.
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    InternalError,
    DisconnectionError,
    PendingRollbackError,
    PoolTimeout,
)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    # A value the database cannot take (e.g. a NUL byte on PostgreSQL) is the request's
    # fault: a 400, not a 500. Inputs are checked before this; it is the safety net.
    app.register_error_handler(DataError, _data_error)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, _database_unavailable)
    # gunicorn raises these from wsgi.input when a chunked body is malformed: the
    # request's fault, found while the form is being read.
    app.register_error_handler(ParseException, _malformed_body)


def _rollback() -> None:
    try:
        db.session().rollback()
    except Exception:  # the connection is gone already: nothing to undo
        current_app.logger.warning("rollback after a database error failed")


def _database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    # The client may retry (a respondent's form key makes the retry store one response
    # at most).
    current_app.logger.error("database unavailable: %s", type(error).__name__)
    _rollback()
    if request.method == "POST" and request.blueprint == "collect":
        # The answers travel back in the page itself, so one tap resubmits them: no
        # database, no JavaScript, nothing lost.
        page = render_template(
            "errors/retry.html", action=request.path, fields=list(request.form.items(multi=True))
        )
    else:
        page = render_template("errors/error.html", code=503, message=MESSAGES[503])
    return page, 503, {"Retry-After": "5"}


def _data_error(error: DataError) -> tuple[str, int]:
    _rollback()
    return render_template("errors/error.html", code=400, message=MESSAGES[400]), 400


def _malformed_body(error: ParseException) -> tuple[str, int, dict[str, str]]:
    page = render_template("errors/error.html", code=400, message=MESSAGES[400])
    return page, 400, {"Connection": "close"}


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    # A description given where the error was raised says more than the generic text.
    own = error.description if error.description != type(error).description else None
    message = own or MESSAGES.get(code) or error.description or "出错了。"
    if code >= 500:
        _rollback()
    return render_template("errors/error.html", code=code, message=message), code
