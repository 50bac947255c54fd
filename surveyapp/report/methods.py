"""The appendix of methods: the formulas with their sources, and the standard's settings.

The formulas are those of SPEC §2.1, §2.5 and §4 (what ``analysis`` implements); the
sources are the standard file's own (``Standard.sources``), so a province that changes
its file changes the appendix too.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.display import format_level
from analysis.standards import Standard, format_number


@dataclass(frozen=True)
class Setting:
    """One threshold or [setting] of the standard file, with its source."""

    name: str
    value: str
    source: str


def settings(standard: Standard) -> tuple[Setting, ...]:
    """The standard's thresholds and settings in the order of the 办法, each with its source."""
    src = standard.sources
    units, sampling, approval = standard.units, standard.sampling, standard.approval
    rows = [
        Setting("基本均衡认定后年限", f"≥ {standard.min_years_since_basic} 年", src["eligibility"]),
        Setting(
            "每校达标项",
            f"7 项中至少 {standard.per_school_min_met} 项，余项不低于标准的 "
            f"{format_level(standard.per_school_floor)}",
            src["per_school"],
        ),
        Setting(
            "差异系数上限",
            f"小学 {standard.cv_primary:.2f}，初中 {standard.cv_junior:.2f}",
            src["cv"],
        ),
        Setting("差异系数加权", "按学生数加权", src["cv_weighting"]),
    ]
    rows += [
        Setting(
            indicator.name,
            f"小学 {format_number(indicator.primary)}，初中 {format_number(indicator.junior)}",
            src[f"indicator.{indicator.key}"],
        )
        for indicator in standard.indicators
    ]
    rows += [
        Setting(
            "教学及辅助用房扣除室内体育用房",
            "是" if units.subtract_indoor_gym else "否",
            src["units.subtract_indoor_gym"],
        ),
        Setting(
            "一贯制学校分摊比例（小学：初中：高中）",
            f"{units.split_primary:g} : {units.split_junior:g} : {units.split_senior:g}",
            src["units.split"],
        ),
        Setting(
            "完全中学分摊比例（初中：高中）",
            f"{units.complete_junior:g} : {units.complete_senior:g}",
            src["units.complete"],
        ),
        Setting(
            "不参与校际计算",
            f"特殊教育学校；不足 {units.teaching_point_min_students} 人的教学点"
            f"（{'并入中心校' if units.small_teaching_points == 'merge' else '不计入'}）",
            src["units.exclusion"],
        ),
        Setting(
            "社会认可度标准", f"≥ {format_level(approval.threshold)}", src["approval.threshold"]
        ),
        Setting("计分方案", approval.scheme, src["approval.scheme"]),
        Setting(
            "置信区间",
            f"{approval.interval}，置信水平 {format_level(approval.level)}",
            src["approval.interval"],
        ),
        Setting(
            "样本量与家长占比",
            f"常住人口 × {format_number(sampling.rate * 1000, 4)}‰；家长不低于 "
            f"{format_level(sampling.parent_share)}；有效率低于 "
            f"{format_level(sampling.valid_rate_warning)} 提示；少于 {sampling.min_cell} 人的单元格不单独显示",
            src["sampling"],
        ),
        Setting(
            "补交宽限期",
            f"{standard.collection.grace_period_hours:g} 小时",
            src["collection"],
        ),
    ]
    return tuple(rows)


def methods(standard: Standard) -> tuple[tuple[str, str, str], ...]:
    """(what, formula, source) for every figure of the report."""
    src = standard.sources
    theta = format_level(standard.approval.threshold)
    return (
        (
            "资源配置 7 项指标",
            "每百名学生拥有数 = 100 × 数量 ÷ 学生数；生均数 = 数值 ÷ 学生数；一贯制学校的校舍、"
            "场馆、仪器设备和多媒体教室按折算学生数分摊到各学段",
            f"{src['indicator.teachers_qualified']}至（七）；{src['units.split']}",
        ),
        ("每校达标", "达标项数 ≥ 6，且未达标的一项 ≥ 标准 × 85%", src["per_school"]),
        (
            "差异系数",
            "X̄ = ΣPᵢXᵢ / P，S = √(Σ(Pᵢ/P)(Xᵢ − X̄)²)，CV = S / X̄（Pᵢ 为学校学生数，P = ΣPᵢ）；"
            "按未舍入的值判定，显示 3 位小数，与标准相同时显示 4 位",
            f"{src['cv']}；{src['cv_weighting']}",
        ),
        (
            "样本量与配额",
            "N = ⌈常住人口 × 1.5‰⌉；家长 = ⌈N/2⌉（下限），其余按最大余数法平均分给其他群体；"
            "区域配额 = N × 各类人口占比（最大余数法）",
            src["sampling"],
        ),
        (
            "样本核对",
            "有效问卷 ≥ N，家长 ≥ 有效问卷的 50%（按份数），计划中的每个群体至少 1 份有效问卷；"
            "未通过时社会认可度不能作为认定依据（未确立）",
            src["sampling"],
        ),
        (
            "社会认可度（估计量）",
            "p̂ = Σwᵢaᵢ / Σwᵢbᵢ，aᵢ 为受访者 i 认可的题数（满意、比较满意计 1），bᵢ 为计分的题数",
            src["approval.scheme"],
        ),
        (
            "抽样方差（按学校整群）",
            "zᵢ = wᵢ(aᵢ − p̂bᵢ) / Σwb；Z_c = Σ_{i∈c} zᵢ；"
            "Var = Σ_s C_s/(C_s − 1) Σ_{c∈s} (Z_c − Z̄_s)²；自由度 = 群数 − 层数；"
            "设计效应 = 整群方差 ÷ 把受访者看作相互独立时的方差",
            "[setting] R survey：svydesign(ids = ~学校, strata = ~层, nest = TRUE) 上的 svyratio；SPEC §4",
        ),
        (
            "置信区间（Korn–Graubard）",
            "n* = p̂(1 − p̂)/SE² · (t_{α/2, n−1} / t_{α/2, df})²；"
            "[Beta⁻¹(α/2; n*p̂, n*(1 − p̂) + 1), Beta⁻¹(1 − α/2; n*p̂ + 1, n*(1 − p̂))]",
            src["approval.interval"],
        ),
        (
            "按计划结构加权",
            "p̂ = Σ W_h p̂_h，W_h = 群体配额 ÷ N（在有答卷的群体上重新归一）；仅作敏感性参考",
            f"{src['sampling']}；SPEC §4 planned",
        ),
        (
            "判定",
            f"社会认可度 ≥ {theta}（按点估计）；置信区间只作说明，不改变判定",
            src["approval.threshold"],
        ),
    )
