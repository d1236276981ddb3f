"""A reviewer's first page of use cases, filtered by the permission
choke point, against the unfiltered first page of the same table.

Target: the ratio stays within 1.5x and does not grow from 10,000 to
100,000 use cases (about 10 grant rows per use case: 100,000 and 1,000,000 rows).
"""

from __future__ import annotations

from bench.common import analyze, child_main, median_seconds_pair, own_database, run_child

PAGE = 25
VOLUMES = (10_000, 100_000)
TARGET_RATIO = 1.5


# Who reviews what follows the governance model's matrix: security reviews
# every tier, privacy medium and high, legal only high. The tiers cycle
# 40% low, 40% medium, 20% high, so the three reviewers see 100%, 60% and
# 20% of the use cases: the filter's cost depends on that density.
REVIEWERS = (("security", "every tier"), ("privacy", "medium and high"), ("legal", "high only"))
_TIER_CYCLE = ("low", "medium", "high", "low", "medium")
_GROUPS_BY_TIER = {"low": ("security",), "medium": ("security", "privacy"), "high": ("security", "privacy", "legal")}
USER_GRANTS = 8  # plus 1.8 group grants on average: about 10 grant rows per use case


def _seed(total: int) -> None:
    """Grow the bench tables to ``total`` use cases, about 10 grant rows each."""
    from django.contrib.auth.models import Group, Permission, User

    from intake.models import BusinessUnit, UseCase, UseCaseGroupObjectPermission, UseCaseUserObjectPermission

    unit, _ = BusinessUnit.objects.get_or_create(code="BENCH", defaults={"name": "Bench"})
    owner, _ = User.objects.get_or_create(username="bench.owner")
    others = [User.objects.get_or_create(username=f"bench.user{n}")[0] for n in range(USER_GRANTS)]
    groups = {name: Group.objects.get(name=name) for name, _ in REVIEWERS}
    for name, group in groups.items():
        User.objects.get_or_create(username=f"bench.{name}")[0].groups.add(group)
    view = Permission.objects.get(codename="view_usecase", content_type__app_label="intake")
    have = UseCase.objects.count()
    if have >= total:
        return
    UseCase.objects.bulk_create(
        (UseCase(reference=f"UC-B{n:06d}", title=f"Bench use case {n}", business_unit=unit, created_by=owner,
                 status="submitted", risk_tier=_TIER_CYCLE[n % 5]) for n in range(have, total)),
        batch_size=5000,
    )
    new = list(UseCase.objects.filter(reference__gte=f"UC-B{have:06d}").values_list("id", "risk_tier"))
    UseCaseUserObjectPermission.objects.bulk_create(
        (UseCaseUserObjectPermission(user=u, permission=view, content_object_id=i) for i, _ in new for u in others),
        batch_size=20000,
    )
    UseCaseGroupObjectPermission.objects.bulk_create(
        (UseCaseGroupObjectPermission(group=groups[g], permission=view, content_object_id=i)
         for i, tier in new for g in _GROUPS_BY_TIER[tier]),
        batch_size=20000,
    )
    analyze()


def _pages(username: str):
    from django.contrib.auth.models import User

    from intake import permissions, selectors
    from intake.models import UseCase

    def filtered():
        reviewer = User.objects.get(username=username)  # fresh: no cached permissions
        rows = list(permissions.visible_use_cases_page(
            reviewer, selectors.use_case_list(queryset=UseCase.objects.all()))[:PAGE])  # as the list page asks
        permissions.permission_facts(reviewer, rows)  # what the page shows per row: can edit, can decide
        return rows

    def unfiltered():
        reviewer = User.objects.get(username=username)  # the same user lookup, for a fair floor
        rows = list(selectors.use_case_list(queryset=UseCase.objects.all())[:PAGE])
        permissions.permission_facts(reviewer, rows)  # the same per-row facts: only the filter differs
        return rows

    return filtered, unfiltered


def _measure() -> dict:
    """In a child process on a database of its own: the volumes are exactly this bench's use cases."""
    from django.core.management import call_command

    from intake.models import UseCase, UseCaseGroupObjectPermission, UseCaseUserObjectPermission

    call_command("migrate", verbosity=0)
    rows = []
    for volume in VOLUMES:
        _seed(volume)
        grants = UseCaseUserObjectPermission.objects.count() + UseCaseGroupObjectPermission.objects.count()
        for name, sees in REVIEWERS:
            filtered, unfiltered = _pages(f"bench.{name}")
            f, u = median_seconds_pair(filtered, unfiltered, runs=15)
            rows.append({"use_cases": UseCase.objects.count(), "grant_rows": grants, "reviewer": name, "sees": sees,
                         "filtered_ms": f * 1000, "unfiltered_ms": u * 1000, "ratio": f / u})
    return {"rows": rows}


def run() -> dict:
    rows = run_child("bench.bench_permissions", "measure", own_database("permissions"))["rows"]
    growth = {name: rows[len(REVIEWERS) + n]["ratio"] / rows[n]["ratio"] for n, (name, _) in enumerate(REVIEWERS)}
    ok = all(r["ratio"] <= TARGET_RATIO for r in rows) and all(g <= 1.2 for g in growth.values())
    lines = [
        "| use cases | grant rows | reviewer (reviews) | reviewer's first page (ms) | unfiltered first page (ms) "
        "| ratio |",
        "|---:|---:|---|---:|---:|---:|",
        *[f"| {r['use_cases']:,} | {r['grant_rows']:,} | {r['reviewer']} ({r['sees']}) | {r['filtered_ms']:.2f} "
          f"| {r['unfiltered_ms']:.2f} | {r['ratio']:.2f}x |" for r in rows],
        "",
        "Both sides do what the list page does: read the user, the page's rows (with their business unit) "
        "and the page's permission facts (can edit, can decide, in three queries); only the filter differs. "
        "The two are timed alternately, 15 times each after the warm-up. "
        "Growth of the ratio from 10k to 100k: "
        + ", ".join(f"{name} {g:.2f}x" for name, g in growth.items()) + ".",
        "",
        f"Target: every reviewer's ratio within {TARGET_RATIO}x at both volumes, growing by at most 1.2x "
        f"(noise) from 10k to 100k. {'Met.' if ok else 'NOT met.'} The filter walks the sort index and "
        "probes the grant indexes row by row (docs/decisions/permission-filter-shape.md), so a reviewer who "
        "sees a fifth of the use cases probes about five rows per row shown: the cost follows the page size "
        "and the share of use cases a reviewer sees, not the volume.",
    ]
    return {"title": "Permission-filtered use-case list", "body": "\n".join(lines), "ok": ok}


if __name__ == "__main__":
    child_main({"measure": _measure})
