"""Demo-like inventory: two vendors (one keyed by an external id), a registry model, three use cases made
through the services by ava in Customer Operations."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Group

from intake.models import PortfolioBucket
from intake.services import use_case_create
from tests.factories import StrategicOutcomeFactory, UserFactory
from tests.vendors.factories import AIModelFactory, VendorFactory

KPI = {"name": "Handling time", "category": "process_efficiency", "unit": "minutes",
       "baseline": Decimal("12"), "target": Decimal("8"), "direction": "decrease"}


@pytest.fixture
def people(db, custops):
    owner, sponsor = UserFactory(username="dora.delivery"), UserFactory(username="sam.sponsor")
    custops.members.add(owner)
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    return {"delivery": owner, "sponsor": sponsor}


def answers(ava, people, **overrides):
    outcome = StrategicOutcomeFactory(name="Faster service")
    return {
        "title": "Ticket summaries", "summary": "Summarise tickets for agents.",
        "problem_statement": "Agents read long histories.", "strategic_outcome": outcome,
        "portfolio_bucket": PortfolioBucket.objects.order_by("id").first(),
        "outcome_baseline": "12 minutes", "outcome_target": "8 minutes", "outcome_time_horizon": "6 months",
        "business_owner": ava, "delivery_owner": people["delivery"], "executive_sponsor": people["sponsor"],
        "data_sources": "Ticketing", "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 40, "integrations": "Ticketing",
        "target_release": datetime.date(2027, 6, 30), "ai_pattern": "copilot", "autonomy": "assists",
        "decision_impact": "none", **overrides,
    }


@pytest.fixture
def inventory(db, ava, gov, custops, people):
    northwind = VendorFactory(name="Northwind AI", external_id="VEN-NW")
    fernleaf = VendorFactory(name="Fernleaf Analytics")
    model = AIModelFactory(provider=northwind, name="Atlas", version="2.0")
    base = answers(ava, people)
    cases = [
        use_case_create(actor=ava, business_unit=custops, kpis=[KPI],
                        answers={**base, "title": f"Use case {n}", "vendors": [northwind, fernleaf] if n == 1 else [],
                                 "ai_models": [model] if n == 1 else []})
        for n in range(1, 4)
    ]
    return {"vendors": [northwind, fernleaf], "model": model, "use_cases": cases}


def as_dataset(dataset: tablib.Dataset, fmt: str) -> tablib.Dataset:
    """Round-trip a dataset through a file format, as a person editing the file would."""
    return tablib.Dataset().load(dataset.export(fmt), format=fmt)
