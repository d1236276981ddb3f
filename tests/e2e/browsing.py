"""What every journey does with the browser: sign in as someone, take screenshots."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from demo.people import DEMO_PASSWORD

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "e2e"
TIMEOUT_MS = 15_000

log = logging.getLogger(__name__)
expect.set_options(timeout=TIMEOUT_MS)


def screenshot(page: Page, name: str) -> None:
    """Save test-results/e2e/<name>.png; a screenshot that cannot be saved never fails the test."""
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    except Exception as exc:  # evidence only, never a reason to fail
        log.warning("Screenshot %s not saved: %s", name, exc)


@dataclass
class Site:
    """The live server and the browser, and what the journeys learn on the way (the reference)."""

    browser: Browser
    base_url: str
    reference: str = ""

    @contextmanager
    def as_user(self, username: str, step: str) -> Iterator[Page]:
        """A fresh browser session signed in as ``username``; screenshot ``step`` at the end, pass or fail."""
        context = self.browser.new_context(base_url=self.base_url, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        started = time.monotonic()
        try:
            log_in(page, username)
            yield page
        finally:
            screenshot(page, step)
            context.close()
            log.info("%s as %s: %.1f s", step, username, time.monotonic() - started)


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def message(page: Page, text: str | re.Pattern[str]):
    """The flash message (pages or admin) that says ``text``."""
    return page.locator("ul.messages, ul.messagelist").get_by_text(text)
