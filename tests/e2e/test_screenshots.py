"""Screenshots are evidence of a journey, never a reason for it to fail."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from tests.e2e import browsing


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.set_content("<h1>Stagegate</h1>")
    yield page
    page.close()


def test_a_step_saves_its_screenshot(page, tmp_path, monkeypatch):
    monkeypatch.setattr(browsing, "SCREENSHOTS", tmp_path / "e2e")
    browsing.screenshot(page, "intake")
    assert (tmp_path / "e2e" / "intake.png").read_bytes().startswith(b"\x89PNG")


def test_a_screenshot_that_cannot_be_saved_is_logged_and_the_step_goes_on(page, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the folder should be: even root cannot create it
    monkeypatch.setattr(browsing, "SCREENSHOTS", blocker / "e2e")
    with caplog.at_level(logging.WARNING, logger=browsing.__name__):
        browsing.screenshot(page, "intake")
    assert "Screenshot intake not saved" in caplog.text
    assert not (blocker / "e2e").exists()
