"""The verdict as text, for ``renke verdict --format table`` (and any plain-text report)."""

from __future__ import annotations

from analysis.concerns import Concerns
from analysis.display import certainty_words, format_percent
from analysis.items import AspectResult, ItemResult
from analysis.resources import accepted_words, display_figure
from analysis.standards import SECTION_LABELS, SECTIONS, format_number, unit_suffix
from analysis.verdict import ApprovalResult, Verdict


def _mark(passed: bool | None) -> str:
    return {True: "达标", False: "未达标", None: "缺少数据"}[passed]


def _value(item: ItemResult) -> str:
    if item.value is None or item.value == "":
        return ""
    if isinstance(item.value, float):
        number = item.measure.figure(item.value) if item.measure else format_number(item.value, 4)
        return number + ("%" if item.unit == "%" else "")
    return str(item.value)


def _aspect_lines(title: str, aspect: AspectResult) -> list[str]:
    lines = [f"{title}：{_mark(aspect.passed)}"]
    for item in aspect.items:
        status = item.status
        value = (
            "" if item.failures or (item.note or "").startswith("由学校数据计算") else _value(item)
        )
        extra = f"  {value}" if value else ""
        note = f"  （{item.note}）" if item.note else ""
        lines.append(f"  {item.id:<5} {status:<4} {item.title}{extra}{note}")
        lines.extend(_concern_lines(item.concerns, "        "))
        lines.extend(
            f"        {a.failure.text}（{accepted_words(a.note, a.accepted_by, a.accepted_at)}）"
            for a in item.accepted
        )
        for sub in item.sub:
            sub_value = _value(sub)
            sub_extra = f"  {sub_value}" if sub_value else ""
            sub_note = f"  （{sub.note}）" if sub.note else ""
            lines.append(f"    {sub.id:<6} {sub.status:<4} {sub.title}{sub_extra}{sub_note}")
            lines.extend(_concern_lines(sub.concerns, "          "))
    return lines


def _concern_lines(concerns: Concerns | None, indent: str) -> list[str]:
    """The schools an item concerns, beside the evaluator's 判定 (SPEC §2.2)."""
    if concerns is None:
        return []
    if not concerns.schools:
        return [f"{indent}学校表：没有{concerns.label}"]
    shown = "、".join(f"{s.name}（{s.students} 人）" for s in concerns.schools[:8])
    more = f" 等 {len(concerns.schools)} 所" if len(concerns.schools) > 8 else ""
    return [f"{indent}学校表中的{concerns.label}：{shown}{more}"]


def _not_applicable_lines(verdict: Verdict) -> list[str]:
    if not verdict.not_applicable:
        return []
    words = {"government": "政府保障", "quality": "教育质量"}
    lines = [f"标为不适用（{len(verdict.not_applicable)} 项）："]
    for entry in verdict.not_applicable:
        judged = "认可，按达标计" if entry.admissible else f"不认可：{entry.problem}"
        lines.append(
            f"  {words[entry.aspect]}第 {entry.id} 项（{entry.title}）：{entry.note or ''}——{judged}"
        )
    lines.append("")
    return lines


def verdict_table(verdict: Verdict) -> str:
    """A plain-text report of the verdict: conclusion, reasons, then each aspect."""
    standard = verdict.standard
    lines = [
        *([f"县：{verdict.county}"] if verdict.county else []),
        f"结论：{'认定通过' if verdict.certified else '不予认定'}（标准 {standard.id}）",
        "评估资格：" + {True: "具备", False: "不具备", None: "待定（缺少数据）"}[verdict.eligible],
        "",
    ]
    if verdict.reasons:
        lines.append(f"原因（{len(verdict.reasons)} 条）：")
        lines.extend(f"  {n}. {reason}" for n, reason in enumerate(verdict.reasons, start=1))
        lines.append("")
    lines.extend(_not_applicable_lines(verdict))
    if verdict.notes:
        lines.append(f"请核对（不是原因，{len(verdict.notes)} 条）：")
        lines.extend(f"  - {note}" for note in verdict.notes)
        lines.append("")
    resource = verdict.resource
    failing = [r for r in resource.units if not r.passed]
    lines.append(
        f"资源配置：{_mark(resource.passed)}（{len(resource.units)} 个学校单位，"
        f"{len(failing)} 个未达标；不计入 {len(resource.excluded)} 所）"
    )
    lines.append("  差异系数（按学生数加权）")
    for section in SECTIONS:
        for indicator in standard.indicators:
            cv = resource.cv_of(section, indicator.key)
            shown = cv.display or "—"
            relation = "" if cv.cv is None else ("≤" if cv.passed else ">") + f" {cv.threshold:.2f}"
            note = f"  （{cv.note}）" if cv.note else ""
            lines.append(
                f"    {SECTION_LABELS[section]} {indicator.name:<24} {shown:>7} {relation:<7}"
                f" {_mark(cv.passed)}{note}"
            )
    special = [r for r in resource.units if r.special]
    for result in special:
        for key, case in result.special.items():
            limit = standard.indicator(key).threshold(result.unit.section)
            lines.append(
                f"  {result.unit.label}{standard.indicator(key).name} "
                f"{display_figure(case.value, limit, trim=True)}{unit_suffix(standard.indicator(key).unit)}"
                f"（{case.accepted_words}）"
            )
    lines.append("")
    lines.extend(_aspect_lines("政府保障程度", verdict.government))
    lines.append("")
    lines.extend(_aspect_lines("教育质量", verdict.quality))
    lines.append("")
    lines.extend(approval_lines(verdict.approval))
    present = [v for v in verdict.vetoes if v.present]
    missing = [v for v in verdict.vetoes if v.present is None]
    veto_line = "否决事项：" + (
        "、".join(v.title for v in present) if present else ("无" if not missing else "")
    )
    if missing:
        veto_line += ("；" if present else "") + f"缺少 {len(missing)} 项判定"
    lines.append(veto_line)
    if verdict.notes:
        lines.append("")
        lines.append("说明：")
        lines.extend(f"  {note}" for note in verdict.notes)
    return "\n".join(lines)


def approval_lines(approval: ApprovalResult) -> list[str]:
    """社会认可度 in the verdict: the figure, its interval in neutral words, the sample check."""
    if approval.approval is None:
        return ["社会认可度：缺少数据"]
    theta = approval.threshold
    interval = ""
    if approval.ci is not None:
        low, high = approval.ci
        interval = f"，区间 {format_percent(low, theta)}–{format_percent(high, theta)}"
    certainty = ""
    if approval.certainty:
        certainty = f"；{certainty_words(approval.certainty, approval.level, theta)}"
    state = {True: "达标", False: "未达标", None: "未确立（样本不符合计划或无法核对）"}[
        approval.passed
    ]
    lines = [
        f"社会认可度：{format_percent(approval.approval, theta)}{interval}{certainty} — {state}"
    ]
    if approval.sample is not None:
        marks = {True: "✓", False: "✗", None: "？"}
        lines.extend(
            f"  样本 {marks[rule.passed]} {rule.detail}" for rule in approval.sample.checks
        )
    return lines
