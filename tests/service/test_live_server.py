"""Through a real gunicorn server: malformed bodies and request lines, and its logs."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_faults.py"
if "bench_faults" not in sys.modules:
    spec = importlib.util.spec_from_file_location("bench_faults", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_faults"] = module
    spec.loader.exec_module(module)
bench_faults = sys.modules["bench_faults"]


@pytest.fixture(scope="module")
def server():
    with bench_faults.fresh_site("sqlite") as site:
        running = bench_faults.Server(site, workers=1)
        running.start()
        try:
            yield running
        finally:
            running.stop()


def raw(server, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.site.port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "body",
    [
        b"ZZZ\r\nkey=abc\r\n0\r\n\r\n",  # a chunk size that is not hex
        b"5\r\nkey=abcdef\r\n0\r\n\r\n",  # a chunk longer than it says
        b"4\r\nkey=",  # the body ends inside a chunk
    ],
)
def test_a_malformed_chunked_body_is_a_400(server, body):
    head = (
        f"POST {server.site.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    answer = raw(server, head + body)
    assert status_of(answer) == 400, answer[:200]
    assert b"Traceback" not in answer


def _log_lines(server) -> list[str]:
    time.sleep(0.5)  # gunicorn writes its log lines as it goes
    return server.log.read_text(errors="replace").splitlines()


def test_no_client_address_in_any_log_line(server):
    raw(server, b"GARBAGE\r\n\r\n")  # gunicorn: "Invalid request from ip=…"
    raw(server, b"GET /s/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n")
    lines = _log_lines(server)
    assert any("Invalid request" in line for line in lines), lines[-5:]
    for line in lines:
        assert "127.0.0.1" not in line and "198.51.100.7" not in line, line


def test_a_cr_lf_in_the_path_cannot_split_a_log_line(server):
    forged = '{"time":"x","method":"GET","path":"/forged","status":200}'
    path = "/s/abc%0d%0a" + forged.replace('"', "%22").replace(" ", "%20")
    raw(server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    for line in _log_lines(server):
        if line.startswith("{"):
            entry = json.loads(line)  # every access line is one whole JSON object
            assert entry.get("path") != "/forged"
    token = server.site.path.removeprefix("/s/")
    assert all(token not in line for line in _log_lines(server))
