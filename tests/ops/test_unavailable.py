"""A database or cache that cannot be reached: a 503 to retry, or a cache miss; never a 500 or a hung page."""

from __future__ import annotations

import socket
import time
from unittest import mock

import pytest
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ops.cache import TolerantRedisCache


@login_not_required
def _lost_connection(request):
    raise OperationalError("server closed the connection unexpectedly")


@login_not_required
def _closed_connection(request):
    raise InterfaceError("connection already closed")


@login_not_required
def _other_error(request):
    raise ValueError("a bug, not an outage")


urlpatterns = [
    path("page/", _lost_connection),
    path("api/v1/thing/", _lost_connection),
    path("closed/", _closed_connection),
    path("bug/", _other_error),
]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_redis(settings):
    """The default cache is Redis on a port nobody listens on."""
    settings.CACHES = {"default": {"BACKEND": "ops.cache.TolerantRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}


@pytest.mark.urls(__name__)
def test_a_lost_database_connection_is_a_503_page_with_retry_after(db):
    response = Client(raise_request_exception=False).get("/page/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b"Service temporarily unavailable" in response.content
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls(__name__)
def test_the_api_gets_the_503_as_json(db):
    response = Client(raise_request_exception=False).get("/api/v1/thing/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response.json()["detail"].startswith("Service temporarily unavailable")


@pytest.mark.urls(__name__)
def test_a_closed_connection_is_a_503_too(db):
    assert Client(raise_request_exception=False).get("/closed/").status_code == 503


@pytest.mark.urls(__name__)
def test_any_other_error_stays_a_500(db):
    assert Client(raise_request_exception=False).get("/bug/").status_code == 500


def test_a_database_error_before_the_view_is_a_503_not_a_500(client, ava):
    """Loading the session (in a middleware, before any view) fails: still 503."""
    client.force_login(ava)
    client.raise_request_exception = False
    with mock.patch.object(SessionStore, "load", side_effect=OperationalError("could not connect to server")):
        response = client.get("/intake/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


def test_the_cache_answers_a_miss_at_once_when_redis_is_unreachable():
    cache = TolerantRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {})
    started = time.monotonic()
    assert cache.get("key", "default") == "default"
    cache.set("key", "value")  # stores nothing, raises nothing
    assert cache.add("key", "value") is False
    assert cache.incr("counter") == 1  # as if the counter had just been created
    assert cache.get_or_set("other", 5) == 5
    assert cache.get_many(["key", "other"]) == {}
    assert cache.delete("key") is False
    assert time.monotonic() - started < 2


def test_throttled_api_answers_normally_with_redis_unreachable(unreachable_redis, ava):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ava).key}")
    started = time.monotonic()
    response = client.get("/api/v1/use-cases/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert time.monotonic() - started < 3


def test_the_token_endpoint_and_password_reset_work_with_redis_unreachable(unreachable_redis, ava, client):
    """Both count attempts in the cache (DRF's anonymous throttle, the reset limits): not enforced, not failed."""
    ava.set_password("a long enough password")
    ava.save()
    answer = APIClient().post("/api/v1/auth/token/", {"username": ava.username, "password": "a long enough password"},
                              format="json")
    assert answer.status_code == 200 and answer.json()["token"]
    reset = client.post("/accounts/password_reset/", {"email": "someone@example.com"})
    assert reset.status_code == 302
