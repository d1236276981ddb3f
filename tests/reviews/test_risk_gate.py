"""The risk register at the gates: the areas a tier must have assessed before Pilot, no live risk over its
threshold at the later gates unless the gate's A accepted it (until a day still to come), and who may accept."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from intake import permissions
from intake import services as intake_services
from intake.models import UseCase
from reviews import selectors, services
from reviews.models import Risk, RiskAcceptance, RiskArea, TierRiskArea
from reviews.selectors.risk_gate import day, risk_area_criteria, risk_threshold_criteria
from tests.factories import UseCaseFactory, UserFactory

from .factories import RiskFactory
from .gate_world import governance_admin, pilot_ready, rollout_ready

CRITICAL_SIX = ["data_privacy", "security_exposure", "output_reliability", "bias_fairness", "legal_regulatory",
                "vendor_dependency"]
RATIONALE = "Customer value outweighs it for the 12-week rollout."
CONTROLS = "Weekly sampling of transcripts by the privacy team."


def days(n: int) -> datetime.date:
    """``n`` days from today (the suite's instant, wherever CI starts it)."""
    return timezone.localdate() + datetime.timedelta(days=n)


def accept(risk, actor, **overrides):
    """Accept with good input; an ``expires_on`` given as a whole number is that many days from today."""
    values = {"rationale": RATIONALE, "compensating_controls": CONTROLS, "expires_on": 30, **overrides}
    if isinstance(values["expires_on"], int):
        values["expires_on"] = days(values["expires_on"])
    return services.risk_accept(risk=risk, actor=actor, **values)


# -- before Pilot: the areas the tier requires -------------------------------------------------


def test_the_reference_data_asks_all_twelve_areas_of_high_and_the_critical_six_of_medium(db):
    assert set(TierRiskArea.objects.filter(tier="high").values_list("area", flat=True)) == set(RiskArea.values)
    assert set(TierRiskArea.objects.filter(tier="medium").values_list("area", flat=True)) == set(CRITICAL_SIX)
    assert not TierRiskArea.objects.filter(tier="low").exists()


@pytest.mark.parametrize(("tier", "recorded", "met", "missing"), [
    ("", [], None, None),
    ("low", [], None, None),
    ("prohibited", [], None, None),
    ("medium", CRITICAL_SIX, True, ""),
    ("medium", CRITICAL_SIX[1:], False, "No entry yet for: Data privacy."),
    ("medium", ["reputation"], False, "No entry yet for: Data privacy, Security exposure, Output reliability, "
                                      "Bias and fairness, Legal or regulatory exposure, Vendor dependency."),
    ("high", CRITICAL_SIX, False, "No entry yet for: Integration failure, Ownership ambiguity, Monitoring gap, "
                                  "Low adoption or misuse, Cost creep, Reputation."),
    ("high", RiskArea.values, True, ""),
], ids=["untiered", "low", "prohibited", "medium-all", "medium-one-missing", "medium-none", "high-six", "high-all"])
def test_the_register_must_cover_the_areas_its_tier_requires(ava, custops, tier, recorded, met, missing):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, risk_tier=tier)
    for area in recorded:
        RiskFactory(use_case=use_case, area=area, mitigation_status="closed")  # assessed, whatever its state
    criteria = risk_area_criteria(use_case)
    if met is None:
        assert criteria == []
        return
    [criterion] = criteria
    assert (criterion.key, criterion.met, criterion.detail) == ("risk_areas_assessed", met, missing)
    assert criterion.label == "The risk register covers every area its tier requires"
    assert criterion.link.endswith(f"/use-cases/{use_case.reference}/risks/")


def test_an_admin_edit_of_the_tier_areas_changes_the_pilot_gate(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops, stage="exploration")
    assert "risk_areas_assessed" not in [c.key for c in selectors.gate_criteria(use_case)]
    TierRiskArea.objects.create(tier="low", area="cost_creep")
    [criterion] = [c for c in selectors.gate_criteria(use_case) if c.key == "risk_areas_assessed"]
    assert not criterion.met and criterion.detail == "No entry yet for: Cost creep."


# -- before Controlled rollout and Scaled: nothing over its threshold unless accepted ------------


def _risk(use_case, likelihood=3, impact=5, status="open", threshold=15):
    return RiskFactory(use_case=use_case, likelihood=likelihood, impact=impact, mitigation_status=status,
                       escalation_threshold=threshold)


def _accepted(risk, expires_on, by):
    return RiskAcceptance.objects.create(risk=risk, rationale=RATIONALE, compensating_controls=CONTROLS,
                                         expires_on=expires_on, accepted_by=by)


@pytest.mark.parametrize(("impact", "status", "expiries", "met", "words"), [
    (4, "open", [], True, ""),  # 12, under 15
    (5, "open", [], False, "Data privacy (score 15 against a threshold of 15; not accepted)"),
    (5, "mitigating", [], False, "score 15 against a threshold of 15; not accepted"),
    (5, "mitigated", [], True, ""),
    (5, "accepted", [], True, ""),  # the status word alone is not a risk acceptance, but it is not live
    (5, "open", [1], True, ""),
    (5, "open", [-1], False, "its acceptance expired on {-1}"),
    (5, "open", [0], False, "its acceptance expired on {0}"),  # it blocks from its expiry day
    (5, "open", [-30, 20], True, ""),  # accepted again
    (5, "open", [20, -1], False, "its acceptance expired on {-1}"),  # the latest one counts
], ids=["threshold-1", "at-threshold", "mitigating", "mitigated", "status-accepted", "accepted",
        "expired-yesterday", "expires-today", "accepted-again", "replaced-by-an-expired-one"])
def test_a_live_risk_at_its_threshold_blocks_unless_an_acceptance_is_in_force(ava, custops, impact, status,
                                                                               expiries, met, words):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case, impact=impact, status=status)
    for offset in expiries:
        _accepted(risk, days(offset), sponsor)
    [criterion] = risk_threshold_criteria(use_case)
    assert (criterion.key, criterion.met) == ("risks_within_threshold", met)
    assert criterion.label == "No live risk is at or over its escalation threshold unless accepted"
    words = words.replace("{-1}", day(days(-1))).replace("{0}", day(days(0)))
    assert words in criterion.detail and (criterion.detail == "") is met


def test_each_blocking_risk_is_named_and_the_sponsor_is_told_what_to_do(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    _risk(use_case, impact=5)
    cost = RiskFactory(use_case=use_case, area="cost_creep", likelihood=4, impact=4, escalation_threshold=12,
                       mitigation_status="open")
    _accepted(cost, days(60), sponsor)
    _accepted(cost, datetime.date(2025, 12, 3), sponsor)
    [criterion] = risk_threshold_criteria(use_case)
    assert criterion.detail == (
        "At or over its escalation threshold: Cost creep (score 16 against a threshold of 12; its acceptance "
        "expired on 3 Dec 2025); Data privacy (score 15 against a threshold of 15; not accepted). Reduce it or "
        "have the gate's Accountable accept it.")


def test_the_gate_refuses_to_scale_naming_the_risk_and_passes_once_it_is_accepted(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case, impact=5)
    assert [c.key for c in selectors.gate_criteria(use_case) if not c.met] == ["risks_within_threshold"]
    with pytest.raises(services.GateRefused) as refused:
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="scale", rationale="Monthly gate review.")
    assert refused.value.unmet == ["No live risk is at or over its escalation threshold unless accepted: At or over "
                                   "its escalation threshold: Data privacy (score 15 against a threshold of 15; not "
                                   "accepted). Reduce it or have the gate's Accountable accept it."]
    assert UseCase.objects.get(pk=use_case.pk).stage == "pilot"

    accept(risk, sponsor)
    decision = services.gate_decide(use_case=UseCase.objects.get(pk=use_case.pk), actor=sponsor, outcome="scale",
                                    rationale="Monthly gate review.")
    assert decision.to_stage == "controlled_rollout"
    assert {"key": "risks_within_threshold", "met": True}.items() <= next(
        c for c in decision.criteria if c["key"] == "risks_within_threshold").items()


def test_an_acceptance_expiring_blocks_scaling_again(ava, custops, clock):
    use_case, _owner, sponsor = rollout_ready(ava, custops)
    accept(_risk(use_case, likelihood=5, impact=5), sponsor, expires_on=10)
    assert all(c.met for c in selectors.gate_criteria(use_case))
    clock.advance(9)
    assert all(c.met for c in selectors.gate_criteria(use_case))
    clock.advance(1)
    [criterion] = [c for c in selectors.gate_criteria(use_case) if not c.met]
    assert criterion.key == "risks_within_threshold"
    assert f"its acceptance expired on {day(days(0))}" in criterion.detail


# -- accepting: only the gate's A, with reasons and an expiry ---------------------------------------


def test_the_sponsor_accepts_a_risk_and_it_is_audited(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case)
    acceptance = accept(risk, sponsor, rationale=f"  {RATIONALE}  ")
    assert (acceptance.risk, acceptance.accepted_by, acceptance.expires_on, acceptance.rationale) == (
        risk, sponsor, days(30), RATIONALE)
    assert acceptance.history.get().history_user == sponsor
    assert selectors.risk_gate.acceptances_of([risk]) == {risk.pk: acceptance}


def test_a_governance_admin_may_accept(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    assert accept(_risk(use_case), governance_admin()).pk


@pytest.mark.parametrize(("changes", "errors"), [
    ({"rationale": ""}, {"rationale": "Say why the risk is accepted (10 to 5000 characters)."}),
    ({"rationale": "Because."}, {"rationale": "Say why the risk is accepted (10 to 5000 characters)."}),
    ({"rationale": "x" * 5001}, {"rationale": "Say why the risk is accepted (10 to 5000 characters)."}),
    ({"compensating_controls": "   "},
     {"compensating_controls": "Say which controls make up for it while it is accepted (10 to 5000 characters)."}),
    ({"expires_on": None}, {"expires_on": "Give the day the acceptance ends."}),
    ({"expires_on": "2026-07-01"}, {"expires_on": "Give the day the acceptance ends."}),
    ({"expires_on": 0}, {"expires_on": "Give a day after today: from that day the risk blocks the gates again."}),
    ({"expires_on": -3}, {"expires_on": "Give a day after today: from that day the risk blocks the gates again."}),
    ({"expires_on": 366}, {"expires_on": "Accept a risk for at most 365 days; accept it again when that runs out."}),
    ({"rationale": None, "expires_on": None}, {"rationale": "Say why the risk is accepted (10 to 5000 characters).",
                                               "expires_on": "Give the day the acceptance ends."}),
], ids=["no-rationale", "short-rationale", "long-rationale", "blank-controls", "no-expiry", "expiry-not-a-date",
        "expires-today", "past-expiry", "over-a-year", "everything-at-once"])
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(ava, custops, changes, errors):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    with pytest.raises(ValidationError) as refused:
        accept(_risk(use_case), sponsor, **changes)
    assert refused.value.message_dict == {field: [message] for field, message in errors.items()}
    assert not RiskAcceptance.objects.exists()


def test_a_year_ahead_is_the_longest_acceptance(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    assert accept(_risk(use_case), sponsor, expires_on=365).expires_on == days(365)


@pytest.mark.parametrize(("impact", "status", "message"), [
    (4, "open", "This risk scores 12, below its escalation threshold of 15: it does not block a gate, so there is "
                "nothing to accept."),
    (5, "mitigated", "This risk is mitigated, not live: it does not block a gate, so there is nothing to accept."),
], ids=["under-threshold", "not-live"])
def test_a_risk_that_does_not_block_cannot_be_accepted(ava, custops, impact, status, message):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    with pytest.raises(ValidationError) as refused:
        accept(_risk(use_case, impact=impact, status=status), sponsor)
    assert refused.value.message_dict == {"risk": [message]}
    assert not RiskAcceptance.objects.exists()


def test_the_use_cases_own_people_and_strangers_may_not_accept(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case)
    for person in (ava, owner):
        with pytest.raises(PermissionDenied):
            accept(risk, person)
    with pytest.raises(Http404):
        accept(risk, UserFactory())
    assert not RiskAcceptance.objects.exists()


def test_an_owner_made_the_sponsor_around_the_services_may_not_accept_their_own_risk(ava, custops):
    """The attacker: the business owner, A on the outcome, is also made the go/no-go A (a sponsor) by writing
    around the RACI service, and owns the risk. The row lock's second check still refuses them."""
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    owner.groups.add(Group.objects.get(name="executive_sponsors"))
    UseCase.objects.filter(pk=use_case.pk).update(executive_sponsor=owner)
    intake_services.raci_sync_defaults(use_case=UseCase.objects.get(pk=use_case.pk))
    risk = RiskFactory(use_case=use_case, owner=owner, likelihood=5, impact=5, mitigation_status="open")
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        accept(Risk.objects.get(pk=risk.pk), owner)
    # Even with every grant the permission check could be talked into, the lock's check holds.
    with mock.patch.object(permissions, "require"), pytest.raises(PermissionDenied, match="Separation of duties"):
        accept(Risk.objects.get(pk=risk.pk), owner)
    assert not RiskAcceptance.objects.exists()


def test_no_risk_is_accepted_on_a_use_case_whose_gates_are_closed(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case)
    services.gate_decide(use_case=use_case, actor=sponsor, outcome="kill", rationale="Stopped by the board.")
    with pytest.raises(services.GateClosed):
        accept(Risk.objects.get(pk=risk.pk), sponsor)
    assert not RiskAcceptance.objects.exists()


# -- the risk register page ------------------------------------------------------------------------------


def _page(client, use_case):
    from django.urls import reverse

    return reverse("reviews:risks", args=[use_case.reference]), reverse("reviews:risk_accept",
                                                                         args=[use_case.reference])


def test_the_page_shows_each_risks_acceptance_state_and_offers_the_form_to_the_gates_a(client, ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    expired = _risk(use_case, impact=5)
    _accepted(expired, days(-1), sponsor)
    RiskFactory(use_case=use_case, area="cost_creep", likelihood=5, impact=5, mitigation_status="open")
    page, _ = _page(client, use_case)
    client.force_login(owner)
    response = client.get(page)
    assert response.context["accept_form"] is None  # records evidence, may not decide the gate
    text = response.content.decode()
    assert f"Its acceptance expired on {day(days(-1))}" in text and "Not accepted" in text
    client.force_login(sponsor)
    form = client.get(page).context["accept_form"]
    assert {value for value, _label in form.fields["risk"].choices if value} == {
        r.pk for r in Risk.objects.filter(use_case=use_case)}


def test_accepting_on_the_page_and_a_refusal_keeps_what_was_typed(client, ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case)
    page, action = _page(client, use_case)
    client.force_login(sponsor)
    typed = {"risk": risk.pk, "rationale": "Short.", "compensating_controls": CONTROLS,
             "expires_on": days(400).isoformat()}
    refused = client.post(action, typed)
    assert refused.status_code == 200 and not RiskAcceptance.objects.exists()
    form = refused.context["accept_form"]
    assert form.errors["rationale"] == ["Say why the risk is accepted (10 to 5000 characters)."]
    assert "at most 365 days" in form.errors["expires_on"][0]
    assert form["compensating_controls"].value() == CONTROLS and form["rationale"].value() == "Short."

    accepted = client.post(action, typed | {"rationale": RATIONALE, "expires_on": days(60).isoformat()})
    assert accepted.status_code == 302 and accepted["Location"] == page
    assert RiskAcceptance.objects.get().expires_on == days(60)
    assert f"Accepted until {day(days(60))}" in client.get(page).content.decode()


def test_the_use_cases_own_people_are_refused_on_the_page_with_the_reason(client, ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case)
    _page_url, action = _page(client, use_case)
    client.force_login(owner)
    response = client.post(action, {"risk": risk.pk, "rationale": RATIONALE, "compensating_controls": CONTROLS,
                                     "expires_on": days(30).isoformat()}, follow=True)
    assert response.status_code == 200 and not RiskAcceptance.objects.exists()
    assert [str(m) for m in response.context["messages"]]


def test_governance_admins_edit_the_tier_areas_in_admin_and_other_staff_only_read(client, ava, custops):
    from django.urls import reverse

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:reviews_tierriskarea_changelist")).status_code == 200
    assert client.post(reverse("admin:reviews_tierriskarea_add"), {"tier": "low", "area": "cost_creep"}).status_code \
        == 403
    client.force_login(governance_admin())
    added = client.post(reverse("admin:reviews_tierriskarea_add"), {"tier": "low", "area": "cost_creep"})
    assert added.status_code == 302 and TierRiskArea.objects.filter(tier="low").count() == 1
    assert TierRiskArea.history.filter(tier="low").get().history_user is not None
    for name in ("riskacceptance", "risknotice"):
        assert client.get(reverse(f"admin:reviews_{name}_changelist")).status_code == 200


@pytest.mark.parametrize(("likelihood", "met", "words"), [
    (3, True, ""),  # still 15: covered
    (2, True, ""),  # reduced to 10: under its threshold anyway
    (4, False, "score 20 against a threshold of 15; its acceptance covered a score of up to 15"),  # grew
], ids=["unchanged", "reduced", "grown"])
def test_an_acceptance_covers_the_score_it_was_given_at(ava, custops, likelihood, met, words):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    risk = _risk(use_case, impact=5)
    acceptance = accept(risk, sponsor)
    assert acceptance.accepted_score == 15
    services.risk_save(use_case=use_case, actor=owner, risk=Risk.objects.get(pk=risk.pk), data={
        "area": risk.area, "description": risk.description, "likelihood": likelihood, "impact": 5,
        "owner": risk.owner, "controls": risk.controls, "mitigation_status": "open"})
    [criterion] = risk_threshold_criteria(UseCase.objects.get(pk=use_case.pk))
    assert criterion.met is met
    assert words in criterion.detail and (criterion.detail == "") is met
