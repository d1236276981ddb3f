"""The audit dossier of one AI system: ava asks for the dossier of her high-risk use case, the task renders
it in-process, and the PDF holds the record an auditor reads (its reference, the reviews' decisions, the
obligation register with each framework's coverage as ``compliance.selectors.coverage`` counts it). ben,
of another business unit, is told neither the use case nor its dossiers exist.

One test renders for real (a few seconds); the others stub ``reports.dossiers.render`` but still render
the template, so a template error fails them too.
"""

import datetime
import hashlib
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from compliance import services as compliance_services
from compliance.models import Obligation, ObligationEvidence
from compliance.selectors import coverage, suggested_records
from config.celery import app
from reports import dossiers, pdf, tasks
from reports.models import Dossier
from reports.selectors import dossier_register
from reports.selectors.dossier import person
from reviews import services as review_services
from reviews.models import Evidence as ReviewEvidence
from reviews.models import GateDecision, Incident, KPIActual, Risk, RiskAcceptance
from tests.factories import KPIFactory
from tests.reviews.factories import reviewer, submitted_use_case, upload


def today_words() -> str:
    """Today as the pages print a moment (7 Dec 2026), in the local zone: CI also runs at UTC+14."""
    return dateformat.format(timezone.localdate(), "j M Y")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"
RATIONALE = "The employment-law assessment is on file; keep a recruiter on every decision."
CONDITION = "Publish the candidate notice before the pilot opens."
JUSTIFICATION = "Placed on the market only through the parent company's entity."
DATA_SHEET, DATA_SHEET_BYTES = "data-sheet.txt", b"Training data: 40,000 applications, 2021-2025.\n"
LOST_FILE = "bias-test.txt"


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


def pdf_pages(dossier: Dossier) -> list[str]:
    with dossier.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(dossier: Dossier) -> tuple[str, int]:
    pages = pdf_pages(dossier)
    return "\n".join(pages), len(pages)


def stamp(dossier: Dossier) -> str:
    """The dossier's id and generation moment as its cover and footers print them."""
    generated = dateformat.format(timezone.localtime(dossier.generated_at), "j M Y, H:i T")
    return f"Dossier {dossier.pk} · generated {generated}"


def obligation(use_case, identifier: str, framework: str = "eu-ai-act") -> Obligation:
    return Obligation.objects.get(use_case=use_case, requirement__framework__key=framework,
                                  requirement__identifier=identifier)


def link(item: Obligation, label: str, actor):
    suggestion = next(s for s in suggested_records(item) if s.label == label)
    return compliance_services.obligation_link(obligation=item, actor=actor, record_type=suggestion.record_type,
                                               record_id=suggestion.record.pk)


def a_worked_record(use_case, ava, gov=None):
    """Worked through the services, so the history says who did what: a legal decision with a condition;
    Art. 5 met on the approved legal review; Art. 9 with the model risk review linked while it is still open;
    NIST MAP 3.4 not applicable with a justification; Art. 10 with an upload, a second upload whose file is lost
    and a third removed again; Art. 11 with a model card linked and then rejected (when ``gov`` is given)."""
    legal = review_services.review_decide(
        review=use_case.reviews.get(function="legal"), actor=reviewer("legal", "lee.legal"),
        decision="approve_with_conditions", rationale=RATIONALE,
        conditions=[{"text": CONDITION, "owner": ava, "due_date": timezone.localdate() + datetime.timedelta(days=30)}])
    art5 = obligation(use_case, "Art. 5")
    link(art5, "Legal review", ava)
    compliance_services.obligation_set_status(obligation=art5, actor=ava, status="met")
    link(obligation(use_case, "Art. 9"), "Model risk review", ava)
    compliance_services.obligation_set_status(obligation=obligation(use_case, "MAP 3.4", "nist-ai-rmf"), actor=ava,
                                              status="not_applicable", justification=JUSTIFICATION)
    art10 = obligation(use_case, "Art. 10")
    for name, content in ((DATA_SHEET, DATA_SHEET_BYTES), (LOST_FILE, b"Gone."), ("draft.txt", b"Draft.")):
        compliance_services.obligation_upload(obligation=art10, actor=ava, upload=upload(name, content, "text/plain"))
    lost = ReviewEvidence.objects.get(use_case=use_case, original_name=LOST_FILE)
    lost.file.storage.delete(lost.file.name)
    compliance_services.obligation_unlink(evidence=art10.evidence.get(label="draft.txt"), actor=ava)
    if gov is not None:
        card = review_services.evidence_add(use_case=use_case, actor=ava, artefact_type="model_card",
                                            upload=upload("model-card.txt", b"Model card.", "text/plain"))
        link(obligation(use_case, "Art. 11"), f"Model or system card: {card.original_name}", ava)
        review_services.evidence_reject(evidence=card, actor=gov,
                                        reason="The card leaves out the training data and its limits.")
    return legal


# ---------------------------------------------------------------- rendering for real


def test_the_dossier_is_queued_then_rendered_with_the_record_and_the_coverage(
    use_case, ava, gov, django_capture_on_commit_callbacks
):
    a_worked_record(use_case, ava, gov)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        waiting = dossiers.dossier_request(use_case=use_case, actor=ava)
    assert waiting.status == "queued" and waiting.requested_by == ava
    assert len(queued) == 1  # the task, once the request commits

    dossier = request_and_run(use_case, ava, django_capture_on_commit_callbacks)

    assert dossier.pk == waiting.pk  # still queued: the same dossier, not a second one
    assert dossier.status == "ready" and dossier.error == ""
    assert dossier.generated_at is not None
    assert dossier.file.name.startswith(f"dossiers/{timezone.now():%Y/%m}/stagegate-dossier-{use_case.reference}-")
    pages = pdf_pages(dossier)
    text = "\n".join(pages)
    assert dossier.pages == len(pages) >= 10
    assert f"Page 2 of {len(pages)}" in text
    assert use_case.reference in text and "Candidate screening assistant" in text
    assert "High-risk" in text  # the EU AI Act category
    assert "Approved with conditions" in text and RATIONALE in text and CONDITION in text
    assert "Obligation register and evidence" in text
    rows = coverage(use_case)
    assert {row.framework.name for row in rows} == {"EU AI Act", "ISO/IEC 42001:2023 Annex A", "NIST AI RMF 1.0"}
    assert sum(row.met for row in rows) == 2  # Art. 5 met, MAP 3.4 not applicable
    for row in rows:
        line = (f"{row.framework.name} Coverage: {row.met} of {row.applicable} applicable obligations satisfied "
                f"({row.percent}%)")
        assert line in text, line
    ava_name = person(ava)

    # Each piece of evidence in its state now, as the register page words it; no control kind as its wording.
    assert "Legal review — approved with conditions (linked record" in text
    assert "Model risk review — open, does not count yet (linked record" in text
    assert f"{DATA_SHEET} — uploaded (uploaded file, added by {ava_name}" in text
    assert "Model or system card: model-card.txt — rejected, does not count (linked record" in text
    assert "review function's approval" not in text.lower() and "link to a stagegate record" not in text.lower()

    # Who set each obligation's status and when, the justification with its author, and the register's history.
    assert f"Set to met by {ava_name} on {today_words()}" in text
    assert f"Set to not applicable by {ava_name} on {today_words()}" in text
    assert f"Justification by {ava_name} on {today_words()}: {JUSTIFICATION}" in text
    history = text[text.rindex("Obligation history"):text.rindex("Record history")]
    assert f"{ava_name} EU AI Act Art. 5 Status not started → met" in history
    assert f"{ava_name} EU AI Act Art. 10 Evidence removed: draft.txt (uploaded file)" in history
    assert f"EU AI Act Art. 10 Evidence added: {DATA_SHEET} (uploaded file)" in history
    assert "Status not started → not applicable; justification: “Placed on the market" in history

    # One date format everywhere, the target release included; the high-risk duties apply from 2 Dec 2027.
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert f"Target release date {dateformat.format(use_case.target_release, 'j M Y')}" in text
    assert "June" not in text  # the cover read "10 June 2026"
    assert "Articles 8-27, Annex III 2 Dec 2027" in text and "Applies from 2 Dec 2027" in text
    assert "2 Aug 2026" not in text

    # The cover, then the system: the title once on each, the owners once, and the next part right after
    # the answers rather than on a page of its own.
    cover, rest = pages[0], " ".join(pages[1:])
    system = rest[:rest.index("2 Risk tier and EU AI Act category")]
    assert cover.count(use_case.title) == 1 and system.count(use_case.title) == 1
    for owner in (use_case.delivery_owner, use_case.executive_sponsor):
        assert system.count(person(owner)) == 1 and person(owner) not in cover
    last_answer = next(n for n, page in enumerate(pages) if "AI models None named" in page)
    assert "2 Risk tier and EU AI Act category" in pages[last_answer]

    # Which dossier, generated when: on the cover and in every later page's footer.
    assert stamp(dossier) in cover
    assert all(stamp(dossier) in page for page in pages[1:])

    # The evidence files with their SHA-256 as stored; a file gone from storage says so.
    files = text[text.rindex("Appendix: evidence files and their checksums"):]
    assert f"{DATA_SHEET} EU AI Act Art. 10" in files
    assert f"SHA-256 {hashlib.sha256(DATA_SHEET_BYTES).hexdigest()}" in files
    assert f"SHA-256 {hashlib.sha256(b'Model card.').hexdigest()}" in files
    assert f"{LOST_FILE} EU AI Act Art. 10" in files and "No checksum: the file is missing from storage." in files
    assert "draft.txt" not in files  # removed from the register


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
        compliance_services.obligation_upload(obligation=obligation, actor=ava,
                                              upload=upload(f"report-{k}.txt", b"Report.", "text/plain"))
        compliance_services.obligation_set_status(obligation=obligation, actor=ava, status="in_progress")


def test_the_dossier_reads_the_same_number_of_queries_however_long_the_record(use_case, ava, gov, stub_render):
    def queries() -> int:
        dossier = Dossier.objects.create(use_case=use_case, requested_by=ava)
        with CaptureQueriesContext(connection) as captured:
            assert dossiers.dossier_generate(dossier_id=dossier.pk).status == "ready"
        return len(captured.captured_queries)

    a_worked_record(use_case, ava, gov)
    more_records(use_case, ava, 1)
    queries()  # warm the per-process caches (content types, permissions)
    few = queries()
    more_records(use_case, ava, 4)
    assert queries() == few
    assert "Incident 3" in stub_render[-1] and "Evidence 3" in stub_render[-1]  # the later records are in
    assert 'report-3.txt — <span class="good">uploaded</span>' in stub_render[-1]  # its evidence, counted
    assert "<strong>report-3.txt</strong>" in stub_render[-1]  # and in the files' appendix
    assert "Evidence added: report-3.txt (uploaded file)" in stub_render[-1]  # and its history
    assert "Status not started → in progress" in stub_render[-1]


def test_the_obligation_history_lists_the_latest_changes_and_says_when_there_are_more(
    use_case, ava, stub_render, monkeypatch
):
    monkeypatch.setattr(dossier_register, "HISTORY_LIMIT", 3)
    art10 = obligation(use_case, "Art. 10")
    for k in range(4):
        compliance_services.obligation_upload(obligation=art10, actor=ava,
                                              upload=upload(f"log-{k}.txt", b"Log.", "text/plain"))
    dossiers.dossier_generate(dossier_id=dossiers.dossier_request(use_case=use_case, actor=ava).pk)

    html = stub_render[-1]
    history = html[html.index('id="section-obligation_history"'):html.index('id="section-history"')]
    assert "Only the latest 3 changes are listed" in history
    assert [name for name in ("log-0", "log-1", "log-2", "log-3") if name in history] == ["log-1", "log-2", "log-3"]


def test_a_file_storage_cannot_read_is_named_in_the_appendix_and_the_dossier_still_renders(
    use_case, ava, stub_render, monkeypatch
):
    art10 = obligation(use_case, "Art. 10")
    compliance_services.obligation_upload(obligation=art10, actor=ava,
                                          upload=upload(DATA_SHEET, b"Data.", "text/plain"))

    def unreadable(self, name, mode="rb"):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(FileSystemStorage, "_open", unreadable)
    dossier = dossiers.dossier_generate(dossier_id=dossiers.dossier_request(use_case=use_case, actor=ava).pk)

    assert dossier.status == "ready"
    files = stub_render[-1][stub_render[-1].index('id="section-files"'):]
    assert DATA_SHEET in files and "No checksum: the file could not be read from storage." in files


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
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response.url == f"{page}?dossier={dossier.pk}"
    assert dossier.status == "ready" and dossier.requested_by == ava
    # The page says where the dossier stands now (an eager task has rendered it), not that it is queued.
    banner = client.get(response.url).content.decode()
    assert (f'Dossier {dossier.pk} is ready: <a href="{pdf_url}?id={dossier.pk}">download</a> (3 pages).'
            in banner)
    assert "queued" not in banner.lower() and "shows its progress" not in banner

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


def test_the_page_message_follows_a_dossier_still_on_its_way_until_it_is_ready(
    use_case, ava, client, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(ava)
    page = reverse("use_case_dossier", args=[use_case.reference])
    with django_capture_on_commit_callbacks(execute=False) as queued:  # a worker, not the request, renders it
        response = client.post(page)
    dossier = Dossier.objects.get()

    html = client.get(response.url).content.decode()
    assert f"Dossier {dossier.pk} is queued. This page shows its progress until it is ready." in html
    assert 'http-equiv="refresh"' in html  # reloads itself, with the same ?dossier=

    while_rendering = []

    def render(html):
        while_rendering.append(client.get(response.url).content.decode())
        return STUB_PDF, 3

    monkeypatch.setattr(dossiers, "render", render)
    queued[0]()  # the worker renders it
    assert f"Dossier {dossier.pk} is running. This page shows its progress" in while_rendering[0]
    html = client.get(response.url).content.decode()
    assert f"Dossier {dossier.pk} is ready: <a " in html and 'http-equiv="refresh"' not in html


def test_the_page_message_gives_the_error_of_a_dossier_that_failed(
    use_case, ava, client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("the font cache is corrupt")

    monkeypatch.setattr(dossiers, "render", broken)
    client.force_login(ava)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("use_case_dossier", args=[use_case.reference]))
    dossier = Dossier.objects.get()

    html = client.get(response.url).content.decode()
    banner = html[html.index('id="requested-dossier"'):html.index('id="dossiers-title"')]
    assert f"Dossier {dossier.pk} failed. The dossier could not be rendered (RuntimeError: the font cache" in banner
    assert "is ready" not in banner and "shows its progress" not in banner
    other = client.get(f"{reverse('use_case_dossier', args=[use_case.reference])}?dossier=999999")
    assert other.status_code == 200 and 'id="requested-dossier"' not in other.content.decode()


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



