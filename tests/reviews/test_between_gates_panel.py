"""The use-case page's "Between gates" panel: the pilot clock, overdue measurements and value against spend,
open incident actions and dependency flags of a use case past Exploration, from the same selectors as the
pilot, KPI and incident pages; nothing for a draft in Exploration; a constant number of queries."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import UseCase
from reviews.models import CostEntry, DependencyFlag, Incident, IncidentAction, KPIActual
from tests.factories import KPIFactory, UseCaseFactory


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def overrun_pilot(ava, custops) -> UseCase:
    """Test data: a use case in Pilot whose time-box ended 5 days ago (rows written as fixture set-up)."""
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, title="Claims triage assistant")
    today = timezone.localdate()
    UseCase.objects.filter(pk=use_case.pk).update(
        stage="pilot", status="approved", pilot_start=today - days(89), pilot_end=today - days(5))
    use_case.refresh_from_db()
    return use_case


def follow_up(use_case, ava, *, incidents: int = 1, kpis: int = 1) -> None:
    today, now = timezone.localdate(), timezone.now()
    for n in range(kpis):
        kpi = KPIFactory(use_case=use_case, name=f"Handling time {n}", baseline=Decimal("10"), target=Decimal("20"),
                         direction="increase", unit_value=Decimal("100"), cadence="weekly")
        KPIActual.objects.create(kpi=kpi, value=Decimal("14"), measured_on=today - days(30), recorded_by=ava)
    CostEntry.objects.create(use_case=use_case, period_start=datetime.date(2026, 5, 1), category="platforms",
                             budget=Decimal("500"), actual=Decimal("200"), recorded_by=ava)
    for n in range(incidents):
        incident = Incident.objects.create(
            use_case=use_case, severity=2, title=f"Wrong claim routed {n}", what_happened="Misrouted.",
            occurred_at=now - days(20), reported_by=ava)
        IncidentAction.objects.create(incident=incident, description=f"Add a routing check {n}", owner=ava,
                                      due_date=today - days(2), created_by=ava)
    DependencyFlag.objects.create(use_case=use_case, kind="model", object_id=1, name="Northwind Atlas 3.5",
                                  status="deprecated")


def test_a_pilot_past_its_end_shows_every_part_of_the_panel(ava_client, ava, custops):
    use_case = overrun_pilot(ava, custops)
    follow_up(use_case, ava)
    html = ava_client.get(reverse("intake:detail", args=[use_case.reference])).content.decode()
    panel = html[html.index('id="between-gates"'):]
    assert "Overrun by 5 days" in panel
    assert "measurement overdue" in panel and "Handling time 0" in panel
    assert "Add a routing check 0" in panel
    assert "Northwind Atlas 3.5" in panel and "deprecated" in panel


def test_a_draft_in_exploration_has_no_panel(ava_client, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops)
    html = ava_client.get(reverse("intake:detail", args=[use_case.reference])).content.decode()
    assert 'id="between-gates"' not in html


def _queries(client, ava, custops, size: int) -> int:
    use_case = overrun_pilot(ava, custops)
    follow_up(use_case, ava, incidents=size, kpis=size)
    url = reverse("intake:detail", args=[use_case.reference])
    client.get(url)  # warm the per-process caches (policy, matrix)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_panel_reads_as_many_queries_for_ten_incidents_and_kpis_as_for_one(ava_client, ava, custops):
    assert _queries(ava_client, ava, custops, 10) == _queries(ava_client, ava, custops, 1)


def test_impact_is_due_the_policys_days_after_the_pilot_started(ava_client, ava, custops):
    use_case = overrun_pilot(ava, custops)  # started 89 days ago; the policy allows 180
    html = ava_client.get(reverse("intake:detail", args=[use_case.reference])).content.decode()
    due = use_case.pilot_start + days(180)
    assert f"Impact due by {due.day} {due:%b %Y} (180 days after the pilot started)." in html


def test_a_pilot_with_no_realised_value_past_the_impact_window_is_flagged(ava_client, ava, custops):
    use_case = overrun_pilot(ava, custops)
    UseCase.objects.filter(pk=use_case.pk).update(pilot_start=timezone.localdate() - days(200))
    html = ava_client.get(reverse("intake:detail", args=[use_case.reference])).content.decode()
    assert "No realised value 180 days after the pilot started" in html
