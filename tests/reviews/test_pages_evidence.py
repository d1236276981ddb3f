"""The gate-evidence pages: owners record readiness, the checklist, risks, KPI
measurements, costs and incidents; anyone who may see the use case reads them.

olga.owner (business owner: Accountable for outcome and delivery) records;
sam.sponsor (executive sponsor: go / no-go only) reads but may not record;
ben, in another business unit, gets a 404 everywhere.
"""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from reviews import services
from reviews.models import (
    ChecklistEntry,
    ChecklistItem,
    CostEntry,
    Incident,
    KPIActual,
    ReadinessArea,
    ReadinessScore,
    Risk,
)
from tests.factories import KPIFactory, UseCaseFactory, UserFactory, at_stage
from tests.reviews.factories import reviewer

pytestmark = pytest.mark.django_db

PAGES = ["reviews", "readiness", "checklist", "risks", "kpis", "incidents"]


@pytest.fixture
def sponsor(db):
    return UserFactory(username="sam.sponsor", first_name="Sam", last_name="Sponsor")


@pytest.fixture
def case(ava, custops, owner, sponsor, gov):
    """A submitted low-tier use case in pilot, owned by olga, sponsored by sam."""
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner,
                              executive_sponsor=sponsor, title="Ticket summaries")
    KPIFactory(use_case=use_case, name="Handling time", baseline=Decimal("12"), target=Decimal("8"),
               direction="decrease")
    use_case = services.use_case_submit(use_case=use_case, actor=ava)
    return at_stage(use_case, "pilot")


def url(name, use_case, *args):
    return reverse(f"reviews:{name}", args=[use_case.reference, *args])


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def readiness_post(score=4, **overrides):
    data = {}
    for area in ReadinessArea.objects.all():
        value = overrides.get(area.key, score)
        if value is not None:
            data[f"score_{area.key}"] = str(value)
    return data


def risk_post(**overrides):
    return {"area": "data_privacy", "description": "Ticket text may hold card numbers.", "likelihood": "3",
            "impact": "4", "owner": "", "controls": "Masking before the prompt.", "mitigation_status": "open",
            "escalation_threshold": "15", **overrides}


def incident_post(**overrides):
    occurred = timezone.localtime() - datetime.timedelta(hours=2)
    return {"severity": "3", "title": "Summaries showed the wrong customer", "what_happened": "A cache key clash.",
            "impact": "Two agents saw another customer's summary.", "response": "Cache flushed.",
            "corrective_action": "Key by ticket id.", "status": "open",
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), **overrides}


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_for_a_viewer_and_404s_for_another_unit(client, case, sponsor, ben, page):
    response = login(client, sponsor).get(url(page, case))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html and 'aria-current="page"' in html
    assert login(client, ben).get(url(page, case)).status_code == 404
    assert client.post(url(page, case), {}).status_code == (405 if page == "reviews" else 404)


def test_records_and_gate_pages_404_for_another_unit(client, case, owner, ben):
    risk = services.risk_save(use_case=case, actor=owner, data={"area": "cost_creep", "description": "Tokens.",
                                                               "likelihood": 2, "impact": 2})
    incident = services.incident_report(use_case=case, actor=owner, data={
        "severity": 4, "title": "Slow", "what_happened": "Latency.", "occurred_at": timezone.now()})
    login(client, ben)
    for target in (url("risk_edit", case, risk.pk), url("incident_edit", case, incident.pk), url("gate", case)):
        assert client.get(target).status_code == 404
        assert client.post(target, {}).status_code == 404
    assert client.post(url("comment", case), {"body": "hello"}).status_code == 404


def test_a_record_of_another_use_case_is_404(client, case, owner, ava, custops):
    other = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner)
    risk = services.risk_save(use_case=other, actor=owner, data={"area": "cost_creep", "description": "Tokens.",
                                                                "likelihood": 2, "impact": 2})
    login(client, owner)
    assert client.get(url("risk_edit", case, risk.pk)).status_code == 404
    assert client.post(url("risk_edit", case, risk.pk), risk_post()).status_code == 404
    assert Risk.objects.get(pk=risk.pk).area == "cost_creep"


def test_viewer_sees_no_forms_and_is_told_who_records(client, case, sponsor):
    login(client, sponsor)
    for page in ("readiness", "checklist", "risks", "kpis", "incidents"):
        html = client.get(url(page, case)).content.decode()
        assert "Gate evidence is recorded by the people responsible or accountable" in html, page
        assert 'method="post"' not in html.split("</header>", 1)[1], page


def test_posts_without_manage_evidence_change_nothing(client, case, sponsor):
    login(client, sponsor)
    kpi = case.kpis.get()
    posts = [
        ("readiness", readiness_post()),
        ("checklist", {"ready_ownership": "on", "evidence_ownership": "Named in the charter."}),
        ("risks", risk_post()),
        ("kpis", {"form": "measurement", "actual-kpi": kpi.pk, "actual-measured_on": "2026-01-05",
                  "actual-value": "9"}),
        ("kpis", {"form": "cost", "cost-period": "2026-01", "cost-budget": "100", "cost-actual": "90"}),
        ("incidents", incident_post()),
    ]
    for page, data in posts:
        response = client.post(url(page, case), data, follow=True)
        assert response.status_code == 200, page
        assert any("You do not have permission to do that." in m and "Gate evidence of" in m
                   for m in messages_of(response)), page
    for model in (ReadinessScore, ChecklistEntry, Risk, KPIActual, CostEntry, Incident):
        assert not model.objects.exists(), model


# ---------------------------------------------------------------- readiness


def test_readiness_post_saves_and_shows_total_and_band(client, case, owner):
    login(client, owner)
    data = readiness_post(4) | {"note_ownership": "Owner named in the charter.",
                                "score_vendor_readiness": "1", "review_vendor_readiness": "No vendor: n/a."}
    response = client.post(url("readiness", case), data, follow=True)
    assert response.status_code == 200
    assert ReadinessScore.objects.filter(use_case=case).count() == 18
    assert ReadinessScore.objects.get(use_case=case, area__key="ownership").note == "Owner named in the charter."
    assert any("Readiness recorded for 18 areas. Total 69/90, moderate." in m for m in messages_of(response))
    html = response.content.decode()
    summary = response.context["summary"]
    assert (summary.total, summary.band.label) == (69, "Moderate")
    assert "<strong>69</strong><span>/90</span>" in html and "Moderate" in html
    assert "Proceed only with targeted gap closure." in html
    assert "Every critical area scores 3 or more." in html


def test_readiness_only_changed_areas_are_recorded(client, case, owner):
    login(client, owner)
    client.post(url("readiness", case), readiness_post(4))
    before = dict(ReadinessScore.objects.values_list("area__key", "updated_at"))
    response = client.post(url("readiness", case), readiness_post(4, ownership=5), follow=True)
    after = dict(ReadinessScore.objects.values_list("area__key", "updated_at"))
    assert [key for key in after if after[key] != before[key]] == ["ownership"]
    assert any("Readiness recorded for 1 area." in m for m in messages_of(response))
    response = client.post(url("readiness", case), readiness_post(4, ownership=5), follow=True)
    assert "Nothing changed." in messages_of(response)


def test_partial_scoring_shows_blocking_areas(client, case, owner):
    login(client, owner)
    response = client.post(url("readiness", case), {"score_ownership": "2", "score_problem_clarity": "5"},
                           follow=True)
    html = response.content.decode()
    assert "2 of 18 areas scored" in html
    assert 'id="gate-blocked"' in html and "Ownership" in html
    assert "Below 3: blocks scaling." in html


@pytest.mark.parametrize("bad", ["6", "x", "0", "1.5", ""])
def test_bad_score_is_a_field_error_and_saves_nothing(client, case, owner, bad):
    login(client, owner)
    data = readiness_post(4) | {"score_ownership": bad}
    if bad == "":
        data["note_ownership"] = "A note without a score."
    response = client.post(url("readiness", case), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["score_ownership"]
    html = response.content.decode()
    assert "Some scores need attention" in html and 'id="area-ownership" class="has-error"' in html
    assert not ReadinessScore.objects.exists()


def test_a_one_is_saved_with_a_warning_until_someone_independent_reviews_it(client, case, owner):
    login(client, owner)
    response = client.post(url("readiness", case), readiness_post(4, workflow_fit=1), follow=True)
    html = response.content.decode()
    assert ReadinessScore.objects.get(area__key="workflow_fit").score == 1
    assert 'id="unreviewed"' in html and "Scored 1 without an independent review: Workflow fit" in html
    assert "A score of 1 needs an explicit review." in html
    assert 'id="independent-reviews"' in html and "Record the independent review" not in html  # not theirs
    response = client.post(url("readiness", case), readiness_post(4, workflow_fit=1) | {
        "review_workflow_fit": "Reviewed with ops on 3 March: acceptable for the pilot."}, follow=True)
    html = response.content.decode()
    assert 'id="unreviewed"' in html and "reviewed by the use case's team only" in html
    # A security reviewer signs it off on the page; a too-short review keeps what they typed.
    login(client, reviewer("security"))
    short = client.post(url("readiness_signoff", case), {"area": "workflow_fit", "review": "fine"})
    assert short.status_code == 200 and 'value="workflow_fit" selected' in short.content.decode()
    assert "Ensure this value has at least 10 characters" in short.content.decode()
    assert "fine</textarea>" in short.content.decode()
    done = client.post(url("readiness_signoff", case), {"area": "workflow_fit",
                                                        "review": "Walked the workflow with ops: acceptable."},
                       follow=True)
    html = done.content.decode()
    assert "Independent review recorded for Workflow fit." in html and 'id="unreviewed"' not in html


def test_tampered_readiness_field_names_are_ignored(client, case, owner):
    login(client, owner)
    response = client.post(url("readiness", case), readiness_post(3) | {"score_no_such_area": "5",
                                                                         "score_ownership": ["3", "9"]})
    assert response.status_code in (200, 302)
    assert not ReadinessScore.objects.filter(score=9).exists()


# ---------------------------------------------------------------- checklist


def test_checklist_ready_without_evidence_is_an_error_at_that_item(client, case, owner):
    login(client, owner)
    data = {"ready_ownership": "on", "evidence_ownership": "   ",
            "ready_problem_definition": "on", "evidence_problem_definition": "Charter v2 signed."}
    response = client.post(url("checklist", case), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["evidence_ownership"]
    assert "needs its evidence" in errors["evidence_ownership"][0]
    html = response.content.decode()
    assert 'id="item-ownership" class="has-error"' in html
    assert '<a href="#item-ownership">Ownership</a>: A ready item needs its evidence' in html
    assert not ChecklistEntry.objects.exists()


def test_checklist_saves_changed_items_and_shows_the_count(client, case, owner):
    login(client, owner)
    data = {f"ready_{key}": "on" for key in ("ownership", "problem_definition")} | {
        "evidence_ownership": "Named owner: Olga.", "evidence_problem_definition": "Charter v2 signed.",
        "evidence_monitoring_active": "Dashboard planned, not live."}
    response = client.post(url("checklist", case), data, follow=True)
    assert sorted(ChecklistEntry.objects.values_list("item__key", "ready")) == [
        ("monitoring_active", False), ("ownership", True), ("problem_definition", True)]
    # Its Privacy & legal review item is ready too: its tier (low) requires neither review.
    assert any("3 of 14 items ready" in m for m in messages_of(response))
    assert "<strong>3</strong><span>/14 ready</span>" in response.content.decode()
    assert ChecklistItem.objects.count() == 14


# ---------------------------------------------------------------- risks


def test_add_and_edit_a_risk(client, case, owner, sponsor):
    login(client, owner)
    response = client.post(url("risks", case), risk_post(owner=sponsor.pk), follow=True)
    risk = Risk.objects.get()
    assert (risk.use_case, risk.likelihood, risk.impact, risk.owner) == (case, 3, 4, sponsor)
    assert any("Risk added: Data privacy (score 12)." in m for m in messages_of(response))
    html = response.content.decode()
    assert "Ticket text may hold card numbers." in html and "Sam Sponsor" in html

    page = client.get(url("risk_edit", case, risk.pk))
    assert page.context["form"].initial["likelihood"] == "3"
    response = client.post(url("risk_edit", case, risk.pk), risk_post(likelihood="5", mitigation_status="mitigating"),
                           follow=True)
    risk.refresh_from_db()
    assert (risk.likelihood, risk.mitigation_status, risk.score) == (5, "mitigating", 20)
    assert risk.needs_escalation
    assert any("escalation threshold" in m for m in messages_of(response))
    assert "badge-escalate" in response.content.decode()


@pytest.mark.parametrize(("field", "value"), [("likelihood", "9"), ("impact", "x"), ("owner", "999999"),
                                              ("area", "aliens"), ("escalation_threshold", "26"),
                                              ("description", ""), ("mitigation_status", "gone")])
def test_bad_risk_input_is_a_field_error(client, case, owner, field, value):
    login(client, owner)
    response = client.post(url("risks", case), risk_post(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Risk.objects.exists()


def test_heat_map_counts_risks_by_likelihood_and_impact(client, case, owner, sponsor):
    for likelihood, impact in [(5, 4), (5, 4), (1, 1), (3, 5)]:
        services.risk_save(use_case=case, actor=owner, data={
            "area": "output_reliability", "description": "Wrong summaries.", "likelihood": likelihood,
            "impact": impact})
    response = login(client, sponsor).get(url("risks", case))
    grid = {(row["likelihood"], cell["impact"]): cell for row in response.context["heatmap"]
            for cell in row["cells"]}
    assert (grid[(5, 4)]["count"], grid[(1, 1)]["count"], grid[(3, 5)]["count"], grid[(4, 4)]["count"]) == (2, 1, 1, 0)
    assert (grid[(5, 4)]["level"], grid[(1, 1)]["level"]) == ("critical", "low")
    assert [row["likelihood"] for row in response.context["heatmap"]] == [5, 4, 3, 2, 1]
    html = response.content.decode()
    assert 'id="heat-5-4"' in html and "= 20: 2 risks\">2</td>" in html
    assert response.context["escalations"] == 3  # 20, 20 and 15 reach the default threshold of 15


# ---------------------------------------------------------------- KPIs and costs


def test_add_a_kpi_measurement(client, case, owner):
    login(client, owner)
    kpi = case.kpis.get()
    response = client.post(url("kpis", case), {"form": "measurement", "actual-kpi": kpi.pk,
                                               "actual-measured_on": "2026-01-05", "actual-value": "7.5",
                                               "actual-note": "January sample"}, follow=True)
    actual = KPIActual.objects.get()
    assert (actual.kpi, actual.value, actual.measured_on) == (kpi, Decimal("7.5"), datetime.date(2026, 1, 5))
    assert any("Measurement recorded: Handling time 7.5 minutes" in m for m in messages_of(response))
    row = response.context["progress"][0]
    assert row["p"].met and row["p"].progress_pct == 113 and row["bar"] == 100
    html = response.content.decode()
    assert "✓ Met" in html and "January sample" in html and "113%" in html


@pytest.mark.parametrize(("field", "value"), [("value", "abc"), ("value", "1e400"), ("value", "3.14159"),
                                              ("measured_on", "yesterday"), ("kpi", "999999"),
                                              ("measured_on", "2999-01-01")])
def test_bad_kpi_measurement_is_a_field_error(client, case, owner, field, value):
    login(client, owner)
    data = {"form": "measurement", "actual-kpi": case.kpis.get().pk, "actual-measured_on": "2026-01-05",
            "actual-value": "7"} | {f"actual-{field}": value}
    response = client.post(url("kpis", case), data)
    assert response.status_code == 200
    assert field in response.context["measurement_form"].errors
    assert "The measurement needs attention" in response.content.decode()
    assert not KPIActual.objects.exists()


def test_a_kpi_of_another_use_case_cannot_be_measured_here(client, case, owner, ava, custops):
    other = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner)
    foreign = KPIFactory(use_case=other)
    response = login(client, owner).post(url("kpis", case), {
        "form": "measurement", "actual-kpi": foreign.pk, "actual-measured_on": "2026-01-05", "actual-value": "7"})
    assert "kpi" in response.context["measurement_form"].errors
    assert not KPIActual.objects.exists()


def test_record_costs_per_month(client, case, owner):
    login(client, owner)
    response = client.post(url("kpis", case), {"form": "cost", "cost-period": "2026-02", "cost-budget": "1000",
                                               "cost-actual": "1250.50", "cost-note": "Token spike"}, follow=True)
    entry = CostEntry.objects.get()
    assert (entry.period_start, entry.budget, entry.actual) == (datetime.date(2026, 2, 1), 1000, Decimal("1250.50"))
    assert any("Costs for February 2026 recorded." in m for m in messages_of(response))
    html = response.content.decode()
    assert "February 2026" in html and "+250.50" in html and "Token spike" in html
    response = client.post(url("kpis", case), {"form": "cost", "cost-period": "2026-02", "cost-budget": "-1",
                                               "cost-actual": "x"})
    assert set(response.context["cost_form"].errors) == {"budget", "actual"}
    assert CostEntry.objects.get().budget == 1000


# ---------------------------------------------------------------- incidents


def test_severity_one_incident_emails_the_sponsor(client, case, owner, sponsor, django_capture_on_commit_callbacks):
    login(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("incidents", case), incident_post(severity="1", rollback_done="on"), follow=True)
    incident = Incident.objects.get()
    assert (incident.severity, incident.rollback_done, incident.reported_by) == (1, True, owner)
    assert any("Severity 1" in m for m in messages_of(response))
    assert [m.to for m in mail.outbox] == [[sponsor.email]]
    assert "SEVERITY 1" in mail.outbox[0].subject
    html = response.content.decode()
    assert "badge-sev-1" in html and "Summaries showed the wrong customer" in html


def test_update_an_incident(client, case, owner, django_capture_on_commit_callbacks):
    incident = services.incident_report(use_case=case, actor=owner, data={
        "severity": 3, "title": "Slow", "what_happened": "Latency.", "occurred_at": timezone.now()})
    login(client, owner)
    page = client.get(url("incident_edit", case, incident.pk))
    assert page.context["form"].initial["severity"] == "3"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("incident_edit", case, incident.pk),
                               incident_post(severity="3", title="Slow", status="resolved",
                                             corrective_action="Added a cache."), follow=True)
    incident.refresh_from_db()
    assert (incident.status, incident.corrective_action) == ("resolved", "Added a cache.")
    assert any("Incident updated" in m for m in messages_of(response))
    assert mail.outbox == []


@pytest.mark.parametrize(("field", "value"), [("severity", "9"), ("severity", ""), ("occurred_at", "soon"),
                                              ("occurred_at", "2999-01-01T10:00"), ("status", "exploded"),
                                              ("title", "")])
def test_bad_incident_input_is_a_field_error(client, case, owner, field, value):
    response = login(client, owner).post(url("incidents", case), incident_post(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- reviews page


def test_reviews_page_lists_reviews_for_the_submitter(client, case, ava):
    response = login(client, ava).get(url("reviews", case))
    html = response.content.decode()
    review = case.reviews.get()
    assert "Current review cycle" in html and review.get_function_display() in html
    assert "badge-review-open" in html and "Unassigned" in html
    assert "Open in the review queue" not in html  # submitters cannot open the admin queue


# ---------------------------------------------------------------- query counts


def _grow(use_case, owner, n):
    for i in range(n):
        services.risk_save(use_case=use_case, actor=owner, data={
            "area": "cost_creep", "description": f"Risk {i}", "likelihood": 1 + i % 5, "impact": 1 + (i * 2) % 5,
            "owner": owner})
        services.incident_report(use_case=use_case, actor=owner, data={
            "severity": 2 + i % 3, "title": f"Incident {i}", "what_happened": "Latency.",
            "occurred_at": timezone.now() - datetime.timedelta(days=i)})
        services.cost_record(use_case=use_case, actor=owner, period=datetime.date(2025, 1 + i % 12, 1), budget=10,
                             actual=9)
        kpi = KPIFactory(use_case=use_case, name=f"KPI {i}")
        for day in range(1, 4):
            services.kpi_actual_record(kpi=kpi, actor=owner, measured_on=datetime.date(2026, 1, day), value=day)
    areas = list(ReadinessArea.objects.values_list("key", flat=True))[: 2 + n]
    services.readiness_record(use_case=use_case, actor=owner, scores=dict.fromkeys(areas, 3))
    # The review items follow the reviews: never ticked.
    items = [item.key for item in ChecklistItem.objects.all() if not item.review_functions][: 2 + n]
    services.checklist_record(use_case=use_case, actor=owner,
                              items={key: {"ready": False, "evidence": ""} for key in items})


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_is_constant(client, case, owner, ava, custops, sponsor, page):
    _grow(case, owner, 1)
    # A risk over its threshold in both: the register then reads its acceptances (one query, whatever the count).
    services.risk_save(use_case=case, actor=owner, data={"area": "reputation", "description": "Press coverage.",
                                                          "likelihood": 5, "impact": 5, "owner": owner})
    login(client, owner)
    client.get(url(page, case))  # warm the process-wide caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(page, case)).status_code == 200
    big = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner, executive_sponsor=sponsor)
    KPIFactory(use_case=big)
    big = services.use_case_submit(use_case=big, actor=ava)
    _grow(big, owner, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(page, big)).status_code == 200
    assert len(many) == len(few), page


def test_view_only_grant_reads_but_cannot_comment_or_record(client, case):
    viewer = UserFactory(username="vic.viewer")
    assign_perm("view_usecase", viewer, case)
    login(client, viewer)
    assert client.get(url("readiness", case)).status_code == 200
    detail = client.get(reverse("intake:detail", args=[case.reference])).content.decode()
    assert 'id="gate"' in detail and "Add comment" not in detail and "Record scores" not in detail


def test_the_gap_closure_plan_is_recorded_on_the_readiness_page(client, case, owner):
    login(client, owner)
    client.post(url("readiness", case), readiness_post(4, workflow_fit=3))
    html = client.get(url("readiness", case)).content.decode()
    assert 'id="gap-plan"' in html and "Missing: Workflow fit." in html
    bad = client.post(url("gap_plan", case), {"action_workflow_fit": "Pair each team with a coach.",
                                              "owner_workflow_fit": "nobody.here", "due_workflow_fit": "2027-03-01"})
    assert bad.status_code == 200 and "Name its owner" in bad.content.decode()
    assert 'value="Pair each team with a coach."' in bad.content.decode()  # what was typed stays
    done = client.post(url("gap_plan", case), {"action_workflow_fit": "Pair each team with a coach.",
                                               "owner_workflow_fit": owner.username,
                                               "due_workflow_fit": "2027-03-01"}, follow=True)
    html = done.content.decode()
    assert "Gap-closure plan recorded." in html and "Missing:" not in html
    assert 'name="due_workflow_fit" value="2027-03-01"' in html  # a date input shows the saved date
