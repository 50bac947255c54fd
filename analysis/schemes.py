"""Scoring schemes: how an answer label becomes a score (SPEC §4 "Schemes").

A scheme maps each *scored* label to a score in [0, 1]. ``top2`` (the default) scores
满意 and 比较满意 as 1 and 一般 and 不满意 as 0. A TOML file gives a graded scheme: its
top-level keys are labels with their scores, plus an optional ``skip = ["…"]`` of
labels that are known but not scored. 不了解 and a blank answer are never scored.
Any other label in a responses file is an error naming its row and column
(:func:`analysis.responses.check_labels`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analysis.tables import InputRefused, Problem

#: Labels that are known in every scheme but never scored (SPEC §4).
ALWAYS_UNSCORED: frozenset[str] = frozenset({"不了解"})

#: The default five-point scale of the questionnaires (SPEC §2.5 "Instruments").
DEFAULT_SCALE: tuple[str, ...] = ("满意", "比较满意", "一般", "不满意", "不了解")


@dataclass(frozen=True)
class Scheme:
    """A scoring scheme.

    Attributes
    ----------
    name : str
        ``"top2"`` or the TOML file's name, for reports.
    scores : Mapping[str, float]
        Scored labels and their scores in [0, 1].
    skip : frozenset of str
        Labels that are known but not scored, besides :data:`ALWAYS_UNSCORED`.
    """

    name: str
    scores: Mapping[str, float]
    skip: frozenset[str] = field(default_factory=frozenset)

    @property
    def unscored(self) -> frozenset[str]:
        """Known labels that are left out: 不了解 and the scheme's ``skip``."""
        return ALWAYS_UNSCORED | self.skip

    @property
    def is_binary(self) -> bool:
        """True when every score is 0 or 1 (the estimate is a share, not a mean score)."""
        return all(score in (0.0, 1.0) for score in self.scores.values())

    def describe(self) -> str:
        """The scheme in one line of Chinese, for reports."""
        scored = "，".join(f"{label}={score:g}" for label, score in self.scores.items())
        skipped = "、".join(sorted(self.unscored))
        return f"{self.name}（{scored}；不计入：{skipped}、空白）"


TOP2 = Scheme(
    name="top2",
    scores={"满意": 1.0, "比较满意": 1.0, "一般": 0.0, "不满意": 0.0},
)

BUILT_IN: dict[str, Scheme] = {"top2": TOP2}


def scheme_from_mapping(data: Mapping[str, object], *, name: str) -> Scheme:
    """Build a scheme from parsed TOML: ``{label: score, ..., "skip": [labels]}``.

    Raises
    ------
    InputRefused
        When a score is not a number in [0, 1], ``skip`` is not a list of labels, a
        label is both scored and skipped, or no label is scored.
    """
    problems: list[Problem] = []
    scores: dict[str, float] = {}
    skip: set[str] = set()
    for key, value in data.items():
        if key == "skip":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(None, "skip", 'skip 应为标签列表，如 skip = ["不清楚"]'))
            else:
                skip.update(label.strip() for label in value)
            continue
        label = key.strip()
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Problem(None, label, f"分值“{value}”不是数字"))
        elif not (math.isfinite(value) and 0.0 <= value <= 1.0):
            problems.append(Problem(None, label, f"分值 {value} 不在 0 到 1 之间"))
        elif label in ALWAYS_UNSCORED:
            problems.append(Problem(None, label, "“不了解”不计分，不能设置分值"))
        else:
            scores[label] = float(value)
    for label in sorted(skip & set(scores)):
        problems.append(Problem(None, label, "既有分值又列在 skip 中"))
    if not scores and not problems:
        problems.append(Problem(None, None, "评分方案中没有计分的标签"))
    if problems:
        raise InputRefused(problems, source=name)
    return Scheme(name=name, scores=scores, skip=frozenset(skip))


def load_scheme(spec: str | Path | Scheme) -> Scheme:
    """The scheme named by ``spec``: a :class:`Scheme`, ``"top2"``, or a TOML file path.

    Raises
    ------
    InputRefused
        When the file cannot be read or parsed, or its content is not a valid scheme.
    """
    if isinstance(spec, Scheme):
        return spec
    if isinstance(spec, str) and spec in BUILT_IN:
        return BUILT_IN[spec]
    path = Path(spec)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        message = f"评分方案“{spec}”不存在（可用 top2 或 TOML 文件）"
        raise InputRefused([Problem(None, "--scheme", message)]) from error
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputRefused(
            [Problem(None, "--scheme", f"无法读取评分方案：{error}")], source=path.name
        ) from error
    return scheme_from_mapping(data, name=path.name)
