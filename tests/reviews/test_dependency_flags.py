"""A change in the model registry or a vendor's approval reaches the live use cases that depend on it:
each is flagged once, re-reviewed once (architecture and security, procurement too for a vendor) with the
change named, and its delivery owner and go/no-go A are emailed once. Restoring clears, never reopens."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition
from intake.models import UseCaseEvent
from reviews.models import DependencyFlag, Review
from reviews.selectors.dependencies import dependency_flags, dependency_flags_for, dependency_panel
from tests.factories import UserFactory, at_stage
from tests.vendors.factories import AIModelFactory, VendorFactory
from vendors import services as vendor_services

from .factories import submitted_use_case
from .gate_world import approve_all_reviews, governance_admin


@pytest.fixture
def admin_user(db):
    return governance_admin()


_on_commit = {}


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    _on_commit["capture"] = django_capture_on_commit_callbacks


def committed():
    """The emails are queued after the commit: run them as a request's commit would."""
    return _on_commit["capture"](execute=True)


def live(ava, custops, *, stage="scaled", models=(), vendors=()):
    """An approved use case at ``stage`` that uses ``models`` and names ``vendors``."""
    use_case = submitted_use_case(created_by=ava, business_unit=custops)
    approve_all_reviews(use_case)
    use_case.ai_models.add(*models)
    use_case.vendors.add(*vendors)
    return at_stage(use_case, stage)


def opened(use_case):
    return sorted(Review.objects.filter(use_case=use_case, status="open").values_list("function", flat=True))


def ban(model, actor, status="banned", note="Vendor withdrew the model."):
    with committed():
        return vendor_services.ai_model_status_set(model=model, actor=actor, status=status, note=note)


def set_vendor(vendor, actor, status, note=""):
    with committed():
        return vendor_services.vendor_status_set(vendor=vendor, actor=actor, status=status, note=note)


def test_banning_flags_exactly_the_live_use_cases_that_use_it(ava, custops, admin_user, mailoutbox):
    model, other = AIModelFactory(), AIModelFactory()
    scaled = live(ava, custops, models=[model])
    pilot = live(ava, custops, stage="pilot", models=[model])
    exploring = live(ava, custops, stage="exploration", models=[model])
    retired = live(ava, custops, stage="retired", models=[model])
    elsewhere = live(ava, custops, models=[other])
    mail.outbox.clear()

    ban(model, admin_user)

    flagged = set(DependencyFlag.objects.values_list("use_case_id", flat=True))
    assert flagged == {scaled.pk, pilot.pk}
    for use_case in (scaled, pilot):
        use_case.refresh_from_db()
        assert use_case.status == "in_review"
        assert opened(use_case) == ["architecture", "security"]
        event = UseCaseEvent.objects.filter(use_case=use_case, kind="dependency_rereview").get()
        assert f"{model} is banned" in event.note and "Vendor withdrew the model." in event.note
    for use_case in (exploring, retired, elsewhere):
        assert opened(use_case) == []
    assert len(mail.outbox) == 2
    scaled_mail = next(m for m in mail.outbox if scaled.reference in m.subject)
    assert set(scaled_mail.to) >= {scaled.delivery_owner.email}
    assert "banned" in scaled_mail.subject and "Architecture, Security" in scaled_mail.body


def test_a_second_ban_or_a_deprecation_after_it_opens_nothing_more(ava, custops, admin_user, mailoutbox):
    model = AIModelFactory()
    use_case = live(ava, custops, models=[model])
    ban(model, admin_user, status="deprecated")
    reviews, sent = Review.objects.count(), len(mail.outbox)

    ban(model, admin_user)  # deprecated -> banned: the same flag, now banned
    ban(model, admin_user)  # banned again: no change at all

    assert Review.objects.count() == reviews and len(mail.outbox) == sent
    assert dependency_flags(use_case) == [
        {"kind": "model", "name": str(model), "status": "banned", "since": DependencyFlag.objects.get().since}]


def test_unbanning_clears_the_flag_and_reopens_nothing(ava, custops, admin_user, mailoutbox):
    model = AIModelFactory()
    use_case = live(ava, custops, models=[model])
    ban(model, admin_user)
    approve_all_reviews(use_case)
    reviews, sent = Review.objects.count(), len(mail.outbox)

    ban(model, admin_user, status="approved", note="Back in support.")

    flag = DependencyFlag.objects.get()
    assert flag.cleared_at is not None
    assert dependency_flags(use_case) == []
    assert Review.objects.count() == reviews and len(mail.outbox) == sent
    use_case.refresh_from_db()
    assert use_case.status == "approved"


def test_a_use_case_already_in_review_gets_the_reviews_in_its_cycle_with_approvals_reopened(
        ava, custops, admin_user):
    from reviews import services
    from reviews.models import ReviewDecision

    from .factories import reviewer

    model, other = AIModelFactory(), AIModelFactory()
    use_case = live(ava, custops, models=[model, other])
    ban(model, admin_user, status="deprecated")
    architecture = Review.objects.get(use_case=use_case, function="architecture", status="open")
    services.review_decide(review=architecture, actor=reviewer("architecture"), decision="approve",
                           rationale="Migration to the successor planned for Q3.")

    ban(other, admin_user)

    architecture.refresh_from_db()
    assert architecture.status == "open"
    reopened = ReviewDecision.objects.filter(review=architecture, decision="reopened").get()
    assert f"{other} is banned" in reopened.rationale
    assert Review.objects.filter(use_case=use_case, cycle__gt=architecture.cycle).count() == 0
    assert len(dependency_flags(use_case)) == 2


def test_vendor_approval_withdrawn_opens_procurement_too(ava, custops, admin_user, mailoutbox):
    vendor = VendorFactory(status="approved", approval_expires=datetime.date(2027, 1, 1))
    by_model = live(ava, custops, models=[AIModelFactory(provider=vendor)])
    named = live(ava, custops, vendors=[vendor])
    mail.outbox.clear()

    set_vendor(vendor, admin_user, "rejected", note="Breach reported.")

    for use_case in (by_model, named):
        assert opened(use_case) == ["architecture", "procurement", "security"]
        assert dependency_flags(use_case)[0]["kind"] == "vendor"
    assert len(mail.outbox) == 2

    set_vendor(vendor, admin_user, "approved")
    assert dependency_flags(named) == [] and len(mail.outbox) == 2


def test_an_expired_approval_is_flagged_by_the_daily_sweep_once(ava, custops, clock, mailoutbox):
    from vendors.tasks import send_vendor_expiry_reminders

    vendor = VendorFactory(status="approved", approval_expires=clock.today - datetime.timedelta(days=1))
    use_case = live(ava, custops, vendors=[vendor])
    mail.outbox.clear()

    with committed():
        send_vendor_expiry_reminders()
    with committed():
        send_vendor_expiry_reminders()

    assert [f["status"] for f in dependency_flags(use_case)] == ["approval_expired"]
    assert opened(use_case) == ["architecture", "procurement", "security"]
    assert len([m for m in mail.outbox if use_case.reference in m.subject]) == 1


@pytest.mark.parametrize("who", ["ordinary", "procurement"])
def test_only_governance_admins_change_a_model_status(ava, custops, who):
    user = UserFactory()
    if who == "procurement":
        user.groups.add(Group.objects.get(name="procurement"))
    model = AIModelFactory()
    live(ava, custops, models=[model])
    with pytest.raises(PermissionDenied):
        ban(model, user)
    model.refresh_from_db()
    assert model.status == "approved" and not DependencyFlag.objects.exists()


def test_procurement_may_withdraw_a_vendor_approval(db):
    buyer = UserFactory()
    buyer.groups.add(Group.objects.get(name="procurement"))
    vendor = VendorFactory(status="approved", approval_expires=datetime.date(2027, 1, 1))
    vendor_services.vendor_status_set(vendor=vendor, actor=buyer, status="rejected")
    vendor.refresh_from_db()
    assert vendor.status == "rejected"


@pytest.mark.parametrize(("current", "target", "error"), [
    ("approved", "retired", ValidationError),  # no such status
    ("prospect", "approved", InvalidTransition),  # approval only through an assessment
    ("under_assessment", "rejected", InvalidTransition),
    ("offboarded", "approved", InvalidTransition),
])
def test_vendor_status_refusals(admin_user, current, target, error):
    vendor = VendorFactory(status=current, approval_expires=datetime.date(2027, 1, 1))
    with pytest.raises(error):
        vendor_services.vendor_status_set(vendor=vendor, actor=admin_user, status=target)


def test_restoring_an_expired_approval_is_refused(admin_user, clock):
    vendor = VendorFactory(status="rejected", approval_expires=clock.today - datetime.timedelta(days=1))
    with pytest.raises(InvalidTransition, match="expired"):
        vendor_services.vendor_status_set(vendor=vendor, actor=admin_user, status="approved")


def test_an_unknown_model_status_is_refused_at_the_field(admin_user):
    with pytest.raises(ValidationError) as err:
        ban(AIModelFactory(), admin_user, status="sunset")
    assert "status" in err.value.message_dict


def test_the_flags_of_a_list_cost_one_query(ava, custops, admin_user, django_assert_num_queries):
    model = AIModelFactory()
    use_cases = [live(ava, custops, models=[model]) for _ in range(3)]
    ban(model, admin_user)
    with django_assert_num_queries(1):
        flags = dependency_flags_for([u.pk for u in use_cases])
    assert all(len(rows) == 1 for rows in flags.values())


def test_the_panel_names_the_flag(ava, custops, admin_user):
    from django.template.loader import render_to_string

    model = AIModelFactory(name="Atlas", version="2.0")
    use_case = live(ava, custops, models=[model])
    ban(model, admin_user, status="deprecated")
    html = render_to_string("reviews/between_gates/_dependencies.html", {"panel": dependency_panel(use_case)})
    assert "Atlas 2.0: deprecated" in html


# -- the daily sweeps: model review dates and monitoring plans ------------------------------------


def test_a_model_review_date_is_reminded_like_a_vendor_expiry(db, clock, mailoutbox):
    from vendors.tasks import send_vendor_expiry_reminders

    UserFactory(username="buyer").groups.add(Group.objects.get(name="procurement"))
    due = AIModelFactory(name="Atlas", version="9", next_review_date=clock.today + datetime.timedelta(days=10))
    AIModelFactory(next_review_date=clock.today + datetime.timedelta(days=90))  # not yet
    AIModelFactory(next_review_date=clock.today, status="banned")  # not reviewed for further use

    for _ in range(2):
        with committed():
            send_vendor_expiry_reminders()

    assert [m.subject for m in mail.outbox] == [f"[Stagegate] review of {due} due {due.next_review_date:%d %b %Y}"]
    clock.advance(11)
    with committed():
        send_vendor_expiry_reminders()
    assert "overdue since" in mail.outbox[-1].subject and len(mail.outbox) == 2


def _monitoring_plan(use_case, when):
    from reviews.models import ArtefactType, Evidence

    plan = Evidence.objects.create(
        use_case=use_case, file="evidence/plan.pdf", original_name="monitoring-plan.pdf",
        content_type="application/pdf", size=100, uploaded_by=use_case.created_by,
        artefact_type=ArtefactType.objects.get(key="monitoring_plan"))
    Evidence.objects.filter(pk=plan.pk).update(uploaded_at=when)
    return plan


def test_an_overdue_monitoring_plan_review_is_reminded_once(ava, custops, clock, mailoutbox):
    from intake.models import TierPolicy
    from reviews.tasks import send_review_reminders

    use_case = live(ava, custops)
    cadence = TierPolicy.objects.get(tier=use_case.risk_tier).rereview_days
    _monitoring_plan(use_case, clock.now - datetime.timedelta(days=cadence + 1))
    fresh = live(ava, custops)
    _monitoring_plan(fresh, clock.now - datetime.timedelta(days=cadence + 1))
    _monitoring_plan(fresh, clock.now)  # a newer plan restarts the clock
    assert dependency_panel(use_case)["monitoring"]["overdue"] is True
    assert dependency_panel(fresh)["monitoring"]["overdue"] is False
    mail.outbox.clear()

    for _ in range(2):
        with committed():
            send_review_reminders()

    sent = [m for m in mail.outbox if "monitoring plan" in m.subject]
    assert [m.subject.split(":")[0] for m in sent] == [f"[Stagegate] {use_case.reference}"]
    assert use_case.delivery_owner.email in sent[0].to


# -- admin: the same services --------------------------------------------------------------------


def test_a_status_changed_in_admin_goes_through_the_service(ava, custops, client, admin_user, mailoutbox):
    model = AIModelFactory()
    use_case = live(ava, custops, models=[model])
    client.force_login(admin_user)
    mail.outbox.clear()
    form = {"provider": model.provider_id, "external_id": "", "name": model.name, "version": model.version,
            "hosting": model.hosting, "max_data_classification": model.max_data_classification,
            "max_tier": model.max_tier, "status": "deprecated", "next_review_date": "", "notes": ""}

    with committed():
        response = client.post(f"/admin/vendors/aimodel/{model.pk}/change/", form)

    assert response.status_code == 302
    assert [f["status"] for f in dependency_flags(use_case)] == ["deprecated"]
    assert opened(use_case) == ["architecture", "security"] and len(mail.outbox) == 1


def test_withdrawing_a_vendor_approval_in_admin_flags_its_use_cases(ava, custops, client, admin_user):
    vendor = VendorFactory(status="approved", approval_expires=datetime.date(2027, 1, 1))
    use_case = live(ava, custops, vendors=[vendor])
    client.force_login(admin_user)
    response = client.post("/admin/vendors/vendor/", {
        "action": "withdraw_approval", "_selected_action": [vendor.pk], "apply": "1", "text": "Lost ISO 27001."})
    assert response.status_code == 302
    assert [f["status"] for f in dependency_flags(use_case)] == ["rejected"]


def test_the_demo_flags_a_live_use_case_by_its_deprecated_model_once(ava, custops, mailoutbox):
    from demo.between_dependencies import seed_deprecated_model_flag

    Group.objects.get(name="governance_admins").user_set.add(UserFactory(username="gov.admin"))  # the demo's
    model = AIModelFactory(provider=VendorFactory(name="Northwind AI"), name="Northwind Atlas", version="3.5",
                           status="deprecated")
    use_case = live(ava, custops, stage="paused", models=[model])

    for _ in range(2):
        with committed():
            seed_deprecated_model_flag()

    assert [f["status"] for f in dependency_flags(use_case)] == ["deprecated"]
    assert opened(use_case) == ["architecture", "security"]


def test_a_notice_lost_with_its_task_is_sent_by_the_next_sweep_once(ava, custops, admin_user, mailoutbox):
    from reviews.tasks import send_review_reminders

    model = AIModelFactory()
    use_case = live(ava, custops, models=[model])
    # Outside committed(): the email it queues after the commit never runs, as when the broker lost it.
    vendor_services.ai_model_status_set(model=model, actor=admin_user, status="banned", note="Withdrawn.")
    mail.outbox.clear()

    with committed():
        send_review_reminders()
    with committed():
        send_review_reminders()

    assert len([m for m in mail.outbox if use_case.reference in m.subject]) == 1
