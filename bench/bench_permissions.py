"""Issue 3: a reviewer's first page of use cases, filtered by the permission
choke point, against the unfiltered first page of the same table.

Target: the ratio stays within 1.5x and does not grow from 10,000 to
100,000 use cases (10 grant rows per use case: 100,000 and 1,000,000 rows).
"""

from __future__ import annotations

from bench.common import median_seconds

PAGE = 25
VOLUMES = (10_000, 100_000)
TARGET_RATIO = 1.5


def _seed(total: int) -> None:
    """Grow the bench tables to ``total`` use cases, 10 grant rows each."""
    from django.contrib.auth.models import Group, Permission, User

    from intake.models import BusinessUnit, UseCase, UseCaseGroupObjectPermission, UseCaseUserObjectPermission

    unit, _ = BusinessUnit.objects.get_or_create(code="BENCH", defaults={"name": "Bench"})
    owner, _ = User.objects.get_or_create(username="bench.owner")
    others = [User.objects.get_or_create(username=f"bench.user{n}")[0] for n in range(10)]
    reviewer, _ = User.objects.get_or_create(username="bench.reviewer")
    security = Group.objects.get(name="security")
    reviewer.groups.add(security)
    view = Permission.objects.get(codename="view_usecase", content_type__app_label="intake")
    have = UseCase.objects.count()
    if have >= total:
        return
    UseCase.objects.bulk_create(
        (UseCase(reference=f"UC-B{n:06d}", title=f"Bench use case {n}", business_unit=unit, created_by=owner,
                 status="submitted", risk_tier="medium") for n in range(have, total)),
        batch_size=5000,
    )
    new_ids = list(UseCase.objects.filter(reference__gte=f"UC-B{have:06d}").values_list("id", flat=True))
    UseCaseUserObjectPermission.objects.bulk_create(
        (UseCaseUserObjectPermission(user=u, permission=view, content_object_id=i) for i in new_ids for u in others),
        batch_size=20000,
    )
    UseCaseGroupObjectPermission.objects.bulk_create(
        (UseCaseGroupObjectPermission(group=security, permission=view, content_object_id=i) for i in new_ids[::10]),
        batch_size=20000,
    )


def _pages():
    from django.contrib.auth.models import User

    from intake import permissions, selectors
    from intake.models import UseCase

    def filtered():
        reviewer = User.objects.get(username="bench.reviewer")  # fresh: no cached permissions
        rows = list(permissions.use_cases_for(reviewer, selectors.use_case_list(queryset=UseCase.objects.all()))[:PAGE])
        permissions.permission_facts(reviewer, rows)
        return rows

    def unfiltered():
        User.objects.get(username="bench.reviewer")  # the same user lookup, for a fair floor
        return list(selectors.use_case_list(queryset=UseCase.objects.all())[:PAGE])

    return filtered, unfiltered


def run() -> dict:
    from intake.models import UseCaseGroupObjectPermission, UseCaseUserObjectPermission

    rows = []
    filtered, unfiltered = _pages()
    for volume in VOLUMES:
        _seed(volume)
        grants = UseCaseUserObjectPermission.objects.count() + UseCaseGroupObjectPermission.objects.count()
        f, u = median_seconds(filtered), median_seconds(unfiltered)
        rows.append({"use_cases": volume, "grant_rows": grants, "filtered_ms": f * 1000, "unfiltered_ms": u * 1000,
                     "ratio": f / u})
    growth = rows[-1]["ratio"] / rows[0]["ratio"]
    ok = all(r["ratio"] <= TARGET_RATIO for r in rows) and growth <= 1.2
    lines = [
        "| use cases | grant rows | reviewer's first page (ms) | unfiltered first page (ms) | ratio |",
        "|---:|---:|---:|---:|---:|",
        *[f"| {r['use_cases']:,} | {r['grant_rows']:,} | {r['filtered_ms']:.2f} | {r['unfiltered_ms']:.2f} "
          f"| {r['ratio']:.2f}x |" for r in rows],
        "",
        f"Target: ratio within {TARGET_RATIO}x at every volume and not growing with it "
        f"(growth 10k -> 100k: {growth:.2f}x). {'Met.' if ok else 'NOT met.'}",
    ]
    return {"title": "Permission-filtered use-case list (issue 3)", "body": "\n".join(lines), "ok": ok}
