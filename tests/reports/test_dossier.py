"""The audit dossier of one AI system: ava asks for the dossier of her high-risk use case, the task renders
it in-process, and the PDF holds the record an auditor reads (its reference, the reviews' decisions, the
obligation register with each framework's coverage as ``compliance.selectors.coverage`` counts it). ben,
of another business unit, is told neither the use case nor its dossiers exist.

One test renders for real (a few seconds); the others stub ``reports.dossiers.render`` but still render
the template, so a template error fails them too.
"""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from compliance.models import Obligation, ObligationEvidence
from compliance.selectors import coverage
from config.celery import app
from reports import dossiers, pdf, tasks
from reports.models import Dossier
from reviews import services as review_services
from reviews.models import GateDecision, Incident, KPIActual, Review, Risk, RiskAcceptance
from tests.factories import KPIFactory
from tests.reviews.factories import reviewer, submitted_use_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"
RATIONALE = "The employment-law assessment is on file; keep a recruiter on every decision."
CONDITION = "Publish the candidate notice before the pilot opens."


@pytest.fixture
def use_case(ava, custops):
    """ava's submitted high-risk use case (employment, provider): its reviews open, its register opened."""
    return submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                              ai_act_role="provider", title="Candidate screening assistant")


@pytest.fixture
def stub_render(monkeypatch):
    rendered = []

    def stub(html):
        rendered.append(html)
        return STUB_PDF, 3

    monkeypatch.setattr(dossiers, "render", stub)
    return rendered


def request_and_run(use_case, actor, callbacks) -> Dossier:
    with callbacks(execute=True):
        dossier = dossiers.dossier_request(use_case=use_case, actor=actor)
    dossier.refresh_from_db()
    return dossier


def pdf_text(dossier: Dossier) -> tuple[str, int]:
    with dossier.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(" ".join(page.extract_text().split()) for page in reader.pages), len(reader.pages)


def a_worked_record(use_case, ava):
    """A legal decision with a condition, one obligation justified as not applicable, evidence on another."""
    legal = review_services.review_decide(
        review=use_case.reviews.get(function="legal"), actor=reviewer("legal", "lee.legal"),
        decision="approve_with_conditions", rationale=RATIONALE,
        conditions=[{"text": CONDITION, "owner": ava, "due_date": timezone.localdate() + datetime.timedelta(days=30)}])
    first, second = Obligation.objects.filter(use_case=use_case, applicable=True).order_by("id")[:2]
    Obligation.objects.filter(pk=first.pk).update(
        status="not_applicable", justification="Recruiters decide; the tool only ranks and drafts reasons.")
    ObligationEvidence.objects.create(obligation=second, kind="record", record_type=ContentType.objects.get_for_model(
        Review), record_id=legal.pk, control="review_function", label="Legal review (approved with conditions)",
        added_by=ava)
    return legal


# ---------------------------------------------------------------- rendering for real


def test_the_dossier_is_queued_then_rendered_with_the_record_and_the_coverage(
    use_case, ava, django_capture_on_commit_callbacks
):
    a_worked_record(use_case, ava)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        waiting = dossiers.dossier_request(use_case=use_case, actor=ava)
    assert waiting.status == "queued" and waiting.requested_by == ava
    assert len(queued) == 1  # the task, once the request commits

    dossier = request_and_run(use_case, ava, django_capture_on_commit_callbacks)

    assert dossier.pk == waiting.pk  # still queued: the same dossier, not a second one
    assert dossier.status == "ready" and dossier.error == ""
    assert dossier.generated_at is not None
    assert dossier.file.name.startswith(f"dossiers/{timezone.now():%Y/%m}/stagegate-dossier-{use_case.reference}-")
    text, pages = pdf_text(dossier)
    assert dossier.pages == pages >= 10
    assert f"Page 2 of {pages}" in text
    assert use_case.reference in text and "Candidate screening assistant" in text
    assert "High-risk" in text  # the EU AI Act category
    assert "Approved with conditions" in text and RATIONALE in text and CONDITION in text
    assert "Obligation register and evidence" in text
    assert "Legal review (approved with conditions)" in text  # evidence listed under its requirement
    rows = coverage(use_case)
    assert {row.framework.name for row in rows} == {"EU AI Act", "ISO/IEC 42001:2023 Annex A", "NIST AI RMF 1.0"}
    assert sum(row.met for row in rows) == 1  # the one not applicable
    for row in rows:
        line = (f"{row.framework.name} Coverage: {row.met} of {row.applicable} applicable obligations satisfied "
                f"({row.percent}%)")
        assert line in text, line


def test_user_text_is_escaped(ava, custops, stub_render):
    image = '<img src="http://127.0.0.1:9/x.png">'
    use_case = submitted_use_case(created_by=ava, business_unit=custops, title=image, summary=image)
    dossiers.dossier_generate(dossier_id=dossiers.dossier_request(use_case=use_case, actor=ava).pk)
    assert image not in stub_render[0]
    assert "&lt;img src=&quot;http://127.0.0.1:9/x.png&quot;&gt;" in stub_render[0]


def test_the_renderer_fetches_through_the_static_only_fetcher(monkeypatch):
    fetched = []
    original = pdf.StaticOnlyFetcher.fetch
    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or original(self, url, headers))
    html = ('<html><head><link rel="stylesheet" href="reports/board_pack.css"></head>'
            '<body><img src="http://127.0.0.1:9/x.png"><p>Hello</p></body></html>')

    content, pages = dossiers.render(html)

    assert content.startswith(b"%PDF") and pages == 1
    # The stylesheet is served; the outside image is asked of the same fetcher, which refuses it.
    assert fetched == [f"{pdf.BASE_URL}reports/board_pack.css", "http://127.0.0.1:9/x.png"]


def more_records(use_case, ava, n: int) -> None:
    for k in range(n):
        risk = Risk.objects.create(use_case=use_case, area="bias_fairness", description=f"Risk {k}", likelihood=5,
                                   impact=4, owner=ava, escalation_threshold=15)
        RiskAcceptance.objects.create(risk=risk, rationale="For the pilot.", compensating_controls="Second look.",
                                      expires_on=timezone.localdate() + datetime.timedelta(days=30), accepted_by=ava)
        GateDecision.objects.create(use_case=use_case, outcome="pause", from_stage="exploration",
                                    to_stage="exploration", rationale=f"Gate {k}", decided_by=ava)
        Incident.objects.create(use_case=use_case, severity=2, title=f"Incident {k}", what_happened="It broke.",
                                occurred_at=timezone.now(), reported_by=ava)
        kpi = KPIFactory(use_case=use_case, name=f"KPI {k}")
        KPIActual.objects.create(kpi=kpi, measured_on=timezone.localdate(), value=5, recorded_by=ava)
        obligation = Obligation.objects.filter(use_case=use_case, evidence__isnull=True).first()
        ObligationEvidence.objects.create(obligation=obligation, kind="upload", label=f"Evidence {k}", added_by=ava)


def test_the_dossier_reads_the_same_number_of_queries_however_long_the_record(use_case, ava, stub_render):
    def queries() -> int:
        dossier = Dossier.objects.create(use_case=use_case, requested_by=ava)
        with CaptureQueriesContext(connection) as captured:
            assert dossiers.dossier_generate(dossier_id=dossier.pk).status == "ready"
        return len(captured.captured_queries)

    a_worked_record(use_case, ava)
    more_records(use_case, ava, 1)
    queries()  # warm the per-process caches (content types, permissions)
    few = queries()
    more_records(use_case, ava, 4)
    assert queries() == few
    assert "Incident 3" in stub_render[-1] and "Evidence 3" in stub_render[-1]  # the later records are in


# ---------------------------------------------------------------- who may


def test_a_use_case_ben_cannot_see_is_a_404_for_him_everywhere(use_case, ava, ben, client, stub_render,
                                                                django_capture_on_commit_callbacks):
    dossier = request_and_run(use_case, ava, django_capture_on_commit_callbacks)
    assert dossier.status == "ready"

    with pytest.raises(Http404):
        dossiers.dossier_request(use_case=use_case, actor=ben)
    with pytest.raises(Http404):
        dossiers.dossier_for(ben, dossier.pk)
    assert dossiers.dossier_for(ava, dossier.pk) == dossier
    client.force_login(ben)
    page = reverse("use_case_dossier", args=[use_case.reference])
    assert client.get(page).status_code == 404
    assert client.post(page).status_code == 404
    assert client.get(reverse("use_case_dossier_pdf", args=[use_case.reference])).status_code == 404
    assert Dossier.objects.count() == 1


# ---------------------------------------------------------------- failure, twice, lost


def test_a_rendering_failure_leaves_a_readable_error_and_no_file(use_case, ava, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    def broken(html):
        raise RuntimeError("the font cache is corrupt")

    monkeypatch.setattr(dossiers, "render", broken)
    dossier = request_and_run(use_case, ava, django_capture_on_commit_callbacks)

    assert dossier.status == "failed"
    assert "the font cache is corrupt" in dossier.error and "Build it again" in dossier.error
    assert not dossier.file and dossier.generated_at is None and dossier.pages is None


def test_a_failure_while_gathering_the_record_never_leaves_it_running(use_case, ava, monkeypatch):
    def broken(dossier, **kwargs):
        raise KeyError("obligations")

    monkeypatch.setattr(dossiers, "dossier_data", broken)
    dossier = dossiers.dossier_request(use_case=use_case, actor=ava)  # not committed here: run by hand
    assert dossiers.dossier_generate(dossier_id=dossier.pk).status == "failed"
    dossier.refresh_from_db()
    assert dossier.status == "failed" and "KeyError" in dossier.error


def test_running_the_task_twice_renders_once(use_case, ava, stub_render):
    dossier = dossiers.dossier_request(use_case=use_case, actor=ava)

    assert tasks.generate_dossier(dossier.pk) == "ready"
    dossier.refresh_from_db()
    name, generated = dossier.file.name, dossier.generated_at
    assert tasks.generate_dossier(dossier.pk) is None  # a second delivery finds it done
    assert tasks.generate_dossier(999999) is None  # or gone
    dossier.refresh_from_db()
    assert (dossier.file.name, dossier.generated_at, dossier.pages) == (name, generated, 3)
    assert len(stub_render) == 1
    assert dossier.file.read() == STUB_PDF


def test_a_dossier_being_rendered_is_left_alone_and_one_lost_with_its_worker_is_claimed_again(
    use_case, ava, stub_render, clock
):
    dossier = dossiers.dossier_request(use_case=use_case, actor=ava)
    Dossier.objects.filter(pk=dossier.pk).update(status="running")
    assert dossiers.dossier_generate(dossier_id=dossier.pk) is None  # another worker has it

    clock.shift(dossiers.STUCK_AFTER + datetime.timedelta(minutes=1))
    assert dossiers.dossier_generate(dossier_id=dossier.pk).status == "ready"


def test_the_sweep_queues_again_only_dossiers_left_waiting(use_case, ava, clock, django_capture_on_commit_callbacks):
    waiting = dossiers.dossier_request(use_case=use_case, actor=ava)
    lost = Dossier.objects.create(use_case=use_case, status="running")
    for status in ("ready", "failed"):
        Dossier.objects.create(use_case=use_case, status=status)
    clock.shift(dossiers.REQUEUE_AFTER + datetime.timedelta(minutes=1))
    assert dossiers.dossiers_requeue() == [waiting.pk]  # the running one is not lost yet

    clock.shift(dossiers.STUCK_AFTER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert dossiers.dossiers_requeue() == [waiting.pk, lost.pk]
    assert len(callbacks) == 2


def test_the_tasks_are_registered_ack_late_and_the_sweep_is_scheduled():
    for name in ("reports.tasks.generate_dossier", "reports.tasks.requeue_dossiers"):
        task = app.tasks[name]
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert set(app.tasks["reports.tasks.generate_dossier"].autoretry_for) == set(tasks.DATABASE_RETRY["autoretry_for"])
    periodic = PeriodicTask.objects.select_related("crontab").get(task="reports.tasks.requeue_dossiers")
    assert periodic.enabled and periodic.crontab.minute == "*/10"


# ---------------------------------------------------------------- the pages


def test_ava_builds_the_dossier_from_its_page_and_downloads_the_pdf(use_case, ava, client, stub_render,
                                                                    django_capture_on_commit_callbacks):
    client.force_login(ava)
    page = reverse("use_case_dossier", args=[use_case.reference])
    pdf_url = reverse("use_case_dossier_pdf", args=[use_case.reference])
    assert page == f"/intake/{use_case.reference}/dossier/" and pdf_url == f"/intake/{use_case.reference}/dossier.pdf"
    detail = client.get(reverse("intake:detail", args=[use_case.reference]))
    assert f'href="{page}"' in detail.content.decode()

    empty = client.get(page)
    assert empty.status_code == 200 and "Build the audit dossier" in empty.content.decode()
    assert client.get(pdf_url).url == page  # none ready yet: the page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page)
    assert response.status_code == 302 and response.url == page
    dossier = Dossier.objects.get()
    assert dossier.status == "ready" and dossier.requested_by == ava

    download = client.get(pdf_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{dossier.download_name}"'
    assert download["X-Content-Type-Options"] == "nosniff" and download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == STUB_PDF
    listed = client.get(page).content.decode()
    assert f"{pdf_url}?id={dossier.pk}" in listed and "Ready" in listed
    assert client.get(f"{pdf_url}?id={dossier.pk}").status_code == 200
    assert client.get(f"{pdf_url}?id=999999").status_code == 404
    assert client.get(f"{pdf_url}?id=x").status_code == 404


def test_the_page_shows_queued_running_and_failed_dossiers_with_the_error(use_case, ava, client):
    for status in ("queued", "running"):
        Dossier.objects.create(use_case=use_case, status=status)
    Dossier.objects.create(use_case=use_case, status="failed", error="The dossier could not be rendered (Boom).")
    client.force_login(ava)

    html = client.get(reverse("use_case_dossier", args=[use_case.reference])).content.decode()

    for label in ("Queued", "Running", "Failed"):
        assert f">{label}</span>" in html
    assert "The dossier could not be rendered (Boom)." in html
    assert 'http-equiv="refresh"' in html  # follows the pending ones until they are done
    assert "Download PDF" not in html


def test_the_admin_lists_dossiers_read_only_with_a_download_link(use_case, gov, client):
    dossier = Dossier.objects.create(use_case=use_case, status="ready", generated_at=timezone.now(), pages=3)
    dossier.file.save(dossier.download_name, ContentFile(STUB_PDF))
    client.force_login(gov)

    assert client.get(reverse("admin:reports_dossier_changelist")).status_code == 200
    change = client.get(reverse("admin:reports_dossier_change", args=[dossier.pk]))
    assert change.status_code == 200
    assert f"/intake/{use_case.reference}/dossier.pdf?id={dossier.pk}" in change.content.decode()
    assert client.get(reverse("admin:reports_dossier_add")).status_code == 403
