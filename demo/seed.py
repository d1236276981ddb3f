"""The whole demo, in dependency order: people, vendors, use cases (each taken through the review
workflow and its gates), then the PMO's board packs; and the summary ``seed_demo`` prints."""

from __future__ import annotations

from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings

from intake.models import KPI, BusinessUnit, PilotSelection, StrategicOutcome, TierAssessment, UseCase, UseCaseEvent
from reports.models import BoardPack
from reviews.models import GateDecision, Incident, ReadinessScore, Review, Risk
from vendors.models import AIModel, Vendor

from . import (
    between_dependencies,
    between_incidents,
    between_pilots,
    between_value,
    compliance,
    identity,
    reports,
    reviews,
    usecases,
    vendors,
)
from .people import DEMO_PASSWORD, PROCUREMENT, USERS, seed_people, submitter_of

Counts = dict[str, dict[str, int]]

# (key, label, model) of what the summary counts; None is the user model.
COUNTED = [
    ("business_units", "Business units", BusinessUnit),
    ("strategic_outcomes", "Strategic outcomes", StrategicOutcome),
    ("users", "Users", None),
    ("use_cases", "Use cases", UseCase),
    ("kpis", "KPIs", KPI),
    ("tier_assessments", "Tier assessments", TierAssessment),
    ("pilot_selections", "Pilot selections", PilotSelection),
    ("events", "Use-case events", UseCaseEvent),
    ("reviews", "Reviews", Review),
    ("gate_decisions", "Gate decisions", GateDecision),
    ("readiness_scores", "Readiness scores", ReadinessScore),
    ("risks", "Risks", Risk),
    ("incidents", "Incidents", Incident),
    ("vendors", "Vendors", Vendor),
    ("ai_models", "Registry models", AIModel),
    ("board_packs", "Board packs", BoardPack),
]


# The demo's history would otherwise mail every reviewer and sponsor it names.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def seed_demo(*, stdout: TextIO | None = None) -> Counts:
    """Create the missing demo data; counts per kind as {"total": n, "created": n}."""
    before = _totals()
    with transaction.atomic():
        users = seed_people()
        identity.seed_idp_mappings()
        vendors.seed_vendors(actor=users[PROCUREMENT])
        for use_case, spec in usecases.seed_use_case_drafts(users):
            reviews.advance(use_case, spec, users, submitter_of(spec, users))
        compliance.seed_obligations()
        between_value.seed_value()
        between_incidents.seed_incident_review()
        between_pilots.seed_overrun_pilot()
        between_dependencies.seed_deprecated_model_flag()
        reports.seed_board_packs(users)
    after = _totals()
    counts = {key: {"total": after[key], "created": after[key] - before[key]} for key in after}
    if stdout is not None:
        _write_summary(stdout, counts)
    return counts


def _totals() -> dict[str, int]:
    return {key: (model or get_user_model()).objects.count() for key, _label, model in COUNTED}


def _write_summary(stdout: TextIO, counts: Counts) -> None:
    stdout.write("Demo data ready.\n")
    for key, label, _model in COUNTED:
        stdout.write(f"  {label:<20} {counts[key]['total']:>4}  ({counts[key]['created']} new)\n")
    stdout.write(
        "\nDemo logins. The password is printed because these accounts are demo-only;"
        " never load this data into a real environment.\n"
        f"  {'username':<22} {'role':<42} password\n"
    )
    for spec in USERS:
        stdout.write(f"  {spec['username']:<22} {spec['role']:<42} {DEMO_PASSWORD}\n")
