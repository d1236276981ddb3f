"""What revokes a person's API token: a password change (on the page, in admin, by a reset, or
set_password and save anywhere), deactivation and a lockout. Expiry and DELETE are in
tests/api/test_auth.py."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import ServiceAccount
from tests.factories import PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token/"
LIST = "/api/v1/use-cases/"
NEW_PASSWORD = "a-much-longer-new-passphrase"


@pytest.fixture
def ava(db):
    return UserFactory(username="ava.submitter")


def token_of(username="ava.submitter", password=PASSWORD, ip="203.0.113.7"):
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)
    return response


def works(key) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(LIST).status_code == 200


def test_set_password_and_save_revokes_the_token(ava):
    key = token_of().json()["token"]
    assert works(key)
    ava.set_password(NEW_PASSWORD)
    ava.save()
    assert not works(key)
    assert not Token.objects.filter(user=ava).exists()


def test_a_password_change_on_the_page_revokes_the_token(ava):
    key = token_of().json()["token"]
    client = Client()
    client.force_login(ava)
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert not works(key)
    assert token_of(password=NEW_PASSWORD).status_code == 200  # a new one with the new password


def test_a_password_reset_revokes_the_token(ava):
    key = token_of().json()["token"]
    client = Client()
    assert client.post("/accounts/password_reset/", {"email": ava.email}).status_code == 302
    [email] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", email.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/reset/done/")
    assert not works(key)


def test_a_governance_admin_setting_a_password_revokes_the_token(ava):
    key = token_of().json()["token"]
    admin = Client()
    admin.force_login(UserFactory(username="gov.admin", is_staff=True, is_superuser=True))
    response = admin.post(f"/admin/auth/user/{ava.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert not works(key)


def test_saving_anything_else_keeps_the_token(ava):
    key = token_of().json()["token"]
    ava.first_name = "Ava"
    ava.save()
    token_of()  # a login (last_login saved) keeps it too
    assert works(key) and Token.objects.get(user=ava).key == key


def test_deactivation_revokes_the_token_for_good(ava):
    key = token_of().json()["token"]
    ava.is_active = False
    ava.save()
    assert not Token.objects.filter(key=key).exists()
    ava.is_active = True
    ava.save()
    assert not works(key)  # reactivating does not bring it back


def test_deactivating_a_service_account_revokes_its_token(db):
    user = get_user_model().objects.create(username="svc.grc")
    ServiceAccount.objects.create(user=user)
    key = Token.objects.create(user=user).key
    assert works(key)
    user.is_active = False
    user.save()
    assert not Token.objects.filter(key=key).exists()


def test_a_lockout_revokes_the_token(ava):
    key = token_of(ip="198.51.100.20").json()["token"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_of(password="not-the-password")
    assert token_of().status_code == 429
    assert not works(key)  # the token, used from anywhere, stopped working with the lockout


def test_failures_below_the_lockout_keep_the_token(ava):
    key = token_of().json()["token"]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        token_of(password="not-the-password")
    assert works(key)
