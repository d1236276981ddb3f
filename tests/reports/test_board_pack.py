"""Board packs from request to PDF: pat (the PMO) requests, the task renders,
a failure is recorded and retried, and the renderer never reaches the network.

Rendering takes a second or two, so only the tests about the PDF itself
render for real; the others stub ``reports.pdf.render_pdf``.
"""

import datetime
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from reports import pdf, services, tasks
from reports.models import BoardPack
from reports.selectors import SECTIONS

from .builders import risk
from .conftest import member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"
EXECUTIVE_HEADINGS = list(SECTIONS.values())


def period(days: int = 30) -> dict:
    today = timezone.localdate()
    return {"period_start": today - datetime.timedelta(days=days - 1), "period_end": today}


def request_pack(actor, audience="executive_monthly", **kwargs):
    return services.board_pack_request(actor=actor, audience=audience, **{**period(), **kwargs})


def pdf_pages(pack: BoardPack) -> list[str]:
    """Each page's text, runs of whitespace made one space."""
    with pack.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(pack: BoardPack) -> tuple[str, int]:
    pages = pdf_pages(pack)
    return "\n".join(pages), len(pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)


# ---------------------------------------------------------------- rendering for real


def test_a_pack_of_an_empty_portfolio_renders(pat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pack = request_pack(pat)

    pack.refresh_from_db()
    assert pack.status == "ready" and pack.error == ""
    assert pack.generated_at is not None
    assert pack.file.name.startswith(f"board-packs/{timezone.now():%Y/%m}/")
    text, _pages = pdf_text(pack)
    assert "Executive update" in text
    assert "0 use cases in the portfolio" in text


def test_the_executive_pack_has_every_section_and_the_top_risks_and_the_board_pack_is_short(
    pat, ava, custops, django_capture_on_commit_callbacks
):
    from tests.factories import UseCaseFactory

    use_cases = [UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot",
                                risk_tier="medium") for _ in range(3)]
    top = [risk(use_cases[0], 5, 5), risk(use_cases[1], 5, 4), risk(use_cases[2], 4, 4)]
    with django_capture_on_commit_callbacks(execute=True):
        executive = request_pack(pat, next_period_priorities="Scale it | Pat | 2030-01-31\n"
                                                             "Fund it | Sue | 2030-02-28\nHire | Gail | 2030-03-31")
        board = request_pack(pat, audience="board_quarterly", **period(90))

    executive.refresh_from_db()
    board.refresh_from_db()
    assert executive.status == board.status == "ready"
    pages = pdf_pages(executive)
    executive_pages, text = len(pages), "\n".join(pages[1:])  # past the title page and its contents
    for number, heading in enumerate(EXECUTIVE_HEADINGS, 1):
        assert f"{number} {heading}" in text, heading
    for r in top:
        assert r.use_case.reference in text
    assert "Scale it" in text and "2030-02-28" in text

    board_text, board_pages = pdf_text(board)
    assert board_pages < executive_pages
    assert board_text.count("Risk position") == 2  # in the contents and as a section
    for heading in ("Business value", "Risk position", "Resourcing and capacity constraints", "Decisions required"):
        assert heading in board_text
    for heading in ("Portfolio summary", "Readiness to scale", "Cross-functional alignment", "Next-period priorities"):
        assert heading not in board_text
    assert "Board summary" in board_text


# ---------------------------------------------------------------- the network wall


class _Spy(BaseHTTPRequestHandler):
    def do_GET(self):  # the http.server API names it so
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args):
        pass


@pytest.fixture
def spy_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Spy)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # quick shutdown()
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_user_text_cannot_make_the_renderer_fetch_anything(
    pat, ava, custops, spy_server, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.factories import UseCaseFactory

    base = f"http://127.0.0.1:{spy_server.server_address[1]}"
    image = f'<img src="{base}/x.png">'
    stylesheet = f'<link rel=stylesheet href="{base}/x.css">'
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot",
                              title=image, risk_tier="high")
    risk(use_case, 5, 5)
    fetched = []
    original = pdf.StaticOnlyFetcher.fetch
    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or original(self, url, headers))

    with django_capture_on_commit_callbacks(execute=True):
        pack = request_pack(pat, decisions_required=f"Read this first: {stylesheet}")

    pack.refresh_from_db()
    assert pack.status == "ready"
    assert spy_server.hits == []
    assert fetched and all(url.startswith(pdf.BASE_URL) for url in fetched)  # only our own stylesheet
    text = squash(pdf_text(pack)[0])
    assert squash(image) in text  # shown as text: escaped, not an element
    assert squash(stylesheet) in text


def test_even_raw_html_cannot_reach_the_network(spy_server):
    base = f"http://127.0.0.1:{spy_server.server_address[1]}"
    html = (f'<html><head><link rel="stylesheet" href="{base}/a.css"><style>@import url("{base}/b.css");'
            f'body {{ background: url("{base}/c.png") }}</style></head>'
            f'<body><img src="{base}/d.png"><img src="file:///etc/passwd"><p>Hello</p></body></html>')

    assert pdf.render_pdf(html).startswith(b"%PDF")
    assert spy_server.hits == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.css",
    "file:///etc/passwd",
    "https://example.com/static/reports/board_pack.css",
    f"{pdf.BASE_URL}../../config/settings/base.py",
    f"{pdf.BASE_URL}reports/%2e%2e/%2e%2e/manage.py",
    f"{pdf.BASE_URL}reports/..%2f..%2fmanage.py",
    f"{pdf.BASE_URL}/etc/passwd",
    f"{pdf.BASE_URL}reports/missing.css",
    "data:text/css,body{}",
])
def test_the_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(ValueError):
        pdf.StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_the_pack_stylesheet():
    response = pdf.StaticOnlyFetcher().fetch(f"{pdf.BASE_URL}reports/board_pack.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


# ---------------------------------------------------------------- failure and retry


def test_a_rendering_failure_is_recorded_readably_and_a_retry_makes_the_pack_ready(
    pat, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("the font cache is corrupt")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        pack = request_pack(pat)
    pack.refresh_from_db()
    assert pack.status == "failed"
    assert "the font cache is corrupt" in pack.error and "Retry" in pack.error
    assert not pack.file

    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        services.board_pack_retry(actor=pat, pack=pack)
    pack.refresh_from_db()
    assert pack.status == "ready" and pack.error == ""
    assert pack.file.read() == STUB_PDF
    with pytest.raises(ValidationError, match="Only a failed pack"):
        services.board_pack_retry(actor=pat, pack=pack)


def test_a_failure_while_gathering_the_data_never_leaves_the_pack_running(pat, monkeypatch):
    from reports import selectors

    def broken(pack, **kwargs):
        raise KeyError("portfolio")

    monkeypatch.setattr(selectors, "board_pack_data", broken)
    pack = request_pack(pat)  # not committed in this test: render by hand
    services.board_pack_generate(pack_id=pack.pk)
    pack.refresh_from_db()
    assert pack.status == "failed" and "KeyError" in pack.error


def test_a_pack_lost_with_its_worker_can_be_retried_after_a_while(pat, stub_render):
    pack = request_pack(pat)
    BoardPack.objects.filter(pk=pack.pk).update(status="running")
    pack.refresh_from_db()
    assert not services.can_retry(pack)
    assert services.can_retry(pack, now=timezone.now() + services.STUCK_AFTER + datetime.timedelta(minutes=1))


def test_the_task_renders_a_pack_once(pat, stub_render):
    pack = request_pack(pat)
    assert tasks.generate_board_pack(pack.pk) == "ready"
    assert tasks.generate_board_pack(pack.pk) is None  # a second delivery finds it done


# ---------------------------------------------------------------- who may, and what is valid


def test_only_the_pmo_and_governance_admins_request_and_retry(pat, gail, gov, sue, ava, stub_render):
    assert request_pack(pat).requested_by == pat
    assert request_pack(gail).requested_by == gail
    assert request_pack(gov).requested_by == gov  # a superuser
    for outsider in (sue, ava):
        with pytest.raises(PermissionDenied):
            request_pack(outsider)
    failed = request_pack(pat)
    BoardPack.objects.filter(pk=failed.pk).update(status="failed")
    with pytest.raises(PermissionDenied):
        services.board_pack_retry(actor=sue, pack=failed)


@pytest.mark.parametrize(("changes", "field"), [
    ({"audience": "weekly"}, "audience"),
    ({"period_start": datetime.date(2026, 5, 31), "period_end": datetime.date(2026, 5, 1)}, "period_end"),
    ({"period_start": datetime.date(2024, 1, 1), "period_end": datetime.date(2025, 6, 1)}, "period_end"),
    ({"period_start": timezone.localdate() + datetime.timedelta(days=3),
      "period_end": timezone.localdate() + datetime.timedelta(days=9)}, "period_start"),
    ({"next_period_priorities": "Only one | Pat | 2030-01-01"}, "next_period_priorities"),
    ({"next_period_priorities": "A | Pat | soon\nB | Pat | 2030-01-01\nC | Pat | 2030-01-01"},
     "next_period_priorities"),
    ({"next_period_priorities": "A | | 2030-01-01\nB | Pat | 2030-01-01\nC | Pat | 2030-01-01"},
     "next_period_priorities"),
    ({"resourcing_notes": "x" * 5001}, "resourcing_notes"),
])
def test_a_request_is_validated(pat, changes, field):
    with pytest.raises(ValidationError) as caught:
        request_pack(pat, **changes)
    assert field in caught.value.message_dict
    assert not BoardPack.objects.exists()


# ---------------------------------------------------------------- the monthly schedule


@pytest.mark.parametrize(("day", "first"), [
    (datetime.date(2025, 11, 1), False),  # Saturday the 1st ...
    (datetime.date(2025, 11, 2), False),
    (datetime.date(2025, 11, 3), True),  # ... so Monday the 3rd
    (datetime.date(2026, 2, 1), False),  # Sunday the 1st ...
    (datetime.date(2026, 2, 2), True),  # ... so Monday the 2nd
    (datetime.date(2026, 2, 3), False),
    (datetime.date(2026, 5, 1), True),  # a Friday
    (datetime.date(2026, 5, 4), False),
    (datetime.date(2026, 6, 1), True),  # a Monday
    (datetime.date(2026, 6, 2), False),
    (datetime.date(2026, 6, 15), False),
])
def test_the_first_working_day_of_the_month(day, first):
    assert services.is_first_working_day(day) is first


def test_the_schedule_is_seeded_for_days_one_to_three_at_seven():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.tasks.build_monthly_executive_pack")
    crontab = task.crontab
    assert task.enabled
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "7", "1-3", "*", "*")


def test_the_monthly_task_builds_last_months_pack_once_and_emails_the_pmo_a_link(
    pat, sue, stub_render, django_capture_on_commit_callbacks
):
    member("pmo", "pip.pmo", email="pip@example.test")
    member("pmo", "old.pmo", email="old@example.test", is_active=False)

    assert tasks.build_monthly_executive_pack("2025-11-01") is None  # a Saturday: not yet
    with django_capture_on_commit_callbacks(execute=True):
        pack_id = tasks.build_monthly_executive_pack("2025-11-03")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.build_monthly_executive_pack("2025-11-03") is None  # the beat fired twice
    assert tasks.build_monthly_executive_pack("2025-11-04") is None

    pack = BoardPack.objects.get()
    assert pack.pk == pack_id and pack.scheduled and pack.requested_by is None
    assert (pack.audience, pack.period_start, pack.period_end) == (
        "executive_monthly", datetime.date(2025, 10, 1), datetime.date(2025, 10, 31))
    assert pack.status == "ready"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["pat.pmo@example.test", "pip@example.test"]
    assert "October 2025" in message.subject
    assert f"/reports/{pack.pk}/pdf/" in message.body


def test_no_email_when_a_scheduled_pack_fails(pat, monkeypatch, django_capture_on_commit_callbacks):
    def broken(html):
        raise OSError("disk full")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.build_monthly_executive_pack("2026-06-01")
    assert BoardPack.objects.get().status == "failed"
    assert mail.outbox == []
