"""Readiness, the rollout checklist and pilot selection: ETag on every read and write, If-Match on PUT.

Each resource is several rows, so its ETag is a hash of what it returns: a PUT that names a version
someone else has since changed is refused with 412 and changes nothing.
"""

import re
import threading
import time
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections
from drf_spectacular.generators import SchemaGenerator

from api.views import evidence
from intake.models import PILOT_CRITERIA
from tests.factories import UserFactory

from .conftest import client_for

STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


@dataclass(frozen=True)
class Resource:
    path: str  # under /api/v1/use-cases/{reference}/
    writer: str  # "owner" (records evidence) or "pmo" (scores pilot selection)
    first: dict  # two valid bodies that leave different data behind
    second: dict
    invalid: dict  # and one the API refuses with 400
    invalid_field: str  # the field its 400 names

    def shown(self, body: dict) -> object:
        """The part of a GET that says which of ``first``/``second`` was stored."""
        if self.path == "checklist":
            return body["items"]["ownership"]
        if self.path == "readiness":
            return body["scores"]["value_case"]
        return (body["scores"], body["note"])


PILOT_ONE = dict.fromkeys(PILOT_CRITERIA, 3) | {"risk_exposure": 2}
PILOT_TWO = dict.fromkeys(PILOT_CRITERIA, 2)

RESOURCES = [
    Resource("readiness", "owner", {"scores": {"value_case": 4}}, {"scores": {"value_case": 2}},
             {"scores": {"value_case": 6}}, "scores"),
    Resource("checklist", "owner", {"items": {"ownership": {"ready": True, "evidence": "Signed off."}}},
             {"items": {"ownership": {"ready": False, "evidence": "Sign-off withdrawn."}}},
             {"items": {"ownership": {"ready": True}}}, "ownership"),
    Resource("pilot-selection", "pmo", {"scores": PILOT_ONE, "note": "Good fit."},
             {"scores": PILOT_TWO, "note": "Second look."}, {"scores": {"ownership": 1}}, "scores"),
]
EXPECTED = {  # what shown() reads back after first / second
    "readiness": (4, 2),
    "checklist": ({"ready": True, "evidence": "Signed off.", "derived": False, "reason": ""},
                  {"ready": False, "evidence": "Sign-off withdrawn.", "derived": False, "reason": ""}),
    "pilot-selection": ((PILOT_ONE, "Good fit."), (PILOT_TWO, "Second look.")),
}

each_resource = pytest.mark.parametrize("resource", RESOURCES, ids=[r.path for r in RESOURCES])


@pytest.fixture
def writer(request, owner):
    """Whoever may write the resource under test."""
    if request.getfixturevalue("resource").writer == "owner":
        return owner
    pmo = UserFactory(username="pmo.lead")
    pmo.groups.add(Group.objects.get(name="pmo"))
    return pmo


@pytest.fixture
def writer_api(writer):
    return client_for(writer)


def _url(use_case, resource: Resource) -> str:
    return f"/api/v1/use-cases/{use_case.reference}/{resource.path}/"


def _put(api, url, body, **headers):
    return api.put(url, body, format="json", **headers)


@each_resource
def test_a_read_carries_a_strong_etag_that_is_stable(resource, writer_api, low_case, ava_api):
    url = _url(low_case, resource)
    response = writer_api.get(url)
    assert response.status_code == 200
    assert STRONG_ETAG.match(response["ETag"])
    assert writer_api.get(url)["ETag"] == response["ETag"]
    assert ava_api.get(url)["ETag"] == response["ETag"]  # the version of the data, whoever reads it


@each_resource
def test_a_put_with_the_current_etag_succeeds_and_returns_the_new_one(resource, writer_api, low_case):
    url = _url(low_case, resource)
    before = writer_api.get(url)["ETag"]
    response = _put(writer_api, url, resource.first, HTTP_IF_MATCH=before)
    assert response.status_code == 200, response.json()
    assert STRONG_ETAG.match(response["ETag"]) and response["ETag"] != before
    fresh = writer_api.get(url)
    assert fresh["ETag"] == response["ETag"]
    assert fresh.json() == response.json()
    assert resource.shown(fresh.json()) == EXPECTED[resource.path][0]


@each_resource
def test_a_put_with_a_stale_etag_is_412_and_changes_nothing(resource, writer_api, low_case):
    url = _url(low_case, resource)
    stale = writer_api.get(url)["ETag"]
    mine = _put(writer_api, url, resource.first, HTTP_IF_MATCH=stale)
    assert mine.status_code == 200
    theirs = _put(writer_api, url, resource.second, HTTP_IF_MATCH=stale)
    assert theirs.status_code == 412
    assert theirs.json()["detail"].startswith("The record changed since you read it")
    after = writer_api.get(url)
    assert resource.shown(after.json()) == EXPECTED[resource.path][0]
    assert after["ETag"] == mine["ETag"]
    # Re-read, then write: the current ETag passes.
    again = _put(writer_api, url, resource.second, HTTP_IF_MATCH=after["ETag"])
    assert again.status_code == 200
    assert resource.shown(writer_api.get(url).json()) == EXPECTED[resource.path][1]


@each_resource
def test_a_put_without_if_match_still_writes(resource, writer_api, low_case):
    url = _url(low_case, resource)
    before = writer_api.get(url)["ETag"]
    response = _put(writer_api, url, resource.first)
    assert response.status_code == 200, response.json()
    assert response["ETag"] != before
    after = writer_api.get(url)
    assert resource.shown(after.json()) == EXPECTED[resource.path][0]
    assert after["ETag"] == response["ETag"]


@each_resource
def test_if_match_star_and_lists_of_etags(resource, writer_api, low_case):
    url = _url(low_case, resource)
    star = _put(writer_api, url, resource.first, HTTP_IF_MATCH="*")
    assert star.status_code == 200
    assert resource.shown(writer_api.get(url).json()) == EXPECTED[resource.path][0]
    # A list naming the current version (weak prefix tolerated) passes; one naming none does not.
    current = star["ETag"]
    assert _put(writer_api, url, resource.second, HTTP_IF_MATCH=f'"0000", W/{current}').status_code == 200
    assert resource.shown(writer_api.get(url).json()) == EXPECTED[resource.path][1]
    assert _put(writer_api, url, resource.first, HTTP_IF_MATCH=f'"0000", {current}').status_code == 412
    assert resource.shown(writer_api.get(url).json()) == EXPECTED[resource.path][1]


@each_resource
def test_invalid_input_is_still_400_with_its_fields_and_changes_nothing(resource, writer_api, low_case):
    url = _url(low_case, resource)
    stored = _put(writer_api, url, resource.first)
    response = _put(writer_api, url, resource.invalid, HTTP_IF_MATCH=stored["ETag"])
    assert response.status_code == 400
    assert resource.invalid_field in response.json()
    after = writer_api.get(url)
    assert after["ETag"] == stored["ETag"]
    assert after.json() == stored.json()


def test_the_schema_declares_the_etag_and_if_match():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for resource in RESOURCES:
        operations = paths[f"/api/v1/use-cases/{{reference}}/{resource.path}/"]
        for method in ("get", "put"):
            assert "ETag" in operations[method]["responses"]["200"].get("headers", {}), (resource.path, method)
        put_headers = {p["name"] for p in operations["put"].get("parameters", []) if p["in"] == "header"}
        assert "If-Match" in put_headers, resource.path


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@each_resource
def test_two_writers_with_the_same_etag_cannot_both_write(resource, writer, writer_api, low_case, monkeypatch):
    """The ETag is compared under the use case's row lock: the second writer waits, then sees the change."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    url = _url(low_case, resource)
    etag = writer_api.get(url)["ETag"]
    # Each writer lingers between its If-Match check and its write: without the lock both would pass.
    write = {"readiness": "readiness_put", "checklist": "checklist_put", "pilot-selection": "pilot_put"}[resource.path]
    original = getattr(evidence, write)

    def slow(request, use_case):
        time.sleep(0.5)
        original(request, use_case)

    monkeypatch.setattr(evidence, write, slow)
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def send(name, body):
        try:
            api = client_for(writer)
            barrier.wait(timeout=10)
            statuses[name] = _put(api, url, body, HTTP_IF_MATCH=etag).status_code
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=send, args=("first", resource.first)),
               threading.Thread(target=send, args=("second", resource.second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses.values()) == [200, 412]
    [winner] = [name for name, code in statuses.items() if code == 200]
    stored = resource.shown(writer_api.get(url).json())
    assert stored == EXPECTED[resource.path][0 if winner == "first" else 1]
