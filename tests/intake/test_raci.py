"""RACI editing rules, grant derivation and separation of duties."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from intake import permissions, services
from intake.models import RaciAssignment, UseCaseGroupObjectPermission, UseCaseUserObjectPermission
from intake.permissions import Action
from reviews import services as workflow
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


@pytest.fixture
def submitted(ava, custops):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=UserFactory(),
                              executive_sponsor=UserFactory())
    KPIFactory(use_case=use_case)
    return workflow.use_case_submit(use_case=use_case, actor=ava)


def reviewer_in(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def rows_of(use_case):
    return [
        {"activity": a.activity.key, "letter": a.letter,
         **({"user_id": a.user_id} if a.user_id else {"group_id": a.group_id})}
        for a in use_case.raci.select_related("activity")
    ]


def grants_of(use_case):
    return (
        set(UseCaseUserObjectPermission.objects.filter(content_object=use_case)
            .values_list("user_id", "permission__codename")),
        set(UseCaseGroupObjectPermission.objects.filter(content_object=use_case)
            .values_list("group_id", "permission__codename")),
    )


def test_draft_raci_holds_creator_and_owners(ava, custops):
    owner, delivery = UserFactory(), UserFactory()
    draft = services.use_case_create(actor=ava, business_unit=custops,
                                     answers={"title": "Idea", "business_owner": owner, "delivery_owner": delivery})
    letters = {(a.activity.key, a.letter, a.user_id) for a in draft.raci.filter(user__isnull=False)}
    assert {("outcome", "R", ava.id), ("outcome", "A", owner.id), ("delivery", "R", delivery.id)} <= letters
    assert permissions.can(owner, Action.EDIT, draft) and permissions.can(ava, Action.EDIT, draft)


def test_submission_adds_the_required_review_groups(submitted):
    groups = set(submitted.raci.filter(group__isnull=False, letter="R").values_list("group__name", flat=True))
    assert groups == {"security"}  # low tier requires security only


def test_changing_an_owner_moves_the_grants(submitted, ava, gov):
    new_owner = UserFactory()
    old_owner = submitted.business_owner
    workflow.use_case_update(use_case=submitted, actor=gov, answers={"business_owner": new_owner})
    assert permissions.visible_use_cases(new_owner).filter(pk=submitted.pk).exists()
    assert not permissions.visible_use_cases(old_owner).filter(pk=submitted.pk).exists()


@pytest.mark.parametrize("accountables", [0, 2])
def test_raci_without_exactly_one_a_is_refused_and_nothing_changes(submitted, ava, accountables):
    before_rows, before_grants = sorted(map(str, rows_of(submitted))), grants_of(submitted)
    rows = [r for r in rows_of(submitted) if not (r["activity"] == "go_no_go" and r["letter"] == "A")]
    rows += [{"activity": "go_no_go", "letter": "A", "user_id": UserFactory().id} for _ in range(accountables)]
    expected = rf"Go / no-go decision needs exactly one Accountable .*has {accountables}"
    with pytest.raises(ValidationError, match=expected):
        services.raci_set(use_case=submitted, actor=submitted.business_owner, rows=rows)
    assert sorted(map(str, rows_of(submitted))) == before_rows
    assert grants_of(submitted) == before_grants


def test_database_refuses_a_second_accountable(submitted):
    from django.db import IntegrityError, transaction

    existing = submitted.raci.get(activity__key="outcome", letter="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        RaciAssignment.objects.create(use_case=submitted, activity=existing.activity, letter="A", user=UserFactory())


def test_manual_raci_edit_grants_and_revokes(submitted, ava):
    consultant = UserFactory()
    rows = [r for r in rows_of(submitted) if r["activity"] != "monitoring"]
    rows.append({"activity": "delivery", "letter": "C", "user_id": consultant.id})
    services.raci_set(use_case=submitted, actor=submitted.business_owner, rows=rows)
    assert permissions.can(consultant, Action.COMMENT, submitted)
    rows.pop()
    services.raci_set(use_case=submitted, actor=submitted.business_owner, rows=rows)
    assert not permissions.visible_use_cases(consultant).filter(pk=submitted.pk).exists()
    assert not submitted.raci.filter(activity__key="monitoring").exists()  # hand edit respected


def test_grants_recompute_is_idempotent(submitted):
    before = grants_of(submitted)
    services.grants_recompute(use_case=submitted)
    services.grants_recompute(use_case=submitted)
    assert grants_of(submitted) == before


def test_failed_recompute_leaves_old_grants_intact(submitted, gov, monkeypatch):
    before = grants_of(submitted)

    def explode(*args, **kwargs):
        raise RuntimeError("database went away mid-write")

    monkeypatch.setattr(UseCaseGroupObjectPermission.objects, "bulk_create", explode)
    rows = [r for r in rows_of(submitted) if r["letter"] != "I"]
    with pytest.raises(RuntimeError):
        services.raci_set(use_case=submitted, actor=gov, rows=rows)
    assert grants_of(submitted) == before


def test_status_change_revokes_edit(submitted, ava):
    assert not permissions.can(ava, Action.EDIT, submitted)
    facts = permissions.permission_facts(ava, [submitted])[submitted.id]
    assert "change_usecase" not in facts.perms


class TestSeparationOfDuties:
    def test_business_owner_in_the_review_group_may_not_decide(self, ava, custops):
        reviewer = UserFactory()
        reviewer.groups.add(Group.objects.get(name="security"))
        use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=reviewer)
        KPIFactory(use_case=use_case)
        workflow.use_case_submit(use_case=use_case, actor=ava)
        decision = permissions.decide(reviewer, Action.DECIDE_REVIEW, use_case, function="security")
        assert not decision
        assert "Separation of duties" in decision.reason

    def test_submitter_who_is_governance_admin_may_not_decide_gates(self, custops):
        admin = UserFactory()
        admin.groups.add(Group.objects.get(name="governance_admins"))
        use_case = UseCaseFactory(business_unit=custops, created_by=admin)
        with pytest.raises(PermissionDenied, match=r"Separation of duties.*stage gates"):
            permissions.require(admin, Action.DECIDE_GATE, use_case)

    def test_another_reviewer_of_the_group_may_decide(self, submitted):
        reviewer = UserFactory()
        reviewer.groups.add(Group.objects.get(name="security"))
        assert permissions.can(reviewer, Action.DECIDE_REVIEW, submitted, function="security")

    def test_delivery_owner_in_the_review_group_may_not_decide(self, ava, custops):
        delivery = reviewer_in("security")
        use_case = UseCaseFactory(business_unit=custops, created_by=ava, delivery_owner=delivery)
        KPIFactory(use_case=use_case)
        workflow.use_case_submit(use_case=use_case, actor=ava)
        decision = permissions.decide(delivery, Action.DECIDE_REVIEW, use_case, function="security")
        assert not decision
        assert decision.reason.startswith("Separation of duties")
        assert decision.reason.endswith("You are Responsible for its delivery.")

    def test_whoever_submitted_it_may_not_decide_though_someone_else_created_it(self, ava, custops):
        # An admin submits on ava's behalf; a second admin, who did not, may decide.
        submitter, other_admin = reviewer_in("governance_admins"), reviewer_in("governance_admins")
        use_case = UseCaseFactory(business_unit=custops, created_by=ava)
        KPIFactory(use_case=use_case)
        workflow.use_case_submit(use_case=use_case, actor=submitter)
        for action, what in ((Action.DECIDE_REVIEW, "reviews"), (Action.DECIDE_GATE, "stage gates")):
            decision = permissions.decide(submitter, action, use_case, function="security")
            assert not decision
            assert f"may not decide its {what}. You submitted it." in decision.reason
            assert permissions.can(other_admin, action, use_case, function="security")

    def test_member_of_a_group_responsible_for_delivery_may_not_decide(self, submitted):
        team = Group.objects.create(name="ml_platform")
        member, outsider = reviewer_in("security"), reviewer_in("security")
        member.groups.add(team)
        rows = [*rows_of(submitted), {"activity": "delivery", "letter": "R", "group_id": team.id}]
        services.raci_set(use_case=submitted, actor=submitted.business_owner, rows=rows)
        decision = permissions.decide(member, Action.DECIDE_REVIEW, submitted, function="security")
        assert not decision
        assert decision.reason.endswith("You are Responsible for its delivery through the ml_platform group.")
        assert permissions.can(outsider, Action.DECIDE_REVIEW, submitted, function="security")

    def test_ties_of_a_whole_page_cost_the_same_queries_as_one(self, ava, custops, django_assert_num_queries):
        team = Group.objects.create(name="ml_platform")
        ava.groups.add(team)
        cases = [UseCaseFactory(business_unit=custops, created_by=UserFactory(), delivery_owner=ava)
                 for _ in range(3)]
        for use_case in cases[:2]:
            services.raci_set(use_case=use_case, actor=use_case.business_owner, rows=[
                *rows_of(use_case), {"activity": "outcome", "letter": "R", "group_id": team.id}])
        ava = type(ava).objects.get(pk=ava.pk)  # fresh: no cached permissions
        permissions.global_perms(ava)
        with django_assert_num_queries(3):
            facts = permissions.permission_facts(ava, cases)
        by_team = "are Responsible for its business outcome through the ml_platform group"
        assert [facts[uc.id].conflicts for uc in cases] == [
            ("are Responsible for its delivery", by_team), ("are Responsible for its delivery", by_team),
            ("are Responsible for its delivery",),
        ]


def test_raci_must_keep_an_outcome_accountable(submitted):
    owner = submitted.business_owner
    rows = [r for r in rows_of(submitted) if r["activity"] != "outcome"]
    with pytest.raises(ValidationError, match="Business outcome needs exactly one Accountable"):
        services.raci_set(use_case=submitted, actor=owner, rows=rows)
    with pytest.raises(ValidationError, match="Business outcome needs exactly one Accountable"):
        services.raci_set(use_case=submitted, actor=owner, rows=[])


def test_a_lowered_tier_keeps_the_engaged_review_groups(ava, custops, gov):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, data_classification="confidential",
                              exposure="external")  # medium: security, privacy, architecture
    KPIFactory(use_case=use_case)
    use_case = workflow.use_case_submit(use_case=use_case, actor=ava)
    workflow.use_case_override_tier(use_case=use_case, actor=gov, tier="low",
                                    justification="Internal pilot only for the first three months.")
    groups = set(use_case.raci.filter(letter="R", group__isnull=False).values_list("group__name", flat=True))
    assert groups == {"security", "privacy", "architecture"}


def test_generated_and_hand_set_raci_rows_are_in_the_history(ava, custops):
    owner = UserFactory()
    draft = services.use_case_create(actor=ava, business_unit=custops,
                                     answers={"title": "Idea", "business_owner": owner})
    generated = draft.raci.get(activity__key="outcome", letter="R")
    assert [(h.history_type, h.history_user, h.user_id) for h in generated.history.all()] == [("+", ava, ava.id)]
    services.raci_set(use_case=draft, actor=owner, rows=rows_of(draft))
    by_hand = draft.raci.get(activity__key="outcome", letter="R")
    assert [(h.history_type, h.history_user, h.source) for h in by_hand.history.all()] == [("+", owner, "manual")]
    assert generated.history.model.objects.filter(id=generated.id, history_type="-", history_user=owner).exists()
