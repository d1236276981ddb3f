"""Charts as inline SVG, drawn in Python from counts the selectors computed.

Inline SVG renders the same in a browser and in WeasyPrint, needs no
JavaScript and fetches nothing. Every piece of text is escaped before it goes
into the markup; numbers are formatted by us.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from intake.choices import Stage

from .selectors.portfolio import CLOSED_STAGES, FUNNEL, TIERS

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
INK, MUTED, GRID = "#1d2430", "#5b6576", "#d8dee8"
ACCENT = "#2450c8"
TIER_COLOURS = {"low": "#3d9a5f", "medium": "#e0a030", "high": "#e06a2b", "prohibited": "#5a1010",
                "untiered": "#b0b8c4"}
# As the use-case page's heat map (reviews.panels.HEAT_LEVELS): fill, text.
HEAT = ((15, "#f9c9c3", "#8d1a10"), (10, "#ffd9bf", "#8a3300"), (5, "#fff1d6", "#7a4d00"), (1, "#dff3e6", "#17603a"))


def _svg(width: int, height: int, title: str, body: Iterable[str]) -> SafeString:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'font-family="{FONT}" font-size="11">')
    svg = f"{head}<title>{escape(title)}</title>{''.join(body)}</svg>"
    # Reviewed (bandit B308, B703): every text in the SVG is escaped (here and in _text); numbers are ours.
    return mark_safe(svg)  # noqa: S308 # nosec B308 B703


def _text(x: float, y: float, text: Any, *, anchor: str = "start", fill: str = INK, weight: str = "normal",
          size: int | None = None) -> str:
    extra = f' font-size="{size}"' if size else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-weight="{weight}"{extra}>'
            f"{escape(text)}</text>")


def _rect(x: float, y: float, w: float, h: float, fill: str, rx: int = 2) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}"/>'


def funnel(by_stage: Sequence[Mapping[str, Any]], *, width: int = 520) -> SafeString:
    """The working stages as a centred funnel; paused, stopped and retired counted underneath."""
    counts = {row["value"]: row["n"] for row in by_stage}
    label_w, row_h, top = 130, 30, 8
    span = width - label_w - 10
    biggest = max([counts.get(s, 0) for s in FUNNEL] + [1])
    body = []
    for index, stage in enumerate(FUNNEL):
        n = counts.get(stage, 0)
        y = top + index * row_h
        w = max(span * n / biggest, 2)
        x = label_w + (span - w) / 2
        body.append(_text(label_w - 8, y + 18, Stage(stage).label, anchor="end"))
        body.append(_rect(x, y + 3, w, row_h - 8, ACCENT if n else GRID))
        body.append(_text(label_w + span / 2, y + 18, n, anchor="middle", fill="#ffffff" if w > 30 else INK,
                          weight="bold"))
    side = [Stage.PAUSED, *CLOSED_STAGES]
    y = top + len(FUNNEL) * row_h + 14
    body.append(_text(label_w, y, " · ".join(f"{Stage(s).label} {counts.get(s, 0)}" for s in side), fill=MUTED))
    return _svg(width, y + 8, "Portfolio funnel: use cases by stage", body)


def tier_by_stage(cells: Mapping[str, Mapping[str, int]], *, width: int = 520) -> SafeString:
    """One stacked bar per stage, split by risk tier, with a legend."""
    label_w, row_h, top = 130, 24, 8
    span = width - label_w - 40
    stages = [s for s in Stage]
    biggest = max([sum(cells.get(s.value, {}).values()) for s in stages] + [1])
    body = []
    for index, stage in enumerate(stages):
        y = top + index * row_h
        body.append(_text(label_w - 8, y + 15, stage.label, anchor="end"))
        x = label_w
        for tier, _label in TIERS:
            n = cells.get(stage.value, {}).get(tier, 0)
            if n:
                w = span * n / biggest
                body.append(_rect(x, y + 3, w, row_h - 8, TIER_COLOURS[tier], rx=0))
                x += w
        body.append(_text(x + 5, y + 15, sum(cells.get(stage.value, {}).values()), fill=MUTED))
    y = top + len(stages) * row_h + 8
    x = label_w
    for tier, label in TIERS:
        body.append(_rect(x, y, 10, 10, TIER_COLOURS[tier], rx=1))
        body.append(_text(x + 14, y + 9, label, fill=MUTED, size=10))
        x += 24 + 6.2 * len(label)
    return _svg(width, y + 18, "Use cases by stage and risk tier", body)


def _heat(score: int) -> tuple[str, str]:
    return next((fill, ink) for low, fill, ink in HEAT if score >= low)


def heatmap(grid: Sequence[Sequence[int]], *, cell: int = 40) -> SafeString:
    """5x5 likelihood (rows, 5 at the top) by impact (columns) with the count in each cell."""
    left, top, gap = 44, 6, 3
    body = [f'<text x="10" y="{top + 2.5 * (cell + gap):.1f}" fill="{MUTED}" font-size="10" text-anchor="middle" '
            f'transform="rotate(-90 10 {top + 2.5 * (cell + gap):.1f})">Likelihood</text>']
    for row, counts in enumerate(grid):
        likelihood = 5 - row
        y = top + row * (cell + gap)
        body.append(_text(left - 8, y + cell / 2 + 4, likelihood, anchor="end", fill=MUTED))
        for col, n in enumerate(counts):
            fill, ink = _heat(likelihood * (col + 1))
            x = left + col * (cell + gap)
            body.append(_rect(x, y, cell, cell, fill, rx=4))
            if n:
                body.append(f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell - 2}" height="{cell - 2}" rx="4" '
                            f'fill="none" stroke="{ink}" stroke-width="2"/>')
                body.append(_text(x + cell / 2, y + cell / 2 + 5, n, anchor="middle", fill=ink, weight="bold",
                                  size=14))
    y = top + 5 * (cell + gap)
    for col in range(5):
        body.append(_text(left + col * (cell + gap) + cell / 2, y + 12, col + 1, anchor="middle", fill=MUTED))
    body.append(_text(left + 2.5 * (cell + gap), y + 28, "Impact", anchor="middle", fill=MUTED, size=10))
    width = left + 5 * (cell + gap) + 4
    return _svg(width, y + 34, "Risk heat map: live risks by likelihood and impact", body)


def on_time(functions: Sequence[Mapping[str, Any]], *, width: int = 520) -> SafeString:
    """Per review function: share of reviews decided in the period by their due date (grey: none decided)."""
    label_w, row_h, top = 130, 22, 8
    span = width - label_w - 110
    body = []
    for index, row in enumerate(functions):
        y = top + index * row_h
        body.append(_text(label_w - 8, y + 14, row["label"], anchor="end"))
        body.append(_rect(label_w, y + 4, span, row_h - 9, "#eef1f5"))
        rate = row["rate"]
        if rate is not None:
            colour = "#3d9a5f" if rate >= 90 else "#e0a030" if rate >= 70 else "#c0392b"
            body.append(_rect(label_w, y + 4, span * rate / 100, row_h - 9, colour))
            note = f"{rate}% of {row['decided']}"
        else:
            note = "none decided"
        body.append(_text(label_w + span + 6, y + 14, note, fill=MUTED))
    y = top + len(functions) * row_h
    return _svg(width, y + 6, "Review on-time rate by function", body)


def all_charts(*, portfolio: Mapping[str, Any] | None = None, risks: Mapping[str, Any] | None = None,
               resourcing: Mapping[str, Any] | None = None) -> dict[str, SafeString]:
    """The charts a page or pack can draw from the sections it has."""
    charts: dict[str, SafeString] = {}
    if portfolio is not None:
        charts["funnel"] = funnel(portfolio["by_stage"])
        charts["tier_by_stage"] = tier_by_stage(portfolio["tier_by_stage"])
    if risks is not None:
        charts["heatmap"] = heatmap(risks["grid"])
    if resourcing is not None:
        charts["on_time"] = on_time(resourcing["functions"])
    return charts
