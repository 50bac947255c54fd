"""The audit log (SPEC §1 "audit log"): who did what, when, in which role, old → new.

Services call :func:`record` beside the change they make (same transaction: the entry
is committed with the change or not at all). The page, its export and ``renke audit``
read it through :mod:`surveyapp.audit.services`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from surveyapp.db import utcnow
from surveyapp.models import AuditEntry, User

# action code -> what the page says
ACTIONS = {
    "sign_in": "登录成功",
    "sign_in_failed": "登录失败",
    "state": "收集状态变更",
    "settings": "修改评估设置",
    "create": "新建评估",
    "delete": "删除准备中的评估",
    "agency": "委托第三方机构",
    "upload": "上传文件",
    "link": "链接变更",
    "invalidate": "认定答卷无效",
    "restore": "恢复答卷",
    "review": "复核数据质量标记",
    "account": "账号变更",
    "county": "新增县",
    "freeze": "认定结论定稿",
    "stage": "进入下一阶段",
    "wording": "修改问卷措辞",
}


def record(
    session: Session,
    user: User | None,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    *,
    county_id: int | None = None,
    username: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry; ``username`` names the actor when there is no account (a failed
    sign-in). Raises KeyError for an action not in :data:`ACTIONS`."""
    ACTIONS[action]  # noqa: B018 — one vocabulary: an unknown action is a programming error
    entry = AuditEntry(
        at=now or utcnow(),
        user_id=user.id if user else None,
        username=user.username if user else (username or "-")[:80],
        role=user.role if user else None,
        action=action,
        target=target[:200],
        county_id=county_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
