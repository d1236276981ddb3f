"""Use cases between their gates for the reminder sweep bench: pilots, KPIs, incidents, monitoring plans.

``grow_between(reviews)`` adds live use cases (one for every 24 reviews, so 60,000 reviews come with
2,500 of them and the bench holds 10,000 use cases in all) until the bench holds that many, in bulk.
Every attribute follows from the use case's index, so the smaller volume is the first quarter of the
larger with the same mix:

- stages: pilot, controlled rollout, scaled, pilot, paused, scaled in turn (one in three in pilot); one
  in twenty withdrawn (nothing due); the pilots' ends spread from 40 days overrun to 79 days ahead
  (about one in eight ends within the reminder days, one in three has overrun);
- one gate decision each, 100 days ago; three KPIs each, cadence blank (the policy's), weekly, monthly
  or quarterly in turn, two in three with an owner, three actuals each with the last one from 0 to 60
  days ago (one KPI in ten never measured), so many measurements are overdue;
- one incident for every two use cases, its post-incident review due from 30 days ago to 29 ahead, one
  in three reviewed; two actions per incident due from 20 days ago to 19 ahead, one in five done;
- one monitoring plan per use case, uploaded from 30 to 400 days ago (many past their tier's cadence).

The rows are written with bulk_create (no history rows, no signals): the bench measures the sweep that
reads them, not the services that write them. Not a ``bench_*`` module, so ``bench.run`` does not run it.
"""

from __future__ import annotations

import datetime

PREFIX = "UC-B"
ABOUT = ("Use cases between their gates (pilots, KPIs, incidents, monitoring plans) from bench/betweendata.py, "
         "one for every 24 reviews.")
PER_REVIEWS = 24
STAGES = ("pilot", "controlled_rollout", "scaled", "pilot", "paused", "scaled")
LOADED = ("intake_usecase", "intake_kpi", "reviews_kpiactual", "reviews_gatedecision", "reviews_incident",
          "reviews_incidentaction", "reviews_postincidentreview", "reviews_evidence")
BATCH = 2000


def _people() -> dict:
    """Who the reminders go to: a delivery owner, a KPI owner, an incident owner (emails) and a PMO member."""
    from django.contrib.auth.models import Group, User

    people = {}
    for role in ("delivery", "kpi", "incident", "pmo"):
        people[role], _ = User.objects.get_or_create(username=f"bb.{role}", defaults={
            "email": f"bb.{role}@example.test", "first_name": "Bench", "last_name": role})
    people["pmo"].groups.add(Group.objects.get_or_create(name="pmo")[0])
    return people


def _use_cases(start: int, stop: int, people: dict, today: datetime.date) -> list:
    from intake.models import BusinessUnit, UseCase

    unit, _ = BusinessUnit.objects.get_or_create(code="BETWEENBENCH", defaults={"name": "Between-gates bench"})
    owner = people["delivery"]
    made = []
    for u in range(start, stop):
        stage = STAGES[u % len(STAGES)]
        end = today + datetime.timedelta(days=(u * 13) % 120 - 40) if stage == "pilot" else None
        made.append(UseCase(
            reference=f"{PREFIX}{u:06d}", title=f"Between-gates bench use case {u}", business_unit=unit,
            created_by=owner, business_owner=owner, delivery_owner=owner, executive_sponsor=owner,
            status="withdrawn" if u % 20 == 19 else "approved", stage=stage,
            pilot_start=end and end - datetime.timedelta(weeks=12), pilot_end=end,
            risk_tier=("low", "medium", "high")[u % 3], data_classification="internal",
            eu_ai_act_category="minimal", ai_pattern="copilot", personal_data="none", decision_impact="none",
            autonomy="assists", exposure="internal_small"))
    return UseCase.objects.bulk_create(made, batch_size=BATCH)


def _gate_decisions(made: list, people: dict, now) -> None:
    from reviews.models import GateDecision

    rows = GateDecision.objects.bulk_create(
        (GateDecision(use_case=uc, outcome="scale", from_stage="exploration", to_stage=uc.stage,
                      rationale="Bench.", decided_by=people["pmo"]) for uc in made), batch_size=BATCH)
    GateDecision.objects.filter(pk__in=[row.pk for row in rows]).update(decided_at=now - datetime.timedelta(days=100))


def _kpis(made: list, people: dict, start: int, today: datetime.date, now) -> None:
    from decimal import Decimal

    from intake.models import KPI
    from reviews.models import KPIActual

    kpis = KPI.objects.bulk_create(
        (KPI(use_case=uc, name=f"KPI {k}", category="business_outcome", unit="hours", baseline=Decimal(100),
             target=Decimal(80), direction="decrease", cadence=("", "weekly", "monthly", "quarterly")[n % 4],
             owner=people["kpi"] if n % 3 else None, value_type="speed", unit_value=Decimal(50) if n % 2 else None)
         for i, uc in enumerate(made) for k in range(3) for n in [3 * (start + i) + k]), batch_size=BATCH)
    KPI.objects.filter(pk__in=[kpi.pk for kpi in kpis]).update(created_at=now - datetime.timedelta(days=150))
    first = 3 * start
    KPIActual.objects.bulk_create(
        (KPIActual(kpi=kpi, measured_on=today - datetime.timedelta(days=(n * 17) % 61 + 30 * j),
                   value=Decimal(95 - 5 * j), recorded_by=people["kpi"])
         for n, kpi in enumerate(kpis, first) if n % 10 != 9 for j in range(3)), batch_size=BATCH)


def _incidents(made: list, people: dict, start: int, today: datetime.date, now) -> None:
    from reviews.models import Incident, IncidentAction, PostIncidentReview

    incidents = Incident.objects.bulk_create(
        (Incident(use_case=uc, severity=n % 4 + 1, title=f"Bench incident {n}", what_happened="Bench.",
                  status=("open", "investigating", "resolved", "closed")[n % 4],
                  occurred_at=now - datetime.timedelta(days=45), reported_by=people["incident"],
                  owner=people["incident"] if n % 5 else None,
                  review_due=today + datetime.timedelta(days=(n * 7) % 60 - 30))
         for i, uc in enumerate(made) if (n := start + i) % 2 == 0), batch_size=BATCH)
    PostIncidentReview.objects.bulk_create(
        (PostIncidentReview(incident=incident, cause="Bench.", impact="Bench.", lessons="Bench.",
                            completed_by=people["incident"], completed_at=now)
         for incident in incidents if incident.pk % 3 == 0), batch_size=BATCH)
    IncidentAction.objects.bulk_create(
        (IncidentAction(incident=incident, description=f"Bench action {a}", owner=people["incident"],
                        due_date=today + datetime.timedelta(days=(incident.pk * 11 + a * 7) % 40 - 20),
                        created_by=people["incident"], **_action_status(incident.pk + a, people, now))
         for incident in incidents for a in range(2)), batch_size=BATCH)


def _action_status(n: int, people: dict, now) -> dict:
    if n % 5 == 4:
        return {"status": "done", "done_at": now, "done_by": people["incident"]}
    return {"status": "open"}


def _monitoring_plans(made: list, people: dict, now) -> None:
    from reviews.models import ArtefactType, Evidence

    plan = ArtefactType.objects.get(key="monitoring_plan")
    rows = Evidence.objects.bulk_create(
        (Evidence(use_case=uc, file=f"evidence/bench/plan-{uc.pk}.pdf", original_name="monitoring-plan.pdf",
                  content_type="application/pdf", size=1000, uploaded_by=people["delivery"], artefact_type=plan)
         for uc in made), batch_size=BATCH)
    ages = (30, 100, 170, 200, 300, 400)
    for k, days in enumerate(ages):  # auto_now_add set them all to now: spread them in one update per age
        Evidence.objects.filter(pk__in=[row.pk for row in rows[k::len(ages)]]).update(
            uploaded_at=now - datetime.timedelta(days=days))


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in LOADED:
                cursor.execute(f'ANALYZE "{table}"')


def grow_between(reviews: int) -> int:
    """Add live use cases until the bench holds one for every ``PER_REVIEWS`` reviews; returns their count."""
    from django.db import transaction
    from django.utils import timezone

    from intake.models import UseCase

    have = UseCase.objects.filter(reference__startswith=PREFIX).count()
    want = reviews // PER_REVIEWS
    if want > have:
        people = _people()
        today, now = timezone.localdate(), timezone.now()
        with transaction.atomic():
            made = _use_cases(have, want, people, today)
            _gate_decisions(made, people, now)
            _kpis(made, people, have, today, now)
            _incidents(made, people, have, today, now)
            _monitoring_plans(made, people, now)
        _analyze()
    return UseCase.objects.filter(reference__startswith=PREFIX).count()
