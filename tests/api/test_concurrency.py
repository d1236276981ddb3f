"""ETag / If-Match (412), Idempotency-Key replays (race-safe), throttling (429)."""

import hashlib
import threading

import pytest
from django.db import connection
from rest_framework.throttling import SimpleRateThrottle

from api.models import IdempotencyKey
from intake.models import UseCase
from tests.factories import UseCaseFactory

from .conftest import client_for

LIST = "/api/v1/use-cases/"


@pytest.fixture
def draft(ava, custops):
    return UseCaseFactory(created_by=ava, business_unit=custops, title="Ticket triage")


def test_a_stale_if_match_is_412_and_changes_nothing(ava_api, draft):
    url = f"{LIST}{draft.reference}/"
    etag = ava_api.get(url)["ETag"]
    first = ava_api.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = ava_api.patch(url, {"title": "Theirs"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"].startswith("The record changed since you read it")
    assert UseCase.objects.get(pk=draft.pk).title == "Mine"
    assert ava_api.patch(url, {"title": "Any"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert ava_api.patch(url, {"title": "No header"}, format="json").status_code == 200


def test_the_etag_follows_every_change(ava_api, draft):
    url = f"{LIST}{draft.reference}/"
    before = ava_api.get(url)["ETag"]
    assert ava_api.get(url)["ETag"] == before
    draft.save()
    assert ava_api.get(url)["ETag"] != before


def _post(api, key, title="Ticket triage"):
    return api.post(LIST, {"business_unit": "CUSTOPS", "title": title}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_idempotency_key_returns_the_first_response(ava_api, ben_api, ava, custops, fin):
    first = _post(ava_api, "k-1")
    again = _post(ava_api, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert UseCase.objects.count() == 1
    # The key is per person; a new key is a new request.
    assert ben_api.post(LIST, {"business_unit": "FIN", "title": "Ben's"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    assert _post(ava_api, "k-2").status_code == 201
    assert UseCase.objects.count() == 3


def test_an_error_is_replayed_too_and_a_different_body_is_refused(ava_api, custops):
    bad = ava_api.post(LIST, {"business_unit": "FIN", "title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    assert bad.status_code == 400
    again = ava_api.post(LIST, {"business_unit": "FIN", "title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    assert (again.status_code, again.json()) == (400, bad.json())
    other = _post(ava_api, "k-bad", title="Something else")
    assert other.status_code == 400
    assert other.json() == {"Idempotency-Key": ["This key was used for a different request; use a new key."]}


def test_a_key_still_running_is_409(ava_api, ava, custops):
    body = b'{"business_unit":"CUSTOPS","title":"Ticket triage"}'  # as the test client sends it
    IdempotencyKey.objects.create(user=ava, key="k-run", method="POST", path=LIST,
                                  fingerprint=hashlib.sha256(body).hexdigest())
    response = _post(ava_api, "k-run")
    assert response.status_code == 409
    assert UseCase.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_with_one_key_create_one_record(ava, custops):
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send():
        try:
            api = client_for(ava)
            barrier.wait(timeout=10)
            statuses.append(_post(api, "k-race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert UseCase.objects.count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}


@pytest.fixture
def strict_rates(monkeypatch):
    # DRF reads the rates when it imports the throttles: patch them where they live.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min",
                                                               "auth_token": "1/min"})


def test_throttled_users_get_429(strict_rates, ava_api):
    for _ in range(3):
        assert ava_api.get(LIST).status_code == 200
    response = ava_api.get(LIST)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Request was throttled.")


def test_anonymous_callers_and_the_token_endpoint_are_throttled_harder(strict_rates, anon, db):
    body = {"username": "nobody", "password": "guess"}
    assert anon.post("/api/v1/auth/token/", body, format="json").status_code == 400
    assert anon.post("/api/v1/auth/token/", body, format="json").status_code == 429


def test_risks_and_incidents_refuse_a_stale_if_match(owner, low_case):
    api = client_for(owner)
    risk = api.post("/api/v1/risks/", {"use_case": low_case.reference, "area": "data_privacy",
                                       "description": "Card numbers in tickets.", "likelihood": 2, "impact": 2},
                    format="json").json()
    url = f"/api/v1/risks/{risk['id']}/"
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"impact": 3}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert api.patch(url, {"impact": 4}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert api.get(url).json()["impact"] == 3
