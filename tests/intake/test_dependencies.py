"""Use cases name the vendors and models they depend on, and the registry holds them to it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from intake import selectors, services
from reviews import services as workflow
from tests.factories import KPIFactory, UseCaseFactory
from tests.vendors.factories import AIModelFactory, VendorFactory


@pytest.fixture
def draft(ava, custops):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory(use_case=use_case)
    return use_case


def functions_after_submit(use_case, actor):
    submitted = workflow.use_case_submit(use_case=use_case, actor=actor)
    return set(selectors.required_review_functions(submitted)), submitted


def test_dependencies_are_saved_with_history(ava, custops):
    vendor, model = VendorFactory(status="approved"), AIModelFactory()
    use_case = services.use_case_create(actor=ava, business_unit=custops,
                                        answers={"title": "Idea", "vendors": [vendor], "ai_models": [model.pk]})
    assert list(use_case.vendors.all()) == [vendor]
    assert list(use_case.ai_models.all()) == [model]
    assert list(use_case.history.first().vendors.values_list("vendor_id", flat=True)) == [vendor.pk]


def test_unknown_registry_entries_are_refused(ava, custops):
    with pytest.raises(ValidationError) as err:
        services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Idea", "ai_models": [987654]})
    assert list(err.value.message_dict) == ["ai_models"]


@pytest.mark.parametrize(
    ("model_kwargs", "answers", "flag"),
    [
        ({"status": "banned"}, {}, "banned"),
        ({"status": "deprecated"}, {}, "deprecated"),
        ({"max_data_classification": "internal"}, {"data_classification": "confidential"}, "up to internal"),
        ({"max_tier": "low"}, {"data_classification": "restricted", "exposure": "internal_wide"}, "up to low risk"),
    ],
)
def test_misfit_model_is_flagged_and_adds_architecture_and_security(draft, ava, model_kwargs, answers, flag):
    model = AIModelFactory(**model_kwargs)
    workflow.use_case_update(use_case=draft, actor=ava, answers={**answers, "ai_models": [model]})
    functions, submitted = functions_after_submit(draft, ava)
    flags = selectors.model_flags(submitted)
    assert any(flag in sentence for sentence in flags), flags
    assert {"architecture", "security"} <= functions
    groups = set(submitted.raci.filter(letter="R", group__isnull=False).values_list("group__name", flat=True))
    assert {"architecture", "security"} <= groups


def test_fitting_model_is_not_flagged(draft, ava):
    workflow.use_case_update(use_case=draft, actor=ava, answers={"ai_models": [AIModelFactory()]})
    functions, submitted = functions_after_submit(draft, ava)
    assert selectors.model_flags(submitted) == []
    assert functions == {"security"}  # low tier


def test_a_vendor_brings_procurement_into_a_high_tier_review_and_due_diligence(draft, ava):
    workflow.use_case_update(use_case=draft, actor=ava,
                             answers={"regulated_area": "employment", "vendors": [VendorFactory()]})
    functions, submitted = functions_after_submit(draft, ava)
    assert "procurement" in functions
    assert submitted.raci.filter(activity__key="vendor_due_diligence", letter="A", group__name="procurement").exists()


def test_high_tier_without_vendor_needs_no_procurement(draft, ava):
    workflow.use_case_update(use_case=draft, actor=ava, answers={"regulated_area": "employment"})
    functions, _ = functions_after_submit(draft, ava)
    assert "procurement" not in functions


def test_vendors_not_approved_names_each_one(draft, ava):
    today = datetime.date(2026, 11, 22)
    ok = VendorFactory(name="Good Vendor", status="approved", approval_expires=today)
    expired = VendorFactory(name="Lapsed Vendor", status="approved", approval_expires=today - datetime.timedelta(1))
    prospect = VendorFactory(name="New Vendor", status="prospect")
    behind_model = AIModelFactory(provider=VendorFactory(name="Model Maker", status="rejected"))
    workflow.use_case_update(use_case=draft, actor=ava,
                             answers={"vendors": [ok, expired, prospect], "ai_models": [behind_model]})
    assert selectors.vendors_not_approved(draft, today) == [
        "Lapsed Vendor (approval expired)", "Model Maker (rejected)", "New Vendor (prospect)"]
