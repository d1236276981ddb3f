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


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request):
    """Tasks run in-process in every test, also in the PostgreSQL + Redis run
    (where the settings queue them): Celery reads Django settings only once.
    The real-worker test and tests marked ``redis`` manage Celery themselves."""
    if request.node.get_closest_marker("redis") or request.module.__name__.endswith("test_celery_worker"):
        yield
        return
    from tests.celery_support import celery_conf

    with celery_conf(task_always_eager=True, task_eager_propagates=True):
        yield
