"""Single sign-on tests run against a real OpenID Connect provider (tests/identity/provider/)."""

import pytest
import requests
from django.contrib.auth.models import Group

from identity.models import IdpGroupMapping
from tests.identity.provider.client import oidc_provider  # noqa: F401 - the session fixture


@pytest.fixture
def sso(oidc_provider, db):  # noqa: F811
    """Stagegate with OIDC_* pointing at the test provider."""
    with oidc_provider.settings():
        yield oidc_provider


@pytest.fixture
def idp_browser():
    """A browser's cookies at the provider: signed in there after its first sign-in."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def mappings(db):
    """The IdP's security team reviews security (in the admin); its privacy team reviews privacy."""
    return [
        IdpGroupMapping.objects.create(idp_group="sg-security", group=Group.objects.get(name="security"),
                                       admin_access=True),
        IdpGroupMapping.objects.create(idp_group="sg-privacy", group=Group.objects.get(name="privacy"),
                                       admin_access=True),
        IdpGroupMapping.objects.create(idp_group="sg-staff", admin_access=True),
    ]
