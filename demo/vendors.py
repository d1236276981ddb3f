"""Demo vendors, due-diligence assessments and the approved model registry.

``seed_vendors`` creates whatever is missing and leaves existing rows alone: a vendor found by name
is not touched again, so a second run creates nothing and edits made while demoing survive.
Assessments go through ``vendors.services`` so statuses, expiry dates and history are real; the one
exception is the expired approval, backdated afterwards because the services always date an
approval from today. Contacts, certifications and registry models have no service (admin edits
them as plain records), so they are created directly.

All names are invented.
"""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from vendors import services
from vendors.choices import Rating
from vendors.models import (
    AIModel,
    AssessmentRating,
    Certification,
    ChecklistArea,
    Vendor,
    VendorAssessment,
    VendorContact,
)

DOMAIN = "example.com"

# plan: what happens to the vendor after creation (see _PLANS); ratings: areas not rated "meets".
VENDORS: list[dict[str, Any]] = [
    {
        "name": "Northwind AI", "criticality": "high", "plan": "approved",
        "description": "Foundation-model API provider: general-purpose chat and text models behind an EU endpoint.",
        "contacts": [("Dana Whitfield", "account manager"), ("Luis Ortega", "security contact")],
        "certifications": [("soc2_type2", "", -345, 20), ("iso27001", "", -200, 530), ("iso42001", "", -90, 1000)],
        "ratings": {"commercial_model": ("partly", "Token pricing needs a volume commitment above 50M/month.")},
    },
    {
        "name": "Fernleaf Analytics", "criticality": "medium", "plan": "approved_with_conditions",
        "description": "Demand-forecasting platform with hosted ML models for finance and supply chain.",
        "contacts": [("Priya Raman", "customer success")],
        "certifications": [("iso27001", "", -120, 975)],
        "ratings": {
            "human_oversight": ("partly", "Forecast overrides are possible but not logged."),
            "interoperability_exit": ("partly", "Export is CSV only; model configuration cannot be exported."),
        },
        "conditions": "Enable override logging before go-live; agree a configuration export in the contract.",
    },
    {
        "name": "Quillstone Documents", "criticality": "medium", "plan": "in_progress",
        "description": "Document-processing service: extraction and classification of contracts and invoices.",
        "contacts": [("Tom Becker", "sales engineer")],
        "certifications": [("soc2_type2", "", -60, 305)],
        "ratings": {"use_case_fit": ("meets", "Pilot extracted 94% of clauses correctly."),
                    "data_handling": ("partly", "Retention is 90 days by default; asked for 30.")},
    },
    {
        "name": "Harrow Talent AI", "criticality": "high", "plan": "open",
        "description": "CV screening and candidate ranking for recruitment teams (EU AI Act high-risk area).",
        "contacts": [("Grace Holm", "account executive")],
        "certifications": [],
    },
    {
        "name": "Brightwater Voice", "criticality": "low", "plan": "prospect",
        "description": "Speech-to-text for meeting notes, offered as a browser add-on.",
        "contacts": [("Ian McBride", "founder")],
        "certifications": [],
    },
    {
        "name": "Cobalt Harbor Labs", "criticality": "high", "plan": "rejected",
        "description": "Chat assistant start-up offering a hosted model with tool use.",
        "contacts": [("Mara Quinn", "sales")],
        "certifications": [("soc2_type2", "", -405, -40)],
        "ratings": {
            "security_posture": ("does_not_meet", "SOC 2 report lapsed; no penetration test in the last 2 years."),
            "vendor_maturity": ("partly", "Seed-funded, 14 staff."),
        },
    },
    {
        "name": "Lantern Insights", "criticality": "low", "plan": "offboarded",
        "description": "Sentiment analysis of customer survey comments.",
        "contacts": [("Owen Price", "account manager")],
        "certifications": [("other", "Cyber Essentials Plus", -500, -135)],
        "offboarding_reason": "Replaced by the sentiment feature of the survey platform we already license.",
    },
    {
        "name": "Saltmarsh Translate", "criticality": "medium", "plan": "expired",
        "description": "Neural machine translation API for internal documents.",
        "contacts": [("Elena Rossi", "support lead")],
        "certifications": [("iso27001", "", -700, 395)],
    },
    {
        "name": "Kestrel Open Models", "criticality": "low", "plan": "approved",
        "description": "Publisher of open-weights language models we run on our own infrastructure.",
        "contacts": [("Sam Adeyemi", "community liaison")],
        "certifications": [],
        "ratings": {"monitoring_support": ("partly", "Community support only; we monitor it ourselves.")},
    },
]

# (provider, name, version, hosting, max classification, max tier, status, review in days, notes)
MODELS = [
    ("Northwind AI", "Northwind Atlas", "4.1", "vendor_api", "confidential", "high", "approved", 180,
     "EU data residency; zero-retention endpoint required for confidential data."),
    ("Northwind AI", "Northwind Atlas Mini", "4.1", "vendor_api", "internal", "medium", "approved", 180, ""),
    ("Northwind AI", "Northwind Atlas", "3.5", "vendor_api", "internal", "medium", "deprecated", -30,
     "Retired by the vendor at the end of the quarter; move to 4.1."),
    ("Kestrel Open Models", "Kestrel Instruct 70B", "2.0", "self_hosted", "restricted", "high", "approved", 120,
     "Runs in our own cluster; no data leaves the network."),
    ("Kestrel Open Models", "Kestrel Instruct 8B", "1.2", "self_hosted", "confidential", "medium", "restricted", 60,
     "Restricted to summarisation and classification; not for generating customer-facing text."),
    ("Fernleaf Analytics", "Fernleaf Forecast", "2025.2", "vendor_api", "confidential", "medium", "approved", 270, ""),
    ("Saltmarsh Translate", "Saltmarsh NMT", "3", "vendor_api", "internal", "low", "approved", -15,
     "Review overdue: vendor approval expired."),
    ("Cobalt Harbor Labs", "Harbor Chat", "1.0", "vendor_api", "public", "low", "banned", None,
     "Banned after the failed security assessment."),
]

COUNTED = [
    ("vendors", Vendor), ("contacts", VendorContact), ("certifications", Certification),
    ("assessments", VendorAssessment), ("ratings", AssessmentRating), ("ai_models", AIModel),
]


def seed_vendors(*, actor: AbstractBaseUser) -> dict[str, dict[str, int]]:
    """Create the missing demo vendors and models; counts per kind as {"total": n, "created": n}."""
    before = _totals()
    with transaction.atomic():
        for spec in VENDORS:
            vendor, created = Vendor.objects.get_or_create(
                name=spec["name"],
                defaults={"criticality": spec["criticality"], "description": spec["description"],
                          "website": f"https://{_slug(spec['name'])}.{DOMAIN}"},
            )
            if created:
                _seed_vendor(vendor, spec, actor=actor)
        _seed_models()
    after = _totals()
    return {key: {"total": after[key], "created": after[key] - before[key]} for key in after}


def _totals() -> dict[str, int]:
    return {key: model.objects.count() for key, model in COUNTED}


def _slug(name: str) -> str:
    return name.lower().replace(" ", "")


def _seed_vendor(vendor: Vendor, spec: dict[str, Any], *, actor: AbstractBaseUser) -> None:
    today = timezone.localdate()
    for name, role in spec["contacts"]:
        email = f"{name.split()[0].lower()}@{_slug(vendor.name)}.{DOMAIN}"
        VendorContact.objects.create(vendor=vendor, name=name, email=email, role=role)
    for kind, name, issued, expires in spec["certifications"]:
        Certification.objects.create(
            vendor=vendor, kind=kind, name=name,
            issued_on=today + datetime.timedelta(days=issued), expires_on=today + datetime.timedelta(days=expires),
        )
    _PLANS[spec["plan"]](vendor, spec, actor)


def _full_ratings(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every active area rated "meets" unless the spec says otherwise."""
    ratings = {
        key: {"rating": Rating.MEETS, "evidence_notes": "Checked against the vendor's documentation and demo."}
        for key in ChecklistArea.objects.filter(active=True).values_list("key", flat=True)
    }
    return ratings | _spec_ratings(spec)


def _spec_ratings(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    given = spec.get("ratings", {})
    return {key: {"rating": rating, "evidence_notes": notes} for key, (rating, notes) in given.items()}


def _assess(vendor: Vendor, actor, *, ratings: dict | None = None, outcome: str = "", conditions: str = ""):
    due = timezone.localdate() + datetime.timedelta(days=21)
    assessment = services.vendor_assessment_start(vendor=vendor, actor=actor, due_on=due)
    if ratings:
        services.vendor_assessment_assign(assessment=assessment, actor=actor, assessor=actor)
        services.vendor_assessment_rate(assessment=assessment, actor=actor, ratings=ratings)
    if outcome:
        services.vendor_assessment_complete(assessment=assessment, actor=actor, outcome=outcome, conditions=conditions)
    return assessment


def _decided(outcome: str):
    def plan(vendor: Vendor, spec: dict[str, Any], actor) -> None:
        _assess(vendor, actor, ratings=_full_ratings(spec), outcome=outcome, conditions=spec.get("conditions", ""))

    return plan


def _offboarded(vendor: Vendor, spec: dict[str, Any], actor) -> None:
    _assess(vendor, actor, ratings=_full_ratings(spec), outcome="approved")
    services.vendor_offboard(vendor=vendor, actor=actor, reason=spec["offboarding_reason"])


def _expired(vendor: Vendor, spec: dict[str, Any], actor) -> None:
    """Approved twenty months ago, so its 18-month approval has run out."""
    assessment = _assess(vendor, actor, ratings=_full_ratings(spec), outcome="approved")
    approved_on = timezone.localdate() - relativedelta(months=20)
    completed_at = timezone.now() - (timezone.localdate() - approved_on)
    VendorAssessment.objects.filter(pk=assessment.pk).update(
        started_on=approved_on - datetime.timedelta(days=30), due_on=approved_on, completed_at=completed_at
    )
    expires = services.approval_expiry(criticality=vendor.criticality, approved_on=approved_on)
    Vendor.objects.filter(pk=vendor.pk).update(approval_expires=expires)


_PLANS = {
    "prospect": lambda vendor, spec, actor: None,
    "open": lambda vendor, spec, actor: _assess(vendor, actor),
    "in_progress": lambda vendor, spec, actor: _assess(vendor, actor, ratings=_spec_ratings(spec)),
    "approved": _decided("approved"),
    "approved_with_conditions": _decided("approved_with_conditions"),
    "rejected": _decided("rejected"),
    "offboarded": _offboarded,
    "expired": _expired,
}


def _seed_models() -> None:
    today = timezone.localdate()
    for provider, name, version, hosting, classification, tier, status, review_in, notes in MODELS:
        AIModel.objects.get_or_create(
            provider=Vendor.objects.get(name=provider), name=name, version=version,
            defaults={
                "hosting": hosting, "max_data_classification": classification, "max_tier": tier, "status": status,
                "next_review_date": today + datetime.timedelta(days=review_in) if review_in is not None else None,
                "notes": notes,
            },
        )
