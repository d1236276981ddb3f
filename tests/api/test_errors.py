"""Never a 500: malformed input of every kind is a 400 (or a JSON 404), with field-level messages."""

import pytest

from tests.factories import UseCaseFactory

LIST = "/api/v1/use-cases/"


@pytest.fixture
def draft(ava, custops):
    return UseCaseFactory(created_by=ava, business_unit=custops)


@pytest.mark.parametrize("body, field", [
    ({"title": "Nul\x00byte"}, "title"),
    ({"title": "x" * 10_000}, "title"),
    ({"summary": "y" * 10_000}, "summary"),
    ({"business_owner": "olga\x00"}, "business_owner"),
    ({"business_owner": "z" * 10_000}, "business_owner"),
    ({"target_release": "2026-13-45"}, "target_release"),
    ({"target_release": "next Tuesday"}, "target_release"),
    ({"expected_users": 10**30}, "expected_users"),
    ({"expected_users": "many"}, "expected_users"),
    ({"strategic_outcome": 10**30}, "strategic_outcome"),
    ({"strategic_outcome": "abc"}, "strategic_outcome"),
    ({"vendors": [10**30]}, "vendors"),
    ({"portfolio_bucket": "\x00"}, "portfolio_bucket"),
    ({"kpis": [{"name": "KPI", "baseline": "1e400"}]}, "kpis"),
    ({"kpis": "not a list"}, "kpis"),
    ({"ai_pattern": ["list"]}, "ai_pattern"),
])
def test_bad_fields_are_400_naming_the_field(ava_api, draft, body, field):
    response = ava_api.patch(f"{LIST}{draft.reference}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("raw, content_type", [
    (b"[1, 2, 3]", "application/json"),
    (b'"a string"', "application/json"),
    (b"{not json", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b'{"title": NaN}', "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_400(ava_api, draft, raw, content_type):
    response = ava_api.generic("PATCH", f"{LIST}{draft.reference}/", raw, content_type=content_type)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_another_media_type_is_415(ava_api, draft):
    response = ava_api.generic("PATCH", f"{LIST}{draft.reference}/", b"title=x", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize("query", [
    {"updated_since": "yesterday"},
    {"updated_since": "2026-02-30T00:00:00Z"},
    {"updated_since": "9999-12-31T23:59:59-14:00"},
    {"updated_since": "\x00"},
    {"status": "bogus"},
    {"reference": "UC\x00"},
    {"q": "\x00"},
    {"business_unit": "\x00"},
    {"cursor": "\x00"},
    {"cursor": "eyJ2IjogIngifQ"},
    {"ordering": "\x00"},
])
def test_bad_query_parameters_are_400(ava_api, draft, query):
    response = ava_api.get(LIST, query)
    assert response.status_code == 400, response.content
    assert set(response.json()) <= {*query, "non_field_errors"}


@pytest.mark.parametrize("url", [
    f"{LIST}{'U' * 10_000}/", f"{LIST}UC%00/", "/api/v1/reviews/99999999999999999999999/", "/api/v1/reviews/abc/",
    "/api/v1/nothing-here/", "/api/v1/use-cases",
])
def test_unknown_or_malformed_paths_are_json_404(ava_api, db, url):
    response = ava_api.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("query", [{"page_size": "abc"}, {"page_size": "-5"}, {"page_size": str(10**30)}])
def test_odd_page_sizes_fall_back_to_a_valid_one(ava_api, draft, query):
    assert ava_api.get(LIST, query).status_code == 200


def test_a_nul_byte_in_a_decision_is_400(sec_api, low_case):
    review = low_case.reviews.get()
    response = sec_api.post(f"/api/v1/reviews/{review.pk}/decide/",
                            {"decision": "approve", "rationale": "Looks fine\x00 to me."}, format="json")
    assert response.status_code == 400
    assert "rationale" in response.json()
    response = sec_api.post(f"/api/v1/reviews/{review.pk}/decide/", {
        "decision": "approve_with_conditions", "rationale": "Looks fine to me, with one condition.",
        "conditions": [{"text": "Dashboard", "owner": "olga.owner", "due_date": "31/12/2026"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["conditions"]["0"]["due_date"]  # DRF keys list items by index


def test_evidence_with_nul_keys_and_bad_types_is_400(owner, low_case):
    from .conftest import client_for

    api = client_for(owner)
    url = f"/api/v1/use-cases/{low_case.reference}/readiness/"
    assert api.put(url, {"scores": {"\x00": 3}}, format="json").status_code == 400
    assert api.put(url, {"scores": [3]}, format="json").status_code == 400
    assert api.put(url, {"scores": {"value_case": True}}, format="json").status_code == 400
    url = f"/api/v1/use-cases/{low_case.reference}/checklist/"
    assert api.put(url, {"items": {"ownership": "yes"}}, format="json").status_code == 400


def test_an_unpaired_surrogate_is_400(ava_api, draft):
    raw = b'{"title": "emoji \\ud83d alone"}'
    response = ava_api.generic("PATCH", f"{LIST}{draft.reference}/", raw, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]


def test_odd_keys_are_named_back_safely_even_with_an_idempotency_key(ava_api, custops):
    raw = b'{"business_unit": "CUSTOPS", "title": "x", "\\u0000\\u00ff": 1}'
    first = ava_api.generic("POST", LIST, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="odd")
    assert first.status_code == 400
    assert first.json() == {"\x00\xff": ["Unknown field."]}
    assert first.content.isascii()
    again = ava_api.generic("POST", LIST, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="odd")
    assert (again.status_code, again.json()) == (400, first.json())
