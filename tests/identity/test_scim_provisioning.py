"""identity.provisioning: the SCIM write services check their own permission and write all or nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from identity.models import ExternalIdentity, IdpGroup
from identity.provisioning import (
    PersonAttributes,
    scim_group_create,
    scim_group_delete,
    scim_group_update,
    scim_token_issue,
    scim_user_create,
    scim_user_delete,
    scim_user_set_active,
    scim_user_update,
)
from intake.models import ServiceAccount
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
JO = PersonAttributes(user_name="jo@corp.example", given_name="Jo", email="jo@corp.example")


@pytest.fixture
def scim():
    account, _ = scim_token_issue(name="svc.scim")
    return User.objects.get(pk=account.user.pk)  # fresh: no permission cache from before the grant


@pytest.fixture
def jo(scim):
    return scim_user_create(actor=scim, attributes=JO)


def _person_with_the_permission():
    user = UserFactory(username="pat.person")
    user.user_permissions.add(Permission.objects.get(codename="provision_users"))
    return User.objects.get(pk=user.pk)


def _service_account_without_it():
    user = UserFactory(username="svc.reports")
    ServiceAccount.objects.create(user=user)
    return user


@pytest.mark.parametrize("make_actor", [_person_with_the_permission, _service_account_without_it])
def test_only_the_scim_service_account_may_provision(make_actor, jo, gov):
    actor = make_actor()
    group = IdpGroup.objects.create(name="Staff")
    refused = [
        lambda: scim_user_create(actor=actor, attributes=PersonAttributes(user_name="new@corp.example")),
        lambda: scim_user_update(actor=actor, user=jo, attributes=JO),
        lambda: scim_user_set_active(actor=actor, user=jo, active=False),
        lambda: scim_user_delete(actor=actor, user=jo),
        lambda: scim_group_create(actor=actor, display_name="New"),
        lambda: scim_group_update(actor=actor, group=group, members=[jo]),
        lambda: scim_group_delete(actor=actor, group=group),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    jo.refresh_from_db()
    assert jo.is_active
    assert not User.objects.filter(username="new@corp.example").exists()
    assert list(IdpGroup.objects.values_list("name", flat=True)) == ["Staff"]
    assert not group.members.exists()


def test_a_deactivated_scim_account_may_not_provision(scim, jo):
    scim.is_active = False
    scim.save()
    with pytest.raises(PermissionDenied):
        scim_user_set_active(actor=scim, user=jo, active=False)


def test_deactivation_ends_only_that_persons_sessions(scim, jo, ava):
    mine, theirs = Client(), Client()
    mine.force_login(jo)
    theirs.force_login(ava)
    assert Session.objects.count() == 2

    scim_user_set_active(actor=scim, user=jo, active=False)

    assert Session.objects.count() == 1
    assert theirs.get("/intake/").status_code == 200


def test_a_service_account_is_never_managed(scim):
    ExternalIdentity.objects.create(user=scim)
    with pytest.raises(PermissionDenied, match="service accounts"):
        scim_user_set_active(actor=scim, user=scim, active=False)
    scim.refresh_from_db()
    assert scim.is_active


def test_renaming_a_group_into_a_taken_name_changes_nothing(scim, jo):
    group = scim_group_create(actor=scim, display_name="Readers", members=[jo])
    scim_group_create(actor=scim, display_name="Writers")
    with pytest.raises(ValidationError) as refused:
        scim_group_update(actor=scim, group=group, display_name="WRITERS", members=[])
    assert refused.value.code == "uniqueness"
    group.refresh_from_db()
    assert group.name == "Readers" and list(group.members.all()) == [jo]


def test_the_token_command_service_rotates_and_grants_once(db):
    first_account, first = scim_token_issue(name="svc.scim")
    second_account, second = scim_token_issue(name="svc.scim")
    assert first_account.pk == second_account.pk and first != second
    assert second_account.read_only  # its token reads the REST API at most
    assert second_account.user.user_permissions.filter(codename="provision_users").count() == 1
