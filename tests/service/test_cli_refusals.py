"""Exit codes of the commands (SPEC §5): refusals are 2 with the problem named; a crash
in `renke analyze`/`verdict` is never exit 1 ("not certified")."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from renke.cli import main


@pytest.fixture
def env(tmp_path):
    return {
        "RENKE_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'renke.sqlite3'}",
        "SECRET_KEY": "q7Hk2pX9vLm4Rt8Wz1Nc6Bf3Yd5Gs0Ja",
    }


def test_demo_refuses_to_run_in_production(env):
    runner = CliRunner(env={**env, "RENKE_ENV": "production"})
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 2 and "生产环境" in result.output


def test_a_production_key_too_weak_stops_every_command(env):
    runner = CliRunner(env={**env, "RENKE_ENV": "production", "SECRET_KEY": "password"})
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2 and "SECRET_KEY" in result.output


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a", "至少 10 个字符"),
        ("", "至少 10 个字符"),
        ("1234567890", "太常见"),
        ("wangwei-01", None),
    ],
)
def test_user_add_applies_the_password_policy(env, password, problem):
    runner = CliRunner(env=env)
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(
        main, ["user", "add", "wangwei-01", "--role", "admin", "--password", password]
    )
    if problem:
        assert result.exit_code == 2 and problem in result.output
    else:
        assert result.exit_code == 2 and "不能与用户名相同" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"group,q1\r\xe5\xae\xb6\xe9\x95\xbf,\xe6\xbb\xa1\xe6\x84\x8f\r", "CR"),
        ("group,q1\n家长,满意\n".encode("utf-16"), "UTF-16"),
        (b"group,q1\n\x81\xff\xfe,x\n", "无法识别的字符"),
    ],
)
@pytest.mark.parametrize("command", ["analyze", "verdict"])
def test_unreadable_files_are_exit_2_never_1(tmp_path, content, message, command):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    args = (
        [command, str(path)]
        if command == "analyze"
        else [command, "--schools", str(path), "--approval", "0.9"]
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_crash_in_analyze_is_exit_2(tmp_path, monkeypatch):
    import renke.analyze_command as analyze

    def crash(*_args, **_kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(analyze, "approval_from_options", crash)
    path = tmp_path / "r.csv"
    path.write_text("group,q1\n家长,满意\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2 and "MemoryError" in result.output
