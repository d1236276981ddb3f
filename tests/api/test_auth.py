"""Token and session authentication, the token endpoint, and service accounts.

A person's token expires API_TOKEN_TTL_HOURS after it was issued; DELETE revokes it; what else
revokes it (a password change or reset, deactivation, a lockout) is in tests/security/test_tokens.py.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import ServiceAccount
from tests.factories import PASSWORD

from .conftest import client_for

LIST = "/api/v1/use-cases/"


def test_the_token_endpoint_trades_a_password_for_a_token(anon, ava):
    response = anon.post("/api/v1/auth/token/", {"username": "ava.submitter", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=ava).key
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get(LIST).status_code == 200


def test_a_wrong_password_gets_no_token(anon, ava):
    response = anon.post("/api/v1/auth/token/", {"username": "ava.submitter", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with these credentials."]}
    assert not Token.objects.exists()


def test_no_credentials_is_401_with_the_token_challenge(anon, db):
    response = anon.get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("key", ["0" * 40, "short", "x" * 41, "a\x00" * 20])
def test_a_bad_token_is_401(anon, db, key):
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = anon.get(LIST)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_person_signed_in_to_the_pages_may_use_the_api_with_their_session(client, ava):
    client.force_login(ava)
    assert client.get(LIST).status_code == 200


def test_an_inactive_users_token_stops_working(ava, ava_api):
    ava.is_active = False
    ava.save()
    assert ava_api.get(LIST).status_code == 401


# ---------------------------------------------------------------- service accounts


def _create_in_admin(client, gov, *, username="svc.grc", read_only=True):
    client.force_login(gov)
    response = client.post("/admin/intake/serviceaccount/add/", {
        "username": username, "description": "GRC tool sync", **({"read_only": "on"} if read_only else {}),
    })
    assert response.status_code == 302, response.content
    account = ServiceAccount.objects.get(user__username=username)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    return account, shown


def test_creating_a_service_account_in_admin_shows_its_token_once(client, gov):
    account, shown = _create_in_admin(client, gov)
    token = Token.objects.get(user=account.user)
    assert any(token.key in message for message in shown)
    assert not account.user.has_usable_password()
    # Tokens are never listed again in admin.
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    change = f"/admin/intake/serviceaccount/{account.pk}/change/"
    assert token.key in client.get(change).content.decode()  # the pending message, once
    assert token.key not in client.get(change).content.decode()


def test_rotating_a_token_invalidates_the_old_one(client, gov):
    account, _ = _create_in_admin(client, gov)
    old = Token.objects.get(user=account.user).key
    response = client.post("/admin/intake/serviceaccount/", {"action": "rotate_token",
                                                             "_selected_action": [account.pk]})
    assert response.status_code == 302
    new = Token.objects.get(user=account.user).key
    assert new != old
    assert any(new in str(m) for m in get_messages(response.wsgi_request))


def test_a_read_only_service_account_reads_but_every_write_is_403(client, gov, custops):
    account, _ = _create_in_admin(client, gov)
    custops.members.add(account.user)
    api = client_for(account.user)
    assert api.get(LIST).status_code == 200
    for method, url in (("post", LIST), ("patch", f"{LIST}UC-0001/"), ("post", f"{LIST}UC-0001/submit/"),
                        ("put", f"{LIST}UC-0001/readiness/"), ("post", "/api/v1/reviews/1/decide/")):
        response = getattr(api, method)(url, {"title": "x", "business_unit": "CUSTOPS"}, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "This service account is read-only: it may read but never write."}


def test_a_writing_service_account_may_write(client, gov, custops):
    account, _ = _create_in_admin(client, gov, username="svc.intake", read_only=False)
    custops.members.add(account.user)
    response = client_for(account.user).post(LIST, {"title": "From the GRC tool", "business_unit": "CUSTOPS"},
                                             format="json")
    assert response.status_code == 201


def test_a_service_account_can_never_use_the_pages(client, gov):
    account, _ = _create_in_admin(client, gov)
    user = account.user
    user.set_password("a-password-someone-set")
    user.is_staff = True
    user.save()
    client.logout()
    # Not with a password on the login form...
    response = client.post("/accounts/login/", {"username": user.username, "password": "a-password-someone-set"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # ... nor with a session made some other way: the backend refuses to restore it.
    client.force_login(user)
    assert client.get("/intake/").status_code == 302
    assert client.get("/admin/").status_code == 302
    # ... nor for the API's token endpoint.
    response = client_for(gov).post("/api/v1/auth/token/", {"username": user.username,
                                                            "password": "a-password-someone-set"}, format="json")
    assert response.status_code == 400


def test_people_still_log_in(client, ava):
    response = client.post("/accounts/login/", {"username": "ava.submitter", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == ava.pk
    assert get_user_model().objects.get(pk=ava.pk).is_active


def test_a_token_is_read_with_its_user_and_service_account_in_one_query(gov, ava, django_assert_num_queries):
    """The token lookup (api.authentication) reads the user and the service account with the token."""
    from api.authentication import token_with_user

    account_user = get_user_model().objects.create(username="ci.bot")
    ServiceAccount.objects.create(user=account_user, read_only=False)
    for user, is_account in ((ava, False), (account_user, True)):
        key = Token.objects.create(user=user).key
        expected = Token.objects.select_related("user").get(key=key)
        with django_assert_num_queries(1):
            token = token_with_user(key)
            assert hasattr(token.user, "service_account") is is_account
        assert (token.key, token.created, token.user_id) == (expected.key, expected.created, expected.user_id)
        assert {f.attname: getattr(token.user, f.attname) for f in user._meta.concrete_fields} == {
            f.attname: getattr(expected.user, f.attname) for f in user._meta.concrete_fields}
        assert token.user.date_joined.tzinfo is not None  # a datetime on SQLite too, not text
    with django_assert_num_queries(1):
        assert token.user.service_account.read_only is False
        assert token.user.service_account.user is token.user
        assert token_with_user("0" * 40) is None


# ---------------------------------------------------------------- token lifetime and revocation

TOKEN = "/api/v1/auth/token/"


def _get_token(username="ava.submitter", password=PASSWORD, **headers):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **headers)


def _with(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_token_expires_after_its_lifetime_and_then_gets_401(ava, clock, settings):
    response = _get_token()
    key, lifetime = response.json()["token"], datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert settings.API_TOKEN_TTL_HOURS == 720
    assert parse_datetime(response.json()["expires_at"]) == Token.objects.get(key=key).created + lifetime
    clock.shift(lifetime - datetime.timedelta(minutes=1))
    assert _with(key).get(LIST).status_code == 200
    clock.shift(datetime.timedelta(minutes=2))
    expired = _with(key).get(LIST)
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Token has expired."}


def test_the_same_token_comes_back_until_it_expires_then_a_fresh_one(ava, clock, settings):
    first = _get_token().json()["token"]
    assert _get_token().json()["token"] == first
    clock.shift(datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1))
    # The client may still send its expired token along: the token endpoint ignores it.
    fresh = _get_token(HTTP_AUTHORIZATION=f"Token {first}")
    assert fresh.status_code == 200
    assert fresh.json()["token"] != first
    assert _with(fresh.json()["token"]).get(LIST).status_code == 200
    assert _with(first).get(LIST).status_code == 401


def test_the_lifetime_comes_from_the_settings(ava, clock, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    key = _get_token().json()["token"]
    clock.shift(datetime.timedelta(minutes=61))
    assert _with(key).get(LIST).json() == {"detail": "Token has expired."}


def test_a_service_account_token_does_not_expire(client, gov, clock, settings):
    account, _ = _create_in_admin(client, gov)
    clock.shift(datetime.timedelta(hours=10 * settings.API_TOKEN_TTL_HOURS))
    assert _with(Token.objects.get(user=account.user).key).get(LIST).status_code == 200


def test_delete_revokes_the_callers_token(ava):
    key = _get_token().json()["token"]
    response = _with(key).delete(TOKEN)
    assert response.status_code == 204
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert not Token.objects.filter(user=ava).exists()
    assert _with(key).get(LIST).json() == {"detail": "Invalid token."}
    assert _with(key).delete(TOKEN).status_code == 401  # already gone
    assert _get_token().json()["token"] != key  # a new one for the asking


def test_delete_needs_credentials(anon, db):
    response = anon.delete(TOKEN)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_delete_with_the_pages_session_revokes_the_persons_token(client, ava):
    key = _get_token().json()["token"]
    client.force_login(ava)
    assert client.delete(TOKEN).status_code == 204
    assert _with(key).get(LIST).status_code == 401


def test_a_read_only_service_account_may_revoke_its_own_token(client, gov):
    account, _ = _create_in_admin(client, gov)
    key = Token.objects.get(user=account.user).key
    assert _with(key).delete(TOKEN).status_code == 204
    assert _with(key).get(LIST).status_code == 401


def test_token_answers_are_never_cached(ava):
    for response in (_get_token(), _get_token(password="wrong-password")):
        assert "no-store" in response["Cache-Control"], response.status_code
