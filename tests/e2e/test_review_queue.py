"""The reviewer's queue on a 1280 x 800 laptop screen: every default column in view, and a day's work
through "My open" with "Decide and open next" that ends back on the same view and search."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from intake.models import BusinessUnit
from tests.e2e.browsing import Site, message, screenshot
from tests.reviews.factories import submitted_use_case

LAPTOP = {"width": 1280, "height": 800}
LONG_TITLE = ("Summarise customer support tickets across every regional contact centre for agents "
              "and team leads, with a weekly digest number {n}")
RATIONALE = "Threat model, data flows and access controls reviewed; residual risk acceptable."


@pytest.fixture
def site(live_server, demo, browser) -> Site:  # the browser last: see its fixture
    return Site(browser=browser, base_url=live_server.url)


def submit(count: int, title: str) -> None:
    ava = get_user_model().objects.get(username="ava.submitter")
    unit = BusinessUnit.objects.get(code="CUSTOPS")
    for n in range(count):
        submitted_use_case(created_by=ava, business_unit=unit, title=title.format(n=n))


def on_laptop(site: Site, page: Page) -> None:
    page.set_viewport_size(LAPTOP)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_default_view_fits_a_laptop_screen(site: Site):
    submit(50, LONG_TITLE)
    with site.as_user("sec.reviewer", "review-queue-1280") as page:
        on_laptop(site, page)
        page.goto("/admin/reviews/review/")
        expect(page.locator("#nav-sidebar")).to_be_visible()
        expect(page.locator("#changelist-filter")).to_be_visible()
        expect(page.locator('#saved-views a[aria-current="page"]')).to_have_text("My open")
        for column in ("status", "due", "assignee", "reference"):
            header = page.locator(f"#result_list th.column-{column}")
            box = header.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"], column
        cell = page.locator("#result_list td.field-status").first
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"]
        # Nothing to scroll sideways: neither the page nor the table's own scroll box.
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        widths = page.evaluate("(() => { const r = document.querySelector('.results');"
                               " return [r.scrollWidth, r.clientWidth]; })()")
        assert widths[0] <= widths[1], widths
        title = page.locator("#result_list .queue-title").first
        expect(title).to_have_attribute("title", re.compile("weekly digest number"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_my_open_decide_and_open_next_three_times_back_to_the_view(site: Site):
    submit(3, "Flow case {n}")
    submit(2, "Unrelated {n}")
    with site.as_user("sec.reviewer", "review-decide-and-next") as page:
        on_laptop(site, page)
        page.goto("/admin/reviews/review/?view=all")
        page.locator("#saved-views").get_by_role("link", name="My open").click()
        page.get_by_role("textbox", name="Search").fill("Flow case")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#result_list tbody tr")).to_have_count(3)
        page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
        for step in range(3):
            expect(page.locator("#decide")).to_be_visible()
            if step == 0:
                screenshot(page, "review-decision-page")
            page.locator("#decide").get_by_label("Approve", exact=True).check()
            page.locator("#decide").get_by_label("Rationale").fill(RATIONALE)
            page.get_by_role("button", name="Decide and open next").click()
            expect(message(page, re.compile(r"Security review: approved\."))).to_be_visible()
        expect(page).to_have_url(re.compile(r"/admin/reviews/review/\?"))
        assert "view=mine" in page.url and "q=Flow+case" in page.url
        expect(message(page, "That was the last review in this view.")).to_be_visible()
        expect(page.get_by_role("textbox", name="Search")).to_have_value("Flow case")
        expect(page.locator('#saved-views a[aria-current="page"]')).to_have_text("My open")
        page.goto("/admin/")
        expect(page.locator("#my-review-counts")).to_contain_text("Open: 2")
