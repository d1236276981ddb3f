"""Persona fixtures: who is who in the tests.

ava submits for Customer Operations, ben for Finance; gov is a governance
admin. Tests read like the journeys of these people.
"""

import pytest

from tests.factories import BusinessUnitFactory, UserFactory


@pytest.fixture
def custops(db):
    return BusinessUnitFactory(code="CUSTOPS", name="Customer Operations")


@pytest.fixture
def fin(db):
    return BusinessUnitFactory(code="FIN", name="Finance")


@pytest.fixture
def ava(custops):
    user = UserFactory(username="ava.submitter")
    custops.members.add(user)
    return user


@pytest.fixture
def ben(fin):
    user = UserFactory(username="ben.submitter")
    fin.members.add(user)
    return user


@pytest.fixture
def gov(db):
    return UserFactory(username="gov.admin", is_staff=True, is_superuser=True)


@pytest.fixture
def ava_client(client, ava):
    client.force_login(ava)
    return client
