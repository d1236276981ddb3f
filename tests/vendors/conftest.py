"""Vendor personas and helpers: Pat works procurement's assessment queue."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services
from vendors.models import ChecklistArea

CRITICAL_AREAS = ("data_handling", "security_posture", "privacy_compliance")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Uploaded evidence from tests never lands in the project tree.
    settings.MEDIA_ROOT = tmp_path / "media"


def member(group: str, username: str, **kwargs):
    user = UserFactory(username=username, **kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def pat(db):
    return member("procurement", "pat.procurement", is_staff=True)


@pytest.fixture
def gov_client(client, gov):
    client.force_login(gov)
    return client


@pytest.fixture
def vendor(db):
    return VendorFactory(name="Northwind AI", criticality="high")


def all_ratings(rating: str = "meets", **overrides: str) -> dict[str, dict[str, str]]:
    """A rating for every active checklist area; ``overrides`` by area key."""
    keys = ChecklistArea.objects.filter(active=True).values_list("key", flat=True)
    return {key: {"rating": overrides.get(key, rating), "evidence_notes": "Seen the evidence."} for key in keys}


def start(vendor, actor, **rated):
    """Start an assessment; with ``rated`` (rating=..., or area overrides) every area is rated too."""
    assessment = services.vendor_assessment_start(vendor=vendor, actor=actor)
    if rated:
        services.vendor_assessment_rate(assessment=assessment, actor=actor, ratings=all_ratings(**rated))
    return assessment


def approve(vendor, actor, outcome: str = "approved", conditions: str = "Keep logs."):
    assessment = start(vendor, actor, rating="meets")
    return services.vendor_assessment_complete(assessment=assessment, actor=actor, outcome=outcome,
                                               conditions=conditions)
