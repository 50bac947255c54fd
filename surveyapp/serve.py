"""`renke serve`: gunicorn running the app factory, with a log format free of IPs."""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from surveyapp.logs import mask_path, scrub

# No %(h)s (remote address) and no %(a)s (user agent): respondents stay anonymous.
ACCESS_LOG_FORMAT = (
    '{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":%(B)s,"ms":%(M)s}'
)


class AnonymousAccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with the client's address, agent and link tokens left out.

    The format has no %(h)s or %(a)s; this also blanks them (and the headers) in case
    an operator's format asks for them, and masks ``/s/<token>`` in the path.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # no request headers, environment variables or response headers either
        atoms = {key: value for key, value in atoms.items() if "{" not in key}
        atoms.update({"h": "-", "a": "-", "f": "-", "q": "-"})
        atoms["U"] = mask_path(str(atoms.get("U") or ""))
        atoms["r"] = f"{atoms.get('m')} {atoms['U']} {atoms.get('H')}"
        # Inside a JSON string: a %0d%0a or a quote in the path cannot split the line.
        return {key: _json_text(value) for key, value in atoms.items()}

    # gunicorn's own messages ("Invalid request from ip=…", "Error handling request
    # /s/<token>") go through these: the address and the token are taken out.
    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().critical(_scrubbed(msg, args), **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(_scrubbed(msg, args), **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(_scrubbed(msg, args), **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().info(_scrubbed(msg, args), **kwargs)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().debug(_scrubbed(msg, args), **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().exception(_scrubbed(msg, args), **kwargs)


def _scrubbed(msg: Any, args: tuple[Any, ...]) -> str:
    text = str(msg) % args if args else str(msg)
    return scrub(text).replace("\r", "\\r").replace("\n", "\\n")


def _json_text(value: Any) -> Any:
    """Text escaped for a JSON string, except the quotes: gunicorn's SafeAtoms adds those."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)[1:-1].replace('\\"', '"')
    return value


class RenkeServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from surveyapp import create_app

        return create_app()


def default_workers() -> int:
    return max(2, min(4, (os.cpu_count() or 1) * 2))


def serve(host: str, port: int, workers: int) -> None:
    RenkeServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 60,
            "graceful_timeout": 20,
            # One line per request: the app's own (``renke.request``: method, route
            # pattern, status, ms). gunicorn's access log would repeat it at about 4% of
            # the respondent path's CPU (issue 15); its anonymous format stays for an
            # operator who turns it on.
            "accesslog": None,
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": AnonymousAccessLogger,
            "errorlog": "-",
            "preload_app": False,
        }
    ).run()


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, from its own name (no traffic sent)."""
    found: list[str] = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return found
    for info in infos:
        address = str(info[4][0])
        if not address.startswith("127.") and address not in found:
            found.append(address)
    return found
