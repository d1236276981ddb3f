"""Board packs: generating the executive and board packs for the demo portfolio
and for 300 use cases with 2,000 risks and 1,500 reviews.

Target at 300 use cases: the executive pack (data, PDF, file) in under 8 s
with a peak RSS under 400 MiB.

Each portfolio gets a database of its own (the shared bench database holds
the permission bench's 100,000 use cases, which would swamp a portfolio of
300), built by one subprocess; a second, fresh subprocess renders the packs
and reports its own peak RSS, so seeding never counts against the renderer.
"""

from __future__ import annotations

import tempfile

from bench.common import child_main, own_database, run_child

TARGET_SECONDS = 8.0
TARGET_MIB = 400
RUNS = 3
SCALE = {"use_cases": 300, "risks": 2000, "reviews": 1500}


# ---------------------------------------------------------------- databases


def _database_url(label: str) -> str:
    """A database of its own per portfolio, emptied first: a SQLite file, or a PostgreSQL database."""
    return own_database(f"board_pack_{label}")


def _child(step: str, url: str, media: str) -> dict:
    return run_child("bench.bench_board_pack", step, url, MEDIA_ROOT=media)


# ---------------------------------------------------------------- in the subprocesses


def _seed_demo() -> dict:
    from django.core.management import call_command

    from demo.seed import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo()
    return _counts()


def _counts() -> dict:
    from intake.models import UseCase
    from reviews.models import Review, Risk

    return {"use_cases": UseCase.objects.count(), "risks": Risk.objects.count(), "reviews": Review.objects.count()}


def _seed_scale() -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed_portfolio(**SCALE)
    return _counts()


def seed_portfolio(*, use_cases: int, risks: int, reviews: int) -> None:
    """A portfolio of ``use_cases`` across every stage and tier, with the evidence a pack reads, in bulk."""
    import datetime
    import random
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from intake.choices import ReviewFunction, Stage
    from intake.models import KPI, BusinessUnit, UseCase
    from reviews.models import (
        ChecklistEntry,
        ChecklistItem,
        GateDecision,
        Incident,
        KPIActual,
        ReadinessArea,
        ReadinessScore,
        Review,
        ReviewCondition,
        Risk,
    )

    rng = random.Random(42)
    now, today = timezone.now(), timezone.localdate()
    user_model = get_user_model()
    people = [user_model.objects.create(username=f"bench.person{n}", first_name="Bench", last_name=f"Person {n}",
                                        email=f"bench{n}@example.test") for n in range(12)]
    units = [BusinessUnit.objects.create(code=f"BU{n}", name=f"Business unit {n}") for n in range(6)]
    stages = [s.value for s in Stage]
    made = UseCase.objects.bulk_create(
        UseCase(reference=f"UC-P{n:05d}", title=f"Portfolio use case {n}", business_unit=units[n % len(units)],
                status="approved" if n % 3 else "in_review", stage=stages[n % len(stages)],
                risk_tier=("low", "medium", "high")[n % 3], eu_ai_act_category="minimal",
                problem_statement="Too slow.", outcome_baseline="10 days", outcome_target="cut to 4 days",
                outcome_time_horizon="6 months", created_by=people[n % 12], business_owner=people[(n + 1) % 12],
                delivery_owner=people[(n + 2) % 12], executive_sponsor=people[(n + 3) % 12],
                submitted_at=now - datetime.timedelta(days=rng.randint(1, 120)))
        for n in range(use_cases)
    )
    kpis = KPI.objects.bulk_create(
        KPI(use_case=uc, name=f"KPI {k}", category="process_efficiency", unit="minutes", baseline=Decimal(12),
            target=Decimal(8), direction="decrease") for uc in made for k in range(2))
    KPIActual.objects.bulk_create(
        KPIActual(kpi=kpi, measured_on=today - datetime.timedelta(days=30 * m), value=Decimal(rng.randint(7, 12)),
                  recorded_by=people[0]) for kpi in kpis for m in (1, 2))
    areas = ["data_privacy", "security_exposure", "output_reliability", "bias_fairness", "vendor_dependency"]
    statuses = ["open", "mitigating", "mitigated", "accepted", "closed"]
    Risk.objects.bulk_create(
        Risk(use_case=made[n % len(made)], area=rng.choice(areas), description=f"Bench risk {n}: " + "words " * 20,
             likelihood=rng.randint(1, 5), impact=rng.randint(1, 5), owner=rng.choice(people),
             mitigation_status=rng.choice(statuses), escalation_threshold=rng.choice((12, 15, 20)))
        for n in range(risks))
    functions = [f.value for f in ReviewFunction]
    review_statuses = ["open", "in_progress", "approved", "approved", "approved_with_conditions",
                       "changes_requested", "escalated"]

    def decided(status: str):
        return None if status in ("open", "in_progress") else now - datetime.timedelta(days=rng.randint(0, 40))

    made_reviews = Review.objects.bulk_create(
        Review(use_case=made[n % len(made)], function=functions[(n // len(made)) % len(functions)],
               stage="pilot", status=(status := rng.choice(review_statuses)), cycle=1, decided_at=decided(status),
               due_date=today - datetime.timedelta(days=rng.randint(-15, 30)), rationale="Reviewed.")
        for n in range(reviews))
    ReviewCondition.objects.bulk_create(
        ReviewCondition(review=review, text="Run a rollback drill before widening access.", owner=rng.choice(people),
                        due_date=today - datetime.timedelta(days=rng.randint(-20, 20)), met=rng.random() < 0.5)
        for review in made_reviews if review.status == "approved_with_conditions")
    readiness = list(ReadinessArea.objects.all())
    scored = [uc for uc in made if uc.stage in ("pilot", "controlled_rollout", "scaled", "paused")]
    ReadinessScore.objects.bulk_create(
        ReadinessScore(use_case=uc, area=area, score=rng.randint(2, 5), scored_by=people[0])
        for uc in scored for area in readiness)
    ChecklistEntry.objects.bulk_create(
        ChecklistEntry(use_case=uc, item=item, ready=rng.random() < 0.8, updated_by=people[0])
        for uc in scored for item in ChecklistItem.objects.all())
    decisions = GateDecision.objects.bulk_create(
        GateDecision(use_case=uc, outcome="scale", from_stage="exploration", to_stage="pilot",
                     rationale="Problem, owners and KPIs are clear.", decided_by=people[3])
        for uc in made if uc.stage != "exploration")
    for decision in decisions:  # spread over the last two months
        GateDecision.objects.filter(pk=decision.pk).update(decided_at=now - datetime.timedelta(days=rng.randint(0, 60)))
    Incident.objects.bulk_create(
        Incident(use_case=rng.choice(made), severity=rng.randint(1, 4), title=f"Incident {n}",
                 what_happened="Wrong answers for an afternoon.", status=rng.choice(("open", "resolved", "closed")),
                 occurred_at=now - datetime.timedelta(days=rng.randint(0, 90)), reported_by=people[0])
        for n in range(60))


def _measure() -> dict:
    import datetime
    import resource
    import statistics
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from pypdf import PdfReader

    from reports import selectors, services
    from reports.models import BoardPack

    today = timezone.localdate()
    results = {}
    for audience, days in (("executive_monthly", 30), ("board_quarterly", 90)):
        pack = BoardPack.objects.create(audience=audience, period_start=today - datetime.timedelta(days=days - 1),
                                        period_end=today, decisions_required="Decide the gates listed below.")
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            selectors.board_pack_data(pack)
            data_seconds = time.perf_counter() - start
        samples = []
        for _ in range(RUNS):
            BoardPack.objects.filter(pk=pack.pk).update(status="queued")
            start = time.perf_counter()
            services.board_pack_generate(pack_id=pack.pk)
            samples.append(time.perf_counter() - start)
        pack.refresh_from_db()
        if pack.status != "ready":
            raise RuntimeError(pack.error)
        with pack.file.open("rb") as handle:
            pages = len(PdfReader(handle).pages)
        results[audience] = {"data_s": data_seconds, "queries": len(captured.captured_queries),
                             "total_s": statistics.median(samples), "pages": pages, "bytes": pack.file.size}
    # ru_maxrss is in KiB on Linux: the peak of this whole process (Django, data, WeasyPrint).
    results["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


STEPS = {"seed-demo": _seed_demo, "seed-scale": _seed_scale, "measure": _measure}


# ---------------------------------------------------------------- the harness entry point


def run() -> dict:
    rows, ok = [], True
    for label, seed in (("demo", "seed-demo"), ("300", "seed-scale")):
        url = _database_url(label)
        with tempfile.TemporaryDirectory() as media:
            counts = _child(seed, url, media)
            figures = _child("measure", url, media)
        for audience in ("executive_monthly", "board_quarterly"):
            f = figures[audience]
            rows.append(f"| {label} | {counts['use_cases']:,} | {counts['risks']:,} | {counts['reviews']:,} "
                        f"| {audience.replace('_', ' ')} | {f['queries']} | {f['data_s']:.2f} | {f['total_s']:.2f} "
                        f"| {f['pages']} | {figures['peak_mib']:.0f} |")
        if label == "300":
            scale = figures["executive_monthly"]
            ok = scale["total_s"] < TARGET_SECONDS and figures["peak_mib"] < TARGET_MIB
    lines = [
        "| portfolio | use cases | risks | reviews | pack | queries | data (s) | data + PDF + file (s) | pages "
        "| peak RSS of the renderer (MiB) |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Seconds are the median of {RUNS} runs of `board_pack_generate` (selectors, WeasyPrint, storing the "
        "file); the peak RSS is of the process that rendered both packs, measured with resource.getrusage. "
        f"Target at 300 use cases: the executive pack under {TARGET_SECONDS:.0f} s and under {TARGET_MIB} MiB. "
        f"{'Met.' if ok else 'NOT met.'}",
    ]
    return {"title": "Board pack generation", "body": "\n".join(lines), "ok": ok}


if __name__ == "__main__":
    child_main(STEPS)
