"""The gate link opens a real gate page: the criteria, the stage timeline and, for whoever decides, the form."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

from .test_pages_gate import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def sponsor(db):
    return UserFactory(username="sam.sponsor", first_name="Sam", last_name="Sponsor")


@pytest.fixture
def case(ava, custops, owner, sponsor, gov):
    return make_case(ava, custops, owner, sponsor, gov)


def gate_url(use_case):
    return reverse("reviews:gate", args=[use_case.reference])


def test_the_gate_link_opens_the_gate_page_with_its_form(client, case, sponsor):
    client.force_login(sponsor)
    response = client.get(gate_url(case))
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "reviews/gate.html"
    html = response.content.decode()
    assert 'id="criteria"' in html and "Decide the gate" in html
    assert f'action="{gate_url(case)}"' in html  # the form posts to the same page


def test_someone_who_may_not_decide_reads_the_gate_without_a_form(client, case, owner):
    client.force_login(owner)
    response = client.get(gate_url(case))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "You may not decide this gate." in response.content.decode()


def test_the_use_case_page_still_shows_the_gate_panel(client, case, sponsor):
    client.force_login(sponsor)
    html = client.get(reverse("intake:detail", args=[case.reference])).content.decode()
    assert 'id="gate"' in html


def test_the_gate_page_of_a_use_case_you_may_not_see_is_404(client, case, ben):
    client.force_login(ben)
    assert client.get(gate_url(case)).status_code == 404
