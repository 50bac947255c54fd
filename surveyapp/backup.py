"""`renke backup FILE` / `renke restore FILE`: the whole database, uploaded files included.

Everything Renke keeps is in the database — responses, accounts, audit entries, and
the uploaded schools and county files (``data_file.content``) — so one database copy is
the whole backup. SQLite: the online backup API (a consistent copy while the service
runs). PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean
--single-transaction`` (the client tools of the server's major version or newer).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupRefused(ValueError):
    """A backup or restore that cannot be done as asked (the problem is the message)."""


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``database_url`` to ``target``."""
    if target.exists():
        raise BackupRefused(f"{target} 已存在；请换一个文件名，以免覆盖旧的备份")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(database_url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        target.chmod(0o600)
        return
    _pg_tool("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], database_url)
    target.chmod(0o600)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup ``source`` (of the same kind)."""
    if not source.is_file():
        raise BackupRefused(f"找不到备份文件：{source}")
    head = source.read_bytes()[:16]
    backend = make_url(database_url).get_backend_name()
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupRefused(f"{source} 不是 SQLite 备份（renke backup 在 SQLite 上生成的文件）")
        _check_sqlite_backup(source)
        backup_copy = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(database_url), timeout=30)
        try:
            backup_copy.backup(live)
        finally:
            live.close()
            backup_copy.close()
        return
    if not head.startswith(PG_DUMP_MAGIC):
        raise BackupRefused(f"{source} 不是 PostgreSQL 备份（pg_dump --format=custom 的文件）")
    _pg_tool(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
        database_url,
    )


def _check_sqlite_backup(source: Path) -> None:
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{source} 已损坏：{error}") from error
    finally:
        connection.close()
    if "alembic_version" not in tables:
        raise BackupRefused(f"{source} 不是 Renke 的数据库备份")


def _sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupRefused("内存数据库无法备份")
    return path


def _pg_tool(tool: str, arguments: list[str], database_url: str) -> None:
    """Run pg_dump/pg_restore with the connection in the environment (no password in ps)."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupRefused(
            f"找不到 {tool}：请安装 PostgreSQL 客户端（如 apt install postgresql-client）"
        )
    url = make_url(database_url)
    environ = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            environ[name] = str(value)
    arguments = [*arguments, f"--dbname={url.database}"] if tool == "pg_restore" else arguments
    done = subprocess.run(
        [executable, *arguments], env=environ, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tool} 失败：{done.stderr.strip()[:2000]}")
