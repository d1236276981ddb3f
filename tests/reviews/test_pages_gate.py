"""The use-case page's reviews panels: the Gate (criteria met or not, the stage
timeline, the sponsor's decision), reviews, evidence and discussion.

sam.sponsor is the go / no-go Accountable and decides; olga.owner records the
evidence; ava submitted (separation of duties keeps her from deciding).
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake import services as intake_services
from intake.models import PILOT_CRITERIA, UseCase
from reviews import selectors, services
from reviews.models import ChecklistItem, Comment, Evidence, GateDecision, ReadinessArea
from tests.factories import KPIFactory, UseCaseFactory, UserFactory, at_stage

from .factories import PDF, WINDOWS_EXE, CommentFactory, reviewer, upload

pytestmark = pytest.mark.django_db

RATIONALE = "Evidence reviewed at the monthly gate."


@pytest.fixture
def sponsor(db):
    return UserFactory(username="sam.sponsor", first_name="Sam", last_name="Sponsor")


def make_case(ava, custops, owner, sponsor, gov, *, stage="pilot", **answers):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner,
                              executive_sponsor=sponsor, title="Ticket summaries", **answers)
    KPIFactory(use_case=use_case, baseline=Decimal("12"), target=Decimal("8"), direction="decrease")
    use_case = services.use_case_submit(use_case=use_case, actor=ava)
    return at_stage(use_case, stage)


@pytest.fixture
def case(ava, custops, owner, sponsor, gov):
    return make_case(ava, custops, owner, sponsor, gov)


def record_all_evidence(use_case, owner):
    """Everything pilot -> controlled rollout needs, recorded through the services."""
    for review in selectors.reviews_in_cycle(use_case):
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale="Reviewed the design and the controls.")
    services.readiness_record(use_case=use_case, actor=owner,
                              scores=dict.fromkeys(ReadinessArea.objects.values_list("key", flat=True), 4))
    services.checklist_record(use_case=use_case, actor=owner, items={
        key: {"ready": True, "evidence": "Signed off in the pilot review."}
        for key in ChecklistItem.objects.values_list("key", flat=True)})


def detail(use_case):
    return reverse("intake:detail", args=[use_case.reference])


def gate_url(use_case):
    return reverse("reviews:gate", args=[use_case.reference])


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def stage_of(use_case):
    return UseCase.objects.get(pk=use_case.pk).stage


def gate_panel(response):
    return next(p for p in response.context["panels"] if p["template"] == "reviews/panels/gate.html")["context"]


# ---------------------------------------------------------------- the Gate panel


def test_gate_panel_lists_each_criterion_met_or_not(client, case, sponsor):
    response = login(client, sponsor).get(detail(case))
    ctx = gate_panel(response)
    state = {c.key: c.met for c in ctx["criteria"]}
    assert state == {"reviews_approved": False, "conditions_met": True, "risks_within_threshold": True,
                     "readiness": False, "independent_signoff": True, "checklist": False, "vendors_approved": True}
    assert (ctx["stage_label"], ctx["next_stage_label"]) == ("Pilot", "Controlled rollout")
    html = response.content.decode()
    gate = html.split('id="gate"', 1)[1].split("</section>", 1)[0]
    assert gate.count("criterion criterion-met") == 4 and gate.count("criterion criterion-unmet") == 3
    assert "Every required review is approved" in gate and "Not yet approved: Security (open)." in gate
    assert f'href="{reverse("reviews:readiness", args=[case.reference])}"' in gate
    assert f'href="{reverse("reviews:checklist", args=[case.reference])}"' in gate
    assert "4 of 7</strong> criteria met" in gate
    assert 'name="outcome"' in gate and 'value="scale"' in gate and "Scale: advance to Controlled rollout" in gate


def test_exploration_criteria_link_where_the_user_can_follow(client, ava, custops, owner, sponsor, gov):
    use_case = make_case(ava, custops, owner, sponsor, gov, stage="exploration")
    html = login(client, ava).get(detail(use_case)).content.decode()
    assert reverse("intake:pilot_selection", args=[use_case.reference]) not in html  # only the PMO may open it
    assert f'href="{detail(use_case)}#pilot"' in html and f'href="{detail(use_case)}#kpis"' in html


def test_panels_render_for_every_viewer_in_order(client, case, ava):
    html = login(client, ava).get(detail(case)).content.decode()
    positions = [html.index(f'id="{anchor}"') for anchor in ("gate", "reviews", "evidence", "discussion", "problem")]
    assert positions == sorted(positions)


# ---------------------------------------------------------------- deciding


def test_scale_with_unmet_criteria_lists_every_one_and_changes_nothing(client, case, sponsor):
    response = login(client, sponsor).post(gate_url(case), {"outcome": "scale", "rationale": RATIONALE})
    assert response.status_code == 200
    assert response.templates[0].name == "reviews/gate.html"
    html = response.content.decode()
    assert "This gate cannot be passed yet" in html
    refusal = response.context["refusal"]
    assert len(refusal) == 3
    for words in ("Every required review is approved", "The readiness scorecard passes",
                  "The rollout checklist is ready"):
        assert any(line.startswith(words) for line in refusal), words
        assert words in html.split("This gate cannot be passed yet", 1)[1]
    assert RATIONALE in html  # the form keeps what was typed
    assert stage_of(case) == "pilot" and not GateDecision.objects.exists()


def test_scale_after_the_evidence_moves_the_stage_and_the_timeline_shows_it(client, case, owner, sponsor):
    record_all_evidence(case, owner)
    login(client, sponsor)
    assert all(c.met for c in gate_panel(client.get(detail(case)))["criteria"])
    response = client.post(gate_url(case), {"outcome": "scale", "rationale": RATIONALE}, follow=True)
    assert response.redirect_chain[-1][0] == detail(case)  # the Gate panel is at the top, under the message
    assert stage_of(case) == "controlled_rollout"
    assert any("Gate decided: Scale" in m and "from Pilot to Controlled rollout" in m for m in messages_of(response))
    ctx = gate_panel(response)
    assert [(d.outcome, d.from_stage, d.to_stage) for d in ctx["decisions"]] == [
        ("scale", "pilot", "controlled_rollout")]
    html = response.content.decode()
    assert "Stage timeline" in html and "Pilot → Controlled rollout" in html and RATIONALE in html
    assert (ctx["stage_label"], ctx["next_stage_label"]) == ("Controlled rollout", "Scaled")


@pytest.mark.parametrize(("outcome", "stage"), [("pause", "paused"), ("kill", "stopped")])
def test_pause_and_kill_need_a_rationale(client, case, sponsor, outcome, stage):
    login(client, sponsor)
    response = client.post(gate_url(case), {"outcome": outcome, "rationale": " short "})
    assert response.status_code == 200
    assert "rationale" in response.context["form"].errors
    assert "The decision needs attention" in response.content.decode()
    assert stage_of(case) == "pilot"
    response = client.post(gate_url(case), {"outcome": outcome, "rationale": "Budget frozen this quarter."},
                           follow=True)
    assert stage_of(case) == stage
    if outcome == "kill":
        assert "there are no more gate decisions" in response.content.decode()


def test_pivot_goes_back_with_a_redesign_note(client, case, sponsor):
    login(client, sponsor)
    response = client.post(gate_url(case), {"outcome": "pivot", "rationale": "Users did not adopt it.",
                                            "to_stage": "exploration"})
    assert "redesign_note" in response.context["form"].errors
    client.post(gate_url(case), {"outcome": "pivot", "rationale": "Users did not adopt it.",
                                 "to_stage": "exploration", "redesign_note": "Rework it around the CRM."})
    assert stage_of(case) == "exploration"
    assert GateDecision.objects.get().redesign_note == "Rework it around the CRM."


@pytest.mark.parametrize("data", [{"outcome": "promote", "rationale": RATIONALE},
                                  {"outcome": "pivot", "rationale": RATIONALE, "to_stage": "scaled",
                                   "redesign_note": "Rework it around the CRM."},
                                  {"rationale": RATIONALE}, {"outcome": ["scale", "kill"]}])
def test_tampered_gate_input_is_a_form_error(client, case, sponsor, data):
    response = login(client, sponsor).post(gate_url(case), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert stage_of(case) == "pilot" and not GateDecision.objects.exists()


def test_the_submitter_sees_why_she_may_not_decide_and_is_refused(client, ava, custops, owner, gov):
    # ava submitted it and is its sponsor too: she holds the gate permission but is conflicted.
    use_case = make_case(ava, custops, owner, ava, gov)
    login(client, ava)
    html = client.get(detail(use_case)).content.decode()
    gate = html.split('id="gate"', 1)[1].split("</section>", 1)[0]
    assert "Separation of duties: you submitted" in gate and "may not decide its stage gates" in gate
    assert 'name="outcome"' not in gate
    response = client.post(gate_url(use_case), {"outcome": "pause", "rationale": RATIONALE}, follow=True)
    assert any("Separation of duties" in m for m in messages_of(response))
    assert stage_of(use_case) == "pilot" and not GateDecision.objects.exists()


def test_a_gate_on_a_draft_is_refused_with_the_reason_and_changes_nothing(client, ava, custops, sponsor):
    draft = UseCaseFactory(created_by=ava, business_unit=custops, executive_sponsor=sponsor)
    response = login(client, sponsor).post(gate_url(draft), {"outcome": "pause", "rationale": RATIONALE})
    assert response.status_code == 200
    reason = f"{draft.reference} is a draft: its stage gates are decided once it has been submitted."
    assert reason in response.content.decode()
    assert stage_of(draft) == "exploration" and not GateDecision.objects.exists()


def test_the_owner_has_no_gate_form_and_is_refused(client, case, owner):
    login(client, owner)
    html = client.get(detail(case)).content.decode()
    gate = html.split('id="gate"', 1)[1].split("</section>", 1)[0]
    assert 'name="outcome"' not in gate and "Separation of duties" not in gate
    response = client.post(gate_url(case), {"outcome": "kill", "rationale": RATIONALE}, follow=True)
    assert "You do not have permission to do that." in messages_of(response)
    assert stage_of(case) == "pilot"


def test_a_governance_admin_may_pause(client, case):
    admin = UserFactory(username="gia.admin", is_staff=True)
    admin.groups.add(Group.objects.get(name="governance_admins"))
    login(client, admin).post(gate_url(case), {"outcome": "pause", "rationale": "Incident under investigation."})
    assert stage_of(case) == "paused"
    html = client.get(detail(case)).content.decode()
    assert "Resume: back to a working stage" in html and 'value="pause"' not in html


# ---------------------------------------------------------------- reviews and evidence panels


def test_reviews_panel_shows_the_current_cycle_and_overdue(client, case, ava):
    case.reviews.update(due_date=timezone.localdate() - datetime.timedelta(days=2))
    html = login(client, ava).get(detail(case)).content.decode()
    panel = html.split('id="reviews"', 1)[1].split("</section>", 1)[0]
    assert "Security" in panel and "badge-review-open" in panel and "overdue" in panel
    assert reverse("reviews:reviews", args=[case.reference]) in panel


def test_evidence_panel_summarises_and_links_only_recorders_to_record(client, case, owner, sponsor):
    services.readiness_record(use_case=case, actor=owner, scores={"ownership": 2})
    services.risk_save(use_case=case, actor=owner, data={"area": "reputation", "description": "Bad press.",
                                                         "likelihood": 4, "impact": 4})
    services.incident_report(use_case=case, actor=owner, data={"severity": 2, "title": "Leak", "what_happened": "x",
                                                               "occurred_at": timezone.now()})
    html = login(client, sponsor).get(detail(case)).content.decode()
    panel = html.split('id="evidence"', 1)[1].split("</section>", 1)[0]
    assert "1 of 18 areas scored" in panel and "Blocked:" in panel
    assert "1</strong><span>/14 ready" in panel and "1 to escalate" in panel and "Worst open: severity 2" in panel
    assert 'id="mini-heat-4-4"' in panel and "Record scores" not in panel
    panel = login(client, owner).get(detail(case)).content.decode().split('id="evidence"', 1)[1]
    assert "Record scores" in panel.split("</section>", 1)[0]


# ---------------------------------------------------------------- discussion panel


def test_comment_from_the_panel(client, case, sponsor):
    login(client, sponsor)
    response = client.post(reverse("reviews:comment", args=[case.reference]),
                           {"body": "Line one\n<script>alert(1)</script>"}, follow=True)
    comment = Comment.objects.get()
    assert response.redirect_chain[-1][0] == f"{detail(case)}#comment-{comment.pk}"
    assert "Comment added." in messages_of(response)
    assert comment.author == sponsor
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Line one<br>" in html
    response = client.post(reverse("reviews:comment", args=[case.reference]), {"body": "   "}, follow=True)
    assert any("The comment was not added." in m for m in messages_of(response))
    assert Comment.objects.count() == 1


def test_comments_show_oldest_first(client, case, ava, sponsor):
    CommentFactory(use_case=case, author=ava, body="First")
    CommentFactory(use_case=case, author=sponsor, body="Second")
    html = login(client, ava).get(detail(case)).content.decode()
    assert html.index("First") < html.index("Second")


def test_upload_from_the_panel(client, case, sponsor):
    login(client, sponsor)
    target = reverse("reviews:evidence_upload", args=[case.reference])
    response = client.post(target, {"file": upload("pilot-report.pdf", PDF)}, follow=True)
    assert "pilot-report.pdf uploaded." in messages_of(response)
    evidence = Evidence.objects.get()
    html = response.content.decode()
    assert reverse("reviews:evidence_download", args=[evidence.pk]) in html and "pilot-report.pdf" in html
    download = client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(("data", "words"), [
    ({}, "Choose a file to upload."),
    ({"file": upload("setup.pdf", WINDOWS_EXE)}, "is not a .pdf file"),
    ({"file": upload("run.exe", WINDOWS_EXE)}, "Files of this type are not accepted"),
])
def test_upload_problems_are_messages_not_errors(client, case, sponsor, data, words):
    response = login(client, sponsor).post(reverse("reviews:evidence_upload", args=[case.reference]), data,
                                           follow=True)
    assert response.status_code == 200
    assert any(words in m for m in messages_of(response)), messages_of(response)
    assert not Evidence.objects.exists()


def test_an_oversized_upload_is_refused_without_storing_it(client, case, sponsor, settings, media_root):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = login(client, sponsor).post(reverse("reviews:evidence_upload", args=[case.reference]),
                                           {"file": upload("big.pdf", PDF + b"0" * 5000)}, follow=True)
    assert response.status_code == 200
    assert any("big.pdf is larger than the 1 KB limit" in m for m in messages_of(response)), messages_of(response)
    assert not Evidence.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*")) if media_root.exists() else True


def test_an_oversized_request_is_a_message_not_an_error(client, case, sponsor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = login(client, sponsor).post(reverse("reviews:evidence_upload", args=[case.reference]),
                                           {"note": "x" * 1000, "file": upload("a.pdf", PDF)}, follow=True)
    assert response.status_code == 200
    assert any("too large to read" in m for m in messages_of(response)), messages_of(response)
    assert not Evidence.objects.exists()


def test_upload_needs_the_csrf_token(case, sponsor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(sponsor)
    response = strict.post(reverse("reviews:evidence_upload", args=[case.reference]),
                           {"file": upload("pilot-report.pdf", PDF)})
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_who_may_not_comment_is_refused(client, case):
    from guardian.shortcuts import assign_perm

    viewer = UserFactory(username="vic.viewer")
    assign_perm("view_usecase", viewer, case)
    login(client, viewer)
    for name, data in (("comment", {"body": "Hello"}), ("evidence_upload", {"file": upload("a.pdf", PDF)})):
        response = client.post(reverse(f"reviews:{name}", args=[case.reference]), data, follow=True)
        assert "You do not have permission to do that." in messages_of(response), name
    assert not Comment.objects.exists() and not Evidence.objects.exists()


# ---------------------------------------------------------------- query counts


def _grow(use_case, owner, ava, n):
    for review in selectors.reviews_in_cycle(use_case):
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale="Reviewed the design and the controls.")
    for i in range(n):
        services.risk_save(use_case=use_case, actor=owner, data={
            "area": "reputation", "description": f"Risk {i}", "likelihood": 1 + i % 5, "impact": 5 - i % 5,
            "owner": owner})
        services.incident_report(use_case=use_case, actor=owner, data={
            "severity": 2 + i % 3, "title": f"Incident {i}", "what_happened": "x", "occurred_at": timezone.now()})
        kpi = KPIFactory(use_case=use_case, name=f"KPI {i}")
        services.kpi_actual_record(kpi=kpi, actor=owner, measured_on=datetime.date(2026, 1, 1), value=i)
        CommentFactory(use_case=use_case, author=ava)
        services.evidence_add(use_case=use_case, actor=ava, upload=upload(f"report-{i}.pdf", PDF))
    services.readiness_record(use_case=use_case, actor=owner,
                              scores=dict.fromkeys(ReadinessArea.objects.values_list("key", flat=True)[: 1 + n], 3))


@pytest.mark.parametrize("who", ["sponsor", "owner"])
def test_detail_page_query_count_is_constant_with_the_panels(client, ava, custops, owner, sponsor, gov, who):
    # Both medium tier: the same panels (its artefacts panel too), whatever the number of rows.
    small = make_case(ava, custops, owner, sponsor, gov, data_classification="confidential", exposure="external")
    _grow(small, owner, ava, 1)
    viewer = {"sponsor": sponsor, "owner": owner}[who]
    login(client, viewer).get(detail(small))  # warm the per-process caches (permission ids) first
    with CaptureQueriesContext(connection) as few:
        client.get(detail(small))
    big = make_case(ava, custops, owner, sponsor, gov, data_classification="confidential", exposure="external")
    _grow(big, owner, ava, 8)
    services.gate_decide(use_case=big, actor=sponsor, outcome="pause", rationale="Waiting for the budget.")
    services.gate_decide(use_case=big, actor=sponsor, outcome="pivot", rationale="Back to the pilot.",
                         to_stage="pilot", redesign_note="Narrow it to one queue.")
    with CaptureQueriesContext(connection) as many:
        response = client.get(detail(big))
    # gate, between gates, artefacts, reviews, evidence, compliance, discussion
    assert len(response.context["panels"]) == 7
    assert len(gate_panel(response)["decisions"]) == 2
    assert len(many) == len(few)


def test_pilot_selection_criterion_for_exploration(client, ava, custops, owner, sponsor, gov):
    use_case = make_case(ava, custops, owner, sponsor, gov, stage="exploration")
    intake_services.pilot_selection_record(use_case=use_case, actor=gov, scores=dict.fromkeys(PILOT_CRITERIA, 3))
    ctx = gate_panel(login(client, sponsor).get(detail(use_case)))
    assert all(c.met for c in ctx["criteria"]), [c for c in ctx["criteria"] if not c.met]
    client.post(gate_url(use_case), {"outcome": "scale", "rationale": RATIONALE})
    assert stage_of(use_case) == "pilot"


def test_the_gate_page_of_a_draft_offers_no_form_and_says_why(client, ava, custops, sponsor):
    draft = UseCaseFactory(created_by=ava, business_unit=custops, executive_sponsor=sponsor)
    response = login(client, sponsor).get(detail(draft))
    panel = gate_panel(response)
    assert panel["form"] is None and not panel["can_decide"]
    assert f"{draft.reference} is a draft: its stage gates are decided once it has been submitted." in (
        response.content.decode())
