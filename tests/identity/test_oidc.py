"""Signing in through the organisation's identity provider (OpenID Connect), against a real provider.

The provider is a second Django site (django-oauth-toolkit) in its own process; the test client is
Stagegate's browser, a requests session the person's browser at the provider.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from identity.models import ExternalIdentity, IdpGroup, MembershipSync
from intake.models import ServiceAccount
from tests.factories import PASSWORD, UserFactory
from tests.identity.provider.client import TEST_LOGIN, callback_path, sign_in_through

User = get_user_model()


def signed_in_user(client):
    user = client.get("/intake/").wsgi_request.user
    return user if user.is_authenticated else None


def page_text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------- the first and later sign-ins


def test_first_sign_in_creates_the_person_with_their_mapped_groups_and_admin_access(
        client, sso, idp_browser, mappings, clock):
    subject = sso.person("nina.sec", groups=["sg-security", "sg-unknown"], first_name="Nina", last_name="Okafor")

    response = sign_in_through(client, sso, idp_browser, "nina.sec", next_url="/admin/reviews/review/")

    assert response.status_code == 302 and response["Location"] == "/admin/reviews/review/"
    nina = User.objects.get(username="nina.sec")
    assert signed_in_user(client) == nina
    assert (nina.email, nina.first_name, nina.last_name) == ("nina.sec@idp.example", "Nina", "Okafor")
    assert not nina.has_usable_password()
    assert set(nina.groups.values_list("name", flat=True)) == {"security"}
    assert nina.is_staff and not nina.is_superuser
    identity = nina.external_identity
    assert (identity.oidc_issuer, identity.oidc_subject) == (sso.issuer, subject)
    assert abs((identity.last_sign_in_at - clock.now).total_seconds()) < 5
    # The unknown IdP group is recorded, and grants nothing.
    assert set(IdpGroup.objects.filter(members=nina).values_list("name", flat=True)) == {"sg-security", "sg-unknown"}
    sync = MembershipSync.objects.get(user=nina)
    assert (sync.source, sync.groups_added, sync.admin_access) == ("oidc", ["security"], True)
    assert sync.idp_groups == ["sg-security", "sg-unknown"]
    assert client.get("/admin/reviews/review/").status_code == 200


def test_each_sign_in_follows_the_groups_the_provider_says_now(client, sso, idp_browser, mappings):
    sso.person("omar.rev", groups=["sg-security"])
    sign_in_through(client, sso, idp_browser, "omar.rev")

    sso.person("omar.rev", groups=["sg-privacy"])  # moved team at the IdP
    client.post("/accounts/logout/")
    sign_in_through(client, sso, idp_browser, "omar.rev")
    omar = User.objects.get(username="omar.rev")
    assert set(omar.groups.values_list("name", flat=True)) == {"privacy"}
    moved = MembershipSync.objects.filter(user=omar).first()
    assert (moved.groups_added, moved.groups_removed, moved.admin_access) == (["privacy"], ["security"], None)

    sso.person("omar.rev", groups=[])  # left every team
    client.post("/accounts/logout/")
    sign_in_through(client, sso, idp_browser, "omar.rev")
    omar.refresh_from_db()
    assert not omar.groups.exists() and not omar.is_staff
    left = MembershipSync.objects.filter(user=omar).first()
    assert (left.groups_removed, left.admin_access) == (["privacy"], False)
    assert client.get("/admin/reviews/review/").status_code == 302  # no admin any more
    assert User.objects.filter(username__startswith="omar.rev").count() == 1
    assert MembershipSync.objects.filter(user=omar).count() == 3


def test_groups_nobody_mapped_grant_nothing(client, sso, idp_browser, mappings):
    sso.person("pia.dev", groups=["engineering", "all-staff"])

    sign_in_through(client, sso, idp_browser, "pia.dev")

    pia = User.objects.get(username="pia.dev")
    assert signed_in_user(client) == pia
    assert not pia.groups.exists() and not pia.is_staff
    assert not MembershipSync.objects.filter(user=pia).exists()  # nothing changed, nothing to record


def test_a_taken_username_gets_a_suffix(client, sso, idp_browser):
    UserFactory(username="quinn", email="someone.else@example.test")
    sso.person("quinn", email_verified=False)

    sign_in_through(client, sso, idp_browser, "quinn")

    assert signed_in_user(client).username == "quinn-2"


# ---------------------------------------------------------------------------- who is refused


def test_a_deactivated_person_is_refused_and_nothing_changes(client, sso, idp_browser, mappings):
    subject = sso.person("rita.gone", groups=["sg-security"])
    rita = UserFactory(username="rita.gone", is_active=False)
    ExternalIdentity.objects.create(user=rita, oidc_issuer=sso.issuer, oidc_subject=subject)

    response = sign_in_through(client, sso, idp_browser, "rita.gone")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "Your Stagegate account is deactivated" in page_text(client.get("/accounts/login/"))
    assert signed_in_user(client) is None
    assert not rita.groups.exists() and not MembershipSync.objects.exists()


def test_a_service_account_is_refused_even_with_a_verified_email(client, sso, idp_browser):
    robot = UserFactory(username="ci-bot", email="ci.bot@idp.example")
    ServiceAccount.objects.create(user=robot)
    sso.person("ci.bot", email="ci.bot@idp.example", email_verified=True)

    sign_in_through(client, sso, idp_browser, "ci.bot")

    assert "This is a service account" in page_text(client.get("/accounts/login/"))
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()


# ---------------------------------------------------------------------------- linking by email


def test_an_existing_account_is_linked_when_the_provider_verified_the_email(client, sso, idp_browser, ava):
    ava.email = "Ava.Submitter@corp.example"
    ava.save()
    subject = sso.person("asubmitter", email="ava.submitter@corp.example", email_verified=True)

    sign_in_through(client, sso, idp_browser, "asubmitter")

    assert signed_in_user(client) == ava
    assert ava.external_identity.oidc_subject == subject
    assert not User.objects.filter(username="asubmitter").exists()


def test_an_unverified_email_never_links_an_account(client, sso, idp_browser, gov):
    gov.email = "gov.admin@corp.example"
    gov.save()
    sso.person("mallory", email="gov.admin@corp.example", email_verified=False)

    sign_in_through(client, sso, idp_browser, "mallory")

    someone = signed_in_user(client)
    assert someone is not None and someone != gov
    assert someone.username == "mallory" and not someone.is_superuser
    assert not ExternalIdentity.objects.filter(user=gov).exists()


# ---------------------------------------------------------------------------- the login page and passwords


def test_without_oidc_settings_the_login_page_is_unchanged_and_the_oidc_urls_404(client, ava, settings):
    assert not settings.OIDC_ENABLED
    page = page_text(client.get("/accounts/login/"))
    assert 'name="password"' in page and "Sign in with" not in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404

    response = client.post("/accounts/login/", {"username": "ava.submitter", "password": PASSWORD})

    assert response.status_code == 302 and signed_in_user(client) == ava


def test_with_oidc_the_login_page_offers_both(client, sso):
    page = page_text(client.get("/accounts/login/?next=/reviews/"))
    assert "Sign in with Test IdP" in page and 'name="password"' in page
    assert "/oidc/authenticate/?next=/reviews/" in page


def test_local_login_off_shows_only_the_provider_and_refuses_passwords(client, oidc_provider, ava, db):
    backends = ["intake.auth.LoginLockoutBackend", "identity.oidc.NoPasswordBackend",
                "intake.auth.HumanOnlyModelBackend", "guardian.backends.ObjectPermissionBackend",
                "identity.oidc.OidcBackend"]
    with oidc_provider.settings(LOCAL_LOGIN=False, AUTHENTICATION_BACKENDS=backends):
        page = page_text(client.get("/accounts/login/"))
        assert "Sign in with Test IdP" in page
        assert 'name="password"' not in page and 'name="username"' not in page

        refused = client.post("/accounts/login/", {"username": "ava.submitter", "password": PASSWORD})

        assert refused.status_code == 403
        assert "Password sign-in is switched off here. Sign in with Test IdP." in page_text(refused)
        assert signed_in_user(client) is None
        # Every other password form (the API token endpoint among them) goes through the backends.
        request = RequestFactory().post("/api/v1/auth/token/")
        assert authenticate(request, username="ava.submitter", password=PASSWORD) is None
        # The admin signs in on the same page.
        admin_login = page_text(client.get("/admin/login/?next=/admin/reviews/review/"))
        assert "/oidc/authenticate/?next=/admin/reviews/review/" in admin_login
        assert 'name="password"' not in admin_login
        assert client.post("/admin/login/", {"username": "ava.submitter", "password": PASSWORD}).status_code == 403


def test_the_admin_login_is_our_login_page_and_still_wants_staff(client, sso, ava, gov):
    response = client.get("/admin/", follow=True)
    assert "Log in to Stagegate" in page_text(response) and "Sign in with Test IdP" in page_text(response)
    assert "/oidc/authenticate/?next=/admin/" in page_text(response)

    refused = client.post("/admin/login/", {"username": "ava.submitter", "password": PASSWORD})
    assert refused.status_code == 200 and "staff account" in page_text(refused)
    assert client.post("/admin/login/", {"username": "gov.admin", "password": PASSWORD})["Location"] == "/admin/"


# ---------------------------------------------------------------------------- logout


def test_logout_ends_the_session_here_and_at_the_provider(client, sso, idp_browser):
    sso.person("sara.out")
    sign_in_through(client, sso, idp_browser, "sara.out")
    id_token = client.session["oidc_id_token"]

    response = client.post("/accounts/logout/")

    assert signed_in_user(client) is None
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.issuer}/logout/"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [TEST_LOGIN]
    # The provider ends its own session and sends the browser back to our login page.
    back = idp_browser.get(response["Location"], allow_redirects=False, timeout=10)
    assert back.headers["Location"] == TEST_LOGIN
    again = client.get("/oidc/authenticate/")
    assert 'name="password"' in idp_browser.get(again["Location"], timeout=10).text  # asked to sign in again


def test_logout_after_a_password_login_stays_here(client, sso, ava):
    client.post("/accounts/login/", {"username": "ava.submitter", "password": PASSWORD})
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


# ---------------------------------------------------------------------------- a bad answer is a message


@pytest.mark.parametrize(("query", "message"), [
    ({"code": "abc", "state": "forged"}, "does not belong to a sign-in started in this browser"),
    ({"state": "forged"}, "The sign-in answer was incomplete (no code or state)"),
    ({}, "The sign-in answer was incomplete (no code or state)"),
    ({"error": "access_denied", "error_description": "You are not assigned to Stagegate", "state": "x"},
     "Test IdP did not sign you in: You are not assigned to Stagegate"),
])
def test_a_tampered_or_incomplete_callback_lands_on_the_login_page(client, sso, query, message):
    client.get("/oidc/authenticate/")  # a sign-in under way in this browser

    response = client.get("/oidc/callback/", query, follow=True)

    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/accounts/login/"
    assert message in page_text(response)
    assert signed_in_user(client) is None


def test_a_code_used_twice_is_refused_with_a_message(client, sso, idp_browser):
    sso.person("tom.replay")
    start = client.get("/oidc/authenticate/")
    back = callback_path(sso.authorize(idp_browser, start["Location"], "tom.replay"))
    client.get(back)
    client.post("/accounts/logout/")
    client.get("/oidc/authenticate/")
    state = next(iter(client.session["oidc_states"]))
    code = parse_qs(urlsplit(back).query)["code"][0]

    response = client.get("/oidc/callback/", {"code": code, "state": state}, follow=True)

    assert "Test IdP did not accept this sign-in" in page_text(response)
    assert signed_in_user(client) is None


def test_a_provider_that_cannot_be_reached_is_a_message(client, oidc_provider, db):
    closed = "http://127.0.0.1:9"
    with oidc_provider.settings(OIDC_ISSUER=closed, OIDC_DISCOVERY_URL=f"{closed}/.well-known/openid-configuration"):
        response = client.get("/oidc/authenticate/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "Sign-in with Test IdP is not available just now" in page_text(response)


def test_a_discovery_document_of_another_issuer_is_refused(client, oidc_provider, db):
    with oidc_provider.settings(OIDC_ISSUER="https://idp.elsewhere.example",
                                OIDC_DISCOVERY_URL=f"{oidc_provider.issuer}/.well-known/openid-configuration"):
        response = client.get("/oidc/authenticate/", follow=True)

    assert "Sign-in with Test IdP is not available just now" in page_text(response)


def test_an_id_token_from_another_issuer_signs_nobody_in(client, oidc_provider, idp_browser, db):
    """Explicit endpoints, no discovery: the ID token's iss must still be OIDC_ISSUER."""
    oidc_provider.person("uma.iss")
    base = oidc_provider.issuer
    endpoints = {"OIDC_DISCOVERY_URL": "", "OIDC_ISSUER": "https://idp.elsewhere.example",
                 "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/authorize/", "OIDC_OP_TOKEN_ENDPOINT": f"{base}/token/",
                 "OIDC_OP_JWKS_ENDPOINT": f"{base}/.well-known/jwks.json"}
    with oidc_provider.settings(**endpoints):
        start = client.get("/oidc/authenticate/")
        back = oidc_provider.authorize(idp_browser, start["Location"], "uma.iss")
        response = client.get(callback_path(back), follow=True)

    assert "Test IdP answered, but its answer could not be verified" in page_text(response)
    assert signed_in_user(client) is None
    assert not User.objects.filter(username="uma.iss").exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_passwords_still_count_towards_the_lockout_on_both_login_pages(client, sso, settings, path):
    UserFactory(username="sam.staff", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = client.post(path, {"username": "sam.staff", "password": "not-it"})
        assert wrong.status_code == 200 and 'role="alert"' in page_text(wrong)
    assert client.post(path, {"username": "sam.staff", "password": PASSWORD}).status_code in (200, 302)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post(path, {"username": "sam.staff", "password": "not-it"})
    assert locked.status_code == 429
