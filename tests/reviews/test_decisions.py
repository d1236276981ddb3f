"""Every decision, its effect on the use case, and the rules that refuse one."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.errors import InvalidTransition
from intake import permissions
from intake import services as intake_services
from intake.models import RaciActivity, RaciAssignment
from intake.permissions import Action
from reviews import selectors, services
from reviews.models import ReviewDecision

from .conftest import review_of
from .factories import reviewer, submitted_use_case

RATIONALE = "Controls are adequate for an internal pilot."


def decide(review, actor, decision, rationale=RATIONALE, **kwargs):
    return services.review_decide(review=review, actor=actor, decision=decision, rationale=rationale, **kwargs)


def conditions_for(owner, n=1):
    due = timezone.localdate() + datetime.timedelta(days=30)
    return [{"text": f"Add output logging ({i})", "owner": owner, "due_date": due} for i in range(n)]


class TestEffects:
    def test_approving_the_only_review_approves_the_use_case(self, low_case, sec):
        review = decide(review_of(low_case, "security"), sec, "approve")

        low_case.refresh_from_db()
        assert (review.status, review.decision, review.decided_by) == ("approved", "approve", sec)
        assert review.approved_snapshot["data_classification"] == "internal"
        assert review.approved_snapshot["risk_tier"] == "low"
        assert low_case.status == "approved"
        assert low_case.events.filter(kind="status_approved").exists()

    def test_use_case_is_approved_only_once_every_review_is(self, medium_case, sec, priv, arch, owner):
        decide(review_of(medium_case, "security"), sec, "approve")
        decide(review_of(medium_case, "privacy"), priv, "approve_with_conditions", conditions=conditions_for(owner))
        medium_case.refresh_from_db()
        assert medium_case.status == "in_review"

        decide(review_of(medium_case, "architecture"), arch, "approve")
        medium_case.refresh_from_db()
        assert medium_case.status == "approved"

    def test_request_changes_makes_the_use_case_editable_again(self, low_case, sec, ava):
        review = decide(review_of(low_case, "security"), sec, "request_changes")

        low_case.refresh_from_db()
        assert review.status == "changes_requested"
        assert low_case.status == "changes_requested"
        assert permissions.can(ava, Action.EDIT, low_case)

    def test_stop_rejects_the_use_case(self, low_case, sec):
        review = decide(review_of(low_case, "security"), sec, "stop")

        low_case.refresh_from_db()
        assert (review.status, low_case.status) == ("stopped", "rejected")

    def test_escalate_keeps_the_use_case_in_review(self, low_case, sec):
        review = decide(review_of(low_case, "security"), sec, "escalate")

        low_case.refresh_from_db()
        assert (review.status, low_case.status) == ("escalated", "in_review")

    def test_an_escalated_review_gets_its_final_decision_and_approves_the_use_case(self, low_case, sec, sec_lead):
        review = decide(review_of(low_case, "security"), sec, "escalate", rationale="Needs the CISO's view on this.")
        assert review.awaits_decision

        review = decide(review, sec_lead, "approve", rationale="CISO reviewed: controls are adequate.")

        low_case.refresh_from_db()
        assert (review.status, review.decided_by, low_case.status) == ("approved", sec_lead, "approved")
        assert list(ReviewDecision.objects.filter(review=review).order_by("id").values_list("decision", flat=True)) \
            == ["escalate", "approve"]

    def test_an_escalated_review_is_not_escalated_twice(self, low_case, sec, sec_lead):
        review = decide(review_of(low_case, "security"), sec, "escalate")

        with pytest.raises(ValidationError, match="already escalated"):
            decide(review, sec_lead, "escalate")
        assert ReviewDecision.objects.filter(review=review).count() == 1

    def test_a_rejected_use_case_takes_no_more_decisions(self, medium_case, sec, priv):
        decide(review_of(medium_case, "security"), sec, "stop")

        with pytest.raises(InvalidTransition, match="rejected; its reviews can no longer be decided"):
            decide(review_of(medium_case, "privacy"), priv, "approve")

    def test_every_decision_is_logged(self, low_case, sec):
        review = decide(review_of(low_case, "security"), sec, "approve")

        entry = ReviewDecision.objects.get(review=review)
        assert (entry.decision, entry.rationale, entry.decided_by, entry.cycle) == ("approve", RATIONALE, sec, 1)
        assert entry.snapshot == review.approved_snapshot
        entry.rationale = "rewritten"
        with pytest.raises(ValueError, match="immutable"):
            entry.save()


class TestConditions:
    def test_conditional_approval_records_conditions_that_block_until_met(self, low_case, sec, owner):
        review = decide(review_of(low_case, "security"), sec, "approve_with_conditions",
                        conditions=conditions_for(owner, 2))

        assert review.status == "approved_with_conditions"
        unmet = list(selectors.unmet_conditions(low_case))
        assert [c.owner for c in unmet] == [owner, owner]

        services.condition_mark_met(condition=unmet[0], actor=sec)
        assert list(selectors.unmet_conditions(low_case)) == [unmet[1]]

    def test_approve_with_conditions_without_conditions_is_refused(self, low_case, sec):
        with pytest.raises(ValidationError) as refused:
            decide(review_of(low_case, "security"), sec, "approve_with_conditions")

        assert "at least one condition" in refused.value.message_dict["conditions"][0]
        assert review_of(low_case, "security").status == "open"

    def test_a_condition_needs_text_owner_and_a_future_due_date(self, low_case, sec):
        bad = [{"text": "", "owner": None, "due_date": timezone.localdate() - datetime.timedelta(days=1)}]
        with pytest.raises(ValidationError) as refused:
            decide(review_of(low_case, "security"), sec, "approve_with_conditions", conditions=bad)

        assert len(refused.value.message_dict["conditions"]) == 3

    def test_conditions_only_go_with_a_conditional_approval(self, low_case, sec, owner):
        with pytest.raises(ValidationError, match="only to an approval with conditions"):
            decide(review_of(low_case, "security"), sec, "approve", conditions=conditions_for(owner))

    def test_the_owner_does_not_certify_their_own_condition(self, low_case, sec, owner):
        decide(review_of(low_case, "security"), sec, "approve_with_conditions", conditions=conditions_for(owner))
        condition = selectors.unmet_conditions(low_case).get()

        with pytest.raises((PermissionDenied, Http404)):
            services.condition_mark_met(condition=condition, actor=owner)
        services.condition_mark_met(condition=condition, actor=sec)
        with pytest.raises(ValidationError, match="already marked met"):
            services.condition_mark_met(condition=condition, actor=sec)


class TestRefusals:
    @pytest.mark.parametrize("rationale", ["", "   ", "too short"])
    def test_rationale_is_required(self, low_case, sec, rationale):
        with pytest.raises(ValidationError) as refused:
            decide(review_of(low_case, "security"), sec, "approve", rationale=rationale)

        assert "rationale" in refused.value.message_dict

    def test_unknown_decision_is_refused(self, low_case, sec):
        with pytest.raises(ValidationError) as refused:
            decide(review_of(low_case, "security"), sec, "rubber_stamp")

        assert "decision" in refused.value.message_dict

    def test_separation_of_duties_refuses_the_business_owner_in_the_review_group(self, ava, custops):
        owner_reviewer = reviewer("security", "sec.owner")
        use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner_reviewer)

        reason = r"Separation of duties: you submitted .* may not decide its reviews"
        with pytest.raises(PermissionDenied, match=reason):
            decide(review_of(use_case, "security"), owner_reviewer, "approve")
        assert review_of(use_case, "security").status == "open"

    def test_an_owner_forced_onto_the_review_around_the_services_may_not_decide(self, low_case, owner):
        # A row written straight to the table (not through raci_set, which refuses it) grants the decision...
        RaciAssignment.objects.create(use_case=low_case, activity=RaciActivity.objects.get(key="security"),
                                      letter="R", user=owner, source="manual")
        intake_services.grants_recompute(use_case=low_case)
        assert permissions.permission_facts(owner, [low_case])[low_case.id].perms >= {"decide_security_review"}
        # ...but the business owner still may not decide, even were the permission check itself skipped.
        with pytest.raises(PermissionDenied, match="are Accountable for its business outcome"):
            decide(review_of(low_case, "security"), owner, "approve")
        with mock.patch.object(permissions, "require"), \
                pytest.raises(PermissionDenied, match="Separation of duties"):
            decide(review_of(low_case, "security"), owner, "approve")
        assert review_of(low_case, "security").status == "open"
        assert not ReviewDecision.objects.exists()

    def test_the_submitter_may_not_approve_their_own_use_case(self, low_case, ava):
        ava.groups.add(Group.objects.get(name="security"))
        with pytest.raises(PermissionDenied, match="Separation of duties"):
            decide(review_of(low_case, "security"), ava, "approve")

    def test_a_reviewer_of_another_function_may_not_decide(self, medium_case, priv):
        with pytest.raises(PermissionDenied, match="You do not have permission"):
            decide(review_of(medium_case, "security"), priv, "approve")

    def test_someone_without_access_gets_404(self, low_case, ben):
        with pytest.raises(Http404):
            decide(review_of(low_case, "security"), ben, "approve")

    def test_a_decided_review_is_not_decided_again(self, low_case, sec, sec_lead):
        review = review_of(low_case, "security")
        decide(review, sec, "approve")

        with pytest.raises(ValidationError, match="This review was already decided by Sam Secure at "):
            decide(review, sec_lead, "stop", rationale="Too risky after all, stop it.")
        review.refresh_from_db()
        assert (review.status, review.decided_by) == ("approved", sec)
        assert ReviewDecision.objects.filter(review=review).count() == 1


class TestAssignment:
    def test_assigning_starts_the_review_and_emails_the_assignee(self, low_case, sec, sec_lead,
                                                                 django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            review = services.review_assign(review=review_of(low_case, "security"), actor=sec, assignee=sec_lead)

        assert (review.status, review.assignee) == ("in_progress", sec_lead)
        assert [m.to for m in mail.outbox] == [[sec_lead.email]]
        assert "assigned to you" in mail.outbox[0].subject

    def test_the_assignee_must_be_able_to_decide(self, medium_case, sec, priv):
        with pytest.raises(ValidationError) as refused:
            services.review_assign(review=review_of(medium_case, "security"), actor=sec, assignee=priv)

        assert "may not decide the security review" in refused.value.message_dict["assignee"][0]

    def test_a_conflicted_assignee_is_refused_with_the_reason(self, ava, custops, sec):
        owner_reviewer = reviewer("security", "sec.owner")
        use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner_reviewer)

        with pytest.raises(ValidationError, match="Separation of duties"):
            services.review_assign(review=review_of(use_case, "security"), actor=sec, assignee=owner_reviewer)

    def test_only_reviewers_assign(self, medium_case, priv, sec):
        with pytest.raises(PermissionDenied):
            services.review_assign(review=review_of(medium_case, "security"), actor=priv, assignee=sec)


class TestNotifications:
    def test_request_changes_emails_the_submitter_after_commit(self, low_case, sec, ava,
                                                               django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            decide(review_of(low_case, "security"), sec, "request_changes",
                   rationale="Explain how long transcripts are kept.")
            assert mail.outbox == []  # nothing before the commit

        for callback in callbacks:
            callback()
        assert [m.to for m in mail.outbox] == [[ava.email]]
        assert "requests changes" in mail.outbox[0].subject
        assert "Explain how long transcripts are kept." in mail.outbox[0].body

    def test_escalation_emails_the_function_group(self, low_case, sec, sec_lead, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            decide(review_of(low_case, "security"), sec, "escalate", rationale="Needs the CISO's view on this.")

        assert [sorted(m.to) for m in mail.outbox] == [sorted([sec.email, sec_lead.email])]
        assert "escalated" in mail.outbox[0].subject

    def test_a_rolled_back_decision_sends_nothing(self, low_case, sec, django_capture_on_commit_callbacks):
        with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
              transaction.atomic()):
            decide(review_of(low_case, "security"), sec, "request_changes")
            raise RuntimeError("the request failed after the decision")

        assert callbacks == []
        assert mail.outbox == []
        assert review_of(low_case, "security").status == "open"

    def test_approvals_send_no_email(self, low_case, sec, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            decide(review_of(low_case, "security"), sec, "approve")
        assert mail.outbox == []


class TestComments:
    def test_people_on_the_use_case_comment(self, low_case, sec, ava):
        review = review_of(low_case, "security")
        comment = services.comment_add(use_case=low_case, actor=sec, body="  Which model version?  ", review=review)

        assert (comment.body, comment.author, comment.review) == ("Which model version?", sec, review)
        services.comment_add(use_case=low_case, actor=ava, body="GPT-4o, pinned.")
        assert low_case.comments.count() == 2

    def test_strangers_get_404(self, low_case, ben):
        with pytest.raises(Http404):
            services.comment_add(use_case=low_case, actor=ben, body="Hello")

    @pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
    def test_body_is_required_and_bounded(self, low_case, ava, body):
        with pytest.raises(ValidationError) as refused:
            services.comment_add(use_case=low_case, actor=ava, body=body)
        assert "body" in refused.value.message_dict
