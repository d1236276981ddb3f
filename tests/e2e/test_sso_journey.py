"""A security reviewer signs in through the organisation's identity provider, and moves team there.

Sam's IdP group makes him a security reviewer with admin access (IdpGroupMapping): he signs in
through the test provider (tests/identity/provider/) and lands in his review queue with the
security review of a submitted use case. His group changes at the provider to the privacy team;
he logs out (of Stagegate and of the provider) and signs in again: the security review has left his
queue. Screenshots: test-results/e2e/sso-*.png.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from identity.models import IdpGroupMapping
from tests.e2e.browsing import TIMEOUT_MS, screenshot
from tests.factories import BusinessUnitFactory, UserFactory
from tests.identity.provider.client import PASSWORD, oidc_provider  # noqa: F401 - the session fixture
from tests.reviews.factories import submitted_use_case

QUEUE = "/admin/reviews/review/?cols=more"  # with the function column


def sign_in_at_the_provider(page: Page, username: str) -> None:
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reviewer_signs_in_through_the_idp_and_follows_a_team_change(live_server, oidc_provider, browser):  # noqa: F811
    provider = oidc_provider
    provider.allow_redirects(callback=f"{live_server.url}/oidc/callback/",
                             after_logout=f"{live_server.url}/accounts/login/")
    for idp_group, function in (("sg-security", "security"), ("sg-privacy", "privacy")):
        IdpGroupMapping.objects.create(idp_group=idp_group, group=Group.objects.get(name=function), admin_access=True)
    unit = BusinessUnitFactory(code="CUSTOPS", name="Customer Operations")
    submitter = UserFactory(username="ava.submitter")
    unit.members.add(submitter)
    use_case = submitted_use_case(created_by=submitter, business_unit=unit, title="Ticket summaries")
    provider.person("sam.sec", groups=["sg-security"], first_name="Sam", last_name="Reyes")

    with provider.settings():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            page.goto(QUEUE)  # the admin sends him to the sign-in page
            expect(page.get_by_role("heading", name="Log in to Stagegate")).to_be_visible()
            screenshot(page, "sso-00-login")
            sign_in_at_the_provider(page, "sam.sec")
            expect(page).to_have_url(f"{live_server.url}{QUEUE}")
            security = page.get_by_role("row").filter(has_text=use_case.reference).filter(has_text="Security")
            expect(security).to_have_count(1)
            screenshot(page, "sso-01-security-queue")

            provider.person("sam.sec", groups=["sg-privacy"])  # moved to the privacy team at the IdP
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("heading", name="Log in to Stagegate")).to_be_visible()
            sign_in_at_the_provider(page, "sam.sec")  # the provider asks again: its session ended too
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
            page.goto(QUEUE)
            expect(page.get_by_role("row").filter(has_text=use_case.reference).filter(has_text="Security")
                   ).to_have_count(0)
            expect(page.get_by_text("0 reviews")).to_be_visible()
            screenshot(page, "sso-02-privacy-queue")
        finally:
            context.close()
