"""What a generated client relies on, as it behaves: the Bearer scheme it sends by default, null
for an unanswered choice (and null or "" accepted back), null for a missing website, and the
next_cursor it pages with."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import UseCase
from tests.factories import UseCaseFactory
from tests.vendors.factories import VendorFactory

LIST = "/api/v1/use-cases/"


def _with(keyword: str, user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token.key}")
    return client


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_a_token_works_as_bearer_or_token(ava, custops, keyword):
    response = _with(keyword, ava).get(LIST)
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_bad_bearer_token_is_401_with_the_token_challenge(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Bearer " + "0" * 40)
    response = anon.get(LIST)
    assert response.status_code == 401 and response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"


def _draft(api, **answers) -> dict:
    response = api.post(LIST, {"business_unit": "CUSTOPS", "title": "Ticket triage", **answers}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_unanswered_choices_read_null_in_the_detail_and_the_list(ava_api, custops):
    draft = _draft(ava_api)
    for name in ("ai_pattern", "autonomy", "exposure", "regulated_area", "eu_ai_act_category", "computed_tier",
                 "tier_override", "risk_tier"):
        assert draft[name] is None, name
    row = ava_api.get(LIST).json()["results"][0]
    assert row["ai_pattern"] is None and row["regulated_area"] is None and row["eu_ai_act_category"] is None


@pytest.mark.parametrize("cleared", [None, ""])
def test_a_choice_is_cleared_with_null_or_an_empty_string(ava_api, custops, cleared):
    reference = _draft(ava_api, exposure="external", regulated_area="employment")["reference"]
    response = ava_api.patch(f"{LIST}{reference}/", {"exposure": cleared, "regulated_area": cleared}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["exposure"] is None and response.json()["regulated_area"] is None
    stored = UseCase.objects.get(reference=reference)
    assert stored.exposure == "" and stored.regulated_area == ""  # the model's own blank


def test_a_choice_outside_its_enum_is_still_400_at_the_field(ava_api, custops):
    reference = _draft(ava_api)["reference"]
    response = ava_api.patch(f"{LIST}{reference}/", {"exposure": "everywhere"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["exposure"]


def test_a_vendor_without_a_website_reads_null(ava_api):
    bare, site = VendorFactory(name="Bare", website=""), VendorFactory(name="Sited")
    rows = {row["id"]: row for row in ava_api.get("/api/v1/vendors/").json()["results"]}
    assert rows[bare.pk]["website"] is None
    assert rows[site.pk]["website"] == site.website


def test_next_cursor_pages_to_the_end_like_the_next_link(ava_api, ava, custops):
    created = {UseCaseFactory(created_by=ava, business_unit=custops).reference for _ in range(7)}
    seen, params = [], {"page_size": 3}
    while True:
        page = ava_api.get(LIST, params).json()
        seen += [row["reference"] for row in page["results"]]
        if page["next_cursor"] is None:
            assert page["next"] is None
            break
        assert f"cursor={page['next_cursor']}" in page["next"]
        params = {"page_size": 3, "cursor": page["next_cursor"]}
    assert sorted(seen) == sorted(created) and len(seen) == len(created)
    back = ava_api.get(LIST, {"page_size": 3, "cursor": page["previous_cursor"]}).json()
    assert [row["reference"] for row in back["results"]] == seen[3:6]  # the last page (1 row) came after it
