"""The identity admin: governance admins map IdP groups; everything the IdP said is read-only."""

import pytest
from django.contrib.auth.models import Group

from identity.models import ExternalIdentity, IdpGroup, IdpGroupMapping, MembershipSync
from identity.services import SyncSource, idp_groups_set
from tests.factories import UserFactory


@pytest.fixture
def vera(db):
    """A security reviewer signed in through the IdP, in its sg-security group, before anyone mapped it."""
    user = UserFactory(username="vera.sec")
    ExternalIdentity.objects.create(user=user, oidc_issuer="https://idp.example", oidc_subject="v-1")
    idp_groups_set(user=user, names=["sg-security"], source=SyncSource.OIDC)
    return user


def test_a_governance_admin_maps_an_idp_group_and_its_people_follow_at_once(client, gov, vera):
    client.force_login(gov)
    security = Group.objects.get(name="security")

    response = client.post("/admin/identity/idpgroupmapping/add/", {
        "idp_group": "sg-security", "group": security.pk, "business_unit": "", "admin_access": "on"}, follow=True)

    assert response.status_code == 200
    mapping = IdpGroupMapping.objects.get(idp_group="sg-security")
    assert mapping.history.get().history_user == gov
    assert "Memberships changed for 1 person" in response.content.decode()
    vera.refresh_from_db()
    assert vera.is_staff and vera.groups.filter(name="security").exists()
    sync = MembershipSync.objects.get(user=vera)
    assert (sync.source, sync.groups_added, sync.admin_access) == ("admin", ["security"], True)

    client.post(f"/admin/identity/idpgroupmapping/{mapping.pk}/delete/", {"post": "yes"})

    assert not IdpGroupMapping.objects.exists()
    assert mapping.history.filter(history_type="-").exists()


def test_staff_read_the_mapping_but_only_governance_admins_change_it(client, db):
    reviewer = UserFactory(username="sec.reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="security"))
    mapping = IdpGroupMapping.objects.create(idp_group="sg-security", admin_access=True)
    client.force_login(reviewer)

    assert client.get("/admin/identity/idpgroupmapping/").status_code == 200
    assert client.post("/admin/identity/idpgroupmapping/add/", {"idp_group": "sg-x", "admin_access": "on"}
                       ).status_code == 403
    assert client.post(f"/admin/identity/idpgroupmapping/{mapping.pk}/change/",
                       {"idp_group": "sg-all", "admin_access": "on"}).status_code == 403
    assert IdpGroupMapping.objects.get().idp_group == "sg-security"


@pytest.mark.parametrize("model", ["idpgroup", "externalidentity", "membershipsync"])
def test_what_the_idp_said_is_read_only_even_for_a_governance_admin(client, gov, vera, model):
    client.force_login(gov)
    obj = {"idpgroup": IdpGroup.objects.get(), "externalidentity": vera.external_identity,
           "membershipsync": MembershipSync.objects.create(user=vera, source=SyncSource.OIDC)}[model]

    assert client.get(f"/admin/identity/{model}/").status_code == 200
    page = client.get(f"/admin/identity/{model}/{obj.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/identity/{model}/add/").status_code == 403
    assert client.post(f"/admin/identity/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
