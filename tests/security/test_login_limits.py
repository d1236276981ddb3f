"""Limits per client address: password spraying across usernames locks the address out of every
login door (AXES_IP_FAILURE_LIMIT, beside the per-username lockout), and password-reset emails are
limited per address and per client without the page ever saying more than it always does."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

PAGE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
RESET = "/accounts/password_reset/"
WRONG = "not-the-password"
SPRAYER = "203.0.113.66"


def page_login(path, username, password, ip=SPRAYER):
    return Client().post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def token_login(username, password, ip=SPRAYER):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.fixture
def people(db):
    return [UserFactory(username=f"person.{n}", is_staff=True) for n in range(settings.AXES_IP_FAILURE_LIMIT + 2)]


def spray(people, count, door=PAGE_LOGIN):
    """One wrong guess at each of ``count`` usernames from one address: no username is near its own limit."""
    answers = []
    for person in people[:count]:
        if door == TOKEN:
            cache.clear()  # the token endpoint's own throttle (10/min) would answer 429 first
        answer = token_login(person.username, WRONG) if door == TOKEN else page_login(door, person.username, WRONG)
        answers.append(answer.status_code)
    return answers


def test_the_defaults_are_sensible():
    assert settings.AXES_FAILURE_LIMIT < settings.AXES_IP_FAILURE_LIMIT <= 50
    assert settings.AXES_HANDLER == "intake.login_limits.LoginLimitHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]  # the per-username rule is unchanged


@pytest.mark.parametrize("door", [PAGE_LOGIN, ADMIN_LOGIN, TOKEN])
def test_spraying_one_address_across_usernames_locks_that_address_out(people, door):
    limit = settings.AXES_IP_FAILURE_LIMIT
    answers = spray(people, limit, door)
    assert 429 not in answers[:-1] and answers[-1] == 429  # the failure that reaches the limit is locked out
    victim = people[limit]
    # Every door, even with the right password, for any username, from that address...
    assert page_login(PAGE_LOGIN, victim.username, PASSWORD).status_code == 429
    assert page_login(ADMIN_LOGIN, victim.username, PASSWORD).status_code == 429
    locked = token_login(victim.username, PASSWORD)
    assert locked.status_code == 429 and "token" not in locked.json()
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    # ... and nobody elsewhere is affected.
    assert token_login(victim.username, PASSWORD, ip="198.51.100.20").status_code == 200


def test_failures_across_doors_add_up(people):
    limit = settings.AXES_IP_FAILURE_LIMIT
    doors = [PAGE_LOGIN, ADMIN_LOGIN, TOKEN]
    for n, person in enumerate(people[: limit - 1]):
        door = doors[n % 3]
        answer = token_login(person.username, WRONG) if door == TOKEN else page_login(door, person.username, WRONG)
        assert answer.status_code != 429
    assert token_login(people[limit].username, WRONG).status_code == 429


def test_the_address_lockout_expires_after_the_cool_off(people, clock):
    spray(people, settings.AXES_IP_FAILURE_LIMIT)
    assert token_login(people[-1].username, PASSWORD).status_code == 429
    clock.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    assert token_login(people[-1].username, PASSWORD).status_code == 200


def test_the_address_limit_comes_from_the_settings(people, settings):
    settings.AXES_IP_FAILURE_LIMIT = 7
    assert spray(people, 7)[-1] == 429


def test_an_address_lockout_revokes_no_ones_token(people):
    key = token_login(people[0].username, PASSWORD, ip="198.51.100.20").json()["token"]
    spray(people, settings.AXES_IP_FAILURE_LIMIT + 2)  # people[0] is among the sprayed usernames
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/use-cases/").status_code == 200


# -- password-reset emails ----------------------------------------------------------------------


def reset(email, ip=SPRAYER):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_reset_emails_to_one_address_are_limited_and_the_page_says_the_same(db):
    person = UserFactory(username="ava.submitter")
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    assert limit == 3
    answers = [reset(person.email, ip=f"198.51.100.{n}") for n in range(limit + 2)]  # from many addresses
    assert len(mail.outbox) == limit
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/accounts/password_reset/done/")}
    # Upper case is the same address.
    assert reset(person.email.upper(), ip="198.51.100.99").status_code == 302
    assert len(mail.outbox) == limit


def test_reset_requests_from_one_client_are_limited(db):
    limit = settings.PASSWORD_RESET_LIMIT_PER_IP
    assert limit == 10
    people = [UserFactory(username=f"person.{n}") for n in range(limit + 2)]
    answers = [reset(person.email) for person in people]
    assert len(mail.outbox) == limit
    assert {a.status_code for a in answers} == {302}
    # Someone else, from elsewhere, still gets their email.
    reset(people[-1].email, ip="198.51.100.20")
    assert len(mail.outbox) == limit + 1


def test_unknown_addresses_count_too(db):
    """Otherwise the limit itself would tell which addresses have an account."""
    person = UserFactory(username="ava.submitter")
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_IP):
        assert reset(f"nobody.{n}@example.test").status_code == 302
    reset(person.email)
    assert mail.outbox == []
