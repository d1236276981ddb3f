"""Reads of the reports app: the board pack's data, the portfolio dashboard and export, the pack list."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import BoardPack
from .gates import Readiness, gate_ready, readiness_by_use_case
from .kpis import kpi_progress_by_use_case
from .pack import (
    AUDIENCE_SECTIONS,
    MAX_ROWS,
    SECTIONS,
    STALL_DAYS,
    TOP_N,
    Period,
    board_pack_data,
    parse_priorities,
    portfolio_overview,
)
from .portfolio import CSV_COLUMNS, live_risks, portfolio, portfolio_csv_rows, portfolio_summary

LIST_SIZE = 50


def pack_list(limit: int = LIST_SIZE) -> QuerySet[BoardPack]:
    """The latest packs with who asked for them: one query."""
    return BoardPack.objects.select_related("requested_by").order_by("-requested_at", "-id")[:limit]


__all__ = [
    "AUDIENCE_SECTIONS",
    "CSV_COLUMNS",
    "MAX_ROWS",
    "SECTIONS",
    "STALL_DAYS",
    "TOP_N",
    "Period",
    "Readiness",
    "board_pack_data",
    "gate_ready",
    "kpi_progress_by_use_case",
    "live_risks",
    "pack_list",
    "parse_priorities",
    "portfolio",
    "portfolio_csv_rows",
    "portfolio_overview",
    "portfolio_summary",
    "readiness_by_use_case",
]
