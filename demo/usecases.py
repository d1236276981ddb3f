"""The demo use cases as drafts, created by their unit's submitter through ``intake.services``.

A use case found by title is left exactly as it is; moving a new one on (submission, reviews, gates)
is ``demo.reviews``'s job.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intake import services
from intake.models import BusinessUnit, PortfolioBucket, StrategicOutcome, UseCase
from vendors.models import AIModel, Vendor

from .people import Users, submitter_of
from .portfolio import DEPENDENCIES, META_KEYS, USE_CASES

Spec = dict[str, Any]
# Answers every use case gets unless its spec says otherwise.
# Most demo systems run on a vendor's model: the organisation deploys them (EU AI Act).
ANSWER_DEFAULTS = {"delivery_owner": "ai.delivery", "executive_sponsor": "exec.sponsor", "ai_act_role": "deployer"}
USER_ANSWERS = ("business_owner", "delivery_owner", "executive_sponsor")
REFERENCE_ANSWERS = ("strategic_outcome", "portfolio_bucket")


def seed_use_case_drafts(users: Users) -> list[tuple[UseCase, Spec]]:
    """Create the missing demo use cases as drafts; returns the new ones with their specs."""
    refs = {
        "unit": {u.code: u for u in BusinessUnit.objects.all()},
        "strategic_outcome": {o.name: o for o in StrategicOutcome.objects.all()},
        "portfolio_bucket": {b.code: b for b in PortfolioBucket.objects.all()},
    }
    existing = set(UseCase.objects.filter(title__in=[s["title"] for s in USE_CASES]).values_list("title", flat=True))
    return [(_create(spec, users, refs), spec) for spec in USE_CASES if spec["title"] not in existing]


def _create(spec: Spec, users: Users, refs: dict[str, dict]) -> UseCase:
    return services.use_case_create(
        actor=submitter_of(spec, users),
        business_unit=refs["unit"][spec["unit"]],
        answers={**_answers(spec, users, refs), **_dependencies(spec["title"])},
        kpis=[dict(zip(services.KPI_FIELDS, row, strict=True)) for row in spec.get("kpis", ())],
    )


def _answers(spec: Spec, users: Users, refs: dict[str, dict]) -> dict[str, Any]:
    """The intake answers of a spec, with names resolved to rows."""
    answers = {key: value for key, value in {**ANSWER_DEFAULTS, **spec}.items() if key not in META_KEYS}
    for name in USER_ANSWERS:
        if answers.get(name):
            answers[name] = users[answers[name]]
    for name in REFERENCE_ANSWERS:
        if answers.get(name):
            answers[name] = refs[name][answers[name]]
    if "release_in_days" in spec:
        answers["target_release"] = timezone.localdate() + datetime.timedelta(days=spec["release_in_days"])
    return answers


def _dependencies(title: str) -> dict[str, list]:
    """The registry entries a demo use case names (seeded by ``demo.vendors`` first)."""
    wanted = DEPENDENCIES.get(title, {})
    if not wanted:
        return {}
    vendors = list(Vendor.objects.filter(name__in=wanted.get("vendors", ())))
    models = [AIModel.objects.get(provider__name=p, name=n, version=v) for p, n, v in wanted.get("ai_models", ())]
    return {"vendors": vendors, "ai_models": models}
