"""Service commands of `renke` (SPEC §5); each builds the app and calls the services."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.vocabulary import COUNTY_KINDS
from surveyapp import create_app, db
from surveyapp.models import CollectionLink, County, User
from surveyapp.models.account import ROLES
from surveyapp.qr import link_url


class Refused(click.ClickException):
    """Input refused (SPEC §5: exit 2, the problem named); other failures exit 1."""

    exit_code = 2


def _app() -> Flask:
    from surveyapp.config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as refused:  # a setting refused: named, exit 2
        raise Refused(str(refused)) from refused


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=None, type=int, help="gunicorn workers (default: 2 × cores, 2–4)"
)
@click.option("--announce", is_flag=True, help="print the addresses and the demo sign-in first")
def serve(host: str, port: int, workers: int | None, announce: bool) -> None:
    """Serve Renke with gunicorn."""
    from surveyapp.serve import default_workers, lan_addresses
    from surveyapp.serve import serve as run_server

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    # Without RENKE_PUBLIC_URL, QR codes point where this server listens (the workers
    # inherit the variable).
    os.environ.setdefault("RENKE_PUBLIC_URL", f"http://{shown}:{port}")
    app = _app()  # fail here, before forking, on a bad configuration
    if announce:
        from surveyapp.demo import DEMO_PASSWORD, DEMO_USER

        click.echo("")
        click.echo(f"  认可 Renke 已启动： http://{shown}:{port}/")
        if app.config["RENKE_ENV"] != "production":  # the demo cannot sign in there
            click.echo(f"  评估人员登录：用户名 {DEMO_USER}  密码 {DEMO_PASSWORD}（演示账号）")
            token = _demo_respondent_token(app)
            if token:
                click.echo(
                    f"  演示问卷（家长及社会各界卷），可直接打开： {link_url(f'http://{shown}:{port}', token)}"
                )
        click.echo(
            f"  问卷链接与二维码：登录后打开 “问卷链接与二维码”；二维码指向 {app.config['RENKE_PUBLIC_URL']}"
        )
        addresses = lan_addresses() or ["<本机局域网 IP>"]
        for address in addresses:
            click.echo(
                f"  手机扫码测试：RENKE_PUBLIC_URL=http://{address}:{port} make run HOST=0.0.0.0"
            )
        click.echo("  健康检查： /healthz    停止： Ctrl+C")
        from surveyapp.report.pdf import pdf_problem

        click.echo(
            f"  评估报告 PDF：{pdf_problem() or '可生成（WeasyPrint，字体 Noto Sans CJK SC）'}"
        )
        click.echo("")
    run_server(host, port, workers or default_workers())


def _demo_respondent_token(app: Flask) -> str | None:
    """The demo's county-level 社会卷 link, to open at once after `make run`."""
    from surveyapp.models import Assessment

    with app.app_context():
        session = db.session()
        county = session.scalars(select(County).where(County.name == "砚山县")).first()
        if county is None:
            return None
        token: str | None = session.scalars(
            select(CollectionLink.token)
            .join(CollectionLink.assessment)
            .where(
                CollectionLink.instrument == "social",
                CollectionLink.school_id.is_(None),
                CollectionLink.active.is_(True),
                Assessment.county_id == county.id,
            )
            .order_by(CollectionLink.id)
        ).first()
        return token


@click.command()
@click.option("--if-empty", is_flag=True, help="only when the database has no assessment yet")
@click.option("--no-responses", is_flag=True, help="links only, no synthetic responses")
@click.option(
    "--responses",
    "total",
    type=click.IntRange(min=0),
    help="exactly N synthetic responses in the demo assessment (replacing those there)",
)
def demo(if_empty: bool, no_responses: bool, total: int | None) -> None:
    """Seed the demo county 砚山县 (idempotent)."""
    import random

    from surveyapp.demo import has_any_assessment, seed_demo, set_demo_responses

    app = _app()
    if app.config["RENKE_ENV"] == "production":
        raise Refused("生产环境（RENKE_ENV=production）不能写入演示数据：演示账号的密码是公开的")
    with app.app_context():
        session = db.session()
        if if_empty and has_any_assessment(session):
            click.echo("数据库已有评估，跳过演示数据。")
            return
        assessment = seed_demo(session, responses=not no_responses and total is None)
        if total is not None:
            with click.progressbar(length=total, label="生成答卷", file=sys.stderr) as bar:
                set_demo_responses(session, assessment, total, random.Random(2026), bar.update)
        session.commit()
        if total is not None:
            db.refresh_statistics(session.get_bind(), "response")  # type: ignore[arg-type]
        click.echo(f"演示数据就绪：评估 {assessment.id}（{assessment.title}）")


@click.group("db")
def db_group() -> None:
    """Database commands."""


@db_group.command()
def upgrade() -> None:
    """Apply the Alembic migrations."""
    app = _app()
    db.upgrade(app.config["DATABASE_URL"])
    click.echo("数据库已是最新结构。")


@click.group("user")
def user_group() -> None:
    """Accounts of evaluators and provincial staff."""


def _one_county(session: Session, name: str) -> County:
    """The county named "砚山县" or, where names repeat, "文山壮族苗族自治州/砚山县"."""
    prefecture, _, county = name.rpartition("/")
    query = select(County).where(County.name == county)
    if prefecture:
        query = query.where(County.prefecture == prefecture)
    found = session.scalars(query).all()
    if not found:
        raise Refused(f"找不到县：{name}")
    if len(found) > 1:
        names = "、".join(f"{c.prefecture}/{c.name}" for c in found)
        raise Refused(f"有多个县叫 {name}：{names}；请写成 州市/县")
    return found[0]


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option(
    "--county", "county_name", default=None, help="县级评估人员的县：砚山县 或 文山州/砚山县"
)
@click.option("--prefecture", default=None, help="州市人员的州市：文山州")
@click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
def user_add(
    name: str, role: str, county_name: str | None, prefecture: str | None, password: str
) -> None:
    """添加账号（密码至少 10 个字符，不能与用户名相同，不能太常见）。"""
    from surveyapp.accounts.services import AccountError, add_user

    app = _app()
    with app.app_context():
        session = db.session()
        county = None
        if county_name:
            county = _one_county(session, county_name)
        try:
            add_user(session, name, password, role, county, prefecture=prefecture)
        except AccountError as error:
            raise Refused(str(error)) from error
        session.commit()
        click.echo(f"已添加用户 {name}（{ROLES[role]}）")


@user_group.command("list")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def user_list(output: str) -> None:
    """列出账号：用户名、角色、范围、状态。"""
    app = _app()
    with app.app_context():
        rows: list[dict[str, object]] = [
            {
                "username": user.username,
                "role": user.role,
                "role_label": ROLES[user.role],
                "county": user.county.name if user.county else None,
                "prefecture": user.county.prefecture if user.county else user.prefecture,
                "disabled": user.disabled_at is not None,
                "must_change_password": user.must_change_password,
            }
            for user in db.session().scalars(select(User).order_by(User.role, User.username))
        ]
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        scope = "/".join(str(part) for part in (row["prefecture"], row["county"]) if part) or "—"
        state = "已停用" if row["disabled"] else "启用"
        click.echo(f"{row['username']:<20} {row['role_label']:<8} {scope:<24} {state}")


def _one_user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    if user is None:
        raise Refused(f"找不到用户：{name}")
    return user


def _set_disabled(name: str, disabled: bool) -> None:
    from surveyapp.accounts.services import set_disabled

    app = _app()
    with app.app_context():
        session = db.session()
        set_disabled(session, None, _one_user(session, name), disabled)
        session.commit()


@user_group.command("disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """停用账号：不能再登录，所有已登录的会话立即失效。"""
    _set_disabled(name, True)
    click.echo(f"已停用用户 {name}，其所有登录已失效")


@user_group.command("enable")
@click.argument("name")
def user_enable(name: str) -> None:
    """重新启用已停用的账号。"""
    _set_disabled(name, False)
    click.echo(f"已重新启用用户 {name}")


@user_group.command("reset")
@click.argument("name")
@click.password_option(prompt="新密码", confirmation_prompt="再次输入新密码")
def user_reset(name: str, password: str) -> None:
    """设置新密码（按密码规则检查）；该用户所有已登录的会话立即失效。"""
    from surveyapp.accounts.services import AccountError, reset_password

    app = _app()
    with app.app_context():
        session = db.session()
        try:
            reset_password(_one_user(session, name), password)
        except AccountError as error:
            raise Refused(str(error)) from error
        session.commit()
    click.echo(f"已重设用户 {name} 的密码，其所有登录已失效")


@click.group("county")
def county_group() -> None:
    """县名录（管理员、省级人员）。"""


@county_group.command("add")
@click.argument("name")
@click.option("--prefecture", required=True, help="所属州市：文山州")
@click.option("--kind", type=click.Choice(list(COUNTY_KINDS)), default=None, help="默认按县名判断")
@click.option("--code", default=None, help="6 位行政区划代码，如 532626")
@click.option("--province", default="云南省", show_default=True)
def county_add(
    name: str, prefecture: str, kind: str | None, code: str | None, province: str
) -> None:
    """添加一个县；代码相同或简称相同的县已存在时拒绝。"""
    from surveyapp import audit
    from surveyapp.counties.services import CountyRefused, add_county

    app = _app()
    with app.app_context():
        session = db.session()
        try:
            county = add_county(session, province, prefecture, name, kind=kind, code=code)
        except CountyRefused as refused:
            raise Refused(str(refused)) from refused
        audit.record(
            session,
            None,
            "county",
            f"{county.prefecture}{county.name}",
            after={"类型": county.kind, "代码": county.code},
            county_id=county.id,
            username="命令行",
        )
        session.commit()
        click.echo(f"已添加 {county.prefecture}{county.name}（{county.kind}）")


@click.command("audit")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.option("--action", default=None, help="只看一种操作")
@click.option("--user", "username", default=None, help="只看一个用户")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1))
def audit_command(output: str, action: str | None, username: str | None, limit: int) -> None:
    """审计日志，最新的在前。"""
    from zoneinfo import ZoneInfo

    from surveyapp.audit.services import entries as audit_entries
    from surveyapp.audit.services import parse_filter, row

    app = _app()
    zone = ZoneInfo(app.config["RENKE_TIMEZONE"])
    chosen, problems = parse_filter({"action": action or "", "user": username or ""})
    if problems:
        raise Refused("；".join(problems))
    with app.app_context():
        operator = User(username="命令行", role="admin")
        rows = [row(e, zone) for e in audit_entries(db.session(), operator, chosen, zone, limit)]
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for item in rows:
        click.echo(
            f"{item['at']}  {item['username']:<12} {item['action']:<8} {item['target']}"
            f"  {item['before']} → {item['after']}"
        )


@click.command()
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def assessments(output: str) -> None:
    """List assessments: id, county, year, stage, state, responses."""
    from surveyapp.assessments.services import list_assessments

    app = _app()
    with app.app_context():
        now = db.utcnow()
        rows = [
            {
                "id": s.assessment.id,
                "county": s.assessment.county.name,
                "year": s.assessment.year,
                "stage": s.assessment.stage,
                "state": s.assessment.state_at(now),
                "responses": s.responses,
                "valid": s.valid,
            }
            for s in list_assessments(db.session())
        ]
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['county']}  {row['year']}  {row['stage']:<10} "
            f"{row['state']:<10} {row['valid']}/{row['responses']}"
        )


@click.command()
@click.argument("assessment_id", type=int)
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--qr",
    "qr_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write a PNG and an SVG QR code per link into this folder",
)
@click.option(
    "--posters",
    "posters_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write a printable A4 poster PDF, a share card and its message per link here",
)
def links(assessment_id: int, output: str, qr_dir: Path | None, posters_dir: Path | None) -> None:
    """List an assessment's collection links (and write their QR codes and posters)."""
    from surveyapp import qr
    from surveyapp.assessments.services import links_of
    from surveyapp.models import Assessment

    app = _app()
    with app.app_context():
        session = db.session()
        if session.get(Assessment, assessment_id) is None:
            raise Refused(f"找不到评估 {assessment_id}")
        public_url = app.config["RENKE_PUBLIC_URL"]
        found = links_of(session, assessment_id)
        rows = [
            {
                "id": link.id,
                "url": qr.link_url(public_url, link.token),
                "instrument": link.instrument,
                "school": link.school.code if link.school else None,
                "school_name": link.school.name if link.school else None,
                "group": link.preset_group,
                "label": link.label,
            }
            for link in found
        ]
        if posters_dir is not None:
            _write_posters(found, posters_dir, public_url, app.config["RENKE_TIMEZONE"])
    if qr_dir is not None:
        qr_dir.mkdir(parents=True, exist_ok=True)
        with click.progressbar(rows, label="二维码", file=sys.stderr) as progress:
            for row in progress:
                stem = qr_dir / f"link-{row['id']}"
                stem.with_suffix(".png").write_bytes(qr.qr_png(str(row["url"])))
                stem.with_suffix(".svg").write_bytes(qr.qr_svg(str(row["url"])))
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['url']}  {row['instrument']}  {row['school'] or '-'}  {row['group'] or '-'}  {row['label']}"
        )


def _write_posters(
    links: list[CollectionLink], folder: Path, public_url: str, timezone: str
) -> None:
    """Per link: ``<name>.pdf`` (A4 poster), ``<name>-分享图.png`` and ``<name>-分享文字.txt``."""
    from surveyapp.field import images, services

    folder.mkdir(parents=True, exist_ok=True)
    pairs = services.unique_stems(links)
    try:
        with click.progressbar(pairs, label="海报", file=sys.stderr) as progress:
            for link, stem in progress:
                sheet = services.link_sheet(link, public_url, timezone)
                (folder / f"{stem}.pdf").write_bytes(images.poster_pdf(sheet))
                (folder / f"{stem}-分享图.png").write_bytes(images.share_card(sheet))
                (folder / f"{stem}-分享文字.txt").write_text(
                    images.share_message(sheet), encoding="utf-8"
                )
    except images.FontMissing as missing:
        raise click.ClickException(str(missing)) from missing


@click.command()
@click.argument("assessment_id", type=int)
@click.option("--format", "output", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("-o", "target", default=None, help="output file; - for standard output")
@click.option(
    "--headers",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="column names: SPEC §3 English names or their Chinese aliases",
)
def export(assessment_id: int, output: str, target: str | None, headers: str) -> None:
    """Export an assessment's responses (the SPEC §3 responses table), streamed."""
    from surveyapp.assessments.services import export_csv_chunks, export_xlsx
    from surveyapp.models import Assessment

    app = _app()
    with app.app_context():
        session = db.session()
        if session.get(Assessment, assessment_id) is None:
            raise Refused(f"找不到评估 {assessment_id}")
        timezone = app.config["RENKE_TIMEZONE"]
        if output == "csv":
            chunks = export_csv_chunks(session, assessment_id, timezone, headers)
            if target in (None, "-"):
                for chunk in chunks:
                    click.echo(chunk, nl=False)
                return
            with open(target, "w", encoding="utf-8", newline="") as file:
                file.write("\ufeff")  # Excel on Windows reads UTF-8 Chinese with it
                file.writelines(chunks)
            return
        destination = target or f"renke-{assessment_id}-responses.xlsx"
        if destination == "-":
            export_xlsx(session, assessment_id, timezone, sys.stdout.buffer, headers)
            return
        with open(destination, "wb") as book:
            export_xlsx(session, assessment_id, timezone, book, headers)
        click.echo(f"已导出到 {destination}", err=True)


@click.command()
@click.argument("assessment_id", type=int)
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def integrity(assessment_id: int, output: str) -> None:
    """Compute and store an assessment's integrity signals (SPEC §2.5, §5); nothing is invalidated."""
    from surveyapp.integrity.services import compute_integrity, run_json
    from surveyapp.models import Assessment

    app = _app()
    with app.app_context():
        session = db.session()
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            raise click.ClickException(f"找不到评估 {assessment_id}")
        run = compute_integrity(
            session, assessment, None, db.utcnow(), app.config["RENKE_TIMEZONE"]
        )
        session.commit()
        body = run_json(session, run)
    if output == "json":
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(render_integrity(body, app.config["RENKE_TIMEZONE"]))


def render_integrity(body: dict[str, object], timezone: str) -> str:
    """The table output of `renke integrity`, in Chinese, times in ``timezone``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from analysis.display import format_percent
    from analysis.integrity import RULES

    def local(text: str | None) -> str:
        if text is None:
            return "—"
        return datetime.fromisoformat(text).astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")

    incidents = body["incidents"]
    flagged = body["flagged"]
    assert isinstance(incidents, list) and isinstance(flagged, list)
    lines = [
        f"检查有效答卷 {body['checked']} 份，标记 {len(flagged)} 份，{len(incidents)} 起事件（未自动认定无效）"
    ]
    for incident in incidents:
        rules = "、".join(RULES[rule] for rule in incident["rules"])
        lines.append(
            f"  事件 {incident['incident']:>3}  链接 {incident['link'] or '-'}  "
            f"{local(incident['start'])} – {local(incident['end'])}  {incident['count']} 份  {rules}"
        )
    for note in body["notes"]:  # type: ignore[attr-defined]
        lines.append(f"  注：{note}")
    for key, title in (("approval_all", "全部有效答卷"), ("approval_unflagged", "去除标记答卷")):
        view = body[key]
        assert isinstance(view, dict)
        pooled, planned = view["pooled"], view["planned"]
        lines.append(
            f"社会认可度（{title}）：合并 {format_percent(pooled['approval'] if pooled else None)}"
            f"，按计划比例 {format_percent(planned['approval'] if planned else None)}"
        )
    return "\n".join(lines)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the whole database (responses, accounts, audit, uploaded files) to TARGET."""
    from surveyapp.backup import BackupRefused, backup

    app = _app()
    try:
        backup(app.config["DATABASE_URL"], target)
    except BackupRefused as refused:
        raise Refused(str(refused)) from refused
    click.echo(f"已备份到 {target}（{target.stat().st_size:,} 字节）")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask: replace the database's contents")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE."""
    from surveyapp.backup import BackupRefused, restore

    app = _app()
    if not yes:
        click.confirm("恢复会用备份替换数据库中的全部内容，继续吗？", abort=True)
    try:
        restore(app.config["DATABASE_URL"], source)
    except BackupRefused as refused:
        raise Refused(str(refused)) from refused
    app.extensions["renke.engine"].dispose()
    click.echo(f"已从 {source} 恢复。")
