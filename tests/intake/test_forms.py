"""The intake forms on their own: what they accept, refuse and offer."""

import pytest
from django.contrib.auth.models import Group

from intake.forms import (
    ANSWER_FIELDS,
    FORM_FIELDS,
    SECTIONS,
    PilotSelectionForm,
    TierOverrideForm,
    UseCaseForm,
    kpi_formset,
)
from intake.models import PILOT_CRITERIA, UseCase
from intake.services import REQUIRED_FOR_SUBMIT
from tests.factories import BusinessUnitFactory, KPIFactory, UseCaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def management(total, initial=0):
    return {
        "kpis-TOTAL_FORMS": str(total),
        "kpis-INITIAL_FORMS": str(initial),
        "kpis-MIN_NUM_FORMS": "0",
        "kpis-MAX_NUM_FORMS": "50",
    }


def test_sections_cover_every_answer_needed_to_submit():
    assert set(REQUIRED_FOR_SUBMIT) <= set(FORM_FIELDS)
    assert [title for _, title, _, _ in SECTIONS] == [
        "Problem and outcome",
        "Ownership",
        "Data",
        "Users and integrations",
        "AI pattern and oversight",
        "Vendors and models",
    ]
    assert "business_unit" not in ANSWER_FIELDS


def test_only_title_and_business_unit_are_required(ava, custops):
    form = UseCaseForm({"title": "Idea", "business_unit": custops.pk}, instance=UseCase(), user=ava)
    assert form.is_valid(), form.errors
    assert {name for name, field in form.fields.items() if field.required} == {"title", "business_unit"}
    answers = form.answers()
    assert "business_unit" not in answers
    assert answers["title"] == "Idea" and answers["expected_users"] is None and answers["regulated_area"] == ""


def test_business_units_are_the_users_own(ava, custops, fin):
    BusinessUnitFactory(code="HR", members=[ava])
    form = UseCaseForm(instance=UseCase(), user=ava)
    assert set(form.fields["business_unit"].queryset.values_list("code", flat=True)) == {"CUSTOPS", "HR"}
    bound = UseCaseForm({"title": "x", "business_unit": fin.pk}, instance=UseCase(), user=ava)
    assert not bound.is_valid() and "business_unit" in bound.errors


def test_people_are_active_users_ordered_by_name(ava):
    UserFactory(username="zed", first_name="Zoe", last_name="Zed")
    UserFactory(username="abe", first_name="Abe", last_name="Able")
    UserFactory(username="old", first_name="Aaron", last_name="Gone", is_active=False)
    field = UseCaseForm(instance=UseCase(), user=ava).fields["business_owner"]
    usernames = list(field.queryset.values_list("username", flat=True))
    assert "old" not in usernames
    assert usernames.index("abe") < usernames.index("zed")
    labels = [label for _, label in field.choices]
    assert "Abe Able (abe)" in labels


def test_an_existing_inactive_owner_stays_selectable_on_edit(ava, custops):
    gone = UserFactory(username="gone", is_active=False)
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, executive_sponsor=gone)
    form = UseCaseForm(instance=use_case, user=ava)
    assert gone in form.fields["executive_sponsor"].queryset
    assert gone not in form.fields["delivery_owner"].queryset


def test_radio_choices_use_labels_and_none_of_these(ava):
    form = UseCaseForm(instance=UseCase(), user=ava)
    assert form.fields["ai_pattern"].widget.input_type == "radio"
    assert ("", "---------") not in form.fields["ai_pattern"].choices
    assert ("agent", "Agent (acts with tools, multi-step)") in form.fields["ai_pattern"].choices
    assert form.fields["regulated_area"].choices[0] == ("", "None of these")
    assert form.fields["prohibited_practice"].choices[0] == ("", "None of these")


def test_edit_keeps_business_unit_fixed(ava, custops, fin):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    form = UseCaseForm({"title": "x", "business_unit": fin.pk}, instance=use_case, user=ava)
    assert form.fields["business_unit"].disabled
    assert form.is_valid(), form.errors
    assert form.cleaned_data["business_unit"] == custops


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decision_impact", "sometimes"),
        ("title", "t" * 201),
        ("outcome_baseline", "b" * 501),
        ("target_release", "31/02/2027"),
        ("expected_users", "-1"),
        ("expected_users", "100000001"),
        ("portfolio_bucket", "0"),
    ],
)
def test_field_validation(ava, custops, field, value):
    data = {"title": "x", "business_unit": custops.pk, field: value}
    form = UseCaseForm(data, instance=UseCase(), user=ava)
    assert not form.is_valid()
    assert field in form.errors


def test_new_formset_has_three_empty_rows_and_skips_them():
    formset = kpi_formset(instance=UseCase())
    assert len(formset.forms) == 3 and formset.can_delete
    bound = kpi_formset(management(3), instance=UseCase())
    assert bound.is_valid(), bound.errors
    assert bound.rows() == []


def test_formset_rows_skip_deleted_and_keep_ids(ava, custops):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    keep, drop = KPIFactory(use_case=use_case), KPIFactory(use_case=use_case, name="Old")
    data = {
        **management(3, initial=2),
        "kpis-0-id": keep.pk,
        "kpis-0-use_case": use_case.pk,
        "kpis-0-name": "Kept",
        "kpis-0-category": "model_quality",
        "kpis-0-unit": "%",
        "kpis-0-baseline": "80",
        "kpis-0-target": "95",
        "kpis-0-direction": "increase",
        "kpis-1-id": drop.pk,
        "kpis-1-use_case": use_case.pk,
        "kpis-1-name": "Old",
        "kpis-1-category": "model_quality",
        "kpis-1-unit": "%",
        "kpis-1-baseline": "1",
        "kpis-1-target": "2",
        "kpis-1-direction": "increase",
        "kpis-1-DELETE": "on",
    }
    formset = kpi_formset(data, instance=use_case)
    assert formset.is_valid(), formset.errors
    rows = formset.rows()
    assert len(rows) == 1
    assert rows[0]["id"] == keep.pk and rows[0]["name"] == "Kept" and str(rows[0]["target"]) == "95"


def test_formset_refuses_too_many_rows():
    formset = kpi_formset(management(51), instance=UseCase())
    assert not formset.is_valid()
    assert formset.non_form_errors()


def test_pilot_form_needs_all_twelve_scores():
    form = PilotSelectionForm({key: "2" for key in PILOT_CRITERIA})
    assert form.is_valid(), form.errors
    assert form.scores() == dict.fromkeys(PILOT_CRITERIA, 2)
    assert len(form.criteria()) == 12
    bad = PilotSelectionForm({**{key: "2" for key in PILOT_CRITERIA[1:]}, "ownership": "0"})
    assert not bad.is_valid()
    assert set(bad.errors) == {PILOT_CRITERIA[0], "ownership"}


def test_tier_override_form_refuses_unknown_tiers():
    assert not TierOverrideForm({"tier": "extreme", "justification": "x"}).is_valid()
    assert TierOverrideForm({"tier": "high", "justification": ""}).is_valid()
    assert not TierOverrideForm({"tier": "high", "justification": "j" * 2001}).is_valid()


def test_the_sponsor_is_offered_from_executive_sponsors_never_its_own_people(ava, ben, custops):
    sponsors = Group.objects.get(name="executive_sponsors")
    sue, olga = UserFactory(username="sue.sponsor"), UserFactory(username="olga.owner")
    for person in (sue, olga, ava):
        person.groups.add(sponsors)
    offered = set(UseCaseForm(instance=UseCase(), user=ava).fields["executive_sponsor"].queryset)
    assert offered == {sue, olga}  # not ava, who creates it; not ben, who is no sponsor
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=olga, executive_sponsor=sue)
    offered = set(UseCaseForm(instance=use_case, user=ava).fields["executive_sponsor"].queryset)
    assert offered == {sue}  # olga owns it now
