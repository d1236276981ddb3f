"""Brute force: django-axes locks a username+IP pair out of every login door after
AXES_FAILURE_LIMIT failures, until AXES_COOLOFF_MINUTES pass; a success clears the count."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from intake.auth import client_ip
from tests.factories import PASSWORD, UserFactory

PAGE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = settings.AXES_FAILURE_LIMIT
WRONG = "not-the-password"


@pytest.fixture
def staff(db):
    return UserFactory(username="sam.staff", is_staff=True)


def page_login(client, path, username, password, ip="203.0.113.7"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def token_login(username, password, ip="203.0.113.7"):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_the_defaults_are_sensible():
    assert 3 <= settings.AXES_FAILURE_LIMIT <= 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() >= 5 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "intake.auth.LoginLockoutBackend"
    assert "intake.auth.HumanOnlyModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert "guardian.backends.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.parametrize("path", [PAGE_LOGIN, ADMIN_LOGIN])
def test_a_page_login_is_locked_after_the_limit_even_with_the_right_password(staff, path):
    client = Client()
    for _ in range(LIMIT - 1):
        response = page_login(client, path, "sam.staff", WRONG)
        assert response.status_code == 200  # the form again, with its error
    locked = page_login(client, path, "sam.staff", WRONG)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-in attempts" in page and "Try again in 15 minutes" in page
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "Content-Security-Policy" in locked

    right = page_login(client, path, "sam.staff", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_covers_every_door_for_that_username_and_address(staff):
    client = Client()
    for _ in range(LIMIT):
        page_login(client, PAGE_LOGIN, "sam.staff", WRONG)
    assert page_login(client, ADMIN_LOGIN, "sam.staff", PASSWORD).status_code == 429
    assert token_login("sam.staff", PASSWORD).status_code == 429


def test_the_api_token_endpoint_is_locked_with_a_json_error(staff):
    for _ in range(LIMIT - 1):
        response = token_login("sam.staff", WRONG)
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Unable to log in with these credentials."]}
    locked = token_login("sam.staff", WRONG)
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json() == {"detail": "Too many failed log-in attempts from your network. "
                                       "Try again in 15 minutes, or ask a governance admin to unlock the account."}
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()

    right = token_login("sam.staff", PASSWORD)
    assert right.status_code == 429 and "token" not in right.json()


def test_the_lockout_is_per_username_and_address(staff):
    UserFactory(username="other.person")
    for _ in range(LIMIT):
        token_login("sam.staff", WRONG, ip="203.0.113.7")
    assert token_login("sam.staff", PASSWORD, ip="203.0.113.7").status_code == 429
    # The same person from elsewhere, and someone else from the same address, still get in.
    assert token_login("sam.staff", PASSWORD, ip="198.51.100.20").status_code == 200
    assert token_login("other.person", PASSWORD, ip="203.0.113.7").status_code == 200


@pytest.mark.parametrize("door", ["page", "admin", "api"])
def test_a_successful_login_clears_the_failures(staff, door):
    def attempt(password):
        if door == "api":
            return token_login("sam.staff", password)
        return page_login(Client(), PAGE_LOGIN if door == "page" else ADMIN_LOGIN, "sam.staff", password)

    for _ in range(LIMIT - 1):
        attempt(WRONG)
    assert attempt(PASSWORD).status_code in (200, 302)
    assert not AccessAttempt.objects.filter(username="sam.staff").exists()
    # A fresh count: the same number of failures again does not lock.
    for _ in range(LIMIT - 1):
        assert attempt(WRONG).status_code != 429
    assert attempt(PASSWORD).status_code in (200, 302)


def test_a_successful_page_login_signs_in(staff):
    client = Client()
    response = page_login(client, PAGE_LOGIN, "sam.staff", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_lockout_expires_after_the_cool_off(staff, settings):
    for _ in range(LIMIT):
        token_login("sam.staff", WRONG)
    assert token_login("sam.staff", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert token_login("sam.staff", PASSWORD).status_code == 200


def test_force_login_and_authenticate_without_a_request_are_not_attempts(staff):
    # Management commands and the tests' force_login never count (nor fail) as network logins.
    assert authenticate(username="sam.staff", password=PASSWORD) == staff
    assert authenticate(username="sam.staff", password=WRONG) is None
    client = Client()
    client.force_login(staff)
    assert client.get("/intake/").status_code == 200
    assert not AccessAttempt.objects.exists()


def test_service_accounts_are_still_refused_on_the_pages(staff):
    from intake.models import ServiceAccount

    bot = UserFactory(username="svc.bot", is_staff=True)
    ServiceAccount.objects.create(user=bot, description="probe")
    response = page_login(Client(), ADMIN_LOGIN, "svc.bot", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "198.51.100.1", "10.0.0.9"),                   # no proxy configured: X-Forwarded-For is ignored
    (1, "198.51.100.1", "198.51.100.1"),               # one proxy: what it saw
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),       # a client-written entry on the left is never used
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
    (2, "198.51.100.1", "10.0.0.9"),                   # fewer entries than proxies: not through them
    (1, "unknown", "10.0.0.9"),                        # not an address: never stored
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_the_client_address_is_the_one_our_proxies_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_failures_and_successes_are_audited_without_the_password(staff):
    from axes.models import AccessFailureLog, AccessLog

    client = Client()
    page_login(client, ADMIN_LOGIN, "sam.staff", "hunter2-secret")
    attempt = AccessAttempt.objects.get()
    assert "password=****" in attempt.post_data and "hunter2-secret" not in attempt.post_data
    page_login(client, ADMIN_LOGIN, "sam.staff", PASSWORD)
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address, failure.path_info) == ("sam.staff", "203.0.113.7", ADMIN_LOGIN)
    assert "hunter2-secret" not in str(vars(failure))
    assert AccessLog.objects.filter(username="sam.staff", ip_address="203.0.113.7").count() == 1
    # The failure stays in the log after the success cleared the count.
    assert not AccessAttempt.objects.exists() and AccessFailureLog.objects.count() == 1
