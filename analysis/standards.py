"""Standards as data (SPEC §2.6).

A standard is a TOML file holding every threshold of the 督导评估办法 and every setting
practice adds to apply it, each with its source. Two ship with Renke: ``yunnan-2022``
(the default; 云南省县域义务教育优质均衡发展督导评估办法) and ``national-2017``
(教督〔2017〕6号; the same numbers). A province with other numbers writes a file, not code:
:func:`load_standard` accepts a path as well as a name.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from analysis.tables import InputRefused, Problem

DEFAULT_STANDARD = "yunnan-2022"

Section = Literal["primary", "junior"]
SECTIONS: tuple[Section, Section] = ("primary", "junior")
SECTION_LABELS: Mapping[Section, str] = {"primary": "小学", "junior": "初中"}

INDICATOR_KEYS = (
    "teachers_qualified",
    "teachers_backbone",
    "teachers_pe_art",
    "teaching_space",
    "sports_space",
    "equipment_value",
    "multimedia_rooms",
)
COMPUTED_ITEMS = ("rooms", "size", "class_size")
# When 不适用 is admissible for a (sub-)item (SPEC §3 [setting]); the conditions on the
# schools file are checked in :mod:`analysis.concerns`, "declared" rests on the 说明.
NOT_APPLICABLE_CONDITIONS = (
    "no_small_rural_schools",
    "no_special_schools",
    "no_public_day_primary",
    "no_public_day_junior",
    "no_rural_junior",
    "declared",
)
OPERATORS = (">=", "<=", "<", ">")


@dataclass(frozen=True)
class Indicator:
    """One of the 7 资源配置 indicators of 办法 第六条, with its two standards."""

    key: str
    name: str
    short: str
    unit: str
    per_hundred: bool
    primary: float
    junior: float
    source: str
    definition: str = ""

    def threshold(self, section: Section) -> float:
        """The standard for a 学段."""
        return self.primary if section == "primary" else self.junior


@dataclass(frozen=True)
class Measure:
    """The quantitative standard of a county (sub-)item, e.g. ``>= 95 %``."""

    op: str
    target: float
    unit: str

    def holds(self, value: float, tolerance: float = 0.0) -> bool:
        """Whether ``value`` meets the standard (``tolerance`` absorbs float error only)."""
        slack = tolerance * max(1.0, abs(self.target))
        if self.op == ">=":
            return value >= self.target - slack
        if self.op == "<=":
            return value <= self.target + slack
        if self.op == "<":
            return value < self.target
        return value > self.target

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def figure(self, value: float, tolerance: float = 1e-9) -> str:
        """A 值 as printed beside this standard: thousands grouped, up to 4 decimals, and
        more where 4 would print the target itself ("94.99996", never "95" against 不低于
        95%), so that no printed figure contradicts the verdict (SPEC §2.1 display rule).
        A value equal to the target within the floating-point ``tolerance`` prints as it.
        """
        text = format_number(value, 4)
        if abs(value - self.target) <= tolerance * max(1.0, abs(self.target)):
            return text
        decimals = 4
        while text == format_number(self.target, decimals) and decimals < 15:
            decimals += 1
            text = format_number(value, decimals)
        return text

    def describe(self) -> str:
        """The standard in words: "不低于 95%", "低于 0.15"."""
        target = format_number(self.target)
        words = {">=": "不低于", "<=": "不高于", "<": "低于", ">": "高于"}[self.op]
        if self.op == ">=" and self.is_percent and self.target == 100:
            return "达到 100%"
        return f"{words} {target}{unit_suffix(self.unit)}"


@dataclass(frozen=True)
class ItemSpec:
    """A 政府保障 (第七条) or 教育质量 (第八条) item, or one of its sub-items ``N.k``.

    ``computed`` names items 3–5 of 第七条, computed from the school file; ``open_sub``
    marks an item whose sub-items are numbered freely (教育质量 9.k, one per subject).
    ``not_applicable`` is the condition (one of :data:`NOT_APPLICABLE_CONDITIONS`) under
    which 不适用 is admissible, ``None`` where it never is (SPEC §3).
    """

    id: str
    title: str
    source: str
    measure: Measure | None = None
    computed: str | None = None
    subs: tuple[ItemSpec, ...] = ()
    open_sub: bool = False
    sub_title: str = ""
    not_applicable: str | None = None
    not_applicable_source: str = ""
    hint: str = ""

    def sub(self, sub_id: str) -> ItemSpec | None:
        """The sub-item ``sub_id`` (``"8.1"``), generated for an open item."""
        for sub in self.subs:
            if sub.id == sub_id:
                return sub
        if self.open_sub:
            return ItemSpec(
                id=sub_id,
                title=f"{self.sub_title}（{sub_id}）",
                source=self.source,
                measure=self.measure,
                not_applicable=self.not_applicable,
                not_applicable_source=self.not_applicable_source,
            )
        return None


@dataclass(frozen=True)
class Veto:
    """A 第十条 situation that blocks certification."""

    id: str
    title: str


@dataclass(frozen=True)
class UnitSettings:
    """How schools become units (SPEC §2.1 Units and Excluded; all [setting])."""

    subtract_indoor_gym: bool
    split_primary: float
    split_junior: float
    split_senior: float
    complete_junior: float
    complete_senior: float
    exclude_special_education: bool
    small_teaching_points: Literal["exclude", "merge"]
    teaching_point_min_students: int


@dataclass(frozen=True)
class RoomRule:
    """办法 第七条（三）: music and art rooms."""

    classes_per_room: int
    music_min_area: float
    art_min_area: float


@dataclass(frozen=True)
class SizeRule:
    """办法 第七条（四）: school size."""

    single_section: int
    through_school: int


@dataclass(frozen=True)
class ClassSizeRule:
    """办法 第七条（五）: largest class."""

    primary: int
    junior: int


@dataclass(frozen=True)
class ApprovalSettings:
    """社会认可度 (第九条) and how it is estimated (SPEC §4)."""

    threshold: float
    scheme: str
    interval: str
    level: float


@dataclass(frozen=True)
class SamplingSettings:
    """The survey sample rules of SPEC §2.5 [setting]; read by the sampling code."""

    rate: float
    parent_share: float
    parent_is_floor: bool
    groups: tuple[str, ...]
    overflow: tuple[str, ...]
    student_grades: tuple[tuple[int, int], ...]
    parent_grades: tuple[tuple[int, int], ...]
    valid_rate_warning: float
    min_cell: int


@dataclass(frozen=True)
class CollectionSettings:
    """How long a shown form stays acceptable (SPEC §2.5, §6) [setting]."""

    #: A form key is accepted this long after it was signed.
    form_key_hours: float
    #: After a link is stopped or the collection closes, forms shown before are
    #: accepted this long, and counted as late.
    grace_period_hours: float


@dataclass(frozen=True)
class DeclineRule:
    """第十七条 下滑 [setting]: which measures count, over how many years, and the
    one-sided significance level of an approval's fall (SPEC §2.4)."""

    consecutive_years: int
    measures: tuple[str, ...]
    significance: float


@dataclass(frozen=True)
class Plausibility:
    """Thresholds of the plausibility warnings of SPEC §3 [setting]."""

    min_equipment_per_student: float
    senior_class_ratio: float
    max_teachers_per_hundred: float


@dataclass(frozen=True)
class Standard:
    """Every threshold and setting of one standard, each with its source in ``sources``."""

    id: str
    title: str
    source: str
    min_years_since_basic: int
    monitoring_required: bool
    indicators: tuple[Indicator, ...]
    per_school_min_met: int
    per_school_floor: float
    cv_primary: float
    cv_junior: float
    tolerance: float
    units: UnitSettings
    rooms: RoomRule
    size: SizeRule
    class_size: ClassSizeRule
    government: tuple[ItemSpec, ...]
    quality: tuple[ItemSpec, ...]
    vetoes: tuple[Veto, ...]
    approval: ApprovalSettings
    sampling: SamplingSettings
    collection: CollectionSettings
    decline: DeclineRule
    plausibility: Plausibility
    sources: Mapping[str, str]

    def indicator(self, key: str) -> Indicator:
        """The indicator with ``key`` (one of :data:`INDICATOR_KEYS`)."""
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        raise KeyError(key)

    def cv_threshold(self, section: Section) -> float:
        """The largest allowed 差异系数 of a 学段 (办法 第六条)."""
        return self.cv_primary if section == "primary" else self.cv_junior


def format_number(value: float, decimals: int = 2) -> str:
    """A figure for reasons: thousands separators, at most ``decimals`` decimals."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text


def unit_suffix(unit: str) -> str:
    """How a unit follows a figure: "96.5%", "8.1㎡", "2,000 元"."""
    if unit in ("%", "㎡"):
        return unit
    if unit in ("ratio", ""):
        return ""
    return f" {unit}"


def available_standards() -> tuple[str, ...]:
    """The names of the standards shipped with Renke."""
    folder = resources.files("analysis").joinpath("standards")
    return tuple(
        sorted(
            entry.name.removesuffix(".toml")
            for entry in folder.iterdir()
            if entry.name.endswith(".toml")
        )
    )


def load_standard(name_or_path: str | Path = DEFAULT_STANDARD) -> Standard:
    """Load a shipped standard by name, or a standard file by path.

    Raises
    ------
    InputRefused
        When the name is unknown, the file is not TOML, or a value is missing or wrong;
        every problem is listed with its key.
    """
    text, display = _standard_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputRefused(
            [Problem(None, None, f"不是有效的 TOML：{error}")], source=display
        ) from error
    reader = _Reader(data)
    standard = reader.standard()
    if reader.problems:
        raise InputRefused(reader.problems, source=display)
    return standard


def _standard_text(name_or_path: str | Path) -> tuple[str, str]:
    text_name = str(name_or_path)
    if isinstance(name_or_path, Path) or text_name.endswith(".toml"):
        path = Path(name_or_path)
        try:
            return path.read_text(encoding="utf-8"), path.name
        except OSError as error:
            raise InputRefused(
                [Problem(None, None, f"无法读取标准文件：{error.strerror}")], source=path.name
            ) from error
    if text_name not in available_standards():
        known = "、".join(available_standards())
        raise InputRefused(
            [
                Problem(
                    None, None, f"没有名为“{text_name}”的标准（可选：{known}，或 .toml 文件路径）"
                )
            ],
            source="--standard",
        )
    resource = resources.files("analysis").joinpath("standards", f"{text_name}.toml")
    return resource.read_text(encoding="utf-8"), f"{text_name}.toml"


class _Reader:
    """Typed access to the parsed TOML, collecting a problem per bad key."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[Problem] = []
        self.sources: dict[str, str] = {}

    def _get(self, path: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                if default is not None:
                    return default
                self.problems.append(Problem(None, path, "缺少此项"))
                return None
            node = node[part]
        if isinstance(node, bool) and kind is not bool:
            self.problems.append(Problem(None, path, "类型不对"))
            return None
        if not isinstance(node, kind):
            self.problems.append(Problem(None, path, "类型不对"))
            return None
        return node

    def text(self, path: str, default: str | None = None) -> str:
        value = self._get(path, str, default)
        return value if isinstance(value, str) else ""

    def number(self, path: str) -> float:
        value = self._get(path, (int, float))
        return float(value) if value is not None else math.nan

    def integer(self, path: str) -> int:
        value = self._get(path, int)
        return int(value) if value is not None else 0

    def flag(self, path: str) -> bool:
        return bool(self._get(path, bool))

    def source(self, key: str, path: str) -> str:
        text = self.text(path)
        self.sources[key] = text
        return text

    def standard(self) -> Standard:
        self.source("standard", "standard.source")
        self.source("eligibility", "eligibility.source")
        for key in ("per_school", "cv", "cv_weighting", "tolerance"):
            self.source(key, f"resources.{key}_source")
        units = self.units()
        for key in ("rooms", "size", "class_size"):
            self.source(f"government.{key}", f"government.{key}.source")
        self.source("government", "government.source")
        self.source("quality", "quality.source")
        self.source("vetoes", "vetoes.source")
        approval = ApprovalSettings(
            threshold=self.number("approval.threshold"),
            scheme=self.text("approval.scheme"),
            interval=self.text("approval.interval"),
            level=self.number("approval.level"),
        )
        for key in ("threshold", "scheme", "interval"):
            self.source(f"approval.{key}", f"approval.{key}_source")
        self.source("plausibility.equipment", "plausibility.equipment_source")
        self.source("plausibility.senior_classes", "plausibility.senior_class_source")
        self.source("plausibility.teachers", "plausibility.teachers_source")
        floor = self.number("resources.per_school_floor")
        if not 0 < floor <= 1:
            self.problems.append(Problem(None, "resources.per_school_floor", "应在 0 与 1 之间"))
        return Standard(
            id=self.text("standard.id"),
            title=self.text("standard.title"),
            source=self.sources["standard"],
            min_years_since_basic=self.integer("eligibility.min_years_since_basic"),
            monitoring_required=self.flag("eligibility.monitoring_required"),
            indicators=self.indicators(),
            per_school_min_met=self.integer("resources.per_school_min_met"),
            per_school_floor=floor,
            cv_primary=self.number("resources.cv_primary"),
            cv_junior=self.number("resources.cv_junior"),
            tolerance=self.number("resources.tolerance"),
            units=units,
            rooms=RoomRule(
                classes_per_room=self.integer("government.rooms.classes_per_room"),
                music_min_area=self.number("government.rooms.music_min_area"),
                art_min_area=self.number("government.rooms.art_min_area"),
            ),
            size=SizeRule(
                single_section=self.integer("government.size.single_section"),
                through_school=self.integer("government.size.through_school"),
            ),
            class_size=ClassSizeRule(
                primary=self.integer("government.class_size.primary"),
                junior=self.integer("government.class_size.junior"),
            ),
            government=self.items("government"),
            quality=self.items("quality"),
            vetoes=self.vetoes(),
            approval=approval,
            sampling=self.sampling(),
            collection=self.collection(),
            decline=self.decline(),
            plausibility=Plausibility(
                min_equipment_per_student=self.number("plausibility.min_equipment_per_student"),
                senior_class_ratio=self.number("plausibility.senior_class_ratio"),
                max_teachers_per_hundred=self.number("plausibility.max_teachers_per_hundred"),
            ),
            sources=dict(self.sources),
        )

    def indicators(self) -> tuple[Indicator, ...]:
        entries = self._get("resources.indicators", list) or []
        found: list[Indicator] = []
        for position, entry in enumerate(entries):
            path = f"resources.indicators[{position}]"
            sub = _Reader(entry if isinstance(entry, Mapping) else {})
            indicator = Indicator(
                key=sub.text("key"),
                name=sub.text("name"),
                short=sub.text("short"),
                unit=sub.text("unit"),
                per_hundred=sub.flag("per_hundred"),
                primary=sub.number("primary"),
                junior=sub.number("junior"),
                source=sub.text("source"),
                definition=sub.text("definition", default=""),
            )
            self._adopt(sub, path)
            self.sources[f"indicator.{indicator.key}"] = indicator.source
            found.append(indicator)
        keys = [indicator.key for indicator in found]
        if sorted(keys) != sorted(INDICATOR_KEYS):
            self.problems.append(
                Problem(
                    None, "resources.indicators", f"应恰好包含这 7 项：{'、'.join(INDICATOR_KEYS)}"
                )
            )
        return tuple(found)

    def units(self) -> UnitSettings:
        mode = self.text("units.small_teaching_points")
        if mode not in ("exclude", "merge"):
            self.problems.append(
                Problem(None, "units.small_teaching_points", '应为 "exclude" 或 "merge"')
            )
            mode = "exclude"
        settings = UnitSettings(
            subtract_indoor_gym=self.flag("units.subtract_indoor_gym"),
            split_primary=self.number("units.split_primary"),
            split_junior=self.number("units.split_junior"),
            split_senior=self.number("units.split_senior"),
            complete_junior=self.number("units.complete_junior"),
            complete_senior=self.number("units.complete_senior"),
            exclude_special_education=self.flag("units.exclude_special_education"),
            small_teaching_points="merge" if mode == "merge" else "exclude",
            teaching_point_min_students=self.integer("units.teaching_point_min_students"),
        )
        for key in ("subtract_indoor_gym", "split", "complete", "exclusion"):
            self.source(f"units.{key}", f"units.{key}_source")
        return settings

    def items(self, aspect: str) -> tuple[ItemSpec, ...]:
        entries = self._get(f"{aspect}.items", list) or []
        return tuple(
            self.item(entry, f"{aspect}.items[{position}]", aspect, inherited="")
            for position, entry in enumerate(entries)
        )

    def item(self, entry: Any, path: str, aspect: str, inherited: str) -> ItemSpec:
        sub = _Reader(entry if isinstance(entry, Mapping) else {})
        item_id = sub.text("id")
        source = sub.text("source", default=inherited or None)
        measure = None
        if isinstance(entry, Mapping) and "op" in entry:
            op = sub.text("op")
            if op not in OPERATORS:
                sub.problems.append(Problem(None, "op", f"应为 {' '.join(OPERATORS)} 之一"))
            measure = Measure(op=op, target=sub.number("target"), unit=sub.text("unit"))
        computed = sub.text("computed", default="") or None
        if computed is not None and computed not in COMPUTED_ITEMS:
            sub.problems.append(Problem(None, "computed", f"应为 {'、'.join(COMPUTED_ITEMS)} 之一"))
        not_applicable = sub.text("not_applicable", default="") or None
        if not_applicable is not None and not_applicable not in NOT_APPLICABLE_CONDITIONS:
            sub.problems.append(
                Problem(None, "not_applicable", f"应为 {'、'.join(NOT_APPLICABLE_CONDITIONS)} 之一")
            )
        not_applicable_source = (
            sub.text("not_applicable_source") if not_applicable is not None else ""
        )
        subs_raw = entry.get("sub", []) if isinstance(entry, Mapping) else []
        open_sub = bool(entry.get("open_sub", False)) if isinstance(entry, Mapping) else False
        self._adopt(sub, path)
        self.sources[f"{aspect}.{item_id}"] = source
        subs = tuple(
            self.item(child, f"{path}.sub[{position}]", aspect, inherited=source)
            for position, child in enumerate(subs_raw)
        )
        return ItemSpec(
            id=item_id,
            title=sub.text("title"),
            source=source,
            measure=measure,
            computed=computed,
            subs=subs,
            open_sub=open_sub,
            sub_title=sub.text("sub_title", default="") if open_sub else "",
            not_applicable=not_applicable,
            not_applicable_source=not_applicable_source,
            hint=sub.text("hint", default="") if "hint" in (entry or {}) else "",
        )

    def vetoes(self) -> tuple[Veto, ...]:
        entries = self._get("vetoes.items", list) or []
        found = []
        for position, entry in enumerate(entries):
            sub = _Reader(entry if isinstance(entry, Mapping) else {})
            found.append(Veto(id=sub.text("id"), title=sub.text("title")))
            self._adopt(sub, f"vetoes.items[{position}]")
        return tuple(found)

    def sampling(self) -> SamplingSettings:
        self.source("sampling", "sampling.source")

        def bands(path: str) -> tuple[tuple[int, int], ...]:
            raw = self._get(path, list) or []
            result = []
            for band in raw:
                if (
                    isinstance(band, list)
                    and len(band) == 2
                    and all(isinstance(g, int) for g in band)
                ):
                    result.append((int(band[0]), int(band[1])))
                else:
                    self.problems.append(Problem(None, path, "每个年级段应为 [起, 止]"))
            return tuple(result)

        return SamplingSettings(
            rate=self.number("sampling.rate"),
            parent_share=self.number("sampling.parent_share"),
            parent_is_floor=self.flag("sampling.parent_is_floor"),
            groups=tuple(str(g) for g in self._get("sampling.groups", list) or []),
            overflow=tuple(str(g) for g in self._get("sampling.overflow", list) or []),
            student_grades=bands("sampling.student_grades"),
            parent_grades=bands("sampling.parent_grades"),
            valid_rate_warning=self.number("sampling.valid_rate_warning"),
            min_cell=self.integer("sampling.min_cell"),
        )

    def collection(self) -> CollectionSettings:
        self.source("collection", "collection.source")
        return CollectionSettings(
            form_key_hours=self.number("collection.form_key_hours"),
            grace_period_hours=self.number("collection.grace_period_hours"),
        )

    def decline(self) -> DeclineRule:
        self.source("decline", "decline.source")
        return DeclineRule(
            consecutive_years=self.integer("decline.consecutive_years"),
            measures=tuple(str(m) for m in self._get("decline.measures", list) or []),
            significance=self.number("decline.significance"),
        )

    def _adopt(self, sub: _Reader, path: str) -> None:
        for problem in sub.problems:
            self.problems.append(Problem(None, f"{path}.{problem.column}", problem.message))
