"""The pilot triage page: Exploration candidates (submitted or approved) ranked by pilot-selection total for the
PMO and governance admins, flagged at or below the policy's strong cut-off, with tier, readiness and outcome.

pam is in the PMO; ava submits (an ordinary user); gov is a governance admin.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.models import PilotSelection, UseCase
from intake.models.usecase import PILOT_CRITERIA
from reviews import selectors
from reviews.models import ReadinessArea, ReadinessScore
from tests.factories import UseCaseFactory, UserFactory

URL = "/reviews/triage/"
FLAG = "at or below the strong cut-off (30)"


@pytest.fixture
def pam(db):
    user = UserFactory(username="pam.pmo")
    user.groups.add(Group.objects.get(name="pmo"))
    return user


def candidate(*, total: int | None = None, stage: str = "exploration", status: str = "submitted",
              scorer=None, readiness: int | None = None, **answers) -> UseCase:
    """A use case at ``stage`` and ``status`` (fixture set-up), scored ``total`` (12-36) at pilot selection and
    ``readiness`` on every scorecard area when given."""
    use_case = UseCaseFactory(**answers)
    UseCase.objects.filter(pk=use_case.pk).update(stage=stage, status=status)
    if total is not None:
        extra = total - len(PILOT_CRITERIA)  # every criterion starts at 1; spread the rest, 2 at most each
        scores = {key: 1 + min(2, max(0, extra - 2 * i)) for i, key in enumerate(PILOT_CRITERIA)}
        PilotSelection.objects.create(use_case=use_case, scored_by=scorer or use_case.created_by, **scores)
    if readiness is not None:
        ReadinessScore.objects.bulk_create(ReadinessScore(use_case=use_case, area=area, score=readiness,
                                                          scored_by=use_case.created_by)
                                           for area in ReadinessArea.objects.all())
    use_case.refresh_from_db()
    return use_case


def row_of(html: str, use_case: UseCase) -> str:
    found = re.search(rf'<tr id="candidate-{use_case.reference}">(.*?)</tr>', html, re.S)
    assert found, f"{use_case.reference} is not listed"
    return found.group(1)


def test_the_pmo_sees_candidates_ranked_with_the_cut_off_flagged(db, pam, client):
    middling = candidate(total=30, title="Invoice matching", readiness=4)
    unscored = candidate(title="Contract search")
    strong = candidate(total=34, status="approved", title="Ticket summaries", risk_tier="medium")
    weak = candidate(total=20, title="Shift planning")
    client.force_login(pam)

    html = client.get(URL).content.decode()

    order = [html.index(f'id="candidate-{uc.reference}"') for uc in (strong, middling, weak, unscored)]
    assert order == sorted(order)
    assert FLAG not in row_of(html, strong) and "<strong>34</strong>" in row_of(html, strong)
    assert "Medium" in row_of(html, strong)
    assert FLAG in row_of(html, middling) and FLAG in row_of(html, weak)
    assert "not scored" in row_of(html, unscored) and FLAG not in row_of(html, unscored)
    readiness = selectors.readiness_summary(middling)
    assert f"{readiness.total}/90, {readiness.band.label.lower()}" in row_of(html, middling)
    assert middling.strategic_outcome.name in row_of(html, middling)
    assert f'href="{reverse("intake:detail", args=[middling.reference])}"' in row_of(html, middling)


@pytest.mark.parametrize(("who", "status"), [("ava", 404), ("pam", 200), ("gov", 200)])
def test_only_the_pmo_and_governance_admins_open_it(db, request, client, who, status):
    candidate(total=33)
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == status


@pytest.mark.parametrize(("stage", "status"), [
    ("exploration", "draft"),
    ("exploration", "rejected"),
    ("exploration", "withdrawn"),
    ("pilot", "approved"),
])
def test_a_use_case_not_waiting_for_pilot_selection_is_not_listed(db, pam, client, stage, status):
    waiting = candidate(total=32)
    elsewhere = candidate(total=36, stage=stage, status=status)
    client.force_login(pam)

    html = client.get(URL).content.decode()

    assert f"candidate-{waiting.reference}" in html
    assert elsewhere.reference not in html


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_reads_in_the_same_number_of_queries_for_3_or_12_candidates(db, pam, client, warm_caches):
    client.force_login(pam)
    for n in range(3):
        candidate(total=20 + n, readiness=3)
    few = page_queries(client)
    for n in range(9):
        candidate(total=25 + n if n % 2 else None, status="approved", readiness=4 if n % 3 else None)
    assert page_queries(client) == few


@pytest.mark.parametrize(("who", "sees"), [("pam", True), ("gov", True), ("sponsor", False)])
def test_the_portfolio_dashboard_links_to_it_for_who_may_open_it(db, request, client, who, sees):
    if who == "sponsor":
        user = UserFactory(username="eve.sponsor")
        user.groups.add(Group.objects.get(name="executive_sponsors"))
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    html = client.get(reverse("reports:portfolio")).content.decode()
    assert (f'href="{URL}"' in html) is sees
