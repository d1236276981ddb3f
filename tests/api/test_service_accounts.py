"""Service accounts: only governance admins create one or rotate its token, whichever door
(``api.services``: admin, the ``service_account`` command), and each change is audited.

gov is a superuser, gail a governance admin by group; pat (PMO staff) and ava may do neither.
"""

import unittest
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from api import services
from intake.models import ServiceAccount
from tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

CREATE = "Only governance admins create service accounts."
ROTATE = "Only governance admins rotate service-account tokens."
ADMIN = "/admin/intake/serviceaccount/"
LIST = "/api/v1/use-cases/"


@pytest.fixture
def gail(db):
    user = UserFactory(username="gail.gov", is_staff=True)
    user.groups.add(Group.objects.get(name="governance_admins"))
    return user


@pytest.fixture
def pat(db):
    user = UserFactory(username="pat.pmo", is_staff=True)
    user.groups.add(Group.objects.get(name="pmo"))
    return user


@pytest.fixture
def account(gov):
    account, _key = services.service_account_create(actor=gov, username="svc.grc", description="GRC tool sync")
    return account


def audited():
    """The stagegate.audit lines written inside the block."""
    return unittest.TestCase().assertLogs("stagegate.audit", "INFO")


def history(account) -> list[tuple[int, str, str]]:
    return [(e.action_flag, e.user.username, e.change_message)
            for e in LogEntry.objects.filter(object_id=str(account.pk)).select_related("user").order_by("id")]


# ---------------------------------------------------------------- the services


def test_only_governance_admins_create_a_service_account(pat, ava):
    for outsider in (pat, ava):
        with pytest.raises(PermissionDenied) as err:
            services.service_account_create(actor=outsider, username="svc.grc")
        assert str(err.value) == CREATE
    assert not ServiceAccount.objects.exists()


@pytest.mark.parametrize("who", ["gov", "gail"])
def test_a_governance_admin_creates_one_with_its_token_and_it_is_audited(request, who):
    actor = request.getfixturevalue(who)
    with audited() as logs:
        account, key = services.service_account_create(actor=actor, username="svc.grc",
                                                       description="  GRC tool sync ", read_only=False)
    assert (account.user.username, account.description, account.read_only) == ("svc.grc", "GRC tool sync", False)
    assert not account.user.has_usable_password()
    assert Token.objects.get(user=account.user).key == key
    assert client_for(account.user).get(LIST).status_code == 200
    assert history(account) == [(ADDITION, actor.username,
                                 "Created the read-write service account and issued its API token.")]
    assert logs.output == [f"INFO:stagegate.audit:service account svc.grc (read-write) created by {actor.username}"]
    assert key not in "".join(logs.output)


@pytest.mark.parametrize(("username", "description", "field"), [
    ("SVC.GRC", "", "username"),  # the same name as svc.grc but for case
    ("svc grc!", "", "username"),
    ("", "", "username"),
    ("svc.other", "x" * 301, "description"),
])
def test_what_is_refused_is_said_at_the_field_and_nothing_is_created(gov, account, username, description, field):
    with pytest.raises(ValidationError) as err:
        services.service_account_create(actor=gov, username=username, description=description)
    assert set(err.value.message_dict) == {field}
    assert ServiceAccount.objects.count() == 1


def test_only_governance_admins_rotate_a_token(account, pat):
    before = Token.objects.get(user=account.user).key
    with pytest.raises(PermissionDenied) as err:
        services.service_account_token_rotate(actor=pat, service_account=account)
    assert str(err.value) == ROTATE
    assert Token.objects.get(user=account.user).key == before


def test_rotating_replaces_the_token_and_is_audited(account, gail):
    old = Token.objects.get(user=account.user).key
    with audited() as logs:
        key = services.service_account_token_rotate(actor=gail, service_account=account)
    assert list(Token.objects.filter(user=account.user).values_list("key", flat=True)) == [key]
    assert key != old
    assert client_for(account.user).get(LIST).status_code == 200
    assert history(account)[-1] == (CHANGE, "gail.gov", "Rotated the API token; the old one no longer works.")
    assert logs.output == ["INFO:stagegate.audit:API token of svc.grc rotated by gail.gov"]


# ---------------------------------------------------------------- the admin


def test_a_governance_admin_by_group_creates_and_rotates_in_admin(client, gail):
    client.force_login(gail)
    response = client.post(f"{ADMIN}add/", {"username": "svc.grc", "description": "GRC tool sync",
                                            "read_only": "on"})
    assert response.status_code == 302, response.content
    account = ServiceAccount.objects.get(user__username="svc.grc")
    key = Token.objects.get(user=account.user).key
    assert any(key in str(m) for m in get_messages(response.wsgi_request))
    assert [flag for flag, _user, _text in history(account)] == [ADDITION]  # once, by the service

    response = client.post(ADMIN, {"action": "rotate_token", "_selected_action": [account.pk]})
    assert response.status_code == 302
    new = Token.objects.get(user=account.user).key
    assert new != key and any(new in str(m) for m in get_messages(response.wsgi_request))


def test_the_admin_form_shows_the_services_refusal_at_the_field(client, gov, account):
    client.force_login(gov)
    response = client.post(f"{ADMIN}add/", {"username": "Svc.Grc", "description": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == ["A user with that username already exists."]
    assert ServiceAccount.objects.count() == 1


def test_whoever_may_not_manage_service_accounts_does_not_see_them_in_admin(client, pat, account):
    client.force_login(pat)
    assert client.get(ADMIN).status_code == 403
    assert client.get(f"{ADMIN}add/").status_code == 403


def test_the_admin_rotate_action_shows_the_services_reason(pat, account):
    before = Token.objects.get(user=account.user).key
    request = RequestFactory().post(ADMIN)
    request.user = pat
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    model_admin = admin.site.get_model_admin(ServiceAccount)
    # Called directly: the admin would not show pat the list at all.
    model_admin.rotate_token(request, ServiceAccount.objects.filter(pk=account.pk))
    assert [str(m) for m in get_messages(request)] == [f"{account}: {ROTATE}"]
    assert Token.objects.get(user=account.user).key == before


# ---------------------------------------------------------------- the command


def command(*args) -> str:
    out = StringIO()
    call_command("service_account", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_an_account_and_prints_its_token_once(gail):
    out = command("create", "svc.ci", "--description", "CI pipeline", "--read-write", "--as", "gail.gov")
    account = ServiceAccount.objects.select_related("user").get(user__username="svc.ci")
    key = Token.objects.get(user=account.user).key
    assert out.splitlines()[0] == "Created the read-write service account svc.ci."
    assert out.splitlines()[-1] == key and out.count(key) == 1
    assert (account.description, account.read_only) == ("CI pipeline", False)
    assert history(account)[0][:2] == (ADDITION, "gail.gov")


def test_the_command_rotates_a_token(account, gov):
    old = Token.objects.get(user=account.user).key
    out = command("rotate", "svc.grc", "--as", "gov.admin")
    new = Token.objects.get(user=account.user).key
    assert new != old and out.splitlines()[-1] == new
    assert history(account)[-1][:2] == (CHANGE, "gov.admin")


@pytest.mark.parametrize(("args", "error"), [
    (("create", "svc.ci", "--as", "pat.pmo"), CREATE),
    (("rotate", "svc.grc", "--as", "pat.pmo"), ROTATE),
    (("create", "svc.grc", "--as", "gov.admin"), "A user with that username already exists."),
    (("create", "svc.ci", "--as", "nobody"), "No user named nobody."),
    (("rotate", "svc.none", "--as", "gov.admin"), "No service account named svc.none."),
])
def test_the_command_says_why_it_was_refused(account, pat, args, error):
    before = Token.objects.get(user=account.user).key
    with pytest.raises(CommandError) as err:
        command(*args)
    assert str(err.value) == error
    assert ServiceAccount.objects.count() == 1
    assert Token.objects.get(user=account.user).key == before
