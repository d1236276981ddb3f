"""End-to-end tests: Playwright drives Debian's Chromium against a live server.

Every test here is marked ``e2e`` and skipped (with the reason) when Chromium
or Playwright is missing, so ``make test`` runs them wherever Chromium is
installed and ``make e2e`` runs only them. With ``E2E_REQUIRED=1`` (set by
.ci/run) a missing browser stops the run instead: CI is never green without
the journeys.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent
DEBIAN_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    if Path(DEBIAN_CHROMIUM).exists():
        return DEBIAN_CHROMIUM
    return shutil.which("chromium")


def why_skip() -> str:
    if chromium_path() is None:
        return f"Chromium not found ({DEBIAN_CHROMIUM} or chromium on PATH): apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed: pip install -r requirements-dev.txt"
    return ""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real browser (Playwright and Chromium)")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = why_skip()
    journeys = [item for item in items if HERE in Path(item.fspath).parents]
    if reason and journeys and os.environ.get("E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"E2E_REQUIRED=1 but the browser journeys cannot run: {reason}")
    for item in journeys:
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def async_unsafe_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread, so Django's ORM here would raise
    SynchronousOnlyOperation. Allowed only while a browser runs: set for the whole session, the
    variable would reach subprocesses too (``check --deploy`` warns about it)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(async_unsafe_allowed):
    """Chromium for one test, started after the test's database fixtures and stopped before their teardown.

    While Playwright's event loop runs, Django hands this thread other connection objects
    (they are context-local), and those lack the serialized contents that serialized_rollback
    restores: a browser that outlived a test would leave later tests without reference data.
    """
    reason = why_skip()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest):
    """pytest-django's live server, started while MEDIA_URL names another host.

    MEDIA_URL is None on purpose (evidence leaves only through permission-checked
    views), but Django's live-server media handler needs a string; a URL on another
    host makes it serve nothing. The handler reads the setting once, at start-up.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    # On the loopback address, not pytest-django's default "localhost".
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "127.0.0.1"
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture
def demo(transactional_db):
    """The demo's people (units, strategic outcomes, the logins and their roles) and vendor registry,
    seeded by the same code as ``make run``; the journeys bring their own use case. The demo's use
    cases and packs are left out: they would add a quarter of a minute and nothing the journeys need."""
    from demo.people import seed_people
    from demo.vendors import seed_vendors

    users = seed_people()
    seed_vendors(actor=users["procurement.reviewer"])
