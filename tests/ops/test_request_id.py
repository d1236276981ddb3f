"""Every response carries X-Request-ID: the caller's when it is a sane one, else a new one."""

import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient


@login_not_required
def _broken_view(request):
    raise RuntimeError("a bug in a view")


# The module is its own URLconf for the error-page test: a view that fails as a buggy one would.
urlpatterns = [path("broken/", _broken_view)]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.django_db
def test_the_callers_request_id_comes_back():
    response = Client().get("/healthz/", HTTP_X_REQUEST_ID="lb-7f3a.91_x")

    assert response["X-Request-ID"] == "lb-7f3a.91_x"


@pytest.mark.django_db
def test_without_one_each_response_gets_a_new_id():
    first = Client().get("/healthz/")["X-Request-ID"]
    second = Client().get("/healthz/")["X-Request-ID"]

    assert UUID.fullmatch(first) and UUID.fullmatch(second)
    assert first != second


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [
    "two words",
    'quote"d',
    "line\nbreak",
    "x" * 201,
    "",
    "naïve",
    "{\"level\": \"error\"}",
])
def test_an_unsafe_request_id_is_replaced_not_echoed(sent):
    response = Client().get("/healthz/", HTTP_X_REQUEST_ID=sent)

    assert UUID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_the_longest_accepted_id_is_200_characters():
    assert Client().get("/healthz/", HTTP_X_REQUEST_ID="a" * 200)["X-Request-ID"] == "a" * 200


@pytest.mark.django_db
def test_redirects_not_found_pages_and_refusals_carry_it_too(ava_client):
    anonymous = Client()
    to_login = anonymous.get("/intake/", HTTP_X_REQUEST_ID="redirect-1")
    missing = ava_client.get("/intake/UC-NOPE/", HTTP_X_REQUEST_ID="missing-1")
    hidden_metrics = anonymous.get("/metrics", HTTP_X_REQUEST_ID="metrics-1")

    assert (to_login.status_code, to_login["X-Request-ID"]) == (302, "redirect-1")
    assert (missing.status_code, missing["X-Request-ID"]) == (404, "missing-1")
    assert (hidden_metrics.status_code, hidden_metrics["X-Request-ID"]) == (404, "metrics-1")


@pytest.mark.django_db
def test_api_responses_carry_it_signed_in_or_not(ava):
    client = APIClient()
    refused = client.get("/api/v1/use-cases/", HTTP_X_REQUEST_ID="api-anon")
    client.force_authenticate(ava)
    listed = client.get("/api/v1/use-cases/", HTTP_X_REQUEST_ID="api-ava")
    unknown = client.get("/api/v1/no-such-thing/")

    assert (refused.status_code, refused["X-Request-ID"]) == (401, "api-anon")
    assert (listed.status_code, listed["X-Request-ID"]) == (200, "api-ava")
    assert unknown.status_code == 404 and UUID.fullmatch(unknown["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.urls("tests.ops.test_request_id")
def test_a_server_error_page_carries_the_id_to_quote_in_a_support_ticket():
    response = Client(raise_request_exception=False).get("/broken/", HTTP_X_REQUEST_ID="incident-42")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "incident-42"
