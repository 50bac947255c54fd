"""Data-quality signals of a responses table, per group and by mode (SPEC §2.5).

Named *signals* because "quality" means 教育质量 elsewhere in Renke. For each group ×
mode (自填 / 代填 / 纸质), each group over all modes, and the whole table:

- share too fast: rows whose ``invalid_reason`` says so (用时过短, 过快 …), or whose
  ``duration_s`` is under a minimum when one is given;
- share of duplicates (重复) and of non-residents (非本县 …) by ``invalid_reason``;
- share straight-lining among valid rows with at least ``min_items`` answers: every
  answer the same label. A signal only, never a reason for invalidity: all-满意 is the
  commonest honest pattern (SPEC §2.5).

Cells with fewer than 5 rows have their shares suppressed (SPEC §2.5 "Anonymity").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from analysis.responses import Responses
from analysis.vocabulary import GROUPS

#: Words in ``invalid_reason`` that mark each kind (the service's reasons and plain text).
TOO_FAST_WORDS: Final = ("过快", "过短", "用时", "too_fast", "too fast")
DUPLICATE_WORDS: Final = ("重复", "duplicate")
NON_RESIDENT_WORDS: Final = ("非本县", "非居民", "不是本县", "non_resident", "non-resident")
ALL: Final = "全部"
SUPPRESS_BELOW: Final = 5

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SignalCell:
    """Signals of one group × mode cell (``"全部"`` for all groups or all modes).

    Shares are None when the cell has fewer than 5 rows (``suppressed``) or, for
    straight-lining, no valid row with enough answers.
    """

    group: str
    mode: str
    rows: int
    valid: int
    too_fast: float | None
    duplicate: float | None
    non_resident: float | None
    straight_lining: float | None
    suppressed: bool


def _reason_matches(responses: Responses, words: tuple[str, ...]) -> BoolArray:
    coded = responses.invalid_reason
    hits = np.array(
        [any(word in label.lower() for word in words) for label in coded.labels] + [False]
    )
    return np.asarray(hits[coded.codes], dtype=np.bool_)


def straight_lining(responses: Responses, min_items: int = 5) -> BoolArray:
    """Rows with at least ``min_items`` answers, all the same label (不了解 included)."""
    every_label = sorted({label for item in responses.items for label in item.answers.labels})
    index = {label: k for k, label in enumerate(every_label)}
    lowest = np.full(len(responses), len(every_label), dtype=np.int64)
    highest = np.full(len(responses), -1, dtype=np.int64)
    answered = np.zeros(len(responses), dtype=np.int64)
    for item in responses.items:
        to_global = np.array([index[label] for label in item.answers.labels] + [-1])
        codes = to_global[item.answers.codes]
        present = codes >= 0
        answered += present
        lowest = np.where(present, np.minimum(lowest, codes), lowest)
        highest = np.maximum(highest, codes)
    return np.asarray((answered >= min_items) & (lowest == highest), dtype=np.bool_)


def quality_signals(
    responses: Responses,
    *,
    min_duration_s: float | None = None,
    min_items: int = 5,
    min_cell: int = SUPPRESS_BELOW,
) -> tuple[SignalCell, ...]:
    """Signals per group × mode, per group, and overall (see the module docstring).

    Parameters
    ----------
    responses : Responses
        A table read by :func:`analysis.responses.read_responses`.
    min_duration_s : float, optional
        The minimum answering time; rows under it count as too fast.
    min_items : int
        Answers needed before a row can count as straight-lining.
    min_cell : int
        Cells with fewer rows have their shares suppressed (the standard's ``min_cell``).
    """
    too_fast = _reason_matches(responses, TOO_FAST_WORDS)
    if min_duration_s is not None:
        too_fast |= responses.duration_s < min_duration_s
    duplicate = _reason_matches(responses, DUPLICATE_WORDS)
    non_resident = _reason_matches(responses, NON_RESIDENT_WORDS)
    lining = straight_lining(responses, min_items)
    eligible = responses.valid & (
        sum((item.answers.codes >= 0).astype(np.int64) for item in responses.items) >= min_items
    )
    counts = []
    for k, group in enumerate(GROUPS):
        for m, mode_name in enumerate(responses.mode.labels):
            mask = (responses.group == k) & (responses.mode.codes == m)
            if mask.any():
                counts.append(
                    SignalCounts(
                        group=group,
                        mode=mode_name,
                        rows=int(mask.sum()),
                        valid=int((mask & responses.valid).sum()),
                        too_fast=int((mask & too_fast).sum()),
                        duplicate=int((mask & duplicate).sum()),
                        non_resident=int((mask & non_resident).sum()),
                        eligible=int((mask & eligible).sum()),
                        straight_lining=int((mask & eligible & lining).sum()),
                    )
                )
    return signals_from_counts(counts, min_cell=min_cell)


@dataclass(frozen=True)
class SignalCounts:
    """Counts of one group × mode cell, from which its :class:`SignalCell` follows.

    The service counts these in SQL; :func:`quality_signals` counts them from a file.
    ``eligible`` are valid rows with at least ``min_items`` answers, and
    ``straight_lining`` those of them with every answer the same.
    """

    group: str
    mode: str
    rows: int
    valid: int
    too_fast: int
    duplicate: int
    non_resident: int
    eligible: int
    straight_lining: int


def signals_from_counts(
    counts: Iterable[SignalCounts], *, min_cell: int = SUPPRESS_BELOW
) -> tuple[SignalCell, ...]:
    """Cells per group × mode, per group over all modes, and overall, in group order."""
    counts = list(counts)

    def total(group: str, mode: str, parts: list[SignalCounts]) -> SignalCounts:
        return SignalCounts(
            group, mode, *(sum(getattr(p, name) for p in parts) for name in _COUNT_FIELDS)
        )

    def cell(c: SignalCounts) -> SignalCell:
        suppressed = c.rows < min_cell

        def share(part: int, base: int) -> float | None:
            return None if suppressed or base == 0 else part / base

        return SignalCell(
            group=c.group,
            mode=c.mode,
            rows=c.rows,
            valid=c.valid,
            too_fast=share(c.too_fast, c.rows),
            duplicate=share(c.duplicate, c.rows),
            non_resident=share(c.non_resident, c.rows),
            straight_lining=share(c.straight_lining, c.eligible),
            suppressed=suppressed,
        )

    cells: list[SignalCell] = []
    for group in (*GROUPS, ALL):
        parts = [c for c in counts if group in (ALL, c.group)]
        if not parts:
            continue
        cells.append(cell(total(group, ALL, parts)))
        for mode in sorted({c.mode for c in parts}, key=_mode_order):
            cells.append(cell(total(group, mode, [c for c in parts if c.mode == mode])))
    return tuple(cells)


_COUNT_FIELDS = (
    "rows",
    "valid",
    "too_fast",
    "duplicate",
    "non_resident",
    "eligible",
    "straight_lining",
)
_MODES = ("自填", "代填", "纸质")


def _mode_order(mode: str) -> tuple[int, str]:
    return (_MODES.index(mode) if mode in _MODES else len(_MODES), mode)
