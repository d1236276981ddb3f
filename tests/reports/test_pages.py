"""The board packs page: pat (PMO) and gail (governance admin) request and
retry; sue (executive sponsor) reads and downloads; ava and ben get a 404
everywhere, so the pages' existence does not leak."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import pdf
from reports.models import BoardPack

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST = reverse("reports:list")
STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"


@pytest.fixture(autouse=True)
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)


def make_pack(status="ready", **kwargs) -> BoardPack:
    today = timezone.localdate()
    pack = BoardPack.objects.create(audience="executive_monthly", period_start=today.replace(day=1),
                                    period_end=today, status=status, **kwargs)
    if status == "ready":
        pack.file.save(pack.download_name, ContentFile(STUB_PDF))
    return pack


def login(client, user):
    client.force_login(user)
    return client


def form_data(**changes) -> dict:
    today = timezone.localdate()
    return {"audience": "executive_monthly", "period_start": (today - datetime.timedelta(days=29)).isoformat(),
            "period_end": today.isoformat(), "decisions_required": "Fund the copilot.",
            "resourcing_notes": "", "next_period_priorities": "", **changes}


@pytest.mark.parametrize("name", ["list", "status", "portfolio", "portfolio_csv"])
def test_people_outside_the_pmo_sponsors_and_admins_get_404(client, ava, ben, name):
    for user in (ava, ben):
        assert login(client, user).get(reverse(f"reports:{name}")).status_code == 404


def test_downloads_and_retries_are_404_for_outsiders(client, ava):
    ready, failed = make_pack(), make_pack(status="failed", error="Boom.")
    login(client, ava)
    assert client.get(reverse("reports:download", args=[ready.pk])).status_code == 404
    assert client.post(reverse("reports:retry", args=[failed.pk])).status_code == 404
    assert client.post(LIST, form_data()).status_code == 404
    assert BoardPack.objects.count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_sponsor_reads_the_list_without_the_request_form_and_may_not_post(client, sue):
    make_pack()
    response = login(client, sue).get(LIST)
    assert response.status_code == 200
    assert b"Download PDF" in response.content
    assert b'id="request"' not in response.content and b"Request a pack" not in response.content
    assert client.post(LIST, form_data()).status_code == 403
    assert BoardPack.objects.count() == 1


def test_a_sponsor_downloads_a_ready_pack_as_an_attachment(client, sue):
    pack = make_pack()
    response = login(client, sue).get(reverse("reports:download", args=[pack.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert pack.download_name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == STUB_PDF


def test_a_pack_that_is_not_ready_has_no_download(client, sue):
    pack = make_pack(status="running")
    assert login(client, sue).get(reverse("reports:download", args=[pack.pk])).status_code == 404


@pytest.mark.parametrize("who", ["pat", "gail"])
def test_the_pmo_and_governance_admins_request_a_pack_and_see_it_ready(
    client, who, request, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(who)
    page = login(client, user).get(LIST)
    assert b'id="request"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, form_data(decisions_required="Fund <b>the</b> copilot."))
    assert response.status_code == 302 and response["Location"] == LIST
    pack = BoardPack.objects.get()
    assert (pack.requested_by, pack.status, pack.decisions_required) == (user, "ready", "Fund <b>the</b> copilot.")
    page = client.get(LIST)
    assert b"Download PDF" in page.content
    assert b'http-equiv="refresh"' not in page.content and b"pack_status.js" not in page.content  # nothing pending


def test_a_bad_request_is_shown_with_its_errors_and_nothing_is_queued(client, pat):
    response = login(client, pat).post(LIST, form_data(period_start="2026-05-31", period_end="2026-05-01"))
    assert response.status_code == 200
    assert b"The period ends before it starts." in response.content
    assert not BoardPack.objects.exists()


def test_while_a_pack_is_pending_the_page_updates_itself_and_works_without_javascript(client, pat):
    pending = make_pack(status="queued")
    page = login(client, pat).get(LIST).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page  # no JavaScript: the page reloads itself
    assert "js/pack_status.js" in page and reverse("reports:status") in page  # JavaScript: polls in place
    assert f'id="pack-{pending.pk}" data-status="queued"' in page

    status = client.get(reverse("reports:status")).json()
    assert status == {"pending": True, "packs": [
        {"id": pending.pk, "status": "queued", "label": "Queued", "error": "", "download_url": ""}]}
    BoardPack.objects.filter(pk=pending.pk).update(status="ready")
    status = client.get(reverse("reports:status")).json()
    assert status["pending"] is False
    assert status["packs"][0]["download_url"] == reverse("reports:download", args=[pending.pk])


def test_a_failed_pack_shows_its_error_and_a_retry_button_to_the_pmo_only(
    client, pat, sue, django_capture_on_commit_callbacks
):
    failed = make_pack(status="failed", error="The pack could not be rendered (OSError: disk full).")
    retry = reverse("reports:retry", args=[failed.pk])
    page = login(client, sue).get(LIST).content.decode()
    assert "disk full" in page and retry not in page
    assert client.post(retry).status_code == 403

    page = login(client, pat).get(LIST).content.decode()
    assert retry in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    failed.refresh_from_db()
    assert failed.status == "ready"
    assert client.post(retry).status_code == 302  # a ready pack is not retried: a message says so
    assert "Only a failed pack" in client.get(LIST).content.decode()


def test_the_list_runs_a_fixed_number_of_queries(client, pat, sue):
    login(client, pat)
    for _ in range(3):
        make_pack(requested_by=sue)
    client.get(LIST)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(9):
        make_pack(status="failed", requested_by=pat)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_reports_link_is_in_the_navigation_of_those_who_may_see_reports(client, pat, sue, ava):
    link = f'href="{LIST}"'
    assert link in login(client, pat).get(reverse("intake:list")).content.decode()
    assert link in login(client, sue).get(reverse("intake:list")).content.decode()
    assert link not in login(client, ava).get(reverse("intake:list")).content.decode()


def test_admin_lists_packs_and_retries_failed_ones(client, gov, django_capture_on_commit_callbacks):
    failed, ready = make_pack(status="failed", error="Boom."), make_pack()
    login(client, gov)
    changelist = reverse("admin:reports_boardpack_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:reports_boardpack_change", args=[ready.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "retry", "_selected_action": [failed.pk, ready.pk]},
                               follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Queued again: 1." in m for m in messages)
    assert any("Only a failed pack" in m for m in messages)
    failed.refresh_from_db()
    assert failed.status == "ready"
