"""Guidance where people score: the key question and red flags beside each readiness score, the usual owner
and what good control looks like beside each risk. Seeded by migration, edited in admin, audited."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from reviews import selectors, services
from reviews.models import ReadinessArea, RiskArea, RiskAreaGuidance
from tests.factories import UserFactory

from .factories import submitted_use_case
from .gate_world import governance_admin

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("reviews.migrations.0014_guidance_data")


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Ticket summaries")


def page(client, user, name, case, *args):
    client.force_login(user)
    response = client.get(reverse(f"reviews:{name}", args=[case.reference, *args]))
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S)
    assert match, row_id
    return match.group(0)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- the seed


def test_every_readiness_area_has_a_key_question_and_two_to_four_red_flags():
    areas = list(ReadinessArea.objects.all())
    assert len(areas) == 18
    for area in areas:
        assert area.key_question.strip().endswith("?"), area.key
        assert 2 <= len(lines(area.red_flags)) <= 4, area.key


def test_every_risk_area_has_an_owner_role_and_good_control():
    guidance = selectors.risk_area_guidance()
    assert set(guidance) == set(RiskArea.values) and len(guidance) == 12
    for item in guidance.values():
        assert item.default_owner_role.strip() and len(item.good_control) > 60, item.area
    assert guidance["data_privacy"].default_owner_role == "Data protection officer"


@pytest.mark.parametrize("key_question, red_flags, kept_question, kept_flags", [
    ("", "", False, False),                          # blank: filled from the seed
    ("Our own question?", "", True, False),          # edited: kept; the blank beside it is filled
    ("Our own question?", "Our own flag", True, True),
])
def test_running_the_seed_again_fills_only_blanks(key_question, red_flags, kept_question, kept_flags):
    ReadinessArea.objects.filter(key="ownership").update(key_question=key_question, red_flags=red_flags)
    RiskAreaGuidance.objects.filter(area="cost_creep").delete()
    RiskAreaGuidance.objects.filter(area="reputation").update(default_owner_role="Brand director", good_control="")
    seed_migration.seed(apps, None)
    area = ReadinessArea.objects.get(key="ownership")
    question, flags = seed_migration.READINESS["ownership"]
    assert area.key_question == ("Our own question?" if kept_question else question)
    assert area.red_flags == ("Our own flag" if kept_flags else flags)
    guidance = selectors.risk_area_guidance()
    assert guidance["cost_creep"].default_owner_role == "Finance business partner"  # a missing row is added
    assert guidance["reputation"].default_owner_role == "Brand director"
    assert guidance["reputation"].good_control == seed_migration.RISK_GUIDANCE["reputation"][1]


# ---------------------------------------------------------------- beside each score


def test_the_readiness_page_shows_each_key_question_beside_its_score_input(client, case, owner):
    row = row_of(page(client, owner, "readiness", case), "area-ownership")
    assert "Is one named person accountable for the outcome, with the authority to act?" in row
    assert 'id="question-ownership"' in row
    # Each score choice points at the question, so a screen reader reads it with the choice.
    radios = re.findall(r'<input type="radio" name="score_ownership"[^>]*>', row)
    assert len(radios) == 5 and all('aria-describedby="question-ownership"' in radio for radio in radios)
    assert "<summary>Red flags</summary>" in row and "<li>Ownership is shared by a committee" in row


def test_someone_who_only_reads_the_scorecard_sees_the_guidance_too(client, case):
    viewer = UserFactory()
    assign_perm("view_usecase", viewer, case)
    row = row_of(page(client, viewer, "readiness", case), "area-ownership")
    assert 'type="radio"' not in row and "Is one named person accountable" in row


def test_an_area_without_guidance_shows_no_empty_hint(client, case, owner):
    ReadinessArea.objects.filter(key="ownership").update(key_question="", red_flags="")
    row = row_of(page(client, owner, "readiness", case), "area-ownership")
    assert "Key question:" not in row and "<summary>Red flags" not in row and 'id="question-ownership"' not in row
    assert 'aria-describedby="question-ownership"' not in row


def test_the_risk_register_shows_the_usual_owner_and_good_control_for_each_risk(client, case, owner):
    risk = services.risk_save(use_case=case, actor=owner, data={
        "area": "data_privacy", "description": "Ticket text may hold card numbers.", "likelihood": 3, "impact": 4})
    html = page(client, owner, "risks", case)
    row = row_of(html, f"risk-{risk.pk}")
    assert "Usually owned by" in row and "Data protection officer" in row
    assert "Only the personal data needed is used" in row
    # The add form lists every area's guidance, so the right owner can be picked before saving.
    form = html.split('id="add-risk"', 1)[1]
    assert 'id="risk-guidance"' in form
    for guidance in RiskAreaGuidance.objects.all():
        assert f'id="guidance-{guidance.area}"' in form and guidance.default_owner_role in form
    edit = page(client, owner, "risk_edit", case, risk.pk)
    assert "Data protection officer" in edit.split('id="edit-risk"', 1)[0]


# ---------------------------------------------------------------- editable in admin, audited


def test_a_governance_admin_edits_a_key_question_and_the_page_shows_it(client, case, owner):
    admin_user = governance_admin()
    area = ReadinessArea.objects.get(key="ownership")
    client.force_login(admin_user)
    response = client.post(reverse("admin:reviews_readinessarea_change", args=[area.pk]), {
        "name": area.name, "key": area.key, "description": area.description, "order": area.order,
        "key_question": "Who answers for the result, by name?", "red_flags": "Nobody signs\nThe owner left"})
    assert response.status_code == 302
    row = row_of(page(client, owner, "readiness", case), "area-ownership")
    assert "Who answers for the result, by name?" in row and "<li>The owner left</li>" in row
    latest = area.history.latest()
    assert (latest.history_user, latest.key_question) == (admin_user, "Who answers for the result, by name?")


def test_a_governance_admin_edits_risk_guidance_and_the_register_shows_it(client, case, owner):
    admin_user = governance_admin()
    guidance = RiskAreaGuidance.objects.get(area="cost_creep")
    client.force_login(admin_user)
    change = reverse("admin:reviews_riskareaguidance_change", args=[guidance.pk])
    assert 'name="area"' not in client.get(change).content.decode()  # the area is fixed, the words are not
    response = client.post(change, {"default_owner_role": "Chief financial officer",
                                    "good_control": "A monthly cap per use case, alerts at 80%."})
    assert response.status_code == 302
    services.risk_save(use_case=case, actor=owner, data={"area": "cost_creep", "description": "Tokens.",
                                                         "likelihood": 2, "impact": 2})
    assert "Chief financial officer" in page(client, owner, "risks", case)
    latest = guidance.history.latest()
    assert (latest.history_user, latest.default_owner_role) == (admin_user, "Chief financial officer")


def test_a_blank_guidance_field_is_refused_at_the_field_with_what_was_typed_kept(client):
    guidance = RiskAreaGuidance.objects.get(area="cost_creep")
    client.force_login(governance_admin())
    response = client.post(reverse("admin:reviews_riskareaguidance_change", args=[guidance.pk]),
                           {"default_owner_role": "", "good_control": "Typed and kept."})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "default_owner_role" in form.errors and form["good_control"].value() == "Typed and kept."
    assert RiskAreaGuidance.objects.get(pk=guidance.pk).default_owner_role == "Finance business partner"


def test_staff_without_the_permission_may_not_edit_guidance(client):
    client.force_login(UserFactory(is_staff=True))
    guidance = RiskAreaGuidance.objects.get(area="cost_creep")
    assert client.get(reverse("admin:reviews_riskareaguidance_change", args=[guidance.pk])).status_code == 403
    area = ReadinessArea.objects.get(key="ownership")
    assert client.get(reverse("admin:reviews_readinessarea_change", args=[area.pk])).status_code == 403


def test_the_guidance_costs_the_register_one_query_however_many_risks(client, case, owner, warm_caches):
    def risks_page_queries():
        client.force_login(owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviews:risks", args=[case.reference])).status_code == 200
        return len(queries)

    services.risk_save(use_case=case, actor=owner, data={"area": "cost_creep", "description": "Tokens.",
                                                         "likelihood": 2, "impact": 2})
    few = risks_page_queries()
    for area in RiskArea.values[:6]:
        services.risk_save(use_case=case, actor=owner, data={"area": area, "description": "More.",
                                                             "likelihood": 3, "impact": 3})
    assert risks_page_queries() == few
