"""Review data shared by the review benches (reminders, the admin queue, the API load test).

``grow_reviews(total)`` adds use cases under review, one review per function
each (eight), until the bench holds ``total`` such reviews, in bulk. Every
attribute follows from the review's index, so 15,000 reviews are the first
quarter of 60,000 with the same mix:

- due dates spread from 30 days overdue to 60 days ahead (about 37% are due
  soon or overdue);
- a quarter undecided (open or in progress), half of those assigned to the
  function's reviewer, the others left to the function group;
- one use case in ten already rejected (no reminders), the others under review;
- every function group granted view and its own decide permission on every
  use case, as its RACI would; one use case in three names an AI model.

On PostgreSQL the database is analysed after each load (see ``_analyze``).

Not a ``bench_*`` module, so ``bench.run`` does not run it.
"""

from __future__ import annotations

import datetime

PREFIX = "UC-R"
ABOUT = "Reviews from bench/reviewdata.py; on PostgreSQL the tables are analysed after loading, as autovacuum would."
REVIEWER = "rb.security"  # staff, in the security group: the reviewer of the queue and the API load test
LOADED = ("intake_usecase", "reviews_review", "intake_usecasegroupobjectpermission", "intake_usecase_ai_models")
DECIDED = ("approved", "approved_with_conditions", "changes_requested", "approved", "escalated", "approved")
DECISION = {"approved": "approve", "approved_with_conditions": "approve_with_conditions",
            "changes_requested": "request_changes", "escalated": "escalate"}


def reviewers() -> dict:
    """One active staff reviewer with an email per review function, by function."""
    from django.contrib.auth.models import Group, User

    from intake.choices import ReviewFunction

    people = {}
    for function in ReviewFunction.values:
        user, _ = User.objects.get_or_create(username=f"rb.{function}", defaults={
            "email": f"rb.{function}@example.test", "is_staff": True, "first_name": "Bench", "last_name": function})
        user.groups.add(Group.objects.get(name=function))
        people[function] = user
    return people


def _models() -> list:
    from vendors.models import AIModel, Vendor

    vendor, _ = Vendor.objects.get_or_create(name="Review bench vendor")
    return [AIModel.objects.get_or_create(provider=vendor, name=f"bench-model-{n}", version="1", defaults={
        "hosting": "vendor_api", "max_data_classification": level, "max_tier": "high"})[0]
        for n, level in enumerate(("confidential", "internal"))]


def _use_cases(start: int, stop: int, owner) -> list:
    from intake.models import BusinessUnit, UseCase

    unit, _ = BusinessUnit.objects.get_or_create(code="REVBENCH", defaults={"name": "Review bench"})
    return UseCase.objects.bulk_create(
        (UseCase(reference=f"{PREFIX}{u:06d}", title=f"Review bench use case {u}", business_unit=unit,
                 created_by=owner, business_owner=owner, delivery_owner=owner, executive_sponsor=owner,
                 status="rejected" if u % 10 == 9 else "in_review", risk_tier=("low", "medium", "high")[u % 3],
                 data_classification=("internal", "confidential")[u % 2], eu_ai_act_category="minimal",
                 ai_pattern="copilot", personal_data="none", decision_impact="none", autonomy="assists",
                 exposure="internal_small") for u in range(start, stop)),
        batch_size=2000)


def _review(n: int, use_case, people: dict, today: datetime.date, now):
    from intake.choices import ReviewFunction
    from reviews.models import Review

    function = ReviewFunction.values[n % 8]
    due = today + datetime.timedelta(days=(n * 37) % 91 - 30)
    if (n // 8 + n) % 4 == 0:  # undecided
        assignee = people[function] if (n // 32) % 2 else None
        return Review(use_case=use_case, function=function, stage="exploration", cycle=1, due_date=due,
                      status=("open", "in_progress")[n % 2], assignee=assignee)
    return Review(use_case=use_case, function=function, stage="exploration", cycle=1, due_date=due,
                  status=(status := DECIDED[n % 6]), decision=DECISION[status], rationale="Reviewed for the bench.",
                  decided_by=people[function], decided_at=now - datetime.timedelta(days=n % 40))


def _grants(use_cases: list) -> None:
    from django.contrib.auth.models import Group, Permission

    from intake.choices import ReviewFunction
    from intake.models import UseCaseGroupObjectPermission

    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="intake")}
    pairs = [(Group.objects.get(name=f), perms[c]) for f in ReviewFunction.values
             for c in ("view_usecase", f"decide_{f}_review")]
    UseCaseGroupObjectPermission.objects.bulk_create(
        (UseCaseGroupObjectPermission(group=g, permission=p, content_object_id=uc.pk) for uc in use_cases
         for g, p in pairs), batch_size=5000)


def _analyze() -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum keeps them in production; plans from the
    statistics of empty tables would measure a planner accident (minutes of nested loops), not the app."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in LOADED:
                cursor.execute(f'ANALYZE "{table}"')


def grow_reviews(total: int) -> int:
    """Add use cases (eight reviews each) until the bench holds ``total`` of these reviews; returns that count."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from intake.models import UseCase
    from reviews.models import Review

    people = reviewers()
    owner, _ = User.objects.get_or_create(username="rb.owner")
    have = UseCase.objects.filter(reference__startswith=PREFIX).count()
    want = -(-total // 8)
    if want > have:
        with transaction.atomic():
            made = _use_cases(have, want, owner)
            today, now = timezone.localdate(), timezone.now()
            Review.objects.bulk_create((_review(8 * (have + i) + k, uc, people, today, now)
                                        for i, uc in enumerate(made) for k in range(8)), batch_size=2000)
            models = _models()
            UseCase.ai_models.through.objects.bulk_create(
                (UseCase.ai_models.through(usecase_id=uc.pk, aimodel_id=models[(have + i) % 2].pk)
                 for i, uc in enumerate(made) if (have + i) % 3 == 0), batch_size=5000)
            _grants(made)
        _analyze()
    return Review.objects.filter(use_case__reference__startswith=PREFIX).count()
