"""Content-Security-Policy: on every page, scripts only from our own origin (no inline, no eval),
and our templates carry no inline script or event handler that the policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UseCaseFactory

ROOT = Path(settings.BASE_DIR)
OUR_TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app / "templates" for app in ("intake", "reviews", "reports",
                                                                                    "vendors", "api"))]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy" in response, response.request["PATH_INFO"]
    policy = directives(response["Content-Security-Policy"])
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts == ["'self'"], policy
    for directive in ("script-src", "script-src-elem", "script-src-attr", "default-src"):
        assert "'unsafe-inline'" not in policy.get(directive, [])
        assert "'unsafe-eval'" not in policy.get(directive, [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    return policy


@pytest.fixture
def use_case(ava, custops):
    return UseCaseFactory(created_by=ava, business_unit=custops)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/api/docs/", "/api/schema/",
                                  "/api/v1/use-cases/", "/no-such-page/"])
def test_anonymous_responses_carry_the_policy(db, path):
    assert_strict(Client().get(path))


def test_signed_in_pages_and_admin_carry_the_policy(client, gov, use_case):
    client.force_login(gov)
    for path in ("/intake/", "/intake/new/", f"/intake/{use_case.reference}/", "/reports/", "/reports/portfolio/",
                 "/admin/", "/admin/intake/usecase/", f"/admin/intake/usecase/{use_case.pk}/change/",
                 "/admin/vendors/vendor/add/", "/admin/axes/accessattempt/", "/api/v1/use-cases/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_swagger_ui_runs_without_inline_script(db):
    client = Client()
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert_strict(page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script> would be blocked"
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src for src in scripts)
    init = next(src for src in scripts if "script" in src.split("?", 1)[-1])
    init_response = client.get(init.replace("&amp;", "&"))
    assert init_response.status_code == 200
    assert init_response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in init_response.content


def test_the_board_pack_list_polls_from_a_static_script(client, db):
    js = (ROOT / "static" / "js" / "pack_status.js").read_text()
    assert "fetch(" in js


def test_uploaded_files_keep_their_own_sandbox_policy(client, gov, ready_pack):
    """Downloads set "default-src 'none'; sandbox" themselves; the site policy must not replace it."""
    client.force_login(gov)
    response = client.get(f"/reports/{ready_pack.pk}/pdf/")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"(?:application/(?:ld\+)?json|text/template)\")[^>]*>")
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.DOTALL)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def _our_templates():
    for directory in OUR_TEMPLATE_DIRS:
        if directory.is_dir():
            for path in directory.rglob("*.html"):
                if "pdf" not in path.relative_to(directory).parts:  # WeasyPrint, never served to a browser
                    yield path


def test_our_templates_have_no_inline_script_or_event_handlers():
    offenders = []
    for path in _our_templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.search(text).group(0)[:60]}")
    assert offenders == []
    assert len(list(_our_templates())) > 20
