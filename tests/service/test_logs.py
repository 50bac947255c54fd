"""Logs carry no respondent's address, agent or link token (SPEC §2.5, §6)."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

import pytest

from surveyapp.logs import mask_path
from surveyapp.serve import ACCESS_LOG_FORMAT, AnonymousAccessLogger


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/s/AbC_12-x", "/s/<token>"),
        ("/s/AbC/done", "/s/<token>/done"),
        ("/a/1/links", "/a/1/links"),
    ],
)
def test_mask_path(path, masked):
    assert mask_path(path) == masked


def test_gunicorn_access_log_has_no_address_agent_or_token():
    from gunicorn.config import Config

    config = Config()
    config.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = AnonymousAccessLogger(config)
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": "MicroMessenger SECRET-AGENT",
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/s/TOKEN123?x=1",
        "PATH_INFO": "/s/TOKEN123",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="303 SEE OTHER", sent=0, headers=[])
    request = SimpleNamespace(
        headers=[("USER-AGENT", "MicroMessenger SECRET-AGENT"), ("X-FORWARDED-FOR", "198.51.100.7")]
    )
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=12))
    line = ACCESS_LOG_FORMAT % atoms
    for secret in ("203.0.113.9", "SECRET-AGENT", "TOKEN123", "198.51.100.7"):
        assert secret not in line and secret not in str(atoms)
    assert "/s/<token>" in line


def test_an_exception_logs_the_route_not_the_token(app, client, make_link, monkeypatch, caplog):
    from surveyapp.collect import views

    link = make_link()
    monkeypatch.setattr(views, "issue_form_key", lambda *_: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.ERROR)
    assert client.get(f"/s/{link.token}").status_code == 500
    assert "Exception on /s/<token> [GET]" in caplog.text
    assert link.token not in caplog.text


def test_gunicorn_messages_lose_addresses_tokens_and_line_breaks(capsys):
    from gunicorn.config import Config

    config = Config()
    config.set("errorlog", "-")
    logger = AnonymousAccessLogger(config)
    logger.warning("Invalid request from ip=203.0.113.9: Invalid HTTP request line")
    logger.error("Error handling request %s", "/s/TOKEN123/done\r\n[fake] line")
    logger.info("peer ('2001:db8::7', 51234) closed")
    written = capsys.readouterr().err
    for secret in ("203.0.113.9", "TOKEN123", "2001:db8::7"):
        assert secret not in written
    assert "ip=<address>" in written and "/s/<token>/done" in written
    assert not any(line.startswith("[fake]") for line in written.splitlines())


def test_flask_log_lines_are_one_json_object_each(app, client, caplog):
    import json as json_module

    from surveyapp.logs import JsonFormatter

    record = logging.LogRecord(
        "renke", logging.ERROR, __file__, 1, "path %s", ("/s/SECRETTOKEN\n{}",), None
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line and "SECRETTOKEN" not in line
    assert json_module.loads(line)["message"].startswith("path /s/<token>")
