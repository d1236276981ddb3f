"""Reviews at the gates: the tier policy names which functions approve before Pilot and which re-review at the
later gates; asking for the gate opens a new cycle for them and the gate waits; the checklist's review items
follow the review decisions.

pilot_ready(**MEDIUM) is a medium-tier use case in pilot with every review of submission approved: olga.owner
records its evidence, the sponsor decides its gate, ava submitted it.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import InvalidTransition
from intake import permissions
from intake.models import TierRequirement, UseCase
from intake.permissions import Action
from reviews import selectors, services
from reviews.models import ChecklistItem, Review
from reviews.selectors.gate_reviews import gate_review_criteria, gate_review_functions
from tests.factories import UseCaseFactory, UserFactory, at_stage

from .conftest import HIGH, MEDIUM
from .factories import reviewer
from .gate_world import governance_admin, pilot_ready, tick_checklist

pytestmark = pytest.mark.django_db
RATIONALE = "Re-reviewed the pilot's data flows and controls."
AT_GATES_HIGH = ["compliance", "legal", "model_risk", "privacy", "security"]


@pytest.mark.parametrize(("tier", "to_stage", "functions"), [
    ("low", "pilot", []), ("low", "controlled_rollout", []), ("low", "scaled", []),
    ("medium", "pilot", ["security"]), ("medium", "controlled_rollout", ["privacy", "security"]),
    ("medium", "scaled", ["privacy", "security"]),
    ("high", "pilot", ["privacy", "security"]), ("high", "controlled_rollout", AT_GATES_HIGH),
    ("high", "scaled", AT_GATES_HIGH),
    ("prohibited", "pilot", []), ("", "controlled_rollout", []),
])
def test_the_tier_policy_names_the_functions_of_each_gate(tier, to_stage, functions):
    assert gate_review_functions(UseCaseFactory(risk_tier=tier), to_stage) == functions


def test_the_policy_is_data_an_admin_edit_changes_the_gate():
    TierRequirement.objects.filter(tier="low", function="security").update(at_scaled=True)
    assert gate_review_functions(UseCaseFactory(risk_tier="low"), "scaled") == ["security"]


def test_a_vendor_only_function_counts_only_with_a_vendor():
    TierRequirement.objects.filter(tier="high", function="procurement").update(before_pilot=True)
    assert gate_review_functions(UseCaseFactory(risk_tier="high"), "pilot") == ["privacy", "security"]


# -- before Pilot ---------------------------------------------------------------------------------


def gate_reviews(use_case):
    use_case = UseCase.objects.get(pk=use_case.pk)
    return next((c for c in selectors.gate_criteria(use_case) if c.key == "gate_reviews"), None)


@pytest.mark.parametrize(("answers", "detail"), [
    ({}, None),  # low tier: nothing before Pilot, so no criterion
    (MEDIUM, "Not yet approved: Security (open)."),
    (HIGH, "Not yet approved: Privacy (open), Security (open)."),
])
def test_before_pilot_the_tiers_reviews_must_have_approved(ava, custops, answers, detail):
    use_case = pilot_ready(ava, custops, stage="exploration", **answers)[0]
    Review.objects.filter(use_case=use_case).update(status="open", decision="")
    criterion = gate_reviews(use_case)
    if detail is None:
        assert criterion is None
    else:
        assert (criterion.met, criterion.label, criterion.detail) == (
            False, "The reviews required before Pilot have approved", detail)


def test_before_pilot_the_latest_cycle_decides(ava, custops):
    use_case = pilot_ready(ava, custops, stage="exploration", **MEDIUM)[0]
    assert gate_reviews(use_case).met
    Review.objects.create(use_case=use_case, function="security", stage="exploration", cycle=2,
                          status="changes_requested", due_date=use_case.created_at.date())
    assert gate_reviews(use_case).detail == "Not yet approved: Security (changes requested)."


# -- Pilot -> Controlled rollout: asking, deciding, back to approved ------------------------------


@pytest.fixture
def world(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops, **MEDIUM)
    return use_case, owner, sponsor


def test_a_submission_approval_is_not_a_gate_review(world):
    use_case, _owner, _sponsor = world
    criterion = gate_reviews(use_case)
    assert not criterion.met and criterion.label == "The gate's reviews have approved"
    assert criterion.detail == ("Not yet approved at this gate: Privacy (not requested yet), Security (not requested "
                                "yet). Ask for the gate reviews on the use-case page.")
    assert criterion.link.endswith("#gate")


def test_asking_opens_a_cycle_with_only_the_gates_functions_and_the_gate_waits(world):
    use_case, owner, sponsor = world
    opened = services.gate_reviews_request(use_case=use_case, actor=owner)
    assert sorted((r.function, r.stage, r.cycle, r.status) for r in opened) == [
        ("privacy", "pilot", 2, "open"), ("security", "pilot", 2, "open")]
    assert opened[0].history.first().history_user == owner
    use_case.refresh_from_db()
    assert use_case.status == "in_review"
    event = use_case.events.get(kind="gate_reviews_requested")
    assert event.note == "Gate reviews asked for Pilot -> Controlled rollout (cycle 2): Privacy, Security."
    assert gate_reviews(use_case).detail == "Not yet approved at this gate: Privacy (open), Security (open)."
    # The architecture approval of submission stands (not reported "not opened"), and the open re-reviews
    # are reported once, by the gate_reviews criterion.
    reviews_approved = next(c for c in selectors.gate_criteria(use_case) if c.key == "reviews_approved")
    assert (reviews_approved.met, reviews_approved.detail) == (True, "")
    with pytest.raises(services.GateRefused) as refused:
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="scale", rationale=RATIONALE)
    assert "gate_reviews" in [c.key for c in refused.value.criteria]


def test_when_the_gate_reviews_approve_the_use_case_is_approved_and_the_criterion_met(world):
    use_case, owner, _sponsor = world
    for review in services.gate_reviews_request(use_case=use_case, actor=owner):
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale=RATIONALE)
    use_case.refresh_from_db()
    assert use_case.status == "approved"
    assert gate_reviews(use_case).met
    unmet = [c.key for c in selectors.gate_criteria(use_case) if not c.met]
    assert "gate_reviews" not in unmet and "reviews_approved" not in unmet and "checklist" not in unmet


def test_changes_requested_at_the_gate_goes_back_to_the_team(world):
    use_case, owner, _sponsor = world
    security = next(r for r in services.gate_reviews_request(use_case=use_case, actor=owner)
                    if r.function == "security")
    services.review_decide(review=security, actor=reviewer("security"), decision="request_changes",
                           rationale="Add rate limiting before any rollout.")
    use_case.refresh_from_db()
    assert use_case.status == "changes_requested"
    assert "Security (changes requested)" in gate_reviews(use_case).detail
    # Resubmitting reopens the gate's review; it opens nothing for the functions the gate does not re-review.
    services.use_case_submit(use_case=use_case, actor=use_case.created_by)
    assert sorted(use_case.reviews.filter(cycle=2).values_list("function", "status")) == [
        ("privacy", "open"), ("security", "open")]


def test_asking_twice_opens_nothing_new(world):
    use_case, owner, sponsor = world
    services.gate_reviews_request(use_case=use_case, actor=owner)
    for actor in (owner, sponsor):
        with pytest.raises(InvalidTransition, match="were already requested: Privacy, Security"):
            services.gate_reviews_request(use_case=use_case, actor=actor)
    assert use_case.reviews.count() == 5  # 3 at submission, 2 at the gate


def test_at_controlled_rollout_the_pilots_gate_reviews_do_not_count(world):
    use_case, owner, _sponsor = world
    for review in services.gate_reviews_request(use_case=use_case, actor=owner):
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale=RATIONALE)
    at_stage(use_case, "controlled_rollout")
    assert "Privacy (not requested yet)" in gate_reviews(use_case).detail
    opened = services.gate_reviews_request(use_case=UseCase.objects.get(pk=use_case.pk), actor=owner)
    assert {(r.stage, r.cycle) for r in opened} == {("controlled_rollout", 3)}


@pytest.mark.parametrize(("setup", "error", "words"), [
    (lambda uc: at_stage(uc, "exploration"), InvalidTransition, "asked for in Pilot and in Controlled rollout"),
    (lambda uc: at_stage(uc, "scaled"), InvalidTransition, "asked for in Pilot and in Controlled rollout"),
    (lambda uc: at_stage(uc, "stopped"), services.GateClosed, "stopped"),
    (lambda uc: UseCase.objects.filter(pk=uc.pk).update(status="withdrawn"), services.GateClosed, "withdrawn"),
    (lambda uc: UseCase.objects.filter(pk=uc.pk).update(status="changes_requested"), InvalidTransition,
     "once its open reviews are decided"),
    (lambda uc: UseCase.objects.filter(pk=uc.pk).update(risk_tier="low"), InvalidTransition,
     "No review function re-reviews low-tier use cases at the gate to Controlled rollout."),
])
def test_asking_when_the_gate_does_not_allow_it_is_refused_and_opens_nothing(world, setup, error, words):
    use_case, owner, _sponsor = world
    setup(use_case)
    with pytest.raises(error, match=words):
        services.gate_reviews_request(use_case=UseCase.objects.get(pk=use_case.pk), actor=owner)
    assert use_case.reviews.count() == 3


# -- who may ask, who may decide -------------------------------------------------------------------


def test_whoever_records_evidence_or_decides_the_gate_may_ask(world, ava):
    use_case, owner, sponsor = world
    for actor in (ava, owner, sponsor, governance_admin()):
        assert permissions.can(actor, Action.REQUEST_GATE_REVIEW, use_case)
    assert not permissions.can(reviewer("security"), Action.REQUEST_GATE_REVIEW, use_case)
    assert services.gate_reviews_request(use_case=use_case, actor=sponsor)


def test_a_stranger_gets_404_and_a_reviewer_is_refused_with_the_reason(world, ben):
    use_case, _owner, _sponsor = world
    with pytest.raises(Http404):
        services.gate_reviews_request(use_case=use_case, actor=ben)
    with pytest.raises(Http404):
        services.gate_reviews_request(use_case=use_case, actor=UserFactory())
    with pytest.raises(PermissionDenied, match="are asked for by the people who record its gate evidence"):
        services.gate_reviews_request(use_case=use_case, actor=reviewer("security"))
    assert use_case.reviews.count() == 3


def test_the_owner_may_ask_but_never_decide(world):
    use_case, owner, _sponsor = world
    [privacy, _security] = services.gate_reviews_request(use_case=use_case, actor=owner)
    owner.groups.add(*reviewer("privacy").groups.all())  # even in the privacy group
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        services.review_decide(review=privacy, actor=owner, decision="approve", rationale=RATIONALE)


# -- the checklist's review items follow the reviews ------------------------------------------------


def test_the_team_cannot_tick_the_security_review(world):
    use_case, owner, _sponsor = world
    services.gate_reviews_request(use_case=use_case, actor=owner)
    with pytest.raises(ValidationError) as refused:
        services.checklist_record(use_case=use_case, actor=owner,
                                  items={"security_review": {"ready": True, "evidence": "We think it is fine."}})
    assert refused.value.message_dict == {
        "security_review": ["Security review follows the security review's decision; it cannot be ticked."]}
    # Its value as the reviews say it is accepted, with a note.
    services.checklist_record(use_case=use_case, actor=owner,
                              items={"security_review": {"ready": False, "evidence": "Re-review asked at the gate."}})


@pytest.mark.parametrize(("answers", "security", "privacy_legal"), [
    ({}, "Security review: approved by sec", "Not required for its tier."),
    (MEDIUM, "Security review: approved by sec", "Privacy review: approved by priv"),
    (HIGH, "Security review: approved by sec", "Privacy review: approved by priv"),
])
def test_the_review_items_follow_the_latest_decisions(ava, custops, answers, security, privacy_legal):
    use_case = pilot_ready(ava, custops, stage="exploration", **answers)[0]
    for review in Review.objects.filter(use_case=use_case, function__in=("security", "privacy")):
        review.decided_by = UserFactory(username=review.function[:4])
        review.save()
    summary = selectors.checklist_summary(use_case)
    reasons = {item.key: summary.derived[item.id][1] for item, _ in summary.rows if item.id in summary.derived}
    assert reasons["security_review"].startswith(security)
    assert reasons["privacy_legal_review"].startswith(privacy_legal)
    assert summary.is_ready("security_review") and summary.is_ready("privacy_legal_review")
    Review.objects.filter(use_case=use_case, function="security").update(status="in_progress")
    summary = selectors.checklist_summary(use_case)
    assert not summary.is_ready("security_review") and "Security review" in summary.not_ready


def test_high_tier_privacy_and_legal_both_count(ava, custops):
    use_case = pilot_ready(ava, custops, **HIGH)[0]
    Review.objects.filter(use_case=use_case, function="legal").update(status="open")
    summary = selectors.checklist_summary(use_case)
    [why] = [summary.derived[item.id][1] for item, _ in summary.rows if item.key == "privacy_legal_review"]
    assert why.endswith("; Legal review: open.") and not summary.is_ready("privacy_legal_review")


def test_the_page_shows_the_review_items_read_only_and_ignores_a_tick(client, world):
    use_case, owner, _sponsor = world
    services.gate_reviews_request(use_case=use_case, actor=owner)
    client.force_login(owner)
    url = reverse("reviews:checklist", args=[use_case.reference])
    page = client.get(url).content.decode()
    assert 'name="ready_security_review"' not in page and 'name="ready_ownership"' in page
    assert "Security review: open." in page and "Privacy review: open." in page
    client.post(url, {"ready_security_review": "on", "evidence_security_review": "Ticked anyway."})
    assert not selectors.checklist_summary(use_case).is_ready("security_review")


def test_tick_checklist_leaves_the_review_items_alone(world):
    use_case, owner, _sponsor = world
    tick_checklist(use_case, owner)
    assert use_case.checklist_entries.filter(item__key__in=("security_review", "privacy_legal_review")).count() == 0


# -- the Gate panel ---------------------------------------------------------------------------------


def test_the_gate_panel_offers_to_ask_to_those_who_may_and_the_post_opens_them(client, world):
    use_case, owner, _sponsor = world
    detail = reverse("intake:detail", args=[use_case.reference])
    client.force_login(reviewer("security"))
    assert "Ask for the gate reviews</button>" not in client.get(detail).content.decode()
    client.force_login(owner)
    assert "Ask for the gate reviews</button>" in client.get(detail).content.decode()
    post = reverse("reviews:gate_reviews_request", args=[use_case.reference])
    response = client.post(post, follow=True)
    assert response.redirect_chain[-1][0] == f"{detail}#gate"
    page = response.content.decode()
    assert "Gate reviews asked for: Privacy, Security. The gate waits for their decisions." in page
    assert "Ask for the gate reviews</button>" not in page
    again = client.post(post, follow=True).content.decode()
    assert "were already requested: Privacy, Security." in again
    assert use_case.reviews.count() == 5


def test_the_request_page_is_404_for_a_stranger_and_post_only(client, world, ben):
    use_case, owner, _sponsor = world
    post = reverse("reviews:gate_reviews_request", args=[use_case.reference])
    client.force_login(ben)
    assert client.post(post).status_code == 404
    client.force_login(owner)
    assert client.get(post).status_code == 405
    assert use_case.reviews.count() == 3


def test_the_gate_reviews_and_checklist_read_the_same_queries_whatever_the_tier(ava, custops):
    counts = []
    for answers in ({}, MEDIUM, HIGH):
        use_case = pilot_ready(ava, custops, **answers)[0]
        with CaptureQueriesContext(connection) as queries:
            gate_review_criteria(use_case, "controlled_rollout")
            gate_review_criteria(use_case, "pilot")
            selectors.checklist_summary(use_case)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_the_board_packs_gate_screen_agrees(world):
    from django.utils import timezone

    from reports import selectors as report_selectors

    def screened(use_case):
        ready, _waiting = report_selectors.gate_ready(report_selectors.portfolio(), today=timezone.localdate())
        return use_case.pk in {uc.pk for uc in ready}

    def gate_says(use_case):
        return all(c.met for c in selectors.gate_criteria(UseCase.objects.get(pk=use_case.pk)))

    use_case, owner, _sponsor = world
    assert screened(use_case) is gate_says(use_case) is False  # the gate reviews are not requested
    for review in services.gate_reviews_request(use_case=use_case, actor=owner):
        assert screened(use_case) is gate_says(use_case) is False
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale=RATIONALE)
    # Approved at the gate: only the medium tier's monitoring plan is missing, and the screen says so too.
    unmet = {c.key for c in selectors.gate_criteria(UseCase.objects.get(pk=use_case.pk)) if not c.met}
    assert unmet == {"required_artefacts"} and screened(use_case) is False
    services.evidence_add(use_case=use_case, actor=owner, artefact_type="monitoring_plan",
                          upload=SimpleUploadedFile("monitoring.txt", b"Alerts at 2% error rate.\n", "text/plain"))
    assert screened(use_case) is gate_says(use_case) is True


def test_after_a_pause_and_a_pivot_back_the_earlier_gate_reviews_do_not_count_again(world):
    use_case, owner, sponsor = world
    for review in services.gate_reviews_request(use_case=use_case, actor=owner):
        services.review_decide(review=review, actor=reviewer(review.function), decision="approve",
                               rationale=RATIONALE)
    assert gate_reviews(use_case).met
    services.gate_decide(use_case=use_case, actor=sponsor, outcome="pause", rationale="Paused for the budget round.")
    services.gate_decide(use_case=UseCase.objects.get(pk=use_case.pk), actor=sponsor, outcome="pivot",
                         to_stage="pilot", rationale="Resumed with a narrower scope.",
                         redesign_note="Only internal users in the first weeks.")
    criterion = gate_reviews(use_case)
    assert not criterion.met and "Privacy (not requested yet), Security (not requested yet)" in criterion.detail
    reopened = services.gate_reviews_request(use_case=UseCase.objects.get(pk=use_case.pk), actor=owner)
    assert sorted(r.function for r in reopened) == ["privacy", "security"]


@pytest.mark.parametrize(("value", "words"), [
    (["securty"], "Not a review function: securty."),
    ("security", "Give a list of review function names"),
    ([1], "Give a list of review function names"),
])
def test_a_checklist_item_follows_only_real_review_functions(db, value, words):
    item = ChecklistItem.objects.get(key="security_review")
    item.review_functions = value
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert words in str(refused.value.message_dict["review_functions"])
