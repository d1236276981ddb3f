"""The PMO's last executive pack and board summary, requested through ``reports.services``."""

from __future__ import annotations

import datetime

from django.utils import timezone

from reports import services
from reports.models import Audience, BoardPack

from .people import PMO, Users

DECISIONS = (
    "Approve the second funding wave for the customer-support reply copilot: scale to all regions now "
    "(recommended), or hold one more month for the adoption figures.\n"
    "Decide whether the collections call prioritisation pilot resumes with the fairness review's conditions, "
    "or stops."
)
RESOURCING = (
    "Legal and model-risk review capacity is the constraint: one reviewer each covers every high-tier use case. "
    "A second model-risk reviewer from Group Risk is requested for next quarter."
)


def seed_board_packs(users: Users) -> None:
    """The last executive pack (30 days) and board summary (90 days), rendered on commit; none if the PMO
    lead has requested any."""
    pmo = users[PMO]
    if BoardPack.objects.filter(requested_by=pmo).exists():
        return
    today = timezone.localdate()
    for audience, days in ((Audience.BOARD_QUARTERLY, 90), (Audience.EXECUTIVE_MONTHLY, 30)):
        services.board_pack_request(
            actor=pmo, audience=audience, period_start=today - datetime.timedelta(days=days - 1), period_end=today,
            decisions_required=DECISIONS, resourcing_notes=RESOURCING, next_period_priorities=_priorities(today),
        )


def _priorities(today: datetime.date) -> str:
    due = [today + datetime.timedelta(days=days) for days in (21, 35, 49, 60)]
    return "\n".join([
        f"Scale the customer-support reply copilot to every region | Marta Silva | {due[0]}",
        f"Close the rollback-drill conditions on controlled-rollout use cases | Omar Haddad | {due[1]}",
        f"Replace the deprecated model behind the paused pilot | Hannah Lindqvist | {due[2]}",
        f"Agree the second model-risk reviewer with Group Risk | Grace Adeyemi | {due[3]}",
    ])
