"""The bare WSGI floor of ``bench_load.py``: no framework, the same row, the same driver.

GET returns a small form with a key and sets a device cookie, as Renke's respondent page
does; POST parses the form and stores one row (key, device, answers as JSON) with the
driver Renke uses (``sqlite3`` in WAL mode with Renke's pragmas, or ``psycopg``), one
connection per server thread. Served by gunicorn with Renke's worker settings:

    FLOOR_DATABASE=sqlite:////tmp/x.sqlite3 gunicorn -k gthread --threads 4 floor_app:app

``floor_app:flask_app`` serves the same two pages through Flask (no ORM, no templates, no
limits, no signing): the framework's own share, reported between the floor and Renke.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

URL = os.environ.get("FLOOR_DATABASE", "")
PAGE = (
    '<!doctype html><meta charset="utf-8"><form method="post">'
    '<input type="hidden" name="key" value="{key}">'
    '<input type="radio" name="q1" value="满意">'
    '<input type="radio" name="q2" value="满意"></form>'
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_response "
    "(id INTEGER PRIMARY KEY{auto}, key TEXT NOT NULL, device TEXT NOT NULL, answers TEXT)"
)
_local = threading.local()


def connection() -> Any:
    """This thread's connection, opened on first use."""
    if getattr(_local, "connection", None) is None:
        if URL.startswith("sqlite:///"):
            handle = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL"):
                handle.execute(f"PRAGMA {pragma}")
        else:
            import psycopg

            handle = psycopg.connect(URL, autocommit=True)
        _local.connection = handle
    return _local.connection


def create_schema() -> None:
    auto = "" if URL.startswith("sqlite") else " GENERATED ALWAYS AS IDENTITY"
    connection().execute(SCHEMA.format(auto=auto))


def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] == "GET":
        body = PAGE.format(key=secrets.token_urlsafe(16)).encode()
        start(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", f"rk_device={secrets.token_urlsafe(16)}; HttpOnly; Path=/"),
            ],
        )
        return [body]
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(environ["wsgi.input"].read(size).decode())
    cookie = environ.get("HTTP_COOKIE", "").removeprefix("rk_device=")
    store({k: v[0] for k, v in form.items()}, cookie)
    start("303 See Other", [("Location", environ["PATH_INFO"] + "?done=1")])
    return [b""]


def store(form: dict[str, str], device: str) -> None:
    """The row: key, device, the answers as JSON; one statement (a transaction on SQLite)."""
    answers = json.dumps({k: v for k, v in form.items() if k != "key"}, ensure_ascii=False)
    placeholder = "?" if URL.startswith("sqlite") else "%s"
    handle = connection()
    if URL.startswith("sqlite"):
        handle.execute("BEGIN IMMEDIATE")
    handle.execute(
        f"INSERT INTO floor_response (key, device, answers) VALUES "
        f"({placeholder}, {placeholder}, {placeholder})",
        (form.get("key", ""), device, answers),
    )
    if URL.startswith("sqlite"):
        handle.execute("COMMIT")


def _flask_app() -> Any:
    """The same two pages in Flask (routing, request and response objects, the form
    parser, cookies): what the framework alone costs, between the bare floor and Renke."""
    from flask import Flask, make_response, redirect, request

    flask_app = Flask(__name__)
    flask_app.get("/healthz")(lambda: "ok")

    @flask_app.get("/s/<token>")
    def page(token: str) -> Any:
        response = make_response(PAGE.format(key=secrets.token_urlsafe(16)))
        response.set_cookie("rk_device", secrets.token_urlsafe(16), httponly=True)
        return response

    @flask_app.post("/s/<token>")
    def answer(token: str) -> Any:
        store(request.form.to_dict(), request.cookies.get("rk_device", ""))
        return redirect(f"/s/{token}?done=1", code=303)

    return flask_app


flask_app = _flask_app()


def count() -> int:
    return int(connection().execute("SELECT count(*) FROM floor_response").fetchone()[0])
