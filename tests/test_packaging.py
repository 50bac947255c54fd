"""A non-editable install ships templates/ and migrations/ and runs on its own (SPEC §6).

The wheel is built from a copy of the checkout (the files git would not ignore), so the
shared working tree gets no build/ or *.egg-info and a stale build/lib cannot leak into
the wheel. It is installed with ``pip install --target`` and run with ``python -S``:
the interpreter sees the installed copy and the venv's site-packages (for the
dependencies) through PYTHONPATH, and nothing else. ``-S`` also keeps the venv's
editable-install hook (a .pth file) from mapping ``surveyapp`` back to the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# What `git status` ignores (.gitignore), plus the repository itself.
NOT_SOURCES = {
    ".git",
    ".venv",
    "build",
    "dist",
    "instance",
    "test-output",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}

CHECK_INSTALLED = r"""
import json, sys
from pathlib import Path
from typing import Any

site = Path(sys.argv[1]).resolve()
repo = Path(sys.argv[2]).resolve()
import surveyapp, surveyapp.db
from surveyapp import create_app, db
from surveyapp.demo import seed_demo
from surveyapp.models import CollectionLink
from sqlalchemy import select

app = create_app()
with app.app_context():
    session = db.session()
    assessment = seed_demo(session, responses=False)
    session.commit()
    token = session.scalars(
        select(CollectionLink.token).where(CollectionLink.assessment_id == assessment.id)
    ).first()
client = app.test_client()
pages = {path: client.get(path) for path in ("/healthz", "/login", f"/s/{token}")}
print(json.dumps({
    "surveyapp": str(Path(surveyapp.__file__).resolve()),
    "templates": str(surveyapp.templates_path().resolve()),
    "migrations": str(surveyapp.db.migrations_path().resolve()),
    "repo_on_path": any(Path(p or ".").resolve() == repo for p in sys.path),
    "status": {path: r.status_code for path, r in pages.items()},
    "form": pages[f"/s/{token}"].get_data(as_text=True),
    "login": pages["/login"].get_data(as_text=True),
}, ensure_ascii=False))
app.extensions["renke.engine"].dispose()
"""


def _ignore(folder: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n in NOT_SOURCES or n.endswith((".egg-info", ".pyc"))}
    if Path(folder) == ROOT / "benchmarks":
        ignored |= {"data", "results"} & set(names)
    return ignored


def run(args: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=180, **options)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """(temp folder, environment) for running the wheel installed into folder/site."""
    folder = tmp_path_factory.mktemp("packaging")
    source = folder / "src"
    shutil.copytree(ROOT, source, ignore=_ignore)
    wheels = folder / "wheels"
    pip = [sys.executable, "-m", "pip"]
    # Offline with the venv's setuptools when it can; otherwise pip's isolated build,
    # which fetches setuptools>=68 and wheel (pyproject's build-system) from the index.
    attempts = []
    for isolation in (["--no-build-isolation"], []):
        built = run([*pip, "wheel", "--no-deps", *isolation, "-w", str(wheels), "."], cwd=source)
        attempts.append(
            f"$ pip wheel {' '.join(isolation)}\n{built.stdout[-1500:]}{built.stderr[-3000:]}"
        )
        if built.returncode == 0:
            break
    found = sorted(wheels.glob("renke-*.whl"))
    assert len(found) == 1, "no wheel could be built:\n" + "\n".join(attempts)
    [wheel] = found

    site = folder / "site"
    installed = run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)])
    assert installed.returncode == 0, installed.stdout + installed.stderr
    shutil.rmtree(source)  # nothing may come from the sources from here on

    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RENKE_", "PYTHON")) and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    environment.update(
        PYTHONPATH=os.pathsep.join([str(site), *sorted(dependencies)]),
        PYTHONDONTWRITEBYTECODE="1",
        RENKE_INSTANCE=str(folder / "instance"),
        DATABASE_URL=f"sqlite:///{folder / 'data' / 'renke.sqlite3'}",
        RENKE_PUBLIC_URL="http://127.0.0.1:5000",
    )
    yield folder, environment


def test_wheel_ships_templates_and_migrations(installed: tuple[Path, dict[str, str]]) -> None:
    folder, _ = installed
    package = folder / "site" / "surveyapp"
    assert (package / "templates" / "base.html").is_file()
    assert (package / "templates" / "collect" / "form.html").is_file()
    assert (package / "migrations" / "env.py").is_file()
    assert (package / "migrations" / "script.py.mako").is_file()
    shipped = sorted(p.name for p in (package / "migrations" / "versions").glob("*.py"))
    expected = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    assert shipped == expected and shipped
    templates = sorted(
        str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.html")
    )
    assert templates == sorted(
        str(p.relative_to(package / "templates")) for p in (package / "templates").rglob("*.html")
    )


def test_installed_copy_upgrades_and_renders(installed: tuple[Path, dict[str, str]]) -> None:
    folder, environment = installed
    python = [sys.executable, "-S"]
    upgraded = run([*python, "-m", "renke", "db", "upgrade"], cwd=folder, env=environment)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "数据库已是最新结构" in upgraded.stdout
    assert (folder / "data" / "renke.sqlite3").is_file()

    checked = run(
        [*python, "-c", CHECK_INSTALLED, str(folder / "site"), str(ROOT)],
        cwd=folder,
        env=environment,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    site = (folder / "site").resolve()
    for key in ("surveyapp", "templates", "migrations"):
        assert Path(report[key]).is_relative_to(site), (
            f"{key} came from {report[key]}, not the wheel"
        )
    assert report["repo_on_path"] is False
    assert set(report["status"].values()) == {200}, report["status"]
    assert "提交问卷" in report["form"] and 'name="key"' in report["form"]
    assert "<form" in report["login"]


def test_installed_copy_serves(installed: tuple[Path, dict[str, str]]) -> None:
    folder, environment = installed
    port = free_port()
    log = folder / f"serve-{port}.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-S", "-m", "renke", "serve", "--port", str(port), "--workers", "1"],
            cwd=folder,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # gunicorn's workers share the group, ended with it
        )
    try:
        status, body = None, ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    status, body = reply.status, reply.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        assert status == 200, f"no /healthz within 30 s (exit {server.poll()}):\n{log.read_text()}"
        assert json.loads(body) == {"status": "ok", "database": "ok"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=25)
        except subprocess.TimeoutExpired:
            pass
        try:  # whatever is left of this server's own process group (a stuck worker)
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait(timeout=10)
