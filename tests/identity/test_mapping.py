"""The IdP group mapping: what a person's IdP groups make them here (idp_groups_set / idp_groups_apply)."""

import pytest
from django.contrib.auth.models import Group

from identity.models import ExternalIdentity, IdpGroup, IdpGroupMapping, MembershipSync, SyncSource
from identity.services import idp_groups_apply, idp_groups_set
from tests.factories import BusinessUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def security():
    return Group.objects.get(name="security")


@pytest.fixture
def privacy():
    return Group.objects.get(name="privacy")


@pytest.fixture
def mapping(security, privacy, fin):
    """Entra says: "AI-Security" are security reviewers in Finance; "AI-Admins" open the admin."""
    IdpGroupMapping.objects.create(idp_group="AI-Security", group=security)
    IdpGroupMapping.objects.create(idp_group="AI-Security", business_unit=fin)
    IdpGroupMapping.objects.create(idp_group="AI-Privacy", group=privacy)
    IdpGroupMapping.objects.create(idp_group="AI-Admins", admin_access=True)


@pytest.fixture
def sso_person(db):
    """Someone who signs in through the IdP (so the IdP decides their admin access too)."""
    user = UserFactory(username="sam.sso")
    ExternalIdentity.objects.create(user=user, oidc_issuer="https://idp.example", oidc_subject="sam")
    return user


def test_a_mapped_idp_group_grants_its_group_and_business_unit(sso_person, mapping, security, fin):
    sync = idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)

    assert sso_person.groups.filter(pk=security.pk).exists()
    assert fin.members.filter(pk=sso_person.pk).exists()
    assert sync.source == "oidc"
    assert sync.idp_groups == ["AI-Security"]
    assert (sync.groups_added, sync.business_units_added) == (["security"], ["FIN"])
    assert sync.admin_access is None


def test_leaving_the_idp_group_takes_them_away(sso_person, mapping, security, fin):
    idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)

    sync = idp_groups_set(user=sso_person, names=[], source=SyncSource.OIDC)

    assert not sso_person.groups.filter(pk=security.pk).exists()
    assert not fin.members.filter(pk=sso_person.pk).exists()
    assert (sync.groups_removed, sync.business_units_removed) == (["security"], ["FIN"])
    assert not sso_person.idp_groups.exists()


def test_unknown_idp_groups_are_recorded_and_grant_nothing(sso_person, mapping):
    sync = idp_groups_set(user=sso_person, names=[" All Staff ", "All Staff", ""], source=SyncSource.OIDC)

    assert sync is None  # nothing managed changed
    assert list(sso_person.idp_groups.values_list("name", flat=True)) == ["All Staff"]
    assert IdpGroup.objects.get(name="All Staff").history.exists()  # the membership is audited on the group


def test_an_unmanaged_group_or_business_unit_set_in_admin_is_left_alone(sso_person, mapping, security):
    pmo = Group.objects.get(name="pmo")  # no mapping names it
    custops = BusinessUnitFactory(code="CUSTOPS")
    sso_person.groups.add(pmo)
    custops.members.add(sso_person)

    idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)
    idp_groups_set(user=sso_person, names=[], source=SyncSource.OIDC)

    assert sso_person.groups.filter(pk=pmo.pk).exists()
    assert custops.members.filter(pk=sso_person.pk).exists()


def test_a_managed_group_given_in_admin_goes_when_no_idp_group_grants_it(sso_person, mapping, privacy):
    sso_person.groups.add(privacy)  # by hand, but a mapping manages "privacy"

    sync = idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)

    assert not sso_person.groups.filter(pk=privacy.pk).exists()
    assert "privacy" in sync.groups_removed


def test_admin_access_follows_the_mapping_for_people_of_the_idp(sso_person, mapping):
    granted = idp_groups_set(user=sso_person, names=["AI-Admins"], source=SyncSource.SCIM)
    sso_person.refresh_from_db()
    assert sso_person.is_staff and granted.admin_access is True

    taken = idp_groups_set(user=sso_person, names=[], source=SyncSource.SCIM)
    sso_person.refresh_from_db()
    assert not sso_person.is_staff and taken.admin_access is False


def test_admin_access_of_a_local_account_is_never_touched(mapping):
    local = UserFactory(username="lee.local", is_staff=True)  # no ExternalIdentity: admin manages it

    idp_groups_set(user=local, names=[], source=SyncSource.OIDC)

    local.refresh_from_db()
    assert local.is_staff


def test_a_superuser_keeps_admin_access(gov, mapping, security):
    ExternalIdentity.objects.create(user=gov, oidc_issuer="https://idp.example", oidc_subject="gov")

    sync = idp_groups_set(user=gov, names=["AI-Security"], source=SyncSource.OIDC)

    gov.refresh_from_db()
    assert gov.is_staff and gov.is_superuser
    assert sync.admin_access is None
    assert gov.groups.filter(pk=security.pk).exists()  # the mapping's groups apply as to anyone


def test_apply_after_a_mapping_change_and_every_sync_is_kept(sso_person, mapping, privacy):
    idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)
    IdpGroupMapping.objects.create(idp_group="AI-Security", group=privacy)

    sync = idp_groups_apply(user=sso_person, source=SyncSource.ADMIN)

    assert sync.groups_added == ["privacy"]
    assert sso_person.groups.filter(pk=privacy.pk).exists()
    assert idp_groups_apply(user=sso_person, source=SyncSource.ADMIN) is None  # nothing left to change
    assert MembershipSync.objects.filter(user=sso_person).count() == 2


def test_a_membership_sync_is_never_edited(sso_person, mapping):
    sync = idp_groups_set(user=sso_person, names=["AI-Security"], source=SyncSource.OIDC)
    sync.source = SyncSource.ADMIN
    with pytest.raises(ValueError, match="never edited"):
        sync.save()
