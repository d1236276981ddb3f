"""One use case from intake to a board pack, as the people who run it see it.

ava submits it (after being told what is missing), security approves with a
condition, privacy and architecture approve, the executive sponsor is refused
at the gate to Pilot until the PMO has scored it and ava has filled the risk
register for every area its tier requires and uploaded the impact assessment;
at the gate to Controlled rollout until ava has recorded readiness, the
checklist (whose review rows follow the reviews) and the monitoring plan,
security has marked its condition met, and, asked for by ava, security and
privacy have approved their gate re-reviews. Then the PMO downloads a board
pack, and ben (another business unit) cannot open it.
Each step saves test-results/e2e/<step>.png.
"""

from __future__ import annotations

import contextlib
import datetime
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.celery_support import real_worker
from tests.e2e.browsing import Site, message, screenshot

TITLE = "Returns email triage assistant"
VENDOR = "Northwind AI"  # approved in the demo's vendor registry
CONDITION = "Switch on audit logging of every drafted reply"
# The risk areas a medium-tier use case must have assessed before Pilot (TierRiskArea), each with its owner.
RISKS = {
    "Data privacy": ("Omar Haddad (ai.delivery)", "Customer names and order details reach the model."),
    "Security exposure": ("Omar Haddad (ai.delivery)", "A crafted email could inject instructions."),
    "Output reliability": ("Marta Silva (cx.owner)", "A draft could promise a refund policy we do not offer."),
    "Bias and fairness": ("Marta Silva (cx.owner)", "Drafts could differ in tone by the customer's language."),
    "Legal or regulatory exposure": ("Marta Silva (cx.owner)", "Replies could breach consumer-law wording."),
    "Vendor dependency": ("Omar Haddad (ai.delivery)", f"{VENDOR} could change its model or its terms."),
}


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def site(live_server, demo, browser) -> Site:  # the browser last: see its fixture
    return Site(browser=browser, base_url=live_server.url)


@pytest.mark.xdist_group("real-worker")  # a real Celery worker with Redis: one at a time, as in test_celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_use_case_from_intake_to_board_pack(site: Site):
    submit_use_case(site)
    decide_review(site, "sec.reviewer", "Security", "Approve with conditions", condition=CONDITION)
    decide_review(site, "privacy.reviewer", "Privacy", "Approve")
    decide_review(site, "architecture.reviewer", "Architecture", "Approve")
    scale_from_exploration(site)
    scale_from_pilot(site)
    download_board_pack(site)
    other_unit_gets_404(site)


# ---------------------------------------------------------------- (1) intake


def submit_use_case(site: Site) -> None:
    with site.as_user("ava.submitter", "01-intake-submitted") as page:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New use case").click()
        fill_intake_form(page)
        page.get_by_role("button", name="Submit for review").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("This use case cannot be submitted yet")
        expect(summary).to_contain_text("Target release date: Required to submit.")
        expect(page.locator("#field-target_release")).to_contain_text("Required to submit.")
        screenshot(page, "01-intake-missing-field")

        page.get_by_label("Target release date").fill(in_days(90))
        page.get_by_role("button", name="Submit for review").click()
        expect(message(page, re.compile(r"UC-\d{4} submitted for review\. Risk tier: Medium\."))).to_be_visible()
        site.reference = re.search(r"UC-\d{4}", page.get_by_role("heading", level=1).inner_text())[0]
        tier = page.locator("#tier")
        expect(tier.get_by_role("heading", name="Why")).to_be_visible()
        expect(tier).to_contain_text("Medium")
        expect(tier).to_contain_text("Hard floors applied")
        expect(tier.get_by_role("row", name=re.compile(r"^Total \d+$"))).to_be_visible()


def fill_intake_form(page: Page) -> None:
    """Every answer but the target release date."""
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("Drafts replies to returns emails; the agent edits and sends each one.")
    page.get_by_label("Problem statement").fill("Returns emails wait two days for a first answer.")
    page.get_by_label("Strategic outcome").select_option(label="Faster customer resolution")
    page.get_by_label("Portfolio bucket").select_option(label="Customer operations")
    page.get_by_label("Outcome baseline").fill("48 hours to first answer")
    page.get_by_label("Target delta").fill("Under 8 hours")
    page.get_by_label("Time horizon").fill("6 months")
    page.get_by_label("Business owner").select_option(label="Marta Silva (cx.owner)")
    page.get_by_label("Delivery owner").select_option(label="Omar Haddad (ai.delivery)")
    page.get_by_label("Executive sponsor").select_option(label="Daniel Hartmann (exec.sponsor)")
    page.get_by_label("Data sources").fill("Zendesk returns queue\nOrder status API")
    choose(page, "Highest data classification", "Confidential")
    choose(page, "Personal data", "Personal data")
    choose(page, "Exposure", "External-facing (customers or public)")
    page.get_by_label("Approximate number of users").fill("120")
    choose(page, "AI pattern", "Copilot (assists a person in their tool)")
    page.get_by_label("People see content it generates").check()
    choose(page, "Human oversight", "Human reviews before action")
    choose(page, "Decisions about people", "Does not touch decisions about people")
    page.get_by_role("group", name="Vendors", exact=True).get_by_label(f"{VENDOR} (approved)").check()
    page.get_by_label("Name (row 1)").fill("Hours to first answer")
    page.get_by_label("Category (row 1)").select_option(label="Business outcome")
    page.get_by_label("Unit (row 1)").fill("hours")
    page.get_by_label("Baseline (row 1)").fill("48")
    page.get_by_label("Target (row 1)").fill("8")
    page.get_by_label("Direction (row 1)").select_option(label="Lower is better")


def choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


# ---------------------------------------------------------------- (2, 3) reviews in the admin queue


def decide_review(site: Site, username: str, function: str, decision: str, *, condition: str = "") -> None:
    journey = "02" if condition else "03"  # (2) security with a condition, (3) the other reviewers
    decide_review_as(site, username, f"{journey}-review-{function.lower()}", function, decision, condition=condition)


def decide_review_as(
    site: Site, username: str, step: str, function: str, decision: str, *, condition: str = ""
) -> None:
    """Decide the use case's open review of ``function``; an earlier decided one may be listed beside it."""
    with site.as_user(username, step) as page:
        page.goto("/admin/reviews/review/?cols=more")  # the function column: the use case has a review per lane
        page.get_by_role("textbox", name="Search").fill(site.reference)
        page.get_by_role("button", name="Search").click()
        rows = page.get_by_role("row").filter(has_text=function).filter(has_text=site.reference)
        row = rows.filter(has=page.get_by_role("cell", name="Open", exact=True))
        expect(row).to_have_count(1)
        row.get_by_role("link", name=site.reference).click()
        expect(page.get_by_role("row", name=re.compile("^Vendors "))).to_contain_text(VENDOR)
        decide = page.locator("#decide")
        decide.get_by_label(decision, exact=True).check()
        decide.get_by_label("Rationale").fill(f"{function} reviewed the design, data flows and controls.")
        if condition:
            decide.locator("summary").click()  # the conditions fold out
            page.locator("[name=conditions-0-text]").fill(condition)
            page.locator("[name=conditions-0-owner]").fill("ai.delivery")
            page.locator("[name=conditions-0-due_date]").fill(in_days(30))
        decide.get_by_role("button", name="Decide", exact=True).click()
        outcome = "approved with conditions" if condition else "approved"
        expect(message(page, f"{site.reference} {function} review: {outcome}.")).to_be_visible()


# ---------------------------------------------------------------- (4) the stage gates


def scale_from_exploration(site: Site) -> None:
    with site.as_user("exec.sponsor", "04-gate-pilot-refused") as page:
        unmet = try_to_scale(page, site, "Exploration")
        expect(unmet).to_contain_text("The pilot-selection score is recorded")
        expect(unmet).to_contain_text("The risk register covers every area its tier requires")
        expect(unmet).to_contain_text("Every artefact its tier requires is uploaded")
        expect(unmet).to_contain_text("Missing: Impact assessment.")
    with site.as_user("pmo.lead", "04-pilot-selection-scored") as page:
        open_use_case(page, site)
        page.get_by_role("link", name="Pilot selection").first.click()
        for row in page.locator("tr[id^=field-]").all():
            row.get_by_label(re.compile(r": 3 · strong$")).check()
        page.get_by_role("button", name="Record score").click()
        expect(message(page, "Pilot-selection score recorded: 36/36 (strong candidate).")).to_be_visible()
    fill_risk_register(site)
    upload_artefact(site, "Impact assessment", "04-artefact-uploaded")
    evidence_content_marking(site)
    with site.as_user("exec.sponsor", "04-gate-pilot-passed") as page:
        scale(page, site)
        expect(message(page, f"{site.reference} moved from Exploration to Pilot.")).to_be_visible()


def scale_from_pilot(site: Site) -> None:
    with site.as_user("exec.sponsor", "04-gate-rollout-refused") as page:
        unmet = try_to_scale(page, site, "Pilot")
        expect(unmet).to_contain_text(f"Unmet: {CONDITION}.")
        expect(unmet).to_contain_text("The readiness scorecard passes")
        expect(unmet).to_contain_text("The rollout checklist is ready")
        expect(unmet).to_contain_text("The gate's reviews have approved")
        expect(unmet).to_contain_text("Every artefact its tier requires is uploaded")
        expect(unmet).to_contain_text("Missing: Monitoring plan.")
    record_readiness(site)
    record_checklist(site)
    upload_artefact(site, "Monitoring plan", "04-monitoring-plan-uploaded")
    mark_condition_met(site)  # before the gate reviews: asking needs the use case approved
    ask_for_gate_reviews(site)
    decide_review_as(site, "sec.reviewer", "04-gate-review-security", "Security", "Approve")
    decide_review_as(site, "privacy.reviewer", "04-gate-review-privacy", "Privacy", "Approve")
    with site.as_user("exec.sponsor", "04-gate-rollout-passed") as page:
        scale(page, site)
        expect(message(page, f"{site.reference} moved from Pilot to Controlled rollout.")).to_be_visible()
        expect(page.locator("#gate")).to_contain_text("Controlled rollout")


def open_use_case(page: Page, site: Site) -> None:
    page.goto("/intake/")
    page.get_by_role("link", name=site.reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def scale(page: Page, site: Site) -> None:
    open_use_case(page, site)
    gate = page.locator("#gate")
    gate.get_by_label(re.compile(r"^Scale: advance to ")).check()
    gate.get_by_label("Rationale").fill("The evidence for this gate is in; go ahead.")
    gate.get_by_role("button", name="Record gate decision").click()


def try_to_scale(page: Page, site: Site, stage: str):
    """Scale from the Gate panel; the refusal lists each unmet criterion and the stage stays."""
    scale(page, site)
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("This gate cannot be passed yet")
    expect(refusal).to_contain_text(f"Nothing changed: {site.reference} stays in {stage.lower()}.")
    return refusal


def record_readiness(site: Site) -> None:
    with site.as_user("ava.submitter", "04-readiness-recorded") as page:
        open_use_case(page, site)
        page.locator("#evidence").get_by_role("link", name="Record scores").click()
        for row in page.locator("tbody tr[id^=area-]").all():
            row.get_by_label(re.compile(r": 4$")).check()
        page.get_by_role("button", name="Record scores").click()
        expect(message(page, "Readiness recorded for 18 areas. Total 72/90, moderate.")).to_be_visible()
        expect(page.get_by_text("The scorecard passes for controlled rollout.")).to_be_visible()


def fill_risk_register(site: Site) -> None:
    """One assessed entry in each risk area the medium tier requires, all below their escalation threshold."""
    with site.as_user("ava.submitter", "04-risk-register") as page:
        open_use_case(page, site)
        page.locator("#evidence").get_by_role("link", name="Add a risk").click()
        form = page.locator("#add-risk")
        for area, (owner, description) in RISKS.items():
            form.get_by_label("Area", exact=True).select_option(label=area)
            form.get_by_label("Owner", exact=True).select_option(label=owner)
            form.get_by_label("Description", exact=True).fill(description)
            form.get_by_label("Likelihood", exact=True).select_option(label="2 · Unlikely")
            form.get_by_label("Impact", exact=True).select_option(label="3 · Moderate")
            form.get_by_label("Escalation threshold", exact=True).fill("12")
            form.get_by_label("Controls", exact=True).fill("Agents edit every draft before it is sent.")
            form.get_by_label("Mitigation status", exact=True).select_option(label="Mitigation in progress")
            form.get_by_role("button", name="Add risk").click()
            expect(message(page, f"Risk added: {area} (score 6).")).to_be_visible()
        expect(page.locator("#register tbody tr")).to_have_count(len(RISKS))
        expect(page.get_by_text("No open risk has reached its escalation threshold.")).to_be_visible()


def evidence_content_marking(site: Site) -> None:
    """People see what it generates and its role is not answered (so it may be the provider): the EU AI Act's
    Art. 50(2) needs evidence before the pilot. ava uploads it on the obligation register and marks it met."""
    with site.as_user("ava.submitter", "04-obligation-met") as page:
        open_use_case(page, site)
        page.locator("#compliance").get_by_role("link", name="Obligation register").click()
        obligation = page.locator("li.obligation").filter(
            has=page.get_by_role("heading", name=re.compile(r"^Art\. 50\(2\) ")))
        expect(obligation).to_contain_text("Needed before the Pilot gate")
        obligation.get_by_role("link", name=re.compile(r"^Work on it")).click()
        obligation.get_by_label("File", exact=True).set_input_files(
            {"name": "watermarking.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% C2PA marks\n"})
        obligation.get_by_role("button", name="Upload for Art. 50(2)").click()
        expect(obligation.get_by_role("status")).to_contain_text(
            "watermarking.pdf uploaded as evidence of EU AI Act Art. 50(2).")
        obligation.get_by_label("Status", exact=True).select_option(label="Met")
        obligation.get_by_role("button", name="Save the status of Art. 50(2)").click()
        expect(obligation.get_by_role("status")).to_contain_text("EU AI Act Art. 50(2) is now met.")


def upload_artefact(site: Site, artefact: str, step: str) -> None:
    name = artefact.lower().replace(" ", "-") + ".pdf"
    with site.as_user("ava.submitter", step) as page:
        open_use_case(page, site)
        page.locator("#artefacts").get_by_role("link", name="All artefacts and uploads").click()
        upload = page.locator("#upload")
        upload.get_by_label("File", exact=True).set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% " + artefact.encode() + b"\n"}
        )
        upload.get_by_label("Artefact type", exact=True).select_option(label=artefact)
        upload.get_by_role("button", name="Upload").click()
        expect(message(page, f"{name} uploaded as the {artefact.lower()}.")).to_be_visible()


def record_checklist(site: Site) -> None:
    with site.as_user("ava.submitter", "04-checklist-recorded") as page:
        open_use_case(page, site)
        page.locator("#evidence").get_by_role("link", name="Record checklist").click()
        rows = page.locator("tbody tr[id^=item-]")
        # The review rows follow the review decisions: nobody ticks them.
        for item in ("Security review", "Privacy and legal review"):
            derived = rows.filter(has_text=item)
            expect(derived).to_contain_text("Follows the review decisions, not ticked")
            expect(derived.get_by_role("checkbox")).to_have_count(0)
        for row in rows.filter(has=page.get_by_role("checkbox")).all():
            row.get_by_label(re.compile(r" is ready$")).check()
            row.get_by_label(re.compile(r"^Evidence for ")).fill("Signed off at the pilot review (pilot report).")
        page.get_by_role("button", name="Record checklist").click()
        expect(message(page, "Checklist recorded: 14 of 14 items ready.")).to_be_visible()


def ask_for_gate_reviews(site: Site) -> None:
    with site.as_user("ava.submitter", "04-gate-reviews-asked") as page:
        open_use_case(page, site)
        gate = page.locator("#gate")
        expect(gate).to_contain_text("The gate's reviews have approved")
        gate.get_by_role("button", name="Ask for the gate reviews").click()
        expect(
            message(page, "Gate reviews asked for: Privacy, Security. The gate waits for their decisions.")
        ).to_be_visible()


def mark_condition_met(site: Site) -> None:
    with site.as_user("sec.reviewer", "04-condition-met") as page:
        page.goto("/admin/reviews/review/?cols=more")  # the function column: the use case has a review per lane
        page.get_by_role("textbox", name="Search").fill(site.reference)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=site.reference).first.click()
        conditions = page.locator("#conditions")
        conditions.get_by_role("row").filter(has_text=CONDITION).get_by_role("button", name="Mark met").click()
        expect(message(page, f"{site.reference} Security review: condition met.")).to_be_visible()
        expect(conditions.get_by_role("row").filter(has_text=CONDITION)).to_contain_text("Met by Sofia Marquez")


# ---------------------------------------------------------------- (5) board pack


def download_board_pack(site: Site) -> None:
    # With Redis (the PostgreSQL + Redis run) a real worker renders the pack while the page polls
    # its status; without it Celery runs in-process and the pack is ready when the page returns.
    worker = real_worker() if settings.REDIS_URL else contextlib.nullcontext()
    with worker, site.as_user("pmo.lead", "05-board-pack") as page:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
        page.get_by_label("Board (quarterly)").check()
        page.get_by_label("Decisions required").fill(f"Scale {site.reference} to every region.")
        page.get_by_role("button", name="Request pack").click()
        # Said from the pack's state: ready at once in-process, still being built while a worker renders it.
        expect(message(page, re.compile("ready to download|requested"))).to_be_visible()
        newest = page.locator("#packs tbody tr").first
        expect(newest).to_contain_text("Board (quarterly)")
        expect(newest.locator(".pack-status")).to_contain_text("Ready", timeout=60_000)
        with page.expect_download() as download:
            newest.get_by_role("link", name="Download PDF").click()
        path = download.value.path()
        with open(path, "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"


# ---------------------------------------------------------------- (6) another business unit


def other_unit_gets_404(site: Site) -> None:
    with site.as_user("ben.submitter", "06-other-unit-404") as page:
        response = page.goto(f"/intake/{site.reference}/")
        assert response is not None and response.status == 404
        expect(page.get_by_text(TITLE)).to_have_count(0)
        page.goto("/intake/")
        expect(page.get_by_role("link", name=site.reference)).to_have_count(0)
