"""The governance policy as versioned data: changing a number changes what the next gate decides, every
number is checked at its edges, each decision names the version it was judged under, and a later version
never rewrites an earlier decision."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from intake import services as intake_services
from intake.models import PILOT_CRITERIA
from reviews import selectors, services
from reviews.models import GateDecision, GovernancePolicy
from tests.factories import KPIFactory, UserFactory

from .gate_world import governance_admin, meet_kpis, pilot_ready, rollout_ready, score_readiness


def publish(**changes):
    return services.policy_publish(actor=governance_admin(), changes=changes, note="Tightened at the review.")


def criterion(use_case, key):
    [found] = [c for c in selectors.gate_criteria(use_case) if c.key == key]
    return found


def scale(use_case, sponsor):
    return services.gate_decide(use_case=use_case, actor=sponsor, outcome="scale",
                                rationale="Evidence reviewed at the monthly gate.")


def test_version_1_holds_the_playbooks_numbers(db):
    policy = selectors.policy_in_force()
    assert policy.version == 1
    assert policy.bands() == [{"band": "strong", "min_total": 75}, {"band": "moderate", "min_total": 55},
                              {"band": "weak", "min_total": 35}, {"band": "low", "min_total": 18}]
    assert (policy.critical_minimum, policy.scale_min_total, policy.pilot_strong_above,
            policy.pilot_time_box_weeks, policy.priorities_min, policy.priorities_max, policy.kpi_rule) == (
        3, 75, 30, 12, 3, 5, "all")
    assert sorted(area.key for area in policy.critical_areas.all()) == [
        "ownership", "privacy_legal_readiness", "production_readiness", "security_readiness", "success_criteria"]


# -- each number moves the gate: (policy change, readiness scores, criterion, met before, met after) -----

@pytest.mark.parametrize(("changes", "score", "overrides", "key", "before", "after"), [
    # The scale minimum at its edge: a total of 75 passes 75 and fails 76.
    ({"scale_min_total": 76}, 4, {"problem_clarity": 5, "value_case": 5, "workflow_fit": 5}, "readiness_total",
     True, False),
    ({"scale_min_total": 72}, 4, {}, "readiness_total", False, True),  # 72 fails 75, passes 72
    # The critical minimum: a critical area at 3 passes 3 and fails 4.
    ({"critical_minimum": 4}, 5, {"security_readiness": 3}, "critical_areas", True, False),
    ({"critical_minimum": 2}, 5, {"security_readiness": 2}, "critical_areas", False, True),
], ids=["scale-76", "scale-72", "critical-4", "critical-2"])
def test_a_policy_number_changes_what_the_next_gate_decides(ava, custops, changes, score, overrides, key,
                                                            before, after):
    use_case, owner, _sponsor = rollout_ready(ava, custops)
    score_readiness(use_case, owner, score=score, **overrides)
    assert criterion(use_case, key).met is before
    version = publish(**changes).version
    assert criterion(use_case, key).met is after
    assert selectors.gate_evaluation(use_case).policy.version == version


def test_the_critical_areas_are_the_policys(ava, custops):
    use_case, owner, _sponsor = rollout_ready(ava, custops)
    score_readiness(use_case, owner, score=5, executive_visibility=1)
    assert criterion(use_case, "critical_areas").met
    services.policy_publish(actor=governance_admin(), changes={},
                            critical_areas=["security_readiness", "executive_visibility"])
    found = criterion(use_case, "critical_areas")
    assert not found.met and "Executive visibility" in found.detail


@pytest.mark.parametrize(("strong", "moderate", "total", "band"), [
    (75, 55, 75, "strong"), (76, 55, 75, "moderate"), (80, 75, 75, "moderate"), (80, 76, 75, "weak"),
])
def test_band_cut_offs_put_a_total_in_its_band(ava, custops, strong, moderate, total, band):
    use_case, owner, _sponsor = rollout_ready(ava, custops)
    score_readiness(use_case, owner, score=4, problem_clarity=5, value_case=5, workflow_fit=5)  # 75
    publish(strong_min_total=strong, moderate_min_total=moderate, weak_min_total=min(moderate - 1, 35))
    summary = selectors.readiness_summary(use_case)
    assert (summary.total, summary.band.key) == (total, band)


def test_moving_the_strong_band_changes_whether_pilot_may_roll_out(ava, custops):
    # A moderate or strong band allows controlled rollout; weak does not (ReadinessBand.allows_...).
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    assert criterion(use_case, "readiness").met  # total 72: moderate
    publish(strong_min_total=85, moderate_min_total=80, weak_min_total=35)
    found = criterion(use_case, "readiness")
    assert not found.met and "weak" in found.detail


@pytest.mark.parametrize(("cut_off", "total", "strong"), [(30, 31, True), (30, 30, False), (31, 31, False),
                                                           (29, 30, True)])
def test_the_pilot_cut_off_is_the_policys(db, cut_off, total, strong):
    if cut_off != 30:
        publish(pilot_strong_above=cut_off)
    assert selectors.strong_candidate(total) is strong


@pytest.mark.parametrize(("share", "met"), [(75, True), (76, False)])
def test_the_kpi_share_rule_at_its_edge(ava, custops, share, met):
    use_case, owner, _sponsor = rollout_ready(ava, custops)
    for name in ("Deflection", "Satisfaction", "Agent adoption"):
        KPIFactory(use_case=use_case, name=name)
    meet_kpis(use_case, owner, miss=("Deflection",))  # 3 of 4 at target: 75%
    assert not criterion(use_case, "value_evidenced").met  # every KPI, by default
    publish(kpi_rule="share", kpi_min_share=share)
    found = criterion(use_case, "value_evidenced")
    assert found.met is met and f"at least {share}% of the KPIs" in found.label


def test_a_decision_names_its_version_and_a_later_policy_never_rewrites_it(ava, custops):
    use_case, _owner, sponsor = rollout_ready(ava, custops)
    decision = scale(use_case, sponsor)
    assert decision.policy.version == 1
    publish(scale_min_total=90)
    decision = GateDecision.objects.get(pk=decision.pk)
    assert decision.policy.version == 1 and all(c["met"] for c in decision.criteria)
    assert GovernancePolicy.objects.get(version=1).scale_min_total == 75  # the old version stays readable


def test_a_future_version_waits_for_its_effective_date(db):
    later = timezone.now() + datetime.timedelta(days=7)
    services.policy_publish(actor=governance_admin(), changes={"scale_min_total": 80}, effective_from=later)
    assert selectors.policy_in_force().version == 1
    assert selectors.policy_in_force(later).version == 2


# -- bad input: refused at the field, with the reason, and nothing written ----------------------------

@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"strong_min_total": 91}, "strong_min_total", "less than or equal to 90"),
    ({"moderate_min_total": 80}, "moderate_min_total", "below the strong band (75)"),
    ({"weak_min_total": 55}, "weak_min_total", "below the moderate band (55)"),
    ({"critical_minimum": 0}, "critical_minimum", "greater than or equal to 1"),
    ({"critical_minimum": 6}, "critical_minimum", "less than or equal to 5"),
    ({"scale_min_total": 17}, "scale_min_total", "greater than or equal to 18"),
    ({"pilot_strong_above": 36}, "pilot_strong_above", "less than or equal to 35"),
    ({"priorities_min": 4, "priorities_max": 3}, "priorities_max", "At least the fewest priorities (4)"),
    ({"kpi_min_share": 80}, "kpi_min_share", "share is 100%"),
    ({"kpi_rule": "most"}, "kpi_rule", "not a valid choice"),
    ({"colour": "red"}, "colour", "Unknown policy field."),
])
def test_out_of_range_numbers_are_refused_at_their_field(db, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        publish(**changes)
    assert words in " ".join(refused.value.message_dict[field])
    assert GovernancePolicy.objects.count() == 1


def test_an_unknown_critical_area_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        services.policy_publish(actor=governance_admin(), changes={}, critical_areas=["security_readiness", "vibes"])
    assert refused.value.message_dict["critical_areas"] == ["No readiness area is called vibes."]


@pytest.mark.parametrize("who", ["ava", "sponsor", "staff"])
def test_only_governance_admins_publish(ava, who):
    user = {"ava": ava, "sponsor": UserFactory(), "staff": UserFactory(is_staff=True)}[who]
    with pytest.raises(Http404):
        services.policy_publish(actor=user, changes={"scale_min_total": 60})
    assert GovernancePolicy.objects.count() == 1


def test_each_version_is_audited_with_who_published_it(db):
    admin = governance_admin()
    policy = services.policy_publish(actor=admin, changes={"scale_min_total": 80}, note="Board asked for more.")
    record = policy.history.get()
    assert (record.history_user, record.history_type, policy.created_by, policy.note) == (
        admin, "+", admin, "Board asked for more.")


def test_the_board_pack_priorities_count_is_the_policys(db):
    from reports import services as report_services

    admin = governance_admin()
    publish(priorities_min=1, priorities_max=2)
    lines = "\n".join(f"Priority {n} | pat.pmo | 2027-01-0{n}" for n in range(1, 4))
    with pytest.raises(ValidationError) as refused:
        report_services.board_pack_request(actor=admin, audience="executive_monthly",
                                           period_start=datetime.date(2026, 11, 1),
                                           period_end=datetime.date(2026, 11, 30), next_period_priorities=lines)
    assert "List 1 to 2 priorities" in " ".join(refused.value.message_dict["next_period_priorities"])


def test_pilot_selection_record_is_unaffected_by_the_cut_off(ava, custops):
    # The score is evidence; only whether it reads "strong" follows the policy.
    use_case, _owner, _sponsor = pilot_ready(ava, custops, stage="exploration")
    publish(pilot_strong_above=35)
    selection = intake_services.pilot_selection_record(use_case=use_case, actor=governance_admin(),
                                                       scores=dict.fromkeys(PILOT_CRITERIA, 3))
    assert selection.total == 36 and selectors.strong_candidate(selection.total) is True


def test_publishing_nothing_new_is_refused(db):
    with pytest.raises(ValidationError, match="Change at least one number"):
        services.policy_publish(actor=governance_admin(), changes={})
    assert GovernancePolicy.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_publishing_at_once_get_the_next_two_versions():
    """Publishers queue on one row, then number their version: both succeed, as 2 and 3, never a clash."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    admins = [governance_admin(), governance_admin()]
    barrier = threading.Barrier(2)
    outcome: list[object] = []

    def publish_as(admin, total):
        try:
            barrier.wait(timeout=10)
            outcome.append(services.policy_publish(actor=admin, changes={"scale_min_total": total}).version)
        except Exception as exc:  # whatever went wrong, reported below
            outcome.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish_as, args=(admin, total)) 
               for admin, total in zip(admins, (70, 80), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(version, int) for version in outcome) and sorted(outcome) == [2, 3], outcome
