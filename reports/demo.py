"""The whole demo, in dependency order: vendors, people and use cases,
then each new use case through the review workflow. Idempotent: what exists
is left as it is; only missing records are created."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings

from intake import demo as intake_demo
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
    after = _totals()
    counts = {key: {"total": after[key], "created": after[key] - before[key]} for key in after}
    if stdout is not None:
        _write_summary(stdout, counts)
    return counts


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
