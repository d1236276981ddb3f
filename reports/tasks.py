"""Celery tasks of the reports app: thin wrappers that take ids and call a service.

With no REDIS_URL, tasks run eagerly in-process (config/settings/base.py).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import dossiers, services

# The dossier service records every rendering failure on the dossier itself; what reaches the task is the
# database failing before that (a lost connection while claiming or recording): retried, a few times.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "max_retries": 3,
    "retry_jitter": True,
}


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


@shared_task(name="reports.tasks.generate_dossier", **DATABASE_RETRY)
def generate_dossier(dossier_id: int) -> str | None:
    """Render one audit dossier; a second delivery finds it claimed or done and does nothing."""
    dossier = dossiers.dossier_generate(dossier_id=dossier_id)
    return dossier.status if dossier else None


@shared_task(name="reports.tasks.requeue_dossiers")
def requeue_dossiers() -> list[int]:
    """Run by beat every 10 minutes: queue again the dossiers left queued (or lost while running)."""
    return dossiers.dossiers_requeue()
