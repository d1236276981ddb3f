"""People of the reports tests, on top of the personas in tests/conftest.py.

pat is the PMO, sue an executive sponsor, gail a governance admin (by group,
not a superuser). Modules that write PDFs ask for ``media_root`` so packs go
to a temporary directory.
"""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


def member(group: str, username: str, **kwargs):
    user = UserFactory(username=username, **kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pat(db):
    return member("pmo", "pat.pmo", first_name="Pat", last_name="Morgan")


@pytest.fixture
def sue(db):
    return member("executive_sponsors", "sue.sponsor", first_name="Sue", last_name="Sponsor")


@pytest.fixture
def gail(db):
    return member("governance_admins", "gail.gov", first_name="Gail", last_name="Governance", is_staff=True)
