"""SCIM 2.0 provisioning as an identity provider (Entra ID, Okta) drives it: /scim/v2/ with the bearer
token of the SCIM service account."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from api import tokens
from identity.models import ExternalIdentity, IdpGroup, IdpGroupMapping, MembershipSync
from identity.provisioning import scim_token_issue
from intake.models import ServiceAccount
from tests.factories import BusinessUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Idp:
    """The identity provider's side of the conversation: JSON in, status and JSON out."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def call(self, method, path, body=None, *, raw=None, key=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key or self.key}"} if (key or self.key) else {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = getattr(self.client, method)(f"/scim/v2/{path}", data=data, content_type=SCIM, **headers)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def get(self, path):
        return self.call("get", path)

    def post(self, path, body=None, **kwargs):
        return self.call("post", path, body, **kwargs)

    def put(self, path, body):
        return self.call("put", path, body)

    def patch(self, path, *operations, raw=None):
        return self.call("patch", path, {"schemas": [PATCH_OP], "Operations": list(operations)}, raw=raw)

    def delete(self, path):
        return self.call("delete", path)


@pytest.fixture
def client_factory():
    """More browsers: a person's, an API client's, beside the IdP's."""
    from django.test import Client

    return Client


@pytest.fixture
def idp(client):
    _, key = scim_token_issue(name="svc.scim")
    return Idp(client, key)


def person(user_name="jo.doe@corp.example", **extra):
    email = user_name if "@" in user_name else f"{user_name}@corp.example"
    return {"schemas": [USER_SCHEMA], "userName": user_name, "name": {"givenName": "Jo", "familyName": "Doe"},
            "emails": [{"value": email, "type": "work", "primary": True}], "active": True,
            "externalId": "00u1abc", **extra}


def create_person(idp, user_name="jo.doe@corp.example", **extra):
    response = idp.post("Users", person(user_name, **extra))
    assert response.status_code == 201, response.json_body
    return response.json_body


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(SCIM)
    body = response.json_body
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type
    return body


# -- authentication ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["ServiceProviderConfig", "Users", "Groups", "ResourceTypes", "Schemas"])
def test_without_a_token_every_endpoint_is_401_with_a_scim_error_and_a_challenge(client, db, path):
    response = Idp(client, None).get(path)
    assert_scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", ["not-a-token", "a" * 40, "x" * 400])
def test_a_bad_token_is_401(client, idp, key):
    response = idp.call("get", "Users", key=key)
    assert_scim_error(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_token_sent_as_token_rather_than_bearer_is_401(client, idp):
    response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Token {idp.key}")
    assert response.status_code == 401


def test_a_session_is_not_enough(client, gov):
    client.force_login(gov)
    assert_scim_error(Idp(client, None).get("Users"), 401)


def test_a_valid_token_without_the_permission_is_403(client, db):
    other = UserFactory(username="svc.reporting")
    ServiceAccount.objects.create(user=other, read_only=True)
    key = Token.objects.create(user=other).key
    assert_scim_error(Idp(client, key).get("Users"), 403)


def test_a_persons_token_is_403_even_a_superusers(client, gov):
    assert_scim_error(Idp(client, tokens.issue(gov).key).get("Users"), 403)


def test_writes_need_no_csrf_token(idp):
    idp.client.handler.enforce_csrf_checks = True
    assert idp.post("Users", person()).status_code == 201


def test_the_service_provider_config_says_what_is_supported(idp):
    body = idp.get("ServiceProviderConfig").json_body
    assert body["patch"]["supported"] is True
    assert body["filter"]["supported"] is True
    assert body["bulk"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas_are_listed(idp):
    types = {resource["id"] for resource in idp.get("ResourceTypes").json_body["Resources"]}
    assert types == {"User", "Group"}
    schemas = {resource["id"] for resource in idp.get("Schemas").json_body["Resources"]}
    assert {USER_SCHEMA, GROUP_SCHEMA} <= schemas


def test_an_unknown_endpoint_is_a_scim_404(idp):
    assert_scim_error(idp.get("Bulk"), 404)


# -- create_scim_token ---------------------------------------------------------------------------------


def _command_key(name):
    from io import StringIO

    out = StringIO()
    call_command("create_scim_token", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_create_scim_token_prints_a_token_that_provisions(client, db):
    key = _command_key("svc.scim-entra")
    account = ServiceAccount.objects.get(user__username="svc.scim-entra")
    assert account.user.has_perm("identity.provision_users")
    assert not account.user.has_usable_password()
    assert Idp(client, key).get("Users").status_code == 200


def test_rotating_the_token_kills_the_old_one(client, db):
    old = _command_key("svc.scim-entra")
    new = _command_key("svc.scim-entra")
    assert old != new
    assert_scim_error(Idp(client, old).get("Users"), 401)
    assert Idp(client, new).get("Users").status_code == 200


def test_create_scim_token_refuses_a_persons_account(ava):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="person's account"):
        call_command("create_scim_token", "ava.submitter")
    assert not ava.has_perm("identity.provision_users")
    assert not Token.objects.filter(user=ava).exists()


# -- Users ---------------------------------------------------------------------------------------------


def test_creating_a_user_makes_a_person_who_signs_in_through_the_idp(idp):
    response = idp.post("Users", person())
    assert response.status_code == 201
    body = response.json_body
    assert body["userName"] == "jo.doe@corp.example"
    assert body["active"] is True
    assert body["externalId"] == "00u1abc"
    assert response["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    user = User.objects.get(username="jo.doe@corp.example")
    assert (user.first_name, user.last_name, user.email) == ("Jo", "Doe", "jo.doe@corp.example")
    assert not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert str(identity.scim_id) == body["id"]
    assert identity.scim_external_id == "00u1abc"
    assert identity.history.first().history_user.username == "svc.scim"  # audited as the SCIM account


def test_a_post_to_a_resource_is_refused(idp):
    created = create_person(idp)
    assert_scim_error(idp.post(f"Users/{created['id']}", person("other@corp.example")), 405)
    assert not User.objects.filter(username="other@corp.example").exists()


def test_get_returns_the_user_and_an_unknown_id_is_404(idp):
    created = create_person(idp)
    got = idp.get(f"Users/{created['id']}")
    assert got.status_code == 200
    assert got.json_body["userName"] == "jo.doe@corp.example"
    assert_scim_error(idp.get("Users/0b5e5f7e-0000-4000-8000-000000000000"), 404)
    assert_scim_error(idp.get("Users/not-a-uuid"), 404)


def test_filter_by_username_finds_the_person_whatever_the_case(idp):
    create_person(idp)
    create_person(idp, "sam.lee@corp.example")
    body = idp.get('Users?filter=userName eq "Jo.Doe@corp.example"').json_body
    assert body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == "jo.doe@corp.example"
    assert idp.get('Users?filter=userName eq "nobody@corp.example"').json_body["totalResults"] == 0


def test_people_made_in_stagegate_are_not_scim_users(idp, ava):
    body = idp.get('Users?filter=userName eq "ava.submitter"').json_body
    assert body["totalResults"] == 0
    assert idp.get("Users").json_body["totalResults"] == 0


def test_a_bad_filter_is_400_invalid_filter(idp):
    assert_scim_error(idp.get('Users?filter=userName eq'), 400, "invalidFilter")
    assert_scim_error(idp.get('Users?filter=title eq "x"'), 400, "invalidFilter")
    assert idp.get('Users?filter=id eq "not-a-uuid"').json_body["totalResults"] == 0  # no such id, not an error


def test_the_list_pages_with_start_index_and_count(idp):
    for n in range(5):
        create_person(idp, f"p{n}@corp.example")
    first = idp.get("Users?startIndex=1&count=2").json_body
    rest = idp.get("Users?startIndex=3&count=10").json_body
    assert (first["totalResults"], first["itemsPerPage"], first["startIndex"]) == (5, 2, 1)
    assert (rest["itemsPerPage"], rest["startIndex"]) == (3, 3)
    seen = [r["userName"] for r in first["Resources"] + rest["Resources"]]
    assert sorted(seen) == [f"p{n}@corp.example" for n in range(5)]
    assert_scim_error(idp.get("Users?startIndex=0"), 400)


def test_put_replaces_the_person(idp):
    created = create_person(idp)
    response = idp.put(f"Users/{created['id']}", person(name={"givenName": "Joanna", "familyName": "Doe"},
                                                       emails=[{"value": "joanna@corp.example"}]))
    assert response.status_code == 200
    user = User.objects.get(username="jo.doe@corp.example")
    assert (user.first_name, user.email) == ("Joanna", "joanna@corp.example")


def test_patch_okta_style_replaces_attributes_from_a_value_object(idp):
    created = create_person(idp)
    response = idp.patch(f"Users/{created['id']}",
                         {"op": "replace", "value": {"name": {"givenName": "Joey"}, "externalId": "00u9"}})
    assert response.status_code == 200
    assert response.json_body["name"]["givenName"] == "Joey"
    assert response.json_body["externalId"] == "00u9"


def test_patch_entra_style_paths_and_string_booleans(idp):
    created = create_person(idp)
    response = idp.patch(
        f"Users/{created['id']}",
        {"op": "Replace", "path": "name.familyName", "value": "Dough"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "jd@corp.example"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
         "value": "Finance"},
        {"op": "Replace", "path": "active", "value": "False"},
    )
    assert response.status_code == 200, response.json_body
    user = User.objects.get(username="jo.doe@corp.example")
    assert (user.last_name, user.email, user.is_active) == ("Dough", "jd@corp.example", False)


# -- deactivation ends access at once ------------------------------------------------------------------


@pytest.fixture
def jo(idp):
    """A person the IdP provisioned, signed in to the pages and the admin, with an API token."""
    created = create_person(idp)
    user = User.objects.get(username="jo.doe@corp.example")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.scim_id = created["id"]
    return user


@pytest.mark.parametrize("operation", [
    {"op": "replace", "value": {"active": False}},  # Okta
    {"op": "replace", "path": "active", "value": False},  # Entra ID
])
def test_deactivating_ends_api_access_and_sessions_at_once(idp, jo, client_factory, operation):
    key = tokens.issue(jo).key
    browser = client_factory()
    browser.force_login(jo)
    assert browser.get("/intake/").status_code == 200
    assert browser.get("/admin/").status_code == 200
    api = client_factory()
    assert api.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200

    response = idp.patch(f"Users/{jo.scim_id}", operation)

    assert response.status_code == 200
    assert response.json_body["active"] is False
    assert api.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    page = browser.get("/intake/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    admin = browser.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert not Token.objects.filter(user=jo).exists()


def test_reactivating_lets_the_person_sign_in_again_but_old_sessions_stay_dead(idp, jo, client_factory):
    browser = client_factory()
    browser.force_login(jo)
    idp.patch(f"Users/{jo.scim_id}", {"op": "replace", "path": "active", "value": False})

    response = idp.patch(f"Users/{jo.scim_id}", {"op": "replace", "path": "active", "value": True})

    assert response.status_code == 200 and response.json_body["active"] is True
    jo.refresh_from_db()
    assert jo.is_active
    assert browser.get("/intake/").status_code == 302  # the old session was deleted, not just refused
    fresh = client_factory()
    fresh.force_login(jo)
    assert fresh.get("/intake/").status_code == 200


def test_delete_deactivates_keeps_the_record_and_the_resource_is_then_404(idp, jo):
    key = tokens.issue(jo).key
    assert idp.delete(f"Users/{jo.scim_id}").status_code == 204
    jo.refresh_from_db()
    assert not jo.is_active
    assert not Token.objects.filter(key=key).exists()
    assert not ExternalIdentity.objects.filter(user=jo).exists()
    assert ExternalIdentity.history.filter(user_id=jo.pk, history_type="-").exists()
    assert_scim_error(idp.get(f"Users/{jo.scim_id}"), 404)


# -- refusals ------------------------------------------------------------------------------------------


def test_scim_never_changes_a_superuser(idp, gov):
    ExternalIdentity.objects.create(user=gov, oidc_issuer="https://idp.example", oidc_subject="gov")
    scim_id = gov.external_identity.scim_id
    body = assert_scim_error(idp.patch(f"Users/{scim_id}", {"op": "replace", "path": "active", "value": False}),
                             403)
    assert "superuser" in body["detail"]
    assert_scim_error(idp.delete(f"Users/{scim_id}"), 403)
    gov.refresh_from_db()
    assert gov.is_active


def test_scim_cannot_create_over_a_service_account(idp):
    body = assert_scim_error(idp.post("Users", person("svc.scim")), 403)
    assert "service account" in body["detail"]


def test_a_username_taken_by_a_local_account_is_409_and_not_adopted(idp, ava):
    body = assert_scim_error(idp.post("Users", person("Ava.Submitter")), 409, "uniqueness")
    assert "made in Stagegate" in body["detail"]
    assert not ExternalIdentity.objects.filter(user=ava).exists()


def test_a_duplicate_username_is_409(idp):
    create_person(idp)
    assert_scim_error(idp.post("Users", person()), 409, "uniqueness")
    assert User.objects.filter(username__iexact="jo.doe@corp.example").count() == 1


@pytest.mark.parametrize("raw, scim_type", [
    ("{not json", "invalidSyntax"),
    ("[1, 2]", "invalidSyntax"),
])
def test_a_malformed_body_is_400_invalid_syntax(idp, raw, scim_type):
    assert_scim_error(idp.post("Users", raw=raw), 400, scim_type)
    assert not ExternalIdentity.objects.exists()


@pytest.mark.parametrize("change", [
    {"userName": ""},
    {"userName": None},
    {"userName": "has spaces"},
    {"emails": [{"value": "not-an-address"}]},
    {"active": "maybe"},
    {"name": "Jo Doe"},
])
def test_an_invalid_user_is_400_invalid_value(idp, change):
    assert_scim_error(idp.post("Users", person(**change)), 400, "invalidValue")
    assert not User.objects.filter(external_identity__isnull=False).exists()


def test_a_missing_username_is_400(idp):
    resource = person()
    del resource["userName"]
    assert_scim_error(idp.post("Users", resource), 400, "invalidValue")


@pytest.mark.parametrize("operation, scim_type", [
    ({"op": "frobnicate", "path": "active", "value": False}, "invalidSyntax"),
    ({"op": "replace", "path": "favouriteColour", "value": "blue"}, "invalidPath"),
    ({"op": "replace", "path": "name..givenName", "value": "x"}, "invalidPath"),
    ({"op": "remove"}, "noTarget"),
    ({"op": "remove", "path": "userName"}, "mutability"),
    ({"op": "replace", "value": "not an object"}, "invalidSyntax"),
    ({"op": "replace", "path": "active", "value": "sometimes"}, "invalidValue"),
])
def test_a_patch_whose_second_operation_is_bad_applies_nothing(idp, jo, operation, scim_type):
    response = idp.patch(f"Users/{jo.scim_id}", {"op": "replace", "path": "active", "value": False}, operation)
    assert_scim_error(response, 400, scim_type)
    jo.refresh_from_db()
    assert jo.is_active


def test_a_patch_whose_second_operation_is_rejected_by_the_service_applies_nothing(idp, jo):
    create_person(idp, "sam.lee@corp.example")
    response = idp.patch(f"Users/{jo.scim_id}", {"op": "replace", "path": "name.givenName", "value": "Changed"},
                         {"op": "replace", "path": "userName", "value": "sam.lee@corp.example"})
    assert_scim_error(response, 409, "uniqueness")
    jo.refresh_from_db()
    assert jo.first_name == "Jo"


def test_a_patch_without_operations_is_400(idp, jo):
    assert idp.call("patch", f"Users/{jo.scim_id}", {"schemas": [PATCH_OP]}).status_code == 400
    assert_scim_error(idp.call("patch", f"Users/{jo.scim_id}", {"Operations": {"op": "replace"}}), 400,
                      "invalidSyntax")


# -- Groups --------------------------------------------------------------------------------------------


@pytest.fixture
def mapped(db):
    """Entra's "AI Security Reviewers" group makes its members security reviewers in Finance."""
    security = Group.objects.get(name="security")
    finance = BusinessUnitFactory(code="FIN", name="Finance")
    IdpGroupMapping.objects.create(idp_group="AI Security Reviewers", group=security)
    IdpGroupMapping.objects.create(idp_group="AI Security Reviewers", business_unit=finance)
    return security, finance


def group_resource(name="AI Security Reviewers", members=(), **extra):
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "externalId": "grp-1",
            "members": [{"value": member} for member in members], **extra}


def test_creating_a_group_with_a_member_grants_what_the_mapping_says(idp, jo, mapped):
    security, finance = mapped
    response = idp.post("Groups", group_resource(members=[jo.scim_id]))
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["displayName"] == "AI Security Reviewers"
    assert body["members"][0]["value"] == jo.scim_id
    assert jo.groups.filter(pk=security.pk).exists()
    assert finance.members.filter(pk=jo.pk).exists()
    sync = MembershipSync.objects.get(user=jo)
    assert sync.source == "scim" and sync.groups_added == ["security"] and sync.business_units_added == ["FIN"]


def test_patch_add_then_remove_a_member_entra_and_okta_shapes(idp, jo, mapped):
    security, finance = mapped
    group_id = idp.post("Groups", group_resource()).json_body["id"]
    assert not jo.groups.filter(pk=security.pk).exists()

    added = idp.patch(f"Groups/{group_id}", {"op": "Add", "path": "members", "value": [{"value": jo.scim_id}]})
    assert added.status_code == 200
    assert [m["value"] for m in added.json_body["members"]] == [jo.scim_id]
    assert jo.groups.filter(pk=security.pk).exists() and finance.members.filter(pk=jo.pk).exists()

    removed = idp.patch(f"Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{jo.scim_id}"]'})
    assert removed.status_code == 200
    assert removed.json_body["members"] == []
    assert not jo.groups.filter(pk=security.pk).exists()
    assert not finance.members.filter(pk=jo.pk).exists()


def test_patch_remove_members_with_a_value_list_entra_shape(idp, jo, mapped):
    security, _ = mapped
    group_id = idp.post("Groups", group_resource(members=[jo.scim_id])).json_body["id"]
    response = idp.patch(f"Groups/{group_id}", {"op": "Remove", "path": "members", "value": [{"value": jo.scim_id}]})
    assert response.status_code == 200
    assert not jo.groups.filter(pk=security.pk).exists()


def test_patch_replace_display_name_okta_shape_remaps_members(idp, jo, mapped):
    security, _ = mapped
    group_id = idp.post("Groups", group_resource(members=[jo.scim_id])).json_body["id"]
    response = idp.patch(f"Groups/{group_id}", {"op": "replace", "value": {"id": group_id, "displayName": "Renamed"}})
    assert response.status_code == 200
    assert response.json_body["displayName"] == "Renamed"
    assert not jo.groups.filter(pk=security.pk).exists()  # no mapping names "Renamed"


def test_get_filter_and_members_can_be_left_out(idp, jo):
    group_id = idp.post("Groups", group_resource(members=[jo.scim_id])).json_body["id"]
    found = idp.get('Groups?filter=displayName eq "ai security reviewers"').json_body
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == group_id
    lean = idp.get(f"Groups/{group_id}?excludedAttributes=members").json_body
    assert "members" not in lean
    assert idp.get(f"Groups/{group_id}").json_body["members"][0]["value"] == jo.scim_id


def test_put_replaces_the_groups_members(idp, jo, mapped):
    security, _ = mapped
    other = create_person(idp, "sam.lee@corp.example")
    group_id = idp.post("Groups", group_resource(members=[jo.scim_id])).json_body["id"]
    response = idp.put(f"Groups/{group_id}", group_resource(members=[other["id"]]))
    assert response.status_code == 200
    assert [m["value"] for m in response.json_body["members"]] == [other["id"]]
    assert not jo.groups.filter(pk=security.pk).exists()
    assert User.objects.get(username="sam.lee@corp.example").groups.filter(pk=security.pk).exists()


def test_deleting_a_group_takes_away_what_it_granted(idp, jo, mapped):
    security, finance = mapped
    group_id = idp.post("Groups", group_resource(members=[jo.scim_id])).json_body["id"]
    assert idp.delete(f"Groups/{group_id}").status_code == 204
    assert not IdpGroup.objects.filter(scim_id=group_id).exists()
    assert not jo.groups.filter(pk=security.pk).exists()
    assert not finance.members.filter(pk=jo.pk).exists()
    assert_scim_error(idp.get(f"Groups/{group_id}"), 404)


def test_a_duplicate_display_name_is_409(idp):
    idp.post("Groups", group_resource())
    assert_scim_error(idp.post("Groups", group_resource(name="ai security REVIEWERS")), 409, "uniqueness")


def test_an_unknown_member_is_400_and_nothing_is_created(idp):
    response = idp.post("Groups", group_resource(members=["0b5e5f7e-0000-4000-8000-000000000000"]))
    assert_scim_error(response, 400, "invalidValue")
    assert not IdpGroup.objects.exists()


def test_a_group_patch_whose_second_operation_is_bad_applies_nothing(idp, jo, mapped):
    security, _ = mapped
    group_id = idp.post("Groups", group_resource()).json_body["id"]
    response = idp.patch(f"Groups/{group_id}",
                         {"op": "add", "path": "members", "value": [{"value": jo.scim_id}]},
                         {"op": "add", "path": "owners", "value": [{"value": jo.scim_id}]})
    assert_scim_error(response, 400, "invalidPath")
    assert not IdpGroup.objects.get(scim_id=group_id).members.exists()
    assert not jo.groups.filter(pk=security.pk).exists()


def test_a_service_account_cannot_be_made_a_member(idp):
    account = User.objects.get(username="svc.scim")
    ExternalIdentity.objects.create(user=account)
    response = idp.post("Groups", group_resource(members=[str(account.external_identity.scim_id)]))
    assert_scim_error(response, 400, "invalidValue")


def test_group_patch_without_a_path_and_replace_of_members(idp, jo):
    other = create_person(idp, "sam.lee@corp.example")
    group_id = idp.post("Groups", group_resource()).json_body["id"]
    added = idp.patch(f"Groups/{group_id}", {"op": "add", "value": {"members": [{"value": jo.scim_id}]}})
    assert [m["value"] for m in added.json_body["members"]] == [jo.scim_id]
    replaced = idp.patch(f"Groups/{group_id}", {"op": "replace", "path": "members", "value": [{"value": other["id"]}]})
    assert [m["value"] for m in replaced.json_body["members"]] == [other["id"]]
    emptied = idp.patch(f"Groups/{group_id}", {"op": "remove", "path": "members"})
    assert emptied.json_body["members"] == []


@pytest.mark.parametrize("operations", [["not an object"], [{"op": "add", "path": "members", "value": "x"}]])
def test_a_malformed_group_patch_is_400(idp, operations):
    group_id = idp.post("Groups", group_resource()).json_body["id"]
    assert_scim_error(idp.patch(f"Groups/{group_id}", *operations), 400)
