"""Value measured against spend: realised value, ROI, budget by category, overdue measurements and their
reminders, and the KPI settings and costs as the KPI page takes them."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import KPI
from reviews import services, tasks
from reviews.models import CostEntry, KPIActual, MeasurementReminderLog
from reviews.selectors import value
from reviews.services import value as value_services
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


def today() -> datetime.date:
    """The local day the test runs on: under a zone far from UTC it is not the UTC day."""
    return timezone.localdate()


def live(stage="pilot", **answers):
    """Test data: an approved use case at ``stage`` (factories write rows; the product moves stages by gates)."""
    return UseCaseFactory(status="approved", stage=stage, **answers)


def kpi(use_case, *, baseline="10", direction="increase", unit_value=None, cadence="", owner=None, **fields):
    return KPIFactory(use_case=use_case, baseline=Decimal(baseline), target=Decimal("20"), direction=direction,
                      unit_value=None if unit_value is None else Decimal(unit_value), cadence=cadence, owner=owner,
                      **fields)


def measure(k, value_, days_ago):
    return KPIActual.objects.create(kpi=k, value=Decimal(value_),
                                    measured_on=today() - datetime.timedelta(days=days_ago),
                                    recorded_by=k.use_case.created_by)


def cost(use_case, actual, budget="0", category="platforms", month=datetime.date(2026, 5, 1)):
    return CostEntry.objects.create(use_case=use_case, period_start=month, category=category, budget=Decimal(budget),
                                    actual=Decimal(actual), recorded_by=use_case.created_by)


# ---------------------------------------------------------------- realised value and ROI


@pytest.mark.parametrize(
    ("direction", "baseline", "latest", "unit_value", "realised"),
    [
        ("increase", "10", "15", "100", "500.00"),  # 5 units better
        ("decrease", "10", "4", "2.5", "15.00"),  # lower is better: 6 units better
        ("increase", "10", "8", "100", "-200.00"),  # got worse: value lost
        ("decrease", "10", "10", "100", "0.00"),
    ],
)
def test_realised_value_is_the_latest_improvement_times_the_unit_value(db, direction, baseline, latest, unit_value,
                                                                       realised):
    use_case = live()
    k = kpi(use_case, baseline=baseline, direction=direction, unit_value=unit_value)
    measure(k, "0", days_ago=20)  # an older measurement does not count
    measure(k, latest, days_ago=3)
    assert value.use_case_value(use_case).realised_value == Decimal(realised)


def test_unpriced_unmeasured_and_future_measurements_add_nothing(db):
    use_case = live()
    measure(kpi(use_case, unit_value=None), "99", days_ago=1)  # no unit value
    kpi(use_case, unit_value="50")  # never measured
    dated = kpi(use_case, unit_value="10")
    measure(dated, "12", days_ago=5)
    measure(dated, "30", days_ago=-3)  # after as_of
    assert value.use_case_value(use_case).realised_value == Decimal("20.00")


@pytest.mark.parametrize(
    ("realised_units", "spend", "roi"),
    [(30, "1000", Decimal("2.0000")), (10, "1000", Decimal("0.0000")), (0, "400", Decimal("-1.0000")),
     (10, "0", None)],
)
def test_roi_is_value_less_spend_over_spend_and_none_without_spend(db, realised_units, spend, roi):
    use_case = live()
    measure(kpi(use_case, unit_value="100"), str(10 + realised_units), days_ago=1)
    cost(use_case, spend, budget="500")
    figures = value.use_case_value(use_case)
    assert (figures.spend, figures.roi) == (Decimal(spend), roi)
    assert set(figures.as_dict()) == {"realised_value", "spend", "roi", "currency", "as_of"}
    assert figures.as_dict()["as_of"] == today()


def test_portfolio_totals_by_strategic_outcome_and_bucket(db):
    first, second = live(), live()
    measure(kpi(first, unit_value="100"), "20", days_ago=1)  # 1,000
    cost(first, "500")
    cost(second, "250", category="data")
    data = value.portfolio_value(first.__class__.objects.filter(pk__in=[first.pk, second.pk]))
    assert (data["total"].realised_value, data["total"].spend, data["total"].roi) == (
        Decimal("1000.00"), Decimal("750.00"), Decimal("0.3333"))
    by_outcome = {row["label"]: row["figures"] for row in data["by_outcome"]}
    assert by_outcome[first.strategic_outcome.name].roi == Decimal("1.0000")
    assert by_outcome[second.strategic_outcome.name].roi == Decimal("-1.0000")
    [bucket] = data["by_bucket"]  # both in the factory's bucket
    assert bucket["figures"].spend == Decimal("750.00")


def _portfolio_queries(count):
    for _ in range(count):
        use_case = live()
        measure(kpi(use_case, unit_value="3"), "12", days_ago=2)
        cost(use_case, "10")
    with CaptureQueriesContext(connection) as captured:
        value.portfolio_value(UseCaseFactory._meta.model.objects.all())
    return len(captured)


def test_portfolio_value_reads_the_same_number_of_queries_whatever_its_size(db):
    assert _portfolio_queries(2) == _portfolio_queries(6) == 2  # priced measurements, then costs


def test_budget_against_actual_by_category(db):
    use_case = live()
    cost(use_case, "120", budget="100", category="infrastructure")
    cost(use_case, "30", budget="50", category="change")
    rows = {row["category"]: row for row in value.budget_by_category(use_case)}
    assert set(rows) == {"infrastructure", "data", "platforms", "governance", "change"}
    assert (rows["infrastructure"]["variance"], rows["change"]["variance"]) == (Decimal("20"), Decimal("-20"))
    assert not rows["data"]["recorded"]


def test_costs_of_one_month_are_kept_per_category(db):
    use_case = live()
    owner = use_case.business_owner
    for category in ("infrastructure", "data"):
        services.cost_record(use_case=use_case, actor=owner, period=datetime.date(2026, 5, 9), budget="10",
                             actual="8", category=category)
    services.cost_record(use_case=use_case, actor=owner, period=datetime.date(2026, 5, 20), budget="10", actual="9",
                         category="data")  # the same month and category again corrects it
    assert sorted(use_case.costs.values_list("category", "actual")) == [("data", 9), ("infrastructure", 8)]
    with pytest.raises(ValidationError) as refused:
        services.cost_record(use_case=use_case, actor=owner, period=today(), budget="1", actual="1", category="travel")
    assert set(refused.value.message_dict) == {"category"}


# ---------------------------------------------------------------- overdue measurements


@pytest.mark.parametrize(
    ("stage", "cadence", "days_ago", "due_days_ago"),
    [
        ("pilot", "", 7, None),  # the policy's weekly during pilot: due today, not late
        ("pilot", "", 8, 1),
        ("pilot", "", 15, 1),  # two weeks missed: reminded for the latest due day
        ("controlled_rollout", "", 8, None),  # monthly after pilot
        ("controlled_rollout", "", 32, 1),
        ("scaled", "quarterly", 60, None),
        ("scaled", "weekly", 8, 1),
        ("exploration", "weekly", 30, None),  # nothing to measure before a pilot
    ],
)
def test_a_measurement_is_overdue_once_the_last_is_older_than_the_cadence(db, stage, cadence, days_ago, due_days_ago):
    use_case = live(stage=stage)
    measure(kpi(use_case, cadence=cadence), "11", days_ago=days_ago)
    overdue = value.measurements_overdue(use_case)
    if due_days_ago is None:
        assert overdue == []
    else:
        assert [row.due_on for row in overdue] == [today() - datetime.timedelta(days=due_days_ago)]
        assert overdue[0].last_measured_on == today() - datetime.timedelta(days=days_ago)


def test_a_kpi_never_measured_is_due_a_cadence_after_it_was_defined(db, clock):
    use_case = live()
    k = kpi(use_case, cadence="weekly")
    assert value.measurements_overdue(use_case) == []
    clock.advance(8)
    [row] = value.measurements_overdue(use_case)
    assert (row.kpi_id, row.last_measured_on, row.days_overdue) == (k.pk, None, 1)


def _sweep(capture):
    mail.outbox.clear()
    with capture(execute=True):  # the reminders are queued once the sweep commits
        tasks.send_review_reminders.delay()
    return [(message.subject, tuple(message.to)) for message in mail.outbox]


def test_the_sweep_reminds_each_kpi_owner_once_per_missed_due_day(db, clock, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    use_case = live()
    owner = UserFactory(username="kim.kpi", email="kim@example.test")
    owned = kpi(use_case, name="Handling time", cadence="weekly", owner=owner)
    unowned = kpi(use_case, name="First-contact resolution", cadence="weekly")
    measure(owned, "11", days_ago=9)
    measure(unowned, "11", days_ago=9)
    measure(kpi(use_case, name="Fresh", cadence="weekly"), "11", days_ago=2)  # up to date: not reminded
    first = _sweep(capture)
    assert sorted(first) == sorted([
        (f"[Stagegate] {use_case.reference}: measurement of Handling time overdue", ("kim@example.test",)),
        # No owner: whoever the RACI makes Responsible for delivery, the delivery owner by default.
        (f"[Stagegate] {use_case.reference}: measurement of First-contact resolution overdue",
         (use_case.delivery_owner.email,)),
    ])
    assert _sweep(capture) == []  # the same day again: nothing twice
    clock.advance(1)
    assert _sweep(capture) == []  # still the same missed due day
    clock.advance(6)
    # The next week's due day missed as well, and the fresh one is now nine days old.
    assert len(_sweep(capture)) == 3
    assert MeasurementReminderLog.objects.count() == 5


def test_a_reminder_task_run_twice_sends_once(db):
    use_case = live()
    k = kpi(use_case, cadence="weekly")
    measure(k, "11", days_ago=10)
    assert value_services.send_measurement_reminder(kpi_id=k.pk, for_date=today()) is not None
    assert value_services.send_measurement_reminder(kpi_id=k.pk, for_date=today()) is None
    assert len(mail.outbox) == 1
    measure(k, "12", days_ago=0)  # measured since: nothing due
    KPI.objects.filter(pk=k.pk).update(cadence="monthly")
    assert list(value_services.measurement_reminders_due(today=today())) == []


def _due_queries(count):
    for _ in range(count):
        measure(kpi(live(), cadence="weekly"), "11", days_ago=10)
    with CaptureQueriesContext(connection) as captured:
        due = list(value_services.measurement_reminders_due(today=today()))
    return len(captured), len(due)


def test_the_sweep_reads_a_constant_number_of_queries(db):
    few, few_due = _due_queries(2)
    many, many_due = _due_queries(5)
    assert (few, few_due, many_due) == (many, 2, 7)


# ---------------------------------------------------------------- KPI settings


@pytest.mark.parametrize(
    ("data", "field"),
    [({"cadence": "0"}, "cadence"), ({"cadence": "daily"}, "cadence"), ({"cadence": None}, "cadence"),
     ({"unit_value": Decimal("-1")}, "unit_value"), ({"unit_value": "lots"}, "unit_value"),
     ({"value_type": "happiness"}, "value_type"), ({"colour": "red"}, "colour")],
)
def test_bad_kpi_settings_are_refused_at_their_field(db, data, field):
    use_case = live()
    k = kpi(use_case)
    with pytest.raises(ValidationError) as refused:
        value_services.kpi_value_set(kpi=k, actor=use_case.business_owner, data=data)
    assert set(refused.value.message_dict) == {field}
    k.refresh_from_db()
    assert (k.cadence, k.unit_value, k.value_type) == ("", None, "")


def test_kpi_settings_are_saved_and_audited(db):
    use_case = live()
    k = kpi(use_case)
    owner = UserFactory()
    value_services.kpi_value_set(kpi=k, actor=use_case.business_owner, data={
        "cadence": "monthly", "owner": owner, "value_type": "cost", "unit_value": Decimal("12.5")})
    k.refresh_from_db()
    assert (k.cadence, k.owner, k.value_type, k.unit_value) == ("monthly", owner, "cost", Decimal("12.5"))
    assert k.history.first().history_user == use_case.business_owner


def test_kpi_settings_need_the_right_to_manage_evidence(db):
    k = kpi(live())
    with pytest.raises((PermissionDenied, Http404)):
        value_services.kpi_value_set(kpi=k, actor=UserFactory(), data={"cadence": "weekly"})
    k.refresh_from_db()
    assert k.cadence == ""


# ---------------------------------------------------------------- the KPI page


def page(use_case):
    return reverse("reviews:kpis", args=[use_case.reference])


def test_the_page_keeps_bad_kpi_settings_at_their_fields(client, db):
    use_case = live()
    k = kpi(use_case)
    client.force_login(use_case.business_owner)
    response = client.post(page(use_case), {"form": "kpi_value", "value-kpi": k.pk, "value-cadence": "0",
                                            "value-unit_value": "-4", "value-value_type": "cost"})
    form = response.context["value_form"]
    assert set(form.errors) == {"cadence", "unit_value"}
    html = response.content.decode()
    assert 'value="-4"' in html  # nothing typed is lost
    k.refresh_from_db()
    assert (k.cadence, k.unit_value) == ("", None)


def test_the_page_saves_kpi_settings_and_costs_by_category(client, db):
    use_case = live()
    k = kpi(use_case, name="Handling time")
    client.force_login(use_case.business_owner)
    client.post(page(use_case), {"form": "kpi_value", "value-kpi": k.pk, "value-cadence": "weekly",
                                 "value-unit_value": "40", "value-value_type": "speed"})
    response = client.post(page(use_case), {"form": "cost", "cost-period": "2026-05", "cost-budget": "100",
                                            "cost-actual": "80", "cost-category": "governance"}, follow=True)
    k.refresh_from_db()
    assert (k.cadence, k.unit_value, k.value_type) == ("weekly", Decimal("40"), "speed")
    assert use_case.costs.get().category == "governance"
    html = response.content.decode()
    assert "Governance" in html and 'id="value-figures"' in html and "Measured weekly" in html
    bad = client.post(page(use_case), {"form": "cost", "cost-period": "2026-05", "cost-budget": "1",
                                       "cost-actual": "1", "cost-category": "travel"})
    assert set(bad.context["cost_form"].errors) == {"category"}


def test_the_value_panel_lists_overdue_measurements(client, db):
    use_case = live()
    measure(kpi(use_case, name="Handling time", cadence="weekly", unit_value="10"), "15", days_ago=12)
    cost(use_case, "25", budget="40", category="data")
    panel = value.value_panel(use_case)
    assert [row.name for row in panel["overdue"]] == ["Handling time"]
    assert (panel["figures"].realised_value, panel["figures"].roi) == (Decimal("50.00"), Decimal("1.0000"))
    assert [row["category"] for row in panel["categories"]] == ["data"]
    client.force_login(use_case.business_owner)
    html = client.get(page(use_case)).content.decode()
    assert 'id="overdue-measurements"' in html and "100.0%" in html
