"""Who may request, retry and see board packs: ``reports.permissions``, asked by the services, and
the pages, admin and API showing the service's reason instead of one of their own.

pat is the PMO, gail a governance admin by group, sue an executive sponsor (reads and downloads),
ava a submitter (sees nothing of reports).
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from reports import pdf, permissions, services
from reports.models import BoardPack
from reports.permissions import Action
from tests.api.conftest import client_for
from tests.reports.conftest import member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

REQUEST = "Only the PMO and governance admins request board packs."
RETRY = "Only the PMO and governance admins retry board packs."


@pytest.fixture(autouse=True)
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")


def period() -> dict:
    today = timezone.localdate()
    return {"period_start": today - datetime.timedelta(days=29), "period_end": today}


def request_pack(actor) -> BoardPack:
    return services.board_pack_request(actor=actor, audience="executive_monthly", **period())


def failed_pack() -> BoardPack:
    return BoardPack.objects.create(audience="executive_monthly", status="failed", error="Boom.", **period())


def refused(call, reason: str) -> None:
    with pytest.raises(PermissionDenied) as err:
        call()
    assert str(err.value) == reason


# ---------------------------------------------------------------- the rule and the services


def test_the_rule_is_the_groups_permissions(pat, gail, sue, ava, gov):
    rows = {user.username: [permissions.can(user, action) for action in Action]
            for user in (pat, gail, gov, sue, ava)}
    assert list(Action) == [Action.REQUEST, Action.RETRY, Action.VIEW]
    assert rows == {
        "pat.pmo": [True, True, True],
        "gail.gov": [True, True, True],
        "gov.admin": [True, True, True],
        "sue.sponsor": [False, False, True],
        "ava.submitter": [False, False, False],
    }


def test_who_may_not_see_packs_is_told_they_are_not_there(sue, ava):
    permissions.require(sue, Action.VIEW)
    with pytest.raises(Http404):
        permissions.require(ava, Action.VIEW)


def test_requesting_is_refused_with_the_reason_and_queues_nothing(pat, gail, sue, ava):
    for outsider in (sue, ava):
        refused(lambda u=outsider: request_pack(u), REQUEST)
    assert not BoardPack.objects.exists()
    assert request_pack(pat).requested_by == pat
    assert request_pack(gail).requested_by == gail


def test_retrying_is_refused_with_the_reason_and_changes_nothing(pat, sue):
    pack = failed_pack()
    refused(lambda: services.board_pack_retry(actor=sue, pack=pack), RETRY)
    pack.refresh_from_db()
    assert pack.status == "failed"
    assert services.board_pack_retry(actor=pat, pack=pack).status in ("queued", "ready")


# ---------------------------------------------------------------- the edges show the service's reason


def test_the_page_shows_why_a_request_was_refused(client, sue):
    client.force_login(sue)
    today = timezone.localdate()
    response = client.post(reverse("reports:list"), {
        "audience": "executive_monthly", "period_start": (today - datetime.timedelta(days=29)).isoformat(),
        "period_end": today.isoformat()})
    assert response.status_code == 403
    assert [str(m) for m in response.context["messages"]] == [REQUEST]
    assert b'id="request"' not in response.content  # still no form for a sponsor
    assert not BoardPack.objects.exists()


def test_the_page_shows_why_a_retry_was_refused(client, sue):
    pack = failed_pack()
    client.force_login(sue)
    response = client.post(reverse("reports:retry", args=[pack.pk]))
    assert response.status_code == 403
    assert [str(m) for m in response.context["messages"]] == [RETRY]
    pack.refresh_from_db()
    assert pack.status == "failed"


def test_the_admin_offers_retry_to_whoever_may_retry(client, gail):
    failed_pack()
    for user in (member("pmo", "pia.pmo", is_staff=True), gail):
        client.force_login(user)
        form = client.get(reverse("admin:reports_boardpack_changelist")).context["action_form"]
        assert "retry" in {name for name, _label in form.fields["action"].choices}


def test_the_admin_retry_action_shows_the_services_reason(sue):
    pack = failed_pack()
    model_admin = admin.site.get_model_admin(BoardPack)
    request = RequestFactory().post("/admin/")
    request.user = sue
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    # Called directly: the changelist would not even open for a sponsor.
    model_admin.retry(request, BoardPack.objects.filter(pk=pack.pk))
    assert [str(m) for m in get_messages(request)] == [f"{pack}: {RETRY}"]


def test_the_api_answers_a_refused_request_403_with_the_reason(sue):
    response = client_for(sue).post("/api/v1/board-packs/", {
        "audience": "executive_monthly", "period_start": "2026-01-01", "period_end": "2026-01-31"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": REQUEST}
    assert client_for(sue).get("/api/v1/board-packs/").status_code == 200  # a sponsor still reads them
