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

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from analysis.responses import GROUPS, Responses

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
    mode = responses.mode

    def cell(group: str, mode_name: str, mask: BoolArray) -> SignalCell:
        rows = int(mask.sum())
        suppressed = rows < min_cell

        def share(flags: BoolArray, among: BoolArray) -> float | None:
            base = int((mask & among).sum())
            if suppressed or base == 0:
                return None
            return int((mask & among & flags).sum()) / base

        everyone = np.ones(len(responses), dtype=np.bool_)
        return SignalCell(
            group=group,
            mode=mode_name,
            rows=rows,
            valid=int((mask & responses.valid).sum()),
            too_fast=share(too_fast, everyone),
            duplicate=share(duplicate, everyone),
            non_resident=share(non_resident, everyone),
            straight_lining=share(lining, eligible),
            suppressed=suppressed,
        )

    cells = []
    for k, group in enumerate((*GROUPS, ALL)):
        in_group = responses.group == k if group != ALL else np.ones(len(responses), bool)
        if not in_group.any():
            continue
        cells.append(cell(group, ALL, in_group))
        for m, mode_name in enumerate(mode.labels):
            in_mode = in_group & (mode.codes == m)
            if in_mode.any():
                cells.append(cell(group, mode_name, in_mode))
    return tuple(cells)
