"""The audit log page, its XLSX export."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, render_template, request
from flask.typing import ResponseReturnValue

from surveyapp import db
from surveyapp.audit import ACTIONS
from surveyapp.audit.services import PAGE_SIZE, entries, parse_filter, row, to_xlsx
from surveyapp.auth import AUDIT_ROLES, login_required, require_role

blueprint = Blueprint("audit", __name__)
WORDS = "您的角色不能查看审计日志"


@blueprint.get("/audit")
@login_required
def index() -> ResponseReturnValue:
    require_role(AUDIT_ROLES, WORDS)
    zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
    chosen, problems = parse_filter(request.args.to_dict())
    found = entries(db.session(), g.user, chosen, zone, limit=PAGE_SIZE)
    return render_template(
        "audit/index.html",
        rows=[row(entry, zone) for entry in found],
        actions=ACTIONS,
        args=request.args,
        problems=problems,
        page_size=PAGE_SIZE,
    )


@blueprint.get("/audit.xlsx")
@login_required
def export() -> Response:
    require_role(AUDIT_ROLES, WORDS)
    zone = ZoneInfo(current_app.config["RENKE_TIMEZONE"])
    chosen, _ = parse_filter(request.args.to_dict())
    rows = [row(entry, zone) for entry in entries(db.session(), g.user, chosen, zone)]
    return Response(
        to_xlsx(rows),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=renke-audit.xlsx"},
    )
