"""The approval by group as an SVG chart, written directly (no plotting library).

Each row is a group (or the overall and the planned-weighted figure): a dot at the
estimate, a line over its interval, and a dashed line at the threshold (第九条, 85%).
Labels are text in "Noto Sans CJK SC", so WeasyPrint embeds the font and the PDF shows
Chinese, not boxes. Figures go through the one percent formatter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from analysis.display import format_level, format_percent

FONT = "Noto Sans CJK SC"
WIDTH, ROW, TOP, LEFT, RIGHT_TEXT = 680, 26, 28, 96, 215


@dataclass(frozen=True)
class ChartRow:
    """One row: a label, an estimate and its interval (None: suppressed or no figure)."""

    label: str
    approval: float | None
    ci: tuple[float, float] | None
    note: str = ""
    strong: bool = False


def _axis_floor(rows: Sequence[ChartRow], threshold: float) -> float:
    """The left end of the axis: a multiple of 5% at least 10 points below θ and below
    every lower limit."""
    lows = [threshold - 0.1]
    lows += [r.ci[0] if r.ci else r.approval for r in rows if r.approval is not None]
    return max(0.0, math.floor(min(lows) * 20 + 1e-9) / 20)


def approval_chart(rows: Sequence[ChartRow], threshold: float) -> str:
    """The chart as an ``<svg>`` element, to be placed in the report's HTML."""
    low = _axis_floor(rows, threshold)
    plot = WIDTH - LEFT - RIGHT_TEXT
    height = TOP + ROW * len(rows) + 30

    def x(value: float) -> float:
        return LEFT + (value - low) / (1 - low) * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="12" '
        f'role="img" aria-label="各群体社会认可度及置信区间">'
    ]
    ticks = [low + k / 20 for k in range(round((1 - low) * 20) + 1)]
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 6}" x2="{x(tick):.1f}" y2="{height - 24}" '
            f'stroke="#e1e4e8"/><text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" '
            f'fill="#5d6570">{format_level(tick)}</text>'
        )
    line = x(threshold)
    parts.append(
        f'<line x1="{line:.1f}" y1="{TOP - 14}" x2="{line:.1f}" y2="{height - 24}" '
        f'stroke="#b42318" stroke-width="1.5" stroke-dasharray="5 3"/>'
        f'<text x="{line:.1f}" y="{TOP - 16}" text-anchor="middle" fill="#b42318">'
        f"标准 {format_level(threshold)}</text>"
    )
    for number, row in enumerate(rows):
        parts.append(_row(row, TOP + ROW * number + ROW / 2, x, threshold))
    parts.append("</svg>")
    return "".join(parts)


def _row(row: ChartRow, y: float, x: Callable[[float], float], threshold: float) -> str:
    weight = ' font-weight="bold"' if row.strong else ""
    out = [
        f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end"{weight}>{escape(row.label)}</text>'
    ]
    if row.approval is None:
        out.append(f'<text x="{LEFT + 4}" y="{y + 4:.1f}" fill="#5d6570">{escape(row.note)}</text>')
        return "".join(out)
    colour = "#1a7f37" if row.approval >= threshold else "#b42318"
    if row.ci is not None:
        lo, hi = x(row.ci[0]), x(row.ci[1])
        out.append(
            f'<line x1="{lo:.1f}" y1="{y:.1f}" x2="{hi:.1f}" y2="{y:.1f}" stroke="#24292f" '
            f'stroke-width="2"/><line x1="{lo:.1f}" y1="{y - 5:.1f}" x2="{lo:.1f}" y2="{y + 5:.1f}" '
            f'stroke="#24292f"/><line x1="{hi:.1f}" y1="{y - 5:.1f}" x2="{hi:.1f}" '
            f'y2="{y + 5:.1f}" stroke="#24292f"/>'
        )
    out.append(f'<circle cx="{x(row.approval):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>')
    text = format_percent(row.approval, threshold)
    if row.ci is not None:
        text += f" [{format_percent(row.ci[0], threshold)}, {format_percent(row.ci[1], threshold)}]"
    out.append(
        f'<text x="{WIDTH - RIGHT_TEXT + 8}" y="{y + 4:.1f}"{weight}>{escape(text)}'
        f"{escape(row.note)}</text>"
    )
    return "".join(out)
