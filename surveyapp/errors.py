"""Error pages in Chinese; malformed input is a 4xx, never a 500."""

from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy.exc import DataError
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
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    # A value the database cannot take (e.g. a NUL byte on PostgreSQL) is the request's
    # fault: a 400, not a 500. Inputs are checked before this; it is the safety net.
    app.register_error_handler(DataError, _data_error)


def _data_error(error: DataError) -> tuple[str, int]:
    db.session().rollback()
    return render_template("errors/error.html", code=400, message=MESSAGES[400]), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    message = MESSAGES.get(code, error.description or "出错了。")
    return render_template("errors/error.html", code=code, message=message), code
