"""Incidents in the API: owner, review due date, the post-incident review and its actions, and the closure rule.

olga records the use case's evidence; the security reviewer sees it and owns an action; ben, of another
business unit, sees nothing (404 everywhere).
"""

import datetime

import pytest
from django.utils import timezone

from reviews import services
from reviews.services import incidents
from tests.reviews.factories import reviewer, submitted_use_case

from .conftest import client_for, list_queries_stay_flat

URL = "/api/v1/incidents/"
REVIEW = {"cause": "A stale index.", "impact": "31 customers misinformed.", "lessons": "Index on every publish."}


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner)


@pytest.fixture
def sec(db):
    return reviewer("security", "sec.reviewer")


def report(case, owner, severity=2):
    return services.incident_report(use_case=case, actor=owner, data={
        "severity": severity, "title": "Answers quoted a withdrawn policy", "what_happened": "Wrong window quoted.",
        "occurred_at": timezone.now() - datetime.timedelta(days=1)})


def _due(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_an_incident_shows_its_owner_review_due_review_and_actions(case, owner):
    incident = report(case, owner)
    body = client_for(owner).get(f"{URL}{incident.pk}/").json()
    assert body["owner"] is None and body["review_due"] == _due(13)  # 14 days after yesterday
    assert body["post_incident_review"] is None and body["actions"] == []


@pytest.mark.parametrize(("severity", "closes_without_review"), [(1, False), (2, False), (3, True), (4, True)])
def test_a_severe_incident_closes_only_after_its_review_with_an_action(case, owner, sec, severity,
                                                                      closes_without_review):
    api = client_for(owner)
    incident = report(case, owner, severity)
    close = api.patch(f"{URL}{incident.pk}/", {"status": "closed"}, format="json")
    if closes_without_review:
        assert close.status_code == 200 and close.json()["status"] == "closed"
        return
    assert close.status_code == 400
    assert close.json()["status"] == [f"A severity-{severity} incident closes only after its post-incident review "
                                      "with at least one action. Record the review first."]

    assert api.patch(f"{URL}{incident.pk}/", {"owner": "olga.owner", "review_due": _due(5)},
                     format="json").json()["owner"] == "olga.owner"
    reviewed = api.post(f"{URL}{incident.pk}/review/", REVIEW, format="json")
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["post_incident_review"]["cause"] == "A stale index."
    assert reviewed.json()["review_due"] == _due(5)
    action = api.post(f"{URL}{incident.pk}/actions/", {"description": "Alert on withdrawn policies.",
                                                       "owner": "sec.reviewer", "due_date": _due(7)}, format="json")
    assert action.status_code == 201, action.json()
    assert action.json() | {"id": 0} == {"id": 0, "description": "Alert on withdrawn policies.",
                                         "owner": "sec.reviewer", "due_date": _due(7), "status": "open",
                                         "done_at": None}

    closed = api.patch(f"{URL}{incident.pk}/", {"status": "closed"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [a["status"] for a in closed.json()["actions"]] == ["open"]


def test_a_move_the_status_table_does_not_allow_is_409_and_changes_nothing(case, owner):
    api = client_for(owner)
    incident = report(case, owner, severity=3)
    assert api.patch(f"{URL}{incident.pk}/", {"status": "resolved"}, format="json").status_code == 200

    reopen = api.patch(f"{URL}{incident.pk}/", {"status": "open", "title": "Reopened"}, format="json")

    assert (reopen.status_code, reopen.json()) == (409, {
        "code": "invalid_transition", "detail": "The incident is resolved: it cannot move to open."})
    incident.refresh_from_db()
    assert (incident.status, incident.title) == ("resolved", "Answers quoted a withdrawn policy")


def test_bad_action_input_is_400_at_each_field(case, owner, ben):
    incident = report(case, owner)
    api = client_for(owner)
    missing = api.post(f"{URL}{incident.pk}/actions/", {"description": "Alert."}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"owner", "due_date"}
    wrong = api.post(f"{URL}{incident.pk}/actions/", {"description": "", "owner": "nobody", "due_date": "soon",
                                                      "colour": "red"}, format="json")
    assert wrong.status_code == 400 and set(wrong.json()) == {"description", "owner", "due_date", "colour"}
    blind = api.post(f"{URL}{incident.pk}/actions/", {"description": "Alert.", "owner": "ben.submitter",
                                                      "due_date": _due(3)}, format="json")
    assert blind.status_code == 400 and "cannot see" in blind.json()["owner"][0]
    assert api.post(f"{URL}{incident.pk}/review/", {"cause": " "}, format="json").status_code == 400
    assert client_for(owner).get(f"{URL}{incident.pk}/").json()["actions"] == []


def test_the_action_owner_marks_it_done_once(case, owner, sec):
    incident = report(case, owner)
    action = incidents.incident_action_add(incident=incident, actor=owner, description="Alert.", owner=sec,
                                           due_date=timezone.localdate())
    url = f"{URL}{incident.pk}/actions/{action.pk}/done/"
    done = client_for(sec).post(url, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["done_at"]
    assert client_for(sec).post(url, format="json").status_code == 409
    # A reader who records nothing may not change the incident itself.
    assert client_for(sec).post(f"{URL}{incident.pk}/review/", REVIEW, format="json").status_code == 403


def test_someone_of_another_business_unit_gets_404_everywhere(case, owner, sec, ben_api):
    incident = report(case, owner)
    action = incidents.incident_action_add(incident=incident, actor=owner, description="Alert.", owner=sec,
                                           due_date=timezone.localdate())
    assert ben_api.get(f"{URL}{incident.pk}/").status_code == 404
    assert ben_api.patch(f"{URL}{incident.pk}/", {"owner": "ben.submitter"}, format="json").status_code == 404
    assert ben_api.post(f"{URL}{incident.pk}/review/", REVIEW, format="json").status_code == 404
    assert ben_api.post(f"{URL}{incident.pk}/actions/", {"description": "x", "owner": "ben.submitter",
                                                         "due_date": _due(1)}, format="json").status_code == 404
    assert ben_api.post(f"{URL}{incident.pk}/actions/{action.pk}/done/", format="json").status_code == 404
    assert ben_api.get(URL).json()["results"] == []


def test_the_incident_list_stays_flat_with_reviews_and_actions(case, owner, sec, warm_caches):
    def add_rows(n: int) -> None:
        for _ in range(n):
            incident = report(case, owner, severity=3)
            incidents.incident_review_record(incident=incident, actor=owner, **REVIEW)
            for _ in range(2):
                incidents.incident_action_add(incident=incident, actor=owner, description="Alert.", owner=sec,
                                              due_date=timezone.localdate())

    list_queries_stay_flat(client_for(owner), URL, add_rows, ceiling=7)
