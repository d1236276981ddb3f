"""API personas: each person's client carries their token (Authorization: Token ...).

ava and ben submit (tests/conftest.py); sec reviews security; olga owns ava's
use cases; gov administers. Throttle counters live in the cache: each test
starts with a clean one.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.reviews.factories import reviewer, submitted_use_case


def list_queries_stay_flat(api: APIClient, url: str, add_rows, *, ceiling: int) -> None:
    """Listing ``url`` costs the same queries with 2 rows as with 6 (``add_rows(n)`` adds n), at most ``ceiling``."""

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries), len(response.json()["results"])

    add_rows(2)
    count()  # warm the per-process caches (content types, permissions)
    few, shown = count()
    assert shown == 2
    add_rows(4)
    many, shown = count()
    assert shown == 6
    assert few == many <= ceiling


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def ava_api(ava):
    return client_for(ava)


@pytest.fixture
def ben_api(ben):
    return client_for(ben)


@pytest.fixture
def gov_api(gov):
    return client_for(gov)


@pytest.fixture
def owner(db):
    """ava's business owner: outside every review group."""
    return UserFactory(username="olga.owner")


@pytest.fixture
def sec(db):
    return reviewer("security", "sec.reviewer")


@pytest.fixture
def sec_api(sec):
    return client_for(sec)


@pytest.fixture
def low_case(ava, custops, owner):
    """A submitted low-tier use case of ava's (its security review is open)."""
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Ticket summaries")
