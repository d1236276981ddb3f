"""The questions to ask a vendor in each due-diligence area: seeded by migration, shown beside each rating on
the assessment form, edited by governance admins in admin and audited."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory
from tests.vendors.conftest import start
from vendors.models import ChecklistArea

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("vendors.migrations.0007_vendor_questions_data")


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="governance_admins"))
    client.force_login(user)
    client.user = user
    return client


def rating_row(html: str, area_name: str) -> str:
    """The inline row of the assessment form that rates ``area_name``."""
    rows = re.findall(r'<tr class="form-row[^"]*"[^>]*id="ratings-\d+".*?</tr>', html, re.S)
    matching = [row for row in rows if f">{area_name}<" in row or f"{area_name}\n" in row]
    assert len(matching) == 1, area_name
    return matching[0]


def test_every_due_diligence_area_has_two_to_four_questions():
    areas = list(ChecklistArea.objects.all())
    assert len(areas) == 12
    for area in areas:
        questions = [line for line in area.questions.splitlines() if line.strip()]
        assert 2 <= len(questions) <= 4 and all(q.endswith("?") for q in questions), area.key


def test_running_the_seed_again_keeps_an_admins_questions_and_fills_blanks():
    ChecklistArea.objects.filter(key="data_handling").update(questions="Our own question?")
    ChecklistArea.objects.filter(key="security_posture").update(questions="")
    seed_migration.seed(apps, None)
    assert ChecklistArea.objects.get(key="data_handling").questions == "Our own question?"
    assert ChecklistArea.objects.get(key="security_posture").questions == "\n".join(
        seed_migration.QUESTIONS["security_posture"])


def test_the_assessment_form_shows_each_areas_questions_beside_its_rating(admin_client, vendor, pat):
    assessment = start(vendor, pat)
    html = admin_client.get(reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])).content.decode()
    row = rating_row(html, "Data handling")
    assert 'name="ratings-' in row and "-rating" in row  # the rating input is in the same row
    assert "<li>Where is our data stored and processed, and who at your company can access it?</li>" in row
    assert "questions to ask the vendor" in html.lower()


def test_a_governance_admin_edits_the_questions_and_the_assessment_form_shows_them(admin_client, vendor, pat):
    area = ChecklistArea.objects.get(key="data_handling")
    response = admin_client.post(reverse("admin:vendors_checklistarea_change", args=[area.pk]), {
        "name": area.name, "key": area.key, "description": area.description, "critical": "on",
        "order": area.order, "active": "on", "questions": "Is our data ever used for training?\nWho can read it?"})
    assert response.status_code == 302
    assessment = start(vendor, pat)
    html = admin_client.get(reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])).content.decode()
    row = rating_row(html, "Data handling")
    assert "<li>Is our data ever used for training?</li><li>Who can read it?</li>" in row
    latest = area.history.latest()
    assert (latest.history_user, latest.questions.splitlines()[1]) == (admin_client.user, "Who can read it?")


def test_an_area_without_questions_shows_a_dash(admin_client, vendor, pat):
    ChecklistArea.objects.filter(key="data_handling").update(questions="")
    assessment = start(vendor, pat)
    html = admin_client.get(reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])).content.decode()
    assert "vendor-questions" not in rating_row(html, "Data handling")
