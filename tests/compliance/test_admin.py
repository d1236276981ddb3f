"""Governance admins adjust requirements and the crosswalk in admin; a bad rule is refused at its field."""

import json

import pytest
from django.urls import reverse

from compliance.models import CrosswalkEntry, Obligation, Requirement
from tests.reviews.factories import submitted_use_case

pytestmark = pytest.mark.django_db


def _change(client, requirement, **fields):
    data = {"guidance": requirement.guidance, "applies_from": requirement.applies_from or "",
            "applies_from_source": requirement.applies_from_source, "applies_when": requirement.applies_when,
            "required_before": requirement.required_before, "expected_evidence": requirement.expected_evidence}
    data.update(fields)
    data["applies_when"] = data["applies_when"] if isinstance(data["applies_when"], str) else json.dumps(
        data["applies_when"])
    return client.post(reverse("admin:compliance_requirement_change", args=[requirement.pk]), data)


@pytest.mark.parametrize(("rule", "message"), [
    ('{"eu_category": "high_risk"}', "must be a list of condition objects"),
    ('"x"', "must be a list of condition objects"),
    ('[{"eu_categroy": ["high_risk"]}]', "unknown applicability fact"),
    ('[{"eu_category": ["very_high"]}]', "eu_category takes a non-empty list"),
    ("[{}]", "an empty condition would select every use case"),
    ("[{", "Enter a valid JSON"),
])
def test_a_bad_rule_is_refused_at_its_field_and_changes_nothing(client, gov, ava, custops, rule, message):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                                  ai_act_role="provider")
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    client.force_login(gov)
    response = _change(client, art9, applies_when=rule)
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["applies_when"])
    assert Obligation.objects.get(use_case=use_case, requirement=art9).applicable


def test_an_edited_rule_moves_every_register_and_is_audited(client, gov, ava, custops):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                                  ai_act_role="provider")
    art86 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 86")
    assert not Obligation.objects.filter(use_case=use_case, requirement=art86).exists()
    client.force_login(gov)
    rule = [{"eu_category": ["high_risk"], "role": ["deployer", "provider"]}]
    assert _change(client, art86, applies_when=rule).status_code == 302
    assert Obligation.objects.get(use_case=use_case, requirement=art86).applicable
    assert art86.history.first().history_user == gov


def test_a_gate_only_waits_for_a_use_cases_obligation(client, gov):
    art4 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 4")  # the organisation's
    client.force_login(gov)
    response = _change(client, art4, required_before="pilot")
    assert "Only a use case" in str(response.context["adminform"].form.errors["required_before"])


def test_a_crosswalk_entry_names_a_control_that_exists(client, gov):
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    client.force_login(gov)
    url = reverse("admin:compliance_crosswalkentry_add")
    refused = client.post(url, {"requirement": art9.pk, "control": "checklist_item", "key": "nope",
                                "rationale": "", "source": "Our judgement"})
    assert "No checklist item has the key" in str(refused.context["adminform"].form.errors["key"])
    added = client.post(url, {"requirement": art9.pk, "control": "checklist_item", "key": "human_oversight",
                              "rationale": "Oversight is part of managing the risk.", "source": "Our judgement"})
    assert added.status_code == 302
    assert CrosswalkEntry.objects.filter(requirement=art9, key="human_oversight").exists()


def test_ordinary_staff_read_requirements_and_change_nothing(client, ava):
    ava.is_staff = True
    ava.save()
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    client.force_login(ava)
    assert client.get(reverse("admin:compliance_requirement_change", args=[art9.pk])).status_code == 200
    assert _change(client, art9, applies_when=[]).status_code == 403
    art9.refresh_from_db()
    assert art9.applies_when
