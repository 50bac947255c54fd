"""`renke serve`: gunicorn running the app factory, with a log format free of IPs."""

from __future__ import annotations

import os
import socket
from typing import Any

from gunicorn.app.base import BaseApplication

# No %(h)s (remote address) and no %(a)s (user agent): respondents stay anonymous.
ACCESS_LOG_FORMAT = (
    '{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":%(B)s,"ms":%(M)s}'
)


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
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
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
