"""The whole demo, in dependency order: vendors, people and use cases,
then each new use case through the review workflow, then the PMO's board
packs. Idempotent: what exists is left as it is; only missing records are created."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from intake import demo as intake_demo
from reports import services as report_services
from reports.models import Audience, BoardPack
from reviews import demo as reviews_demo
from reviews.models import GateDecision, Incident, ReadinessScore, Review, Risk
from vendors import demo as vendors_demo
from vendors.models import AIModel, Vendor

COUNTED = [
    *intake_demo.COUNTED,
    ("reviews", "Reviews", Review),
    ("gate_decisions", "Gate decisions", GateDecision),
    ("readiness_scores", "Readiness scores", ReadinessScore),
    ("risks", "Risks", Risk),
    ("incidents", "Incidents", Incident),
    ("vendors", "Vendors", Vendor),
    ("ai_models", "Registry models", AIModel),
    ("board_packs", "Board packs", BoardPack),
]


def _totals() -> dict[str, int]:
    return {key: (model or get_user_model()).objects.count() for key, _label, model in COUNTED}


# The demo's history would otherwise mail every reviewer and sponsor it names.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def seed_demo(*, stdout=None) -> dict[str, dict[str, int]]:
    """Create the missing demo data; counts per kind as {"total": n, "created": n}."""
    before = _totals()
    with transaction.atomic():
        users = intake_demo.seed_people()
        vendors_demo.seed_vendors(actor=users["procurement.reviewer"])
        for use_case, spec in intake_demo.seed_use_case_drafts(users):
            reviews_demo.advance(use_case, spec, users, intake_demo.submitter_of(spec, users))
        seed_board_packs(users)
    after = _totals()
    counts = {key: {"total": after[key], "created": after[key] - before[key]} for key in after}
    if stdout is not None:
        _write_summary(stdout, counts)
    return counts


PMO_LEAD = "pmo.lead"
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


def _priorities(today: datetime.date) -> str:
    due = [today + datetime.timedelta(days=days) for days in (21, 35, 49, 60)]
    return "\n".join([
        f"Scale the customer-support reply copilot to every region | Marta Silva | {due[0]}",
        f"Close the rollback-drill conditions on controlled-rollout use cases | Omar Haddad | {due[1]}",
        f"Replace the deprecated model behind the paused pilot | Hannah Lindqvist | {due[2]}",
        f"Agree the second model-risk reviewer with Group Risk | Grace Adeyemi | {due[3]}",
    ])


def seed_board_packs(users: dict) -> None:
    """The PMO's last executive pack (30 days) and board summary (90 days), rendered on commit."""
    pmo = users[PMO_LEAD]
    if BoardPack.objects.filter(requested_by=pmo).exists():
        return
    today = timezone.localdate()
    for audience, days in ((Audience.BOARD_QUARTERLY, 90), (Audience.EXECUTIVE_MONTHLY, 30)):
        report_services.board_pack_request(
            actor=pmo, audience=audience, period_start=today - datetime.timedelta(days=days - 1), period_end=today,
            decisions_required=DECISIONS, resourcing_notes=RESOURCING, next_period_priorities=_priorities(today),
        )


def _write_summary(stdout, counts: dict[str, dict[str, int]]) -> None:
    stdout.write("Demo data ready.\n")
    for key, label, _model in COUNTED:
        stdout.write(f"  {label:<20} {counts[key]['total']:>4}  ({counts[key]['created']} new)\n")
    stdout.write(
        "\nDemo logins. The password is printed because these accounts are demo-only;"
        " never load this data into a real environment.\n"
        f"  {'username':<22} {'role':<42} password\n"
    )
    for spec in intake_demo.USERS:
        stdout.write(f"  {spec['username']:<22} {spec['role']:<42} {intake_demo.DEMO_PASSWORD}\n")
