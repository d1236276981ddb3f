"""Celery tasks of the reports app: thin wrappers that take ids and call a service.

With no REDIS_URL, tasks run eagerly in-process (config/settings/base.py).
"""

from __future__ import annotations

import datetime

from celery import shared_task

from . import services


@shared_task(name="reports.tasks.generate_board_pack")
def generate_board_pack(pack_id: int) -> str | None:
    """Render one board pack; the service records failure on the pack, so the task itself never fails."""
    pack = services.board_pack_generate(pack_id=pack_id)
    return pack.status if pack else None


@shared_task(name="reports.tasks.build_monthly_executive_pack")
def build_monthly_executive_pack(today: str | None = None) -> int | None:
    """Run by beat on days 1-3 at 07:00; builds last month's executive pack on the first working day only."""
    day = datetime.date.fromisoformat(today) if today else None
    pack = services.board_pack_build_monthly(today=day)
    return pack.pk if pack else None


@shared_task(name="reports.tasks.requeue_board_packs")
def requeue_board_packs() -> list[int]:
    """Run by beat every 10 minutes: queue again the packs left queued while the broker was down."""
    return services.board_packs_requeue()
