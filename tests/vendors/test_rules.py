"""Pure rules intake relies on: model fit and vendor approval (no database needed)."""

import datetime
from types import SimpleNamespace

import pytest

from vendors.rules import effective_status, model_fit_problems, vendor_is_approved

TODAY = datetime.date(2026, 3, 15)
YESTERDAY, TOMORROW = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)


class FakeModel(SimpleNamespace):
    def __str__(self) -> str:
        return "Northwind Atlas 4.1"


def model(status="approved", max_data_classification="confidential", max_tier="medium"):
    return FakeModel(status=status, max_data_classification=max_data_classification, max_tier=max_tier)


@pytest.mark.parametrize(("registry", "classification", "tier", "expected"), [
    ("ok", "confidential", "medium", []),
    ("ok", "public", "low", []),
    ("banned", "internal", "low", ["Northwind Atlas 4.1 is banned and may not be used."]),
    ("deprecated", "internal", "low", ["Northwind Atlas 4.1 is deprecated; move to a supported model."]),
    ("ok", "restricted", "medium", [
        "Northwind Atlas 4.1 is approved for data up to confidential; this use case handles restricted data.",
    ]),
    ("ok", "internal", "high", [
        "Northwind Atlas 4.1 is approved for use cases up to medium risk; this use case is high risk.",
    ]),
    ("ok", "internal", "prohibited", [
        "Northwind Atlas 4.1 is approved for use cases up to medium risk; this use case is prohibited.",
    ]),
    ("banned", "restricted", "high", [
        "Northwind Atlas 4.1 is banned and may not be used.",
        "Northwind Atlas 4.1 is approved for data up to confidential; this use case handles restricted data.",
        "Northwind Atlas 4.1 is approved for use cases up to medium risk; this use case is high risk.",
    ]),
])
def test_model_fit_problems(registry, classification, tier, expected):
    status = "approved" if registry == "ok" else registry
    assert model_fit_problems(model(status=status), data_classification=classification, tier=tier) == expected


def test_restricted_model_within_its_limits_fits():
    assert model_fit_problems(model(status="restricted"), data_classification="internal", tier="low") == []


def test_prohibited_is_above_even_a_high_tier_model():
    problems = model_fit_problems(model(max_tier="high"), data_classification="public", tier="prohibited")
    assert problems == ["Northwind Atlas 4.1 is approved for use cases up to high risk; this use case is prohibited."]


@pytest.mark.parametrize(("classification", "tier"), [("", "low"), ("internal", None), ("secret", "low")])
def test_unset_or_unknown_answers_are_a_problem_not_a_pass(classification, tier):
    problems = model_fit_problems(model(), data_classification=classification, tier=tier)
    assert len(problems) == 1
    assert "cannot be checked" in problems[0]


@pytest.mark.parametrize(("status", "expires", "approved", "shown"), [
    ("approved", None, True, "approved"),
    ("approved", TOMORROW, True, "approved"),
    ("approved", TODAY, True, "approved"),
    ("approved", YESTERDAY, False, "approval_expired"),
    ("approved_with_conditions", TODAY, True, "approved_with_conditions"),
    ("approved_with_conditions", YESTERDAY, False, "approval_expired"),
    ("under_assessment", TOMORROW, False, "under_assessment"),
    ("prospect", None, False, "prospect"),
    ("rejected", None, False, "rejected"),
    ("offboarded", None, False, "offboarded"),
])
def test_vendor_is_approved_and_effective_status(status, expires, approved, shown):
    vendor = SimpleNamespace(status=status, approval_expires=expires)
    assert vendor_is_approved(vendor, TODAY) is approved
    assert effective_status(status, expires, TODAY) == shown
