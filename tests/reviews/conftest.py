"""Reviewers and submitted use cases, on top of the personas in tests/conftest.py.

ava submits; sec.reviewer and sec.lead review security, priv.reviewer
privacy, arch.reviewer architecture. Emails are captured by the locmem
backend; uploads go to a temporary media root.
"""

import pytest

from tests.factories import UserFactory

from .factories import reviewer, submitted_use_case

MEDIUM = {"data_classification": "confidential", "exposure": "external"}
HIGH = {"regulated_area": "employment"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sec(db):
    return reviewer("security", "sec.reviewer", first_name="Sam", last_name="Secure")


@pytest.fixture
def sec_lead(db):
    return reviewer("security", "sec.lead", first_name="Lee", last_name="Lead")


@pytest.fixture
def priv(db):
    return reviewer("privacy", "priv.reviewer")


@pytest.fixture
def arch(db):
    return reviewer("architecture", "arch.reviewer")


@pytest.fixture
def owner(db):
    """ava's business owner: outside every review group."""
    return UserFactory(username="olga.owner")


@pytest.fixture
def low_case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Ticket summaries")


@pytest.fixture
def medium_case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                              title="Customer chat assistant", **MEDIUM)


@pytest.fixture
def high_case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                              title="CV screening", **HIGH)


def review_of(use_case, function):
    return use_case.reviews.get(function=function)
